"""Frozen CNN features: the "deep" half of a hybrid pipeline.

A pretrained torchvision backbone is run in inference mode and its pooled
activations are returned as a feature matrix, for a classical classifier to
learn from (MobileNetV2 + SVM in Das et al. 2022).
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ..base import ImageToFeaturesStep
from ..images import take_images
from ..utils._sklearn_compat import HasMethods, StrOptions
from ._row_cache import RowCache, image_key

__all__ = ["DeepFeatures"]


def _seed(random_state):
    """An int seed for torch: an int as given, else one drawn from ``random_state`` (None: fresh)."""
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class _FeatureTap:
    """Run a backbone and return the activation of one layer, globally pooled.

    ``layer="pool"`` taps the input of the last ``nn.Linear`` - the pooled
    penultimate features of any torchvision classifier (1280 for MobileNetV2,
    2048 for ResNet-50, 4096 for VGG) - without knowing each model's layout.
    """

    def __init__(self, model, layer):
        import torch

        self.model = model
        self.layer = layer
        if layer == "pool":
            linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
            if not linears:
                raise ValueError(f"{type(model).__name__} has no Linear layer to tap for layer='pool'")
            self.module, self.use_input = linears[-1], True
        else:
            modules = dict(model.named_modules())
            if layer not in modules:
                names = [n for n in modules if n][:40]
                raise ValueError(f"layer {layer!r} not found; some of the model's layers: {names}")
            self.module, self.use_input = modules[layer], False

    def __call__(self, batch):
        import torch

        captured = {}

        def hook(module, inputs, output):
            captured["x"] = inputs[0] if self.use_input else output

        handle = self.module.register_forward_hook(hook)
        try:
            self.model(batch)
        finally:
            handle.remove()
        x = captured["x"]
        if x.ndim == 4:  # a feature map: global average pool it
            x = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.flatten(x, 1)


class _TapModule:
    """An ``nn.Module`` wrapper around a tap, for ONNX export (built lazily)."""

    @staticmethod
    def build(tap):
        import torch

        class Tap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = tap.model

            def forward(self, x):
                return tap(x)

        return Tap()


@dataclass(frozen=True)
class _Frozen:
    model: object
    resolved: object
    n_features_out: int
    engine: str
    onnx_model: bytes | None


@lru_cache(maxsize=4)
def _load_frozen(backbone, weights, random_state, layer, engine, file_stamp=None) -> _Frozen:
    """Build (and for onnx, export) a frozen backbone once per process and configuration.

    ``GridSearchCV`` and ``cross_validate`` clone and refit the pipeline for every
    candidate and fold; the backbone is frozen, so all those fits can share one
    loaded model instead of re-reading weights and re-exporting it each time.
    """
    import torch

    from ..weights import build_backbone

    model, resolved = build_backbone(backbone, weights, random_state=random_state)
    model = model.to(memory_format=torch.channels_last)  # faster convolutions on CPU
    for p in model.parameters():
        p.requires_grad_(False)
    tap = _FeatureTap(model, layer)
    size = resolved.preprocessing.crop_size
    with torch.inference_mode():
        n_features_out = int(tap(torch.zeros(1, 3, size, size)).shape[1])
    onnx_model, used = None, "torch"
    if engine != "torch":
        try:
            onnx_model, used = _export_onnx(tap, size), "onnx"
        except Exception as exc:  # noqa: BLE001 - any export failure falls back under "auto"
            if engine == "onnx":
                raise
            warnings.warn(f"ONNX export of {backbone} failed ({exc}); using torch", stacklevel=3)
    return _Frozen(model, resolved, n_features_out, used, onnx_model)


def _export_onnx(tap, size) -> bytes:
    import torch

    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ImportError("engine='onnx' needs onnxruntime: pip install onnx onnxruntime") from exc
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is chatty (tracer and deprecation warnings) but exact here.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _TapModule.build(tap).eval(),
            (torch.zeros(1, 3, size, size),),
            buffer,
            input_names=["images"],
            output_names=["features"],
            dynamic_axes={"images": {0: "batch"}, "features": {0: "batch"}},
            dynamo=False,
        )
    return buffer.getvalue()


class DeepFeatures(ImageToFeaturesStep):
    """Pooled features of a pretrained torchvision CNN.

    Parameters
    ----------
    backbone : str, default="mobilenet_v2"
        Any torchvision classification model name
        (``featleuk.weights.list_backbones()``).
    weights : str, path-like or None, default="DEFAULT"
        ``"DEFAULT"``, a torchvision weights name (``"IMAGENET1K_V1"``), a
        local state-dict file, or ``None`` for a randomly initialised network
        (reproducible with ``random_state``). Weights are resolved offline in
        ``fit`` by :mod:`featleuk.weights`; nothing is downloaded.
    layer : str, default="pool"
        ``"pool"``: the pooled penultimate features (the input of the last
        linear layer). Otherwise the name of a module
        (``dict(model.named_modules())``), whose output is global-average
        pooled if it is a feature map.
    preprocess : {"weights", "resize"}, default="weights"
        ``"weights"``: the weights' own transforms (resize, centre crop,
        normalise). ``"resize"``: resize the whole image to the crop size,
        then normalise.
    mask : {"ignore", "blank"}, default="ignore"
        For 4-channel input (RGB + nucleus mask from a segmenter):
        ``"ignore"`` drops the mask, ``"blank"`` blanks the background to
        the normalisation mean (zero after normalising) so only the nucleus
        is seen.
    batch_size : int, default=32
        Images decoded and run per forward pass (bounds memory).
    engine : {"auto", "torch", "onnx"}, default="auto"
        ``"onnx"`` exports the network once in ``fit`` and runs it with
        onnxruntime, which is 2-3x faster on a CPU (see docs/benchmarks.md).
        ``"auto"`` uses onnx when onnxruntime is installed and the export
        succeeds, else eager torch (``engine_`` says which ran). The two
        agree to about 1e-5.
    memory : str, joblib.Memory or None, default=None
        Directory of a per-image feature cache keyed by image content and this
        configuration, so repeated transforms (CV folds, grid-search
        candidates, several presets) extract each image once.
    %(show_progress)s
    random_state : int, RandomState instance or None, default=0
        Seeds the initialisation when ``weights=None`` (an int is
        repeatable; ``None`` or a ``RandomState`` instance draw a seed).

    Attributes
    ----------
    model_ : torch.nn.Module
        The backbone, in eval mode.
    weights_ : str or None
        Which weights were loaded (e.g. ``"MobileNet_V2_Weights.IMAGENET1K_V1"``).
    pretrained_ : bool
    engine_ : {"torch", "onnx"}
        The engine that runs.
    preprocessing_ : featleuk.weights.Preprocessing
    n_features_out_ : int
    feature_names_out_ : ndarray of str
        ``<backbone>_<layer>_<i>`` for each output column.
    %(n_images_seen_)s

    Notes
    -----
    The network is frozen: ``fit`` learns nothing from the images, so the
    features of an image do not depend on the training fold. This is what
    makes it leakage-free to extract features once and cross-validate the
    rest of a pipeline on them.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> pipe = make_pipeline(DeepFeatures("mobilenet_v2", weights="IMAGENET1K_V1"), SVC())
    """

    _parameter_constraints = {
        # A CNN runs on a whole batch: no per-image workers, so no n_jobs.
        **{k: v for k, v in ImageToFeaturesStep._parameter_constraints.items() if k != "n_jobs"},
        "backbone": [str],
        "weights": [str, os.PathLike, None],
        "layer": [str],
        "preprocess": [StrOptions({"weights", "resize"})],
        "mask": [StrOptions({"ignore", "blank"})],
        "engine": [StrOptions({"auto", "torch", "onnx"})],
        "memory": [str, os.PathLike, None, HasMethods(["cache"])],
        "random_state": ["random_state"],
    }
    _learns_from_data = False

    def __init__(
        self,
        backbone="mobilenet_v2",
        weights="DEFAULT",
        *,
        layer="pool",
        preprocess="weights",
        mask="ignore",
        batch_size=32,
        engine="auto",
        memory=None,
        show_progress=True,
        random_state=0,
    ):
        self.backbone = backbone
        self.weights = weights
        self.layer = layer
        self.preprocess = preprocess
        self.mask = mask
        self.batch_size = batch_size
        self.engine = engine
        self.memory = memory
        self.show_progress = show_progress
        self.random_state = random_state

    def _fit_images(self, X):
        """Load the backbone and its weights; ``X`` is only validated.

        The loaded (and, for onnx, exported) network is shared by every fit with
        the same backbone, weights, layer and engine in this process, so a grid
        search does not reload it for each candidate and fold.
        """
        weights_key = os.fspath(self.weights) if isinstance(self.weights, os.PathLike) else self.weights
        # A weights file's mtime joins the cache key, so an edited file is reloaded.
        stamp = os.stat(weights_key).st_mtime_ns if weights_key and os.path.isfile(weights_key) else None
        frozen = _load_frozen(self.backbone, weights_key, _seed(self.random_state), self.layer, self.engine,
                              stamp)
        self.model_ = frozen.model
        self.weights_ = frozen.resolved.name
        self.pretrained_ = frozen.resolved.pretrained
        self.preprocessing_ = frozen.resolved.preprocessing
        self.n_features_out_ = frozen.n_features_out
        self.engine_ = frozen.engine
        self._onnx_model = frozen.onnx_model
        prefix = f"{self.backbone}_{self.layer}".replace(".", "_")
        self.feature_names_out_ = np.asarray([f"{prefix}_{i}" for i in range(self.n_features_out_)],
                                             dtype=object)

    # -- engines -----------------------------------------------------------------

    def _runner(self):
        """A callable float tensor batch -> float32 ndarray, for the chosen engine."""
        import torch

        if self.engine_ == "onnx":
            session = getattr(self, "_onnx_session", None)
            if session is None:
                import onnxruntime as ort

                session = ort.InferenceSession(self._onnx_model, providers=["CPUExecutionProvider"])
                self._onnx_session = session
            return lambda batch: session.run(None, {"images": batch.numpy()})[0]
        tap = _FeatureTap(self.model_, self.layer)

        def run(batch):
            with torch.inference_mode():
                return tap(batch.contiguous(memory_format=torch.channels_last)).numpy()

        return run

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_onnx_session", None)  # onnxruntime sessions cannot be pickled
        return state

    # -- transform ---------------------------------------------------------------

    def _cache_config(self) -> dict:
        from .. import __version__

        return {
            "extractor": "DeepFeatures",
            "backbone": self.backbone,
            "weights": self.weights_,
            "layer": self.layer,
            "preprocess": self.preprocess,
            "mask": self.mask,
            "featleuk": __version__,
        }

    def _transform_batch(self, images):
        from .._torch_preprocess import to_tensor_batch

        batch = to_tensor_batch(images, self.preprocessing_, mode=self.preprocess,
                                fill_mask=self.mask == "blank")
        return np.asarray(self._runner()(batch), dtype=np.float32)

    def _feature_rows(self, X, *, n_skipped=0):
        """Rows from the cache where there are any; the other images go through the network."""
        if self.memory is None:
            return super()._feature_rows(X, n_skipped=n_skipped)
        out = np.empty((len(X), self.n_features_out_), dtype=np.float32)
        cache = RowCache(self.memory, self._cache_config())
        # Paths are keyed by path, size and mtime (no decoding); arrays by pixels.
        keys = [image_key(item) for item in X]
        cached = [cache.get(key) for key in keys]
        todo = np.asarray([i for i, row in enumerate(cached) if row is None], dtype=int)
        for i, row in enumerate(cached):
            if row is not None:
                out[i] = row
        if len(todo):
            subset = X if len(todo) == len(X) else take_images(X, todo)
            out[todo] = super()._feature_rows(subset, n_skipped=n_skipped + len(X) - len(todo))
            for i in todo:
                cache.put(keys[i], out[i])
        return out
