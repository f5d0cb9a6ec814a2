"""The one registry of named presets: hybrid pipelines and end-to-end deep models.

A preset is a name, a builder returning a fresh unfitted estimator, a short
description and the published work it follows. Its ``kind`` says what the
builder returns: ``"hybrid"`` a scikit-learn Pipeline (image features +
classical steps), ``"deep"`` a :class:`~featleuk.models.DeepClassifier`.
Each family of presets lives in its own module and registers itself here,
so adding a preset never edits another family's file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Callable

from ._params import lookup, set_routed_params

__all__ = [
    "KINDS",
    "Preset",
    "register_preset",
    "register_deep_model",
    "list_presets",
    "make_preset",
    "make_hybrid",
    "make_deep_model",
    "DEEP_MODEL_PRESETS",
]

#: Preset kinds: what a preset's builder returns.
KINDS = ("hybrid", "deep")

#: How the kinds read in messages.
_KIND_TEXT = {None: "preset", "hybrid": "hybrid pipeline", "deep": "deep model"}


@dataclass(frozen=True)
class Preset:
    """A registered preset.

    Presets are made by :func:`register_preset` (hybrid pipelines) and
    :func:`register_deep_model` (deep models), and looked up with
    :func:`list_presets`; :func:`make_preset` builds one with routed
    parameters.

    Attributes
    ----------
    name : str
        The preset's name, e.g. ``"mobilenetv2-svm"``.
    build : callable
        Takes no argument and returns a fresh unfitted estimator.
    description : str
        What the preset builds, in a line.
    reference : str
        The published work it follows, cited by authors and year.
    kind : {"hybrid", "deep"}
        ``"hybrid"``: ``build`` returns a scikit-learn Pipeline;
        ``"deep"``: a :class:`~featleuk.models.DeepClassifier`.
    params : mapping
        For deep-model presets, the ``DeepClassifier`` parameters (the
        training recipe); empty for hybrid presets.

    Examples
    --------
    >>> from featleuk.pipelines import list_presets
    >>> preset = list_presets()["mobilenetv2-svm"]
    >>> preset.kind, preset.description
    ('hybrid', 'MobileNetV2 ImageNet features, standardised, RBF SVM')
    >>> [name for name, _ in preset.build().steps]
    ['features', 'scale', 'clf']
    """

    name: str
    build: Callable
    description: str
    reference: str = ""
    kind: str = "hybrid"
    params: Mapping = field(default_factory=lambda: MappingProxyType({}))


_PRESETS: dict[str, Preset] = {}


def _register(preset: Preset) -> Preset:
    if preset.kind not in KINDS:
        raise ValueError(f"preset {preset.name!r}: kind must be one of {KINDS}, got {preset.kind!r}")
    if preset.name in _PRESETS:
        raise ValueError(f"preset {preset.name!r} is registered twice")
    _PRESETS[preset.name] = preset
    return preset


def register_preset(name: str, description: str, reference: str = "", *, kind: str = "hybrid"):
    """Decorator: register a function that returns a fresh estimator as a preset.

    Parameters
    ----------
    name : str
        The preset's name; names are unique across kinds.
    description : str
        What the preset builds, in a line.
    reference : str, default=""
        The published work it follows, cited by authors and year.
    kind : {"hybrid", "deep"}, default="hybrid"
        What the function returns (see :class:`Preset`).

    Returns
    -------
    callable
        The decorator; it returns the function unchanged.

    Raises
    ------
    ValueError
        If ``name`` is already registered or ``kind`` is unknown.

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from featleuk.pipelines import make_classifier, mobilenet_v2_features, register_preset
    >>> @register_preset("example-mobilenetv2-tree", "MobileNetV2 features, decision tree")
    ... def _example():
    ...     return Pipeline([("features", mobilenet_v2_features()),
    ...                      ("clf", make_classifier("tree"))])
    """

    def decorator(build):
        _register(Preset(name, build, description, reference, kind))
        return build

    return decorator


def _deep_classifier(params):
    from ..models import DeepClassifier

    return DeepClassifier(**params)


def register_deep_model(name: str, description: str, reference: str = "", *, params: Mapping) -> Preset:
    """Register a :class:`~featleuk.models.DeepClassifier` preset given by its parameters.

    Parameters
    ----------
    name : str
        The preset's name; names are unique across kinds.
    description : str
        The architecture, in a line.
    reference : str, default=""
        The published work it follows, cited by authors and year.
    params : mapping
        ``DeepClassifier`` parameters: backbone, head and training recipe.

    Returns
    -------
    Preset
        The registered preset (``kind="deep"``).

    Raises
    ------
    ValueError
        If ``name`` is already registered.

    Examples
    --------
    >>> from featleuk.pipelines import register_deep_model
    >>> preset = register_deep_model(
    ...     "example-small-cnn", "small CNN from scratch, linear head",
    ...     params={"backbone": "small_cnn", "weights": None, "max_epochs": 5})
    >>> preset.kind, preset.params["max_epochs"]
    ('deep', 5)
    """
    params = MappingProxyType(dict(params))
    return _register(Preset(name, partial(_deep_classifier, params), description, reference, "deep", params))


def _lookup_preset(name: str, kind: str | None = None) -> Preset:
    table = _PRESETS if kind is None else list_presets(kind)
    if kind is not None and name in _PRESETS and name not in table:
        other = _PRESETS[name].kind
        builder = {"hybrid": "make_hybrid", "deep": "make_deep_model"}[other]
        raise ValueError(f"{name!r} is a {_KIND_TEXT[other]} preset, not a {_KIND_TEXT[kind]}; "
                         f"build it with {builder} or make_preset")
    return lookup(table, name, _KIND_TEXT[kind])


def list_presets(kind: str | None = None) -> dict[str, Preset]:
    """The registered presets by name, sorted.

    Parameters
    ----------
    kind : {"hybrid", "deep"} or None, default=None
        Only presets of this kind; ``None`` lists all of them.

    Returns
    -------
    dict of str to Preset

    Examples
    --------
    >>> from featleuk.pipelines import list_presets
    >>> list_presets()["mobilenetv2-svm"].kind
    'hybrid'
    >>> "efficientnet_b3" in list_presets("deep")
    True
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}")
    return {name: preset for name, preset in sorted(_PRESETS.items()) if kind in (None, preset.kind)}


def make_preset(name: str, **params):
    """Build any preset by name, with routed parameters applied.

    Parameters
    ----------
    name : str
        A preset name of any kind; see :func:`list_presets`.
    **params
        Parameters applied with ``set_params`` after building, e.g.
        ``clf__C=1.0`` for a hybrid pipeline or ``max_epochs=5`` for a deep
        model; checked by :func:`set_routed_params`.

    Returns
    -------
    estimator
        A fresh, unfitted Pipeline or DeepClassifier.

    Raises
    ------
    ValueError
        For an unknown preset or parameter name (with the closest valid ones).

    Examples
    --------
    >>> from featleuk.pipelines import make_preset
    >>> make_preset("mobilenetv2-svm", clf__C=1.0).named_steps["clf"]
    SVC()
    >>> make_preset("mobilenetv2-svn")
    Traceback (most recent call last):
    ...
    ValueError: unknown preset 'mobilenetv2-svn' (did you mean 'mobilenetv2-svm', ...
    """
    return _build(_lookup_preset(name), params)


def _build(preset: Preset, params):
    return set_routed_params(preset.build(), params, what=f"preset {preset.name!r}")


def make_hybrid(name: str, *, memory=None, **params):
    """Build a named hybrid preset pipeline.

    Parameters
    ----------
    name : str
        A hybrid preset name, e.g. ``"mobilenetv2-svm"``; see
        ``list_presets("hybrid")``.
    memory : str, joblib.Memory or None
        Passed to :class:`~sklearn.pipeline.Pipeline` to cache fitted steps.
    **params
        Routed parameters applied with ``set_params``, e.g.
        ``features__batch_size=16`` or ``clf__C=10``.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    ValueError
        For an unknown preset or parameter name (with the closest valid ones).

    Examples
    --------
    >>> from featleuk.pipelines import make_hybrid
    >>> pipe = make_hybrid("mobilenetv2-svm", features__batch_size=16)
    >>> [name for name, _ in pipe.steps]
    ['features', 'scale', 'clf']
    """
    return _build(_lookup_preset(name, "hybrid"), {"memory": memory, **params})


def make_deep_model(name: str, **params):
    """A :class:`~featleuk.models.DeepClassifier` with a deep-model preset's parameters.

    Parameters
    ----------
    name : str
        A deep-model preset name, e.g. ``"mobilenet_v2"``; see
        ``list_presets("deep")``.
    **params
        ``DeepClassifier`` parameters that replace the preset's, e.g.
        ``max_epochs=5``.

    Returns
    -------
    featleuk.models.DeepClassifier
        Unfitted.

    Raises
    ------
    ValueError
        For an unknown preset or parameter name (with the closest valid ones).

    Examples
    --------
    >>> from featleuk.pipelines import make_deep_model
    >>> make_deep_model("cnn_gru", max_epochs=2).max_epochs
    2
    """
    return _build(_lookup_preset(name, "deep"), params)


class _KindView(Mapping):
    """Read-only, live name -> Preset view of one kind, in registration order."""

    def __init__(self, kind):
        self._kind = kind

    def __getitem__(self, name):
        preset = _PRESETS[name]
        if preset.kind != self._kind:
            raise KeyError(name)
        return preset

    def __iter__(self):
        return (name for name, preset in _PRESETS.items() if preset.kind == self._kind)

    def __len__(self):
        return sum(preset.kind == self._kind for preset in _PRESETS.values())

    def __repr__(self):
        return f"{type(self).__name__}({self._kind!r}: {', '.join(self)})"


#: Deep-model presets by name, in registration order (read-only; the same
#: entries as ``list_presets("deep")``).
DEEP_MODEL_PRESETS = _KindView("deep")
