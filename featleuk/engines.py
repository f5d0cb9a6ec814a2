"""Inference engines: run a frozen feature network with torch, onnxruntime or OpenVINO.

:func:`make_runner` takes a ``torch.nn.Module`` that maps an image batch
``(N, 3, H, W)`` to features ``(N, F)`` (for example a backbone tapped at its
pooled features) and returns a :class:`Runner`: a picklable callable from a
float32 numpy batch to float32 features.

- ``"torch"``: eager PyTorch in channels-last memory layout; fp32.
- ``"onnxruntime"``: the module exported to ONNX; fp32, or int8 by static
  quantization (``onnxruntime.quantization.quantize_static``).
- ``"openvino"``: the ONNX export read by OpenVINO; fp32, bf16 through its
  inference-precision hint, or int8 by NNCF post-training quantization.

At fp32 all engines agree with torch to about 1e-6 (relative to the largest
feature); bf16 and int8 trade exactness for speed and are never chosen
automatically. On a 2-core AVX-512 CPU (2 threads, batch 32), MobileNetV2 ran
about 4x faster than eager torch with onnxruntime and 3.5x with OpenVINO fp32
(``benchmarks/engines.py``: 188, 164 and 49 img/s in one run), so
:func:`best_available_engine` prefers onnxruntime, then OpenVINO, then torch.

The ONNX cache
--------------
Exporting a network to ONNX takes seconds (MobileNetV2: about 4 s, longer
than running it on a few images), so :func:`make_runner` keeps each export,
when given an ``onnx_cache_key``, in ``<cache>/onnx`` where ``<cache>`` is
:func:`cache_dir`: ``$FEATLEUK_CACHE_DIR`` if set, else the user cache folder
(``$XDG_CACHE_HOME/featleuk`` or ``~/.cache/featleuk`` on Linux,
``~/Library/Caches/featleuk`` on macOS, ``%LOCALAPPDATA%\\featleuk\\Cache`` on
Windows). A file's name is the sha256 of everything that determines the
export: the caller's key (for ``DeepFeatures``: backbone, weights name and
sha256, layer, input size, seed, torchvision version) and the torch, onnx
and featleuk versions. Files are written atomically (a temporary file, then
``os.replace``) beside a ``.json`` holding the key and the file's own sha256,
and are used only when both match, so a damaged or stale file is ignored and
written again. ``FEATLEUK_CACHE_DIR=none`` (or empty) turns the cache off;
:func:`clear_onnx_cache` (or deleting the folder) clears it. An ONNX file is
a graph of tensors and standard operators, run by onnxruntime or OpenVINO,
never unpickled; the folder is created readable by its owner only. An
unwritable folder only costs the export again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import logging
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = ["CACHE_DIR_ENV", "ENGINES", "PRECISIONS", "Runner", "best_available_engine", "cache_dir",
           "clear_onnx_cache", "engine_status", "export_onnx", "load_cached_onnx", "make_runner",
           "store_cached_onnx"]

#: Engine names, fastest exact (fp32) engine first.
ENGINES = ("onnxruntime", "openvino", "torch")
PRECISIONS = ("fp32", "bf16", "int8")
_PRECISIONS_OF = {"torch": ("fp32",), "onnxruntime": ("fp32", "int8"), "openvino": ("fp32", "bf16", "int8")}
_INSTALL = {"onnxruntime": "pip install onnx onnxruntime", "openvino": "pip install openvino",
            "nncf": "pip install nncf"}
_warned: set[str] = set()  # fallback messages already given in this process
#: The environment variable naming featleuk's cache folder ("none" or empty: no cache).
CACHE_DIR_ENV = "FEATLEUK_CACHE_DIR"
#: Bumped when the layout of a cache entry changes.
_ONNX_CACHE_FORMAT = 1


def _warn_once(message: str, stacklevel: int) -> None:
    if message not in _warned:
        _warned.add(message)
        # +1: the caller's stacklevel counts from the function that called us.
        warnings.warn(message, RuntimeWarning, stacklevel=stacklevel + 1)


def engine_status(engine: str) -> str | None:
    """Why an engine cannot run here, or ``None`` when it can.

    Parameters
    ----------
    engine : {"torch", "onnxruntime", "openvino"}

    Returns
    -------
    str or None
        For instance ``"onnxruntime is not installed (pip install onnx
        onnxruntime)"``, or the import error of an installed but broken package.

    Examples
    --------
    >>> engine_status("torch") is None
    True
    """
    _check_choice("engine", engine, ENGINES)
    try:
        importlib.import_module(engine)
    except ModuleNotFoundError as exc:
        if exc.name != engine:
            return f"{engine} is installed but cannot be imported: {exc}"
        return f"{engine} is not installed ({_INSTALL.get(engine, 'pip install ' + engine)})"
    except Exception as exc:  # noqa: BLE001 - a broken binary wheel raises anything
        return f"{engine} is installed but cannot be imported: {type(exc).__name__}: {exc}"
    return None


def best_available_engine(precision="fp32", *, stacklevel=1) -> str:
    """The fastest installed engine for a precision.

    For fp32 the order is onnxruntime, OpenVINO, torch (measured speed); for
    bf16 only OpenVINO qualifies, for int8 OpenVINO then onnxruntime. When a
    faster engine is missing, a ``RuntimeWarning`` says which and why, once
    per process.

    Parameters
    ----------
    precision : {"fp32", "bf16", "int8"}, default="fp32"
    stacklevel : int, default=1
        Where the warning points, as for ``warnings.warn`` but counted from
        the caller of this function: 1 is the line that called it, 2 that
        line's caller, and so on. A library function passes the depth of the
        user's call.

    Returns
    -------
    str

    Raises
    ------
    RuntimeError
        No installed engine supports ``precision``.

    Examples
    --------
    >>> best_available_engine() in ENGINES
    True
    """
    _check_choice("precision", precision, PRECISIONS)
    order = {"fp32": ENGINES, "bf16": ("openvino",), "int8": ("openvino", "onnxruntime")}[precision]
    missing = []
    for engine in order:
        reason = engine_status(engine)
        if reason is None:
            if missing:
                _warn_once(f"{'; '.join(missing)}: using {engine}, which is slower", stacklevel + 1)
            return engine
        missing.append(reason)
    raise RuntimeError(f"no engine can run precision={precision!r}: {'; '.join(missing)}")


def _check_choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name}={value!r} is not one of {list(options)}")


def _input_shape(input_size) -> tuple[int, int]:
    size = (input_size, input_size) if np.ndim(input_size) == 0 else tuple(input_size)
    if len(size) != 2 or not all(int(s) == s and s > 0 for s in size):
        raise ValueError(f"input_size must be an int or (height, width) of positive ints; got {input_size!r}")
    return int(size[0]), int(size[1])


def export_onnx(module, input_size) -> bytes:
    """Export a feature module to ONNX, with a dynamic batch dimension.

    Uses the TorchScript exporter (``dynamo=False``), which handles forward
    hooks and is exact for CNN backbones. The module is put in eval mode.

    Parameters
    ----------
    module : torch.nn.Module
        Maps ``(N, 3, H, W)`` float32 to ``(N, F)``.
    input_size : int or (int, int)
        Image height and width.

    Returns
    -------
    bytes
        The ONNX model, input ``"images"``, output ``"features"``.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> export_onnx(net, 16)[:2] != b""
    True
    """
    import torch

    height, width = _input_shape(input_size)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is chatty (tracer and deprecation warnings) but exact here.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (torch.zeros(1, 3, height, width),),
            buffer,
            input_names=["images"],
            output_names=["features"],
            dynamic_axes={"images": {0: "batch"}, "features": {0: "batch"}},
            dynamo=False,
        )
    return buffer.getvalue()


# -- the ONNX cache -------------------------------------------------------------------------


def cache_dir() -> Path | None:
    """featleuk's cache folder, or ``None`` when caching is turned off.

    ``$FEATLEUK_CACHE_DIR`` if set (``"none"`` or empty: off); otherwise the
    platform's user cache folder: ``$XDG_CACHE_HOME/featleuk`` or
    ``~/.cache/featleuk`` (Linux), ``~/Library/Caches/featleuk`` (macOS),
    ``%LOCALAPPDATA%\\featleuk\\Cache`` (Windows). The folder may not exist yet.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> import os
    >>> os.environ["FEATLEUK_CACHE_DIR"] = "none"
    >>> cache_dir() is None
    True
    >>> del os.environ["FEATLEUK_CACHE_DIR"]
    """
    value = os.environ.get(CACHE_DIR_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "none") else Path(value).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "featleuk" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "featleuk"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "featleuk"


def _export_versions() -> dict:
    """The versions of what writes an ONNX export; part of every cache key."""
    from importlib import metadata

    from . import __version__

    versions = {"format": _ONNX_CACHE_FORMAT, "featleuk": __version__}
    for dist in ("torch", "onnx"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _onnx_cache_entry(key) -> tuple[dict, Path, Path] | None:
    """``(full key, .onnx path, .json path)`` of ``key``, or ``None`` when caching is off."""
    folder = cache_dir()
    if folder is None:
        return None
    full = {"key": key, "versions": _export_versions()}
    name = hashlib.sha256(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()
    folder = folder / "onnx"
    return full, folder / f"{name}.onnx", folder / f"{name}.json"


def load_cached_onnx(key) -> bytes | None:
    """The cached ONNX export for ``key``, or ``None`` (absent, damaged, stale or caching off).

    An entry is used only when its ``.json`` records exactly this key (with
    the current torch, onnx and featleuk versions) and the sha256 of the
    ``.onnx`` file's bytes.

    Parameters
    ----------
    key : dict
        JSON-serialisable description of everything that determines the
        export, as given to :func:`store_cached_onnx`.

    Returns
    -------
    bytes or None

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["FEATLEUK_CACHE_DIR"] = tempfile.mkdtemp()
    >>> load_cached_onnx({"net": "example"}) is None
    True
    >>> _ = store_cached_onnx({"net": "example"}, b"onnx bytes")
    >>> load_cached_onnx({"net": "example"})
    b'onnx bytes'
    >>> del os.environ["FEATLEUK_CACHE_DIR"]
    """
    entry = _onnx_cache_entry(key)
    if entry is None:
        return None
    full, onnx_path, json_path = entry
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
        model = onnx_path.read_bytes()
    except (OSError, ValueError):
        return None
    if (not isinstance(meta, dict) or meta.get("key") != json.loads(json.dumps(full, default=str))
            or meta.get("sha256") != hashlib.sha256(model).hexdigest()):
        return None
    return model


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # readers see the old file or the whole new one, never half
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def store_cached_onnx(key, model: bytes) -> Path | None:
    """Keep an ONNX export in the cache under ``key``; best effort.

    Parameters
    ----------
    key : dict
        JSON-serialisable description of everything that determines the export.
    model : bytes
        The ONNX model (:func:`export_onnx`).

    Returns
    -------
    pathlib.Path or None
        The ``.onnx`` file, or ``None`` when caching is off or the folder
        cannot be written (the export is then simply redone next time).

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["FEATLEUK_CACHE_DIR"] = tempfile.mkdtemp()
    >>> store_cached_onnx({"net": "example"}, b"onnx bytes").suffix
    '.onnx'
    >>> del os.environ["FEATLEUK_CACHE_DIR"]
    """
    entry = _onnx_cache_entry(key)
    if entry is None:
        return None
    full, onnx_path, json_path = entry
    meta = {"key": full, "sha256": hashlib.sha256(model).hexdigest()}
    try:
        onnx_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomically(onnx_path, model)
        # The .json last: it vouches for the .onnx beside it.
        _write_atomically(json_path, json.dumps(meta, sort_keys=True, indent=1, default=str).encode())
    except OSError:
        return None
    return onnx_path


def clear_onnx_cache() -> int:
    """Delete every cached ONNX export.

    Returns
    -------
    int
        Number of files removed (``.onnx`` and their ``.json``).

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["FEATLEUK_CACHE_DIR"] = tempfile.mkdtemp()
    >>> _ = store_cached_onnx({"net": "example"}, b"onnx bytes")
    >>> clear_onnx_cache()
    2
    >>> del os.environ["FEATLEUK_CACHE_DIR"]
    """
    folder = cache_dir()
    if folder is None or not (folder / "onnx").is_dir():
        return 0
    removed = 0
    for path in (folder / "onnx").iterdir():
        if path.suffix in (".onnx", ".json", ".partial") and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class Runner:
    """A feature network ready to run: ``runner(batch) -> features``.

    Built by :func:`make_runner`; not meant to be constructed directly.
    Pickling keeps the model (the torch module, or the ONNX / OpenVINO IR
    bytes) and drops the engine's session, which is rebuilt on first use in
    the new process.

    Parameters
    ----------
    engine : {"torch", "onnxruntime", "openvino"}
    precision : {"fp32", "bf16", "int8"}
    input_size : (int, int)
    n_features : int
    model : torch.nn.Module, bytes or (bytes, bytes)
        The module (torch), ONNX bytes (onnxruntime, OpenVINO fp32/bf16) or
        OpenVINO IR ``(xml, bin)`` bytes (OpenVINO int8).
    threads : int or None
    calibration_key : str or None
        sha256 of the calibration batches of an int8 model.

    Attributes
    ----------
    engine, precision, input_size, n_features, threads

    Examples
    --------
    >>> import numpy as np, torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> run = make_runner(net, 16, engine="torch")
    >>> run(np.zeros((2, 3, 16, 16), dtype=np.float32)).shape
    (2, 4)
    """

    def __init__(self, engine, precision, input_size, n_features, model, *, threads=None,
                 calibration_key=None):
        self.engine = engine
        self.precision = precision
        self.input_size = tuple(input_size)
        self.n_features = int(n_features)
        self.threads = threads
        self._model = model
        self._calibration_key = calibration_key
        self._session = None

    def __repr__(self):
        return (f"Runner(engine={self.engine!r}, precision={self.precision!r}, "
                f"input_size={self.input_size}, n_features={self.n_features})")

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_session"] = None  # onnxruntime and OpenVINO sessions do not pickle
        return state

    @property
    def cache_config(self) -> dict:
        """What of this runner changes its output, for a feature-store configuration.

        fp32 engines agree to ~1e-6, so fp32 rows are shared across engines;
        bf16 and int8 rows depend on the engine (and int8 on its calibration).

        Examples
        --------
        >>> import torch
        >>> make_runner(torch.nn.Flatten(), 4, engine="torch").cache_config
        {'precision': 'fp32'}
        """
        if self.precision == "fp32":
            return {"precision": "fp32"}
        config = {"precision": self.precision, "engine": self.engine}
        if self._calibration_key is not None:
            config["calibration"] = self._calibration_key
        return config

    @property
    def onnx_model(self) -> bytes | None:
        """The ONNX model this runner executes, or ``None`` (torch, OpenVINO int8)."""
        return self._model if isinstance(self._model, bytes) else None

    def __call__(self, batch) -> np.ndarray:
        """Features of a batch.

        Parameters
        ----------
        batch : array-like of shape (N, 3, H, W)
            Preprocessed (normalised) float images; cast to float32.

        Returns
        -------
        ndarray of shape (N, n_features), dtype float32
        """
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[1:] != (3, *self.input_size):
            raise ValueError(f"{self!r} needs a batch of shape (N, 3, {self.input_size[0]}, "
                             f"{self.input_size[1]}); got {batch.shape}")
        if self._session is None:
            self._session = _BUILD[self.engine](self)
        if len(batch) == 0:
            return np.empty((0, self.n_features), dtype=np.float32)
        out = self._session(batch)
        return np.ascontiguousarray(out, dtype=np.float32).reshape(len(batch), self.n_features)


def _torch_session(runner):
    import torch

    module = runner._model.eval().to(memory_format=torch.channels_last)
    if runner.threads:
        torch.set_num_threads(runner.threads)

    def run(batch):
        with torch.inference_mode():
            x = torch.from_numpy(batch).contiguous(memory_format=torch.channels_last)
            return module(x).reshape(len(batch), -1).numpy()

    return run


def _onnxruntime_session(runner):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: quantized graphs log every unused initializer
    if runner.threads:
        options.intra_op_num_threads = runner.threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(runner._model, options, providers=["CPUExecutionProvider"])
    return lambda batch: session.run(None, {"images": batch})[0]


def _openvino_config(precision, threads) -> dict:
    # Exact f32 unless bf16 is asked for: OpenVINO defaults to bf16 on CPUs with AMX.
    config = {"INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32",
              "PERFORMANCE_HINT": "LATENCY"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = int(threads)
    return config


def _openvino_session(runner):
    import openvino as ov

    core = ov.Core()
    if isinstance(runner._model, bytes):
        model = core.read_model(runner._model)
    else:
        xml, weights = runner._model
        model = core.read_model(xml, weights)
    compiled = core.compile_model(model, "CPU", _openvino_config(runner.precision, runner.threads))
    request = compiled.create_infer_request()
    return lambda batch: request.infer({0: batch}, share_inputs=True)[0].copy()


_BUILD = {"torch": _torch_session, "onnxruntime": _onnxruntime_session, "openvino": _openvino_session}


def _calibration_batches(calibration, input_size) -> list[np.ndarray]:
    if calibration is None:
        raise ValueError("precision='int8' needs calibration=: a few preprocessed batches of shape "
                         f"(n, 3, {input_size[0]}, {input_size[1]}) like the images to come")
    batches = [np.ascontiguousarray(b, dtype=np.float32) for b in
               ([calibration] if isinstance(calibration, np.ndarray) and calibration.ndim == 4 else calibration)]
    if not batches or any(b.ndim != 4 or b.shape[1:] != (3, *input_size) or not len(b) for b in batches):
        raise ValueError(f"calibration must be non-empty batches of shape (n, 3, {input_size[0]}, "
                         f"{input_size[1]}); got {[b.shape for b in batches]}")
    return batches


def _quantize_onnxruntime(onnx_model, batches) -> bytes:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._batches = iter(batches)

        def get_next(self):
            batch = next(self._batches, None)
            return None if batch is None else {"images": batch}

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp, "fp32.onnx"), Path(tmp, "int8.onnx")
        source.write_bytes(onnx_model)
        root = logging.getLogger()
        level = root.level
        # The quantizer logs its "please run pre-processing" advice and a line per fused
        # bias on the root logger, at WARNING: noise for a user who asked for int8.
        root.setLevel(logging.ERROR)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quantize_static(str(source), str(target), Reader(), quant_format=QuantFormat.QDQ,
                                per_channel=True, activation_type=QuantType.QUInt8,
                                weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        return target.read_bytes()


def _quantize_openvino(onnx_model, batches) -> tuple[bytes, bytes]:
    import nncf
    import openvino as ov

    nncf.set_log_level(logging.ERROR)
    model = ov.Core().read_model(onnx_model)
    with contextlib.redirect_stdout(io.StringIO()):  # NNCF draws progress bars on stdout
        # subset_size counts dataset items, which are whole batches here.
        quantized = nncf.quantize(model, nncf.Dataset(batches), subset_size=len(batches),
                                  preset=nncf.QuantizationPreset.PERFORMANCE)
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp, "int8.xml")
        ov.save_model(quantized, xml, compress_to_fp16=False)
        return xml.read_bytes(), xml.with_suffix(".bin").read_bytes()


def make_runner(module, input_size, *, engine="auto", precision="fp32", calibration=None, threads=None,
                onnx_model=None, onnx_cache_key=None, stacklevel=1) -> Runner:
    """Prepare a feature network to run on an engine.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a float32 batch ``(N, 3, H, W)`` to features ``(N, F)``. The
        torch engine puts it in eval mode and channels-last layout, in place,
        and pickles it with the runner (so it must be picklable to send the
        runner to another process); the other engines keep only its export.
    input_size : int or (int, int)
        Image height and width the module is run at.
    engine : {"auto", "torch", "onnxruntime", "openvino"}, default="auto"
        ``"auto"``: :func:`best_available_engine` for ``precision``; if the
        ONNX export then fails, eager torch (fp32), with a warning saying so.
    precision : {"fp32", "bf16", "int8"}, default="fp32"
        ``"bf16"`` (OpenVINO, on CPUs with bf16 support) and ``"int8"``
        (static quantization) are faster but not exact.
    calibration : array or sequence of arrays of shape (n, 3, H, W), optional
        Preprocessed batches representative of the data, for ``"int8"``
        (a few hundred images are plenty).
    threads : int or None, default=None
        Threads per forward pass; ``None`` lets the engine decide. For torch
        this sets ``torch.set_num_threads`` for the whole process.
    onnx_model : bytes, optional
        The module's ONNX export (:func:`export_onnx`), if already made.
    onnx_cache_key : dict, optional
        Everything that determines the module's export (JSON-serialisable).
        When given, the export is read from the ONNX cache
        (:func:`load_cached_onnx`) or made and stored there, so the next
        process skips it (see the module's notes on the cache).
    stacklevel : int, default=1
        Where fallback warnings point, counted from the caller of this
        function (see :func:`best_available_engine`).

    Returns
    -------
    Runner

    Examples
    --------
    >>> import numpy as np, torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> batch = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    >>> exact = make_runner(net, 32, engine="torch")(batch)
    >>> fast = make_runner(net, 32)(batch)
    >>> bool(np.allclose(exact, fast, atol=1e-5))
    True
    """
    import torch

    _check_choice("engine", engine, ("auto", *ENGINES))
    _check_choice("precision", precision, PRECISIONS)
    if threads is not None and (int(threads) != threads or threads < 1):
        raise ValueError(f"threads must be a positive int or None; got {threads!r}")
    size = _input_shape(input_size)
    auto = engine == "auto"
    if auto:
        engine = best_available_engine(precision, stacklevel=stacklevel + 1)
    elif precision not in _PRECISIONS_OF[engine]:
        others = [e for e in ENGINES if precision in _PRECISIONS_OF[e]]
        raise ValueError(f"engine={engine!r} does not run precision={precision!r}; use one of {others}")
    elif (reason := engine_status(engine)) is not None:
        raise ImportError(f"engine={engine!r} cannot run: {reason}")
    if precision == "bf16":
        _check_bf16()
    batches = _calibration_batches(calibration, size) if precision == "int8" else None

    module.eval()
    with torch.inference_mode():
        probe = module(torch.zeros(1, 3, *size))
    n_features = int(np.prod(probe.shape[1:]))
    if engine == "torch":
        return Runner("torch", precision, size, n_features, module, threads=threads)
    if onnx_model is None and onnx_cache_key is not None:
        onnx_model = load_cached_onnx(onnx_cache_key)
    if onnx_model is None:
        try:
            onnx_model = export_onnx(module, size)
        except Exception as exc:  # noqa: BLE001 - under "auto" any export failure falls back
            if not (auto and precision == "fp32"):
                raise RuntimeError(f"ONNX export of {type(module).__name__} for engine={engine!r} failed: "
                                   f"{type(exc).__name__}: {exc}") from exc
            _warn_once(f"ONNX export of {type(module).__name__} failed ({type(exc).__name__}: {exc}); "
                       "using torch, which is slower", stacklevel + 1)
            return Runner("torch", precision, size, n_features, module, threads=threads)
        if onnx_cache_key is not None:
            store_cached_onnx(onnx_cache_key, onnx_model)
    model, calibration_key = onnx_model, None
    if precision == "int8":
        from .store import content_key

        calibration_key = content_key(np.concatenate(batches))
        if engine == "openvino":
            if (reason := _nncf_status()) is not None:
                raise ImportError(f"precision='int8' with engine='openvino' needs NNCF: {reason}")
            model = _quantize_openvino(onnx_model, batches)
        else:
            model = _quantize_onnxruntime(onnx_model, batches)
    return Runner(engine, precision, size, n_features, model, threads=threads, calibration_key=calibration_key)


def _nncf_status() -> str | None:
    try:
        importlib.import_module("nncf")
    except ModuleNotFoundError as exc:
        if exc.name == "nncf":
            return f"nncf is not installed ({_INSTALL['nncf']})"
        return f"nncf is installed but cannot be imported: {exc}"
    return None


def _check_bf16() -> None:
    import openvino as ov

    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    if "BF16" not in capabilities:
        raise ValueError(f"precision='bf16' needs a CPU with bf16 instructions (AVX512_BF16 or AMX); "
                         f"OpenVINO reports only {list(capabilities)} here: use precision='fp32'")

