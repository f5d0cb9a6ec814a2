"""Save and load fitted featleuk models safely, and describe them in a model card.

A model file is a `skops <https://skops.readthedocs.io>`_ archive (``.skops``)
with a small ``featleuk.json`` header. Loading one never unpickles: skops
rebuilds each object from its stored type and state, and :func:`load_model`
first lists every type in the file and refuses any that is not on
:data:`TRUSTED_TYPES` (featleuk's own estimators and the scikit-learn,
xgboost and numpy types the presets are made of). A plain pickle runs
whatever code its author put in it the moment it is loaded, so featleuk
never reads one from someone else.

A saved model keeps nothing of the training machine: cache folders
(``memory`` parameters) are set to ``None`` in the saved copy, and a
parameter holding another path of this machine is refused. Pretrained CNN
weights are not copied into the file; the feature step names them (with
their SHA-256) and loads them again on the machine that uses the model.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = [
    "FORMAT",
    "TRUSTED_TYPES",
    "UntrustedModelError",
    "card_paths",
    "file_list_sha256",
    "load_model",
    "model_card",
    "read_header",
    "save_model",
    "write_model_card",
]

#: The ``format`` of the ``featleuk.json`` header of every model file.
FORMAT = "featleuk-model"
_VERSION = 1
_HEADER = "featleuk.json"

#: Types a model file may hold beyond the ones skops trusts by itself
#: (scikit-learn estimators, numpy arrays and scalars, builtins). Only these
#: are ever rebuilt from a file; anything else is refused by name.
TRUSTED_TYPES = frozenset({
    # featleuk's estimators and the plain values they keep
    "featleuk.features._color.ColorFeatures",
    "featleuk.features._deep.DeepFeatures",
    "featleuk.features._glcm.GLCMFeatures",
    "featleuk.features._glrlm.GLRLMFeatures",
    "featleuk.features._handcrafted.HandcraftedFeatures",
    "featleuk.features._lbp.LBPFeatures",
    "featleuk.features._morphology.MorphologyFeatures",
    "featleuk.models._classifier.DeepClassifier",
    "featleuk.preprocessing._deconvolution.ColorDeconvolution",
    "featleuk.preprocessing._denoise.Denoiser",
    "featleuk.preprocessing._macenko.MacenkoNormalizer",
    "featleuk.preprocessing._reinhard.ReinhardNormalizer",
    "featleuk.segmentation._fcm.FuzzyCMeansSegmenter",
    "featleuk.segmentation._kmeans.KMeansSegmenter",
    "featleuk.segmentation._otsu.OtsuSegmenter",
    "featleuk.segmentation._postprocess.MaskPostprocessor",
    "featleuk.selection._cso.CatSwarmFeatureSelector",
    "featleuk.selection._pso.PSOFeatureSelector",
    "featleuk.pipelines._blocks.CalibratedSVC",
    "featleuk.pipelines._xgboost.LabelEncodedXGBClassifier",
    "featleuk.weights.Preprocessing",
    # scikit-learn internals of the presets' estimators
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.feature_selection._univariate_selection.chi2",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.feature_selection._mutual_info.mutual_info_classif",
    "sklearn.tree._tree.Tree",
    "sklearn.utils._bunch.Bunch",
    # xgboost's scikit-learn API
    "xgboost.sklearn.XGBClassifier",
    "xgboost.core.Booster",
})

#: Parameter names that hold a cache folder of the training machine.
_MEMORY_PARAMS = ("memory",)


class UntrustedModelError(ValueError):
    """A file is not a featleuk model, or holds a type featleuk does not trust."""


# -- saving -----------------------------------------------------------------------------------


def _leaf(name):
    return name.rsplit("__", 1)[-1]


def _is_machine_path(value):
    return isinstance(value, os.PathLike) or (isinstance(value, str) and os.path.isabs(value))


@contextmanager
def _without_machine_state(model):
    """``model`` with every ``memory`` parameter set to None, restored afterwards.

    Raises ValueError for any other parameter that holds a path of this machine.
    """
    if not hasattr(model, "get_params"):
        yield model
        return
    params = model.get_params(deep=True)
    paths = [name for name, value in params.items()
             if _leaf(name) not in _MEMORY_PARAMS and _is_machine_path(value)]
    if paths:
        name = paths[0]
        raise ValueError(
            f"parameter {name}={params[name]!r} is a path of this machine and would be "
            "meaningless elsewhere; set it to a name (e.g. a weights name) before save_model")
    # Deepest first: a step's own memory before the pipeline holding it.
    memory = {name: value for name, value in params.items()
              if _leaf(name) in _MEMORY_PARAMS and value is not None}
    names = sorted(memory, key=lambda n: -n.count("__"))
    try:
        for name in names:
            model.set_params(**{name: None})
        yield model
    finally:
        for name in reversed(names):
            model.set_params(**{name: memory[name]})


def _classes(model):
    classes = getattr(model, "classes_", None)
    return None if classes is None else [c.item() if hasattr(c, "item") else c for c in classes]


def save_model(model, path, *, card=None):
    """Write a fitted model to a skops file that :func:`load_model` reads safely.

    Parameters
    ----------
    model : estimator
        A fitted featleuk pipeline or estimator (a preset, a
        :class:`~featleuk.models.DeepClassifier`, ...).
    path : str or path-like
        The file to write (``.skops`` by convention); its folder is created.
    card : dict, default=None
        A model card (:func:`model_card`) stored in the file's header too,
        so a model file describes itself even without the card files.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        If a parameter other than ``memory`` holds a path of this machine.
    TypeError
        If skops cannot store an object of the model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from featleuk import load_model, save_model
    >>> model = LogisticRegression().fit(np.array([[0.0], [1.0]]), ["Benign", "Pre"])
    >>> import os, tempfile
    >>> path = save_model(model, os.path.join(tempfile.mkdtemp(), "model.skops"))
    >>> load_model(path).predict(np.array([[1.0]])).tolist()
    ['Pre']
    """
    import skops.io as sio

    from . import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "version": _VERSION, "featleuk_version": __version__,
              "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "classes": _classes(model), "card": card}
    with _without_machine_state(model):
        partial = path.with_name(path.name + ".partial")
        try:
            sio.dump(model, partial)
            with zipfile.ZipFile(partial, "a") as archive:
                archive.writestr(_HEADER, json.dumps(_jsonable(header), indent=1))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


# -- loading ----------------------------------------------------------------------------------


def _read_header(path):
    with open(path, "rb") as f:
        start = f.read(2)
    if not zipfile.is_zipfile(path):
        pickle = start[:1] == b"\x80"
        raise UntrustedModelError(
            f"{path} is not a featleuk model file: "
            + ("it looks like a pickle, and featleuk never loads pickles because unpickling runs "
               "whatever code the file's author put in it" if pickle else "it is not a skops archive")
            + "; ask for the .skops file written by featleuk.save_model / featleuk train")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "schema.json" not in names:
            raise UntrustedModelError(f"{path} is a zip archive but not a skops file (no schema.json)")
        if _HEADER not in names:
            raise UntrustedModelError(
                f"{path} is a skops file but was not written by featleuk.save_model (no "
                f"{_HEADER} header); load it with skops.io.load after checking its types yourself")
        try:
            header = json.loads(archive.read(_HEADER))
        except ValueError as exc:
            raise UntrustedModelError(f"{path}: its {_HEADER} header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UntrustedModelError(f"{path}: its {_HEADER} header does not say format {FORMAT!r}")
    if int(header.get("version", 0)) > _VERSION:
        raise UntrustedModelError(
            f"{path} was written by a newer featleuk ({header.get('featleuk_version')}, file "
            f"version {header['version']}); upgrade featleuk to load it")
    return header


def load_model(path):
    """Load a model written by :func:`save_model`, rebuilding only trusted types.

    The file's types are listed first (``skops.io.get_untrusted_types``);
    one outside :data:`TRUSTED_TYPES` is refused before anything is built.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file written by :func:`save_model` or ``featleuk train``.

    Returns
    -------
    estimator
        The fitted model, ready to ``predict``.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    UntrustedModelError
        If the file is not a featleuk skops file (a pickle, another archive,
        a skops file without featleuk's header) or holds a type featleuk
        does not trust; the message says which and why.

    Examples
    --------
    >>> from featleuk import load_model
    >>> load_model("not-a-model.pkl")  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    featleuk.model_io.UntrustedModelError: not-a-model.pkl is not a featleuk model file: ...
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist")
    _read_header(path)
    untrusted = sio.get_untrusted_types(file=path)
    refused = [name for name in untrusted if name not in TRUSTED_TYPES]
    if refused:
        raise UntrustedModelError(
            f"{path} holds type {refused[0]!r}"
            + (f" (and {len(refused) - 1} more: {', '.join(refused[1:4])})" if len(refused) > 1 else "")
            + ", which is not on featleuk's list of trusted types (featleuk.model_io.TRUSTED_TYPES); "
            "rebuilding it could run code from its module, so the file is not loaded")
    return sio.load(path, trusted=untrusted)


def read_header(path):
    """The ``featleuk.json`` header of a model file (format, versions, classes, card)."""
    return _read_header(Path(path))


# -- model cards ------------------------------------------------------------------------------


def _jsonable(value):
    """A JSON-safe copy: estimators and callables by their text, arrays as lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "get_params"):
        return type(value).__name__
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def file_list_sha256(paths, *, root=None):
    """SHA-256 of a file list's contents: each file's path (relative to ``root``) and bytes.

    Two copies of a dataset give the same hash wherever they are; renaming,
    adding, removing or editing any file changes it.

    Parameters
    ----------
    paths : sequence of path
    root : path, default=None
        Paths are hashed relative to it (absolute when None).

    Returns
    -------
    str
        Hex digest.
    """
    total = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        name = os.path.relpath(path, root) if root is not None else path
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        total.update(f"{Path(name).as_posix()}\0{digest.hexdigest()}\n".encode())
    return total.hexdigest()


def _versions():
    from importlib import metadata

    from . import __version__

    out = {"featleuk": __version__, "python": platform.python_version()}
    for dist in ("scikit-learn", "numpy", "torch", "torchvision", "skops", "xgboost"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _weights(model):
    """``[{"step", "backbone", "name", "sha256"}]`` of every pretrained-CNN step of ``model``."""
    steps = []

    def visit(name, est):
        if hasattr(est, "weights_") and hasattr(est, "backbone"):
            steps.append({"step": name, "backbone": est.backbone, "name": est.weights_,
                          "sha256": getattr(est, "weights_sha256_", None) or _weights_sha256(est)})
        for child_name, child in _children(est):
            visit(f"{name}__{child_name}" if name else child_name, child)

    visit("", model)
    return steps


def _children(est):
    for attr in ("steps", "transformer_list", "estimators"):
        for item in getattr(est, attr, None) or ():
            if isinstance(item, tuple) and len(item) >= 2 and hasattr(item[1], "get_params"):
                yield item[0], item[1]


def _weights_sha256(step):
    """SHA-256 of the checkpoint a fitted CNN step loaded, or None for random weights."""
    from .weights import _sha256, resolve_weights

    try:
        resolved = resolve_weights(step.backbone, step.weights)
    except Exception:  # the card must not fail on weights it cannot look up
        return None
    return _sha256(resolved.path) if resolved.path is not None else None


def model_card(model, *, preset=None, data=None, cv=None, command=None):
    """A JSON-safe description of a fitted model: what it is, what it learnt from, how good it is.

    Parameters
    ----------
    model : estimator
        The fitted model.
    preset : str, default=None
        The preset it was built from.
    data : dict, default=None
        The training data: ``path``, ``n_images``, ``counts`` (class ->
        number of images), ``files_sha256`` (:func:`file_list_sha256`),
        ``skipped``.
    cv : dict, default=None
        A cross-validation estimate: ``folds``, ``metrics`` (name ->
        ``{"value", "low", "high"}`` from
        :func:`featleuk.evaluation.bootstrap_metrics`), ``confidence``.
    command : str, default=None
        The command line that trained it.

    Returns
    -------
    dict
    """
    params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
    card = {
        "format": FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "preset": preset,
        "estimator": type(model).__name__,
        "params": {name: _jsonable(value) for name, value in sorted(params.items())},
        "classes": _classes(model),
        "training_data": data,
        "versions": _versions(),
        "weights": _weights(model),
        "cross_validation": cv,
        "command": command,
    }
    return _jsonable(card)


def card_paths(model_path):
    """``(MODEL.card.json, MODEL.card.md)`` beside ``model_path``."""
    model_path = Path(model_path)
    return (model_path.with_name(model_path.name + ".card.json"),
            model_path.with_name(model_path.name + ".card.md"))


def _card_markdown(card, model_path):
    lines = [f"# Model card: `{Path(model_path).name}`", ""]
    if card.get("preset"):
        from .pipelines import list_presets

        preset = list_presets().get(card["preset"])
        lines.append(f"Preset `{card['preset']}`"
                     + (f": {preset.description}" + (f" ({preset.reference})" if preset.reference else "")
                        if preset is not None else "") + ".")
        lines.append("")
    lines.append(f"Classes, in probability-column order: {', '.join(map(str, card['classes'] or []))}.")
    data = card.get("training_data") or {}
    if data:
        counts = ", ".join(f"{k}: {v}" for k, v in (data.get("counts") or {}).items())
        lines += ["", "## Training data", "",
                  f"- folder: `{data.get('path')}`",
                  f"- {data.get('n_images')} images ({counts})",
                  f"- SHA-256 of the file list (paths and bytes): `{data.get('files_sha256')}`"]
        if data.get("skipped"):
            lines.append(f"- {len(data['skipped'])} unreadable files skipped")
    cv = card.get("cross_validation")
    if cv:
        from .evaluation import format_interval

        lines += ["", "## Cross-validation estimate", "",
                  f"{cv['folds']}-fold {cv.get('splitter', 'stratified')} cross-validation on the "
                  f"training data; {int(round(100 * cv['confidence']))}% bootstrap intervals "
                  f"({cv.get('unit', 'sample')} resampling, {cv.get('n_resamples')} resamples).", "",
                  "| metric | value |", "|---|---|"]
        lines += [f"| {name} | {format_interval(**v, metric=name)} |" for name, v in cv["metrics"].items()]
    if card.get("weights"):
        lines += ["", "## Pretrained weights", ""]
        lines += [f"- `{w['step']}`: {w['backbone']} {w['name']} (sha256 `{w['sha256']}`)"
                  for w in card["weights"]]
    lines += ["", "## Versions", "", ", ".join(f"{k} {v}" for k, v in card["versions"].items())]
    if card.get("command"):
        lines += ["", "## Command", "", f"```\n{card['command']}\n```"]
    lines += ["", "## Parameters", "", "```json", json.dumps(card["params"], indent=1), "```", ""]
    return "\n".join(lines)


def write_model_card(card, model_path):
    """Write ``card`` as ``MODEL.card.json`` and ``MODEL.card.md`` beside ``model_path``.

    Parameters
    ----------
    card : dict
        From :func:`model_card`.
    model_path : str or path-like
        The model file the card describes.

    Returns
    -------
    tuple of pathlib.Path
        The JSON and Markdown files.
    """
    json_path, md_path = card_paths(model_path)
    json_path.write_text(json.dumps(card, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    md_path.write_text(_card_markdown(card, model_path), encoding="utf-8")
    return json_path, md_path
