"""Frozen CNN features: the "deep" half of a hybrid pipeline.

A pretrained torchvision backbone is run in inference mode and its pooled
activations are returned as a feature matrix, for a classical classifier to
learn from (MobileNetV2 + SVM in Das et al. 2022).

A fitted ``DeepFeatures`` refers to its network by name (backbone, weights
name, the weights file's sha256), never holds it in its pickled state: the
network is rebuilt on the first transform after loading, and the sha256 is
checked, so a saved pipeline is a small file that runs only with the very
weights it was fitted with.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from ..base import ImageToFeaturesStep, map_image_batches
from ..images import take_images
from ..utils._sklearn_compat import HasMethods, StrOptions
from ..weights import WeightsUnavailableError

__all__ = ["DeepFeatures"]

#: Engine names accepted by ``DeepFeatures(engine=...)``; "onnx" is an alias of "onnxruntime".
ENGINE_OPTIONS = ("auto", "torch", "onnxruntime", "openvino", "onnx")
#: Training images (evenly spaced over ``X``) that calibrate an int8 network.
N_CALIBRATION_IMAGES = 128

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def _seed(random_state):
    """An int seed for torch: an int as given, else one drawn from ``random_state`` (None: fresh)."""
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _is_library_frame(filename: str) -> bool:
    import sklearn

    if filename.startswith(os.path.dirname(sklearn.__file__)):
        return True
    return filename.startswith(_PACKAGE_DIR) and f"{os.sep}tests{os.sep}" not in filename


def _stacklevel_to_user() -> int:
    """The ``stacklevel`` (counted from our caller) of the first frame outside featleuk and sklearn.

    ``fit`` is reached through sklearn's wrappers, pipelines and featleuk's
    own helpers, so a fixed count would point at library code for some calls.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and _is_library_frame(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    return level


@dataclass(frozen=True)
class _Network:
    tap: object  # FeatureTap
    resolved: object  # featleuk.weights.ResolvedWeights
    sha256: str | None
    n_features: int


@lru_cache(maxsize=4)
def _load_network(backbone, weights, seed, layer, file_stamp=None) -> _Network:
    """Build a frozen backbone tapped at ``layer``, once per process and configuration.

    ``GridSearchCV`` and ``cross_validate`` clone and refit the pipeline for every
    candidate and fold; the backbone is frozen, so all those fits share one loaded
    model instead of re-reading its weights each time. ``file_stamp`` (a local
    weights file's mtime) makes an edited file load again.
    """
    import torch

    from ..weights import _sha256, build_backbone
    from ._tap import FeatureTap

    model, resolved = build_backbone(backbone, weights, random_state=seed)
    for p in model.parameters():
        p.requires_grad_(False)
    tap = FeatureTap(model, layer).eval()
    size = resolved.preprocessing.crop_size
    with torch.inference_mode():
        n_features = int(tap(torch.zeros(1, 3, size, size)).shape[1])
    sha256 = _sha256(resolved.path) if resolved.path is not None else None
    return _Network(tap, resolved, sha256, n_features)


_RUNNERS: OrderedDict = OrderedDict()  # (network key, engine, precision, calibration key) -> Runner
_MAX_RUNNERS = 6


def _cached_runner(key, build):
    if key in _RUNNERS:
        _RUNNERS.move_to_end(key)
        return _RUNNERS[key]
    runner = build()
    _RUNNERS[key] = runner
    while len(_RUNNERS) > _MAX_RUNNERS:
        _RUNNERS.popitem(last=False)
    return runner


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
        Images decoded and run per forward pass (bounds memory). The next
        batch is decoded and resized in threads while the network runs.
    engine : {"auto", "torch", "onnxruntime", "openvino", "onnx"}, default="auto"
        What runs the network (:mod:`featleuk.engines`). ``"auto"``: the
        fastest installed engine for ``precision`` (onnxruntime for fp32,
        about 4x eager torch on a CPU), saying once, in a warning, when it
        has to fall back to a slower one. ``"onnx"`` is another name for
        ``"onnxruntime"``. ``engine_`` names the engine that runs.
    precision : {"fp32", "bf16", "int8"}, default="fp32"
        ``"fp32"`` is exact (every engine agrees with torch to about 1e-6).
        ``"bf16"`` (OpenVINO, on CPUs with bf16 instructions) and ``"int8"``
        (static quantization, calibrated in ``fit`` on up to 128 of the
        training images) are faster and approximate; see the performance
        notes in the documentation for the accuracy they cost. With
        ``"int8"``, ``fit`` learns the calibration from ``X``, so the step is
        no longer frozen (``learns_from_data`` is true) and is refitted in
        each training fold.
    jpeg_draft : bool, default=True
        Decode a JPEG at least twice as large as the network needs at 1/2,
        1/4 or 1/8 scale (libjpeg's draft mode) before resizing it, instead
        of decoding every pixel only to shrink it. A field of 2592 x 1944
        pixels then decodes several times faster; the features change by
        about as much as the choice of resampling filter would. Images at
        most twice the network's input, and arrays, are not affected.
    memory : str, path-like, joblib.Memory or None, default=None
        A :class:`featleuk.store.FeatureStore` (its file, or a folder to hold
        it) keeping one row per image, keyed by the image's content (sha256
        of the file's bytes) and everything in this configuration that
        changes the output. Repeated transforms (CV folds, grid-search
        candidates, several presets, later runs) extract each image once.
    %(show_progress)s
    random_state : int, RandomState instance or None, default=0
        Seeds the initialisation when ``weights=None`` (an int is
        repeatable; ``None`` or a ``RandomState`` instance draw a seed).

    Attributes
    ----------
    model_ : torch.nn.Module
        The backbone, in eval mode (rebuilt on first use after unpickling).
    weights_ : str or None
        Which weights were loaded (e.g. ``"MobileNet_V2_Weights.IMAGENET1K_V1"``,
        or ``"file:<file name>"`` for a local file).
    weights_sha256_ : str or None
        sha256 of the weights file; checked when the network is rebuilt.
    pretrained_ : bool
    engine_ : {"torch", "onnxruntime", "openvino"}
        The engine that runs.
    precision_ : {"fp32", "bf16", "int8"}
    preprocessing_ : featleuk.weights.Preprocessing
    n_features_out_ : int
    feature_names_out_ : ndarray of str
        ``<backbone>_<layer>_<i>`` for each output column.
    %(n_images_seen_)s

    Notes
    -----
    The network is frozen: ``fit`` learns nothing from the images (unless
    ``precision="int8"``), so the features of an image do not depend on the
    training fold. This is what makes it leakage-free to extract features
    once and cross-validate the rest of a pipeline on them.

    Pickling (or ``skops.io.dump``) keeps the network's description, not its
    tensors: loading on another machine needs the same weights there (a
    :class:`~featleuk.weights.WeightsUnavailableError` on the first
    transform says which). An int8 model keeps its quantized network, which
    cannot be rebuilt without the calibration images.

    The ONNX export of the network (seconds for MobileNetV2) is kept in
    featleuk's cache folder, ``<cache>/onnx`` (:func:`featleuk.engines.cache_dir`:
    ``$FEATLEUK_CACHE_DIR``, else ``~/.cache/featleuk`` on Linux), keyed by
    backbone, weights name and sha256, layer, input size, seed and the
    torchvision, torch, onnx and featleuk versions, and checked against its
    own sha256 when read. A loaded fp32 model whose export is cached runs
    it without building the torch network: the weights file is still found
    and its sha256 compared with ``weights_sha256_``. Set
    ``FEATLEUK_CACHE_DIR=none`` to turn the cache off;
    :func:`featleuk.engines.clear_onnx_cache` (or deleting the folder)
    clears it.

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
        "engine": [StrOptions(set(ENGINE_OPTIONS))],
        "precision": [StrOptions({"fp32", "bf16", "int8"})],
        "jpeg_draft": ["boolean"],
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
        precision="fp32",
        jpeg_draft=True,
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
        self.precision = precision
        self.jpeg_draft = jpeg_draft
        self.memory = memory
        self.show_progress = show_progress
        self.random_state = random_state

    def __sklearn_tags__(self):
        # int8 calibration ranges come from the training images.
        tags = super().__sklearn_tags__()
        tags.learns_from_data = self.precision == "int8"
        return tags

    # -- the network ----------------------------------------------------------------

    def _network_spec(self, weights):
        """The arguments of :func:`_load_network` for a weights spec."""
        weights_key = os.fspath(weights) if isinstance(weights, os.PathLike) else weights
        # A weights file's mtime joins the cache key, so an edited file is reloaded.
        stamp = os.stat(weights_key).st_mtime_ns if weights_key and os.path.isfile(weights_key) else None
        return (self.backbone, weights_key, self._init_seed, self.layer, stamp)

    def _fit_images(self, X):
        """Load the backbone and its weights, and prepare the engine.

        ``X`` is only validated, except with ``precision="int8"``, where up to
        :data:`N_CALIBRATION_IMAGES` of its images, evenly spaced, calibrate
        the quantization. The loaded network and the engine's runner are
        shared by every fit with the same configuration in this process.
        """
        self._init_seed = _seed(self.random_state)
        spec = self._network_spec(self.weights)
        network = _load_network(*spec)
        resolved = network.resolved
        self.weights_ = (f"file:{Path(resolved.path).name}" if resolved.source == "local-file"
                         else resolved.name)
        self.weights_sha256_ = network.sha256
        self.pretrained_ = resolved.pretrained
        self.preprocessing_ = resolved.preprocessing
        self.n_features_out_ = network.n_features
        prefix = f"{self.backbone}_{self.layer}".replace(".", "_")
        self.feature_names_out_ = np.asarray([f"{prefix}_{i}" for i in range(self.n_features_out_)],
                                             dtype=object)
        engine = "onnxruntime" if self.engine == "onnx" else self.engine
        calibration = self._calibration(X) if self.precision == "int8" else None
        runner = self._make_runner(network, spec, engine, self.precision, calibration)
        self._runner = runner
        self.engine_ = runner.engine
        self.precision_ = runner.precision
        self._runner_config = runner.cache_config
        # An int8 network cannot be rebuilt without its calibration images: keep it.
        self._quantized = runner._model if runner.precision == "int8" else None

    def _calibration(self, X):
        from .._torch_preprocess import to_tensor_batch

        index = np.unique(np.linspace(0, len(X) - 1, min(len(X), N_CALIBRATION_IMAGES)).round().astype(int))
        return [to_tensor_batch(batch, self.preprocessing_, mode=self.preprocess,
                                fill_mask=self.mask == "blank").numpy()
                for batch in map_image_batches(list, take_images(X, index), batch_size=self.batch_size,
                                               show_progress=False, reduce_to=self._reduce_to())]

    def _onnx_cache_key(self) -> dict:
        """Everything that determines the network's ONNX export (:mod:`featleuk.engines`' cache)."""
        from importlib import metadata

        return {"extractor": "DeepFeatures", "backbone": self.backbone, "weights": self.weights_,
                "weights_sha256": self.weights_sha256_, "layer": self.layer,
                "input_size": int(self.preprocessing_.crop_size), "random_state": self._init_seed,
                "torchvision": metadata.version("torchvision")}

    def _make_runner(self, network, spec, engine, precision, calibration):
        from ..engines import make_runner
        from ..store import content_key

        size = self.preprocessing_.crop_size
        calibration_key = None if calibration is None else content_key(np.concatenate(calibration))
        return _cached_runner(
            (spec, engine, precision, calibration_key),
            lambda: make_runner(network.tap, size, engine=engine, precision=precision,
                                calibration=calibration, onnx_cache_key=self._onnx_cache_key(),
                                stacklevel=_stacklevel_to_user()),
        )

    def _rebuilt_runner(self):
        """The runner after unpickling, from the weights' description; their sha256 is checked.

        An fp32 ONNX engine whose export is in the ONNX cache
        (:func:`featleuk.engines.load_cached_onnx`) runs it directly: the
        weights file is still located and its sha256 compared with
        ``weights_sha256_`` (:func:`featleuk.weights.fitted_weights_present`),
        but the torch network is not built. Otherwise (or when that check
        fails, to say why) the network is rebuilt by name, its sha256
        checked, and exported to the cache.
        """
        from ..engines import Runner, best_available_engine, engine_status, load_cached_onnx
        from ..weights import fitted_weights_present

        local = isinstance(self.weights_, str) and self.weights_.startswith("file:")
        # The resolved weights name, not "DEFAULT": another machine may resolve DEFAULT otherwise.
        weights = self.weights if local else self.weights_
        what = (f"{type(self).__name__}(backbone={self.backbone!r}) was fitted with weights "
                f"{self.weights_ or 'None (random init)'}"
                + (f" (sha256 {self.weights_sha256_})" if self.weights_sha256_ else ""))
        try:
            spec = self._network_spec(weights)
        except (WeightsUnavailableError, FileNotFoundError) as exc:
            raise WeightsUnavailableError(f"{what}, which are not available on this machine: {exc}") from exc
        engine = self.engine_
        if self._quantized is None and engine_status(engine) is not None and self.precision_ == "fp32":
            # fp32 engines agree to ~1e-6: any of them reproduces the fitted model.
            engine = best_available_engine("fp32", stacklevel=_stacklevel_to_user())
            self.engine_ = engine
        runner_key = (spec, engine, self.precision_, None)
        if self._quantized is None and self.precision_ == "fp32" and engine != "torch" and runner_key not in _RUNNERS:
            onnx_model = load_cached_onnx(self._onnx_cache_key())
            if onnx_model is not None and fitted_weights_present(
                    self.backbone, self.weights_, self.weights_sha256_, local_file=weights if local else None):
                size = (self.preprocessing_.crop_size,) * 2
                return _cached_runner(runner_key, lambda: Runner(engine, "fp32", size, self.n_features_out_,
                                                                 onnx_model))
        try:
            network = _load_network(*spec)
        except (WeightsUnavailableError, FileNotFoundError) as exc:
            raise WeightsUnavailableError(f"{what}, which are not available on this machine: {exc}") from exc
        if network.sha256 != self.weights_sha256_:
            raise WeightsUnavailableError(
                f"{what}; the file here ({network.resolved.path}) has sha256 {network.sha256}: it holds other "
                "weights. Put the original file there, or refit the model with these weights."
            )
        if self._quantized is not None:
            if (reason := engine_status(engine)) is not None:
                raise ImportError(f"{type(self).__name__} was quantized to int8 for engine {engine!r}, which "
                                  f"cannot run here: {reason}")
            return Runner(engine, "int8", (self.preprocessing_.crop_size,) * 2, self.n_features_out_,
                          self._quantized, calibration_key=self._runner_config.get("calibration"))
        return self._make_runner(network, spec, engine, self.precision_, None)

    def _get_runner(self):
        runner = getattr(self, "_runner", None)
        if runner is None:
            runner = self._runner = self._rebuilt_runner()
        return runner

    @property
    def model_(self):
        """The backbone, in eval mode (rebuilt after unpickling)."""
        if "n_features_out_" not in vars(self):
            raise AttributeError(f"{type(self).__name__} is not fitted yet: it has no model_")
        if getattr(self, "_runner", None) is None:
            self._get_runner()
        local = self.weights_ is not None and self.weights_.startswith("file:")
        return _load_network(*self._network_spec(self.weights if local else self.weights_)).tap.model

    def __getstate__(self):
        # A copy: object.__getstate__ returns the live __dict__, and popping from
        # it would drop the runner of the estimator being pickled.
        state = dict(super().__getstate__())
        # The network, runner and sessions are rebuilt from the description on first use.
        state.pop("_runner", None)
        return state

    # -- transform ---------------------------------------------------------------

    def _store_config(self) -> dict:
        """Everything that changes a feature row, for the feature store's configuration key."""
        from .. import __version__

        config = {
            "extractor": "DeepFeatures",
            "backbone": self.backbone,
            "weights": self.weights_,
            "weights_sha256": self.weights_sha256_,
            "layer": self.layer,
            "preprocess": self.preprocess,
            "mask": self.mask,
            "jpeg_draft": bool(self.jpeg_draft),
            **self._runner_config,
            "featleuk": __version__,
        }
        if not self.pretrained_:
            config["random_state"] = self._init_seed
        return config

    def _reduce_to(self):
        if not self.jpeg_draft:
            return None
        prep = self.preprocessing_
        return prep.resize_size if self.preprocess == "weights" else prep.crop_size

    def _prepare(self, image):
        from .._torch_preprocess import prepare_image

        return prepare_image(image, self.preprocessing_, mode=self.preprocess, fill_mask=self.mask == "blank")

    def _run_prepared(self, prepared):
        from .._torch_preprocess import normalize_prepared

        batch = normalize_prepared(prepared, self.preprocessing_)
        return self._get_runner()(batch.numpy())

    def _transform_batch(self, images):
        return self._run_prepared([self._prepare(image) for image in images])

    def _extract(self, X, *, n_skipped=0, on_batch=None):
        """Rows of ``X`` through the network; batch ``k + 1`` is decoded while ``k`` runs."""
        done = 0

        def run(prepared):
            nonlocal done
            rows = self._run_prepared(prepared)
            if on_batch is not None:
                on_batch(slice(done, done + len(rows)), rows)
            done += len(rows)
            return rows

        return np.concatenate(map_image_batches(
            run, X, batch_size=self.batch_size, show_progress=self.show_progress, desc=type(self).__name__,
            n_skipped=n_skipped, reduce_to=self._reduce_to(), prepare=self._prepare, prefetch=True))

    def _feature_rows(self, X, *, n_skipped=0):
        """Rows from the store where there are any; the other images go through the network."""
        if self.memory is None:
            return self._extract(X, n_skipped=n_skipped)
        from ..store import FeatureStore, content_key

        store = FeatureStore(self.memory)
        try:
            table = store.table(self._store_config(), n_features=self.n_features_out_)
            keys = [content_key(item) for item in X]
            rows, found = table.get_many(keys)
            todo = np.flatnonzero(~found)
            if len(todo):
                todo_keys = [keys[i] for i in todo]
                # Stored a batch at a time, so an interrupted run keeps what it computed.
                rows[todo] = self._extract(
                    X if len(todo) == len(X) else take_images(X, todo), n_skipped=n_skipped + len(X) - len(todo),
                    on_batch=lambda where, batch_rows: table.put_many(todo_keys[where], batch_rows))
        finally:
            store.close()
        return rows

