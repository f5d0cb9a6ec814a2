"""Turning results into strict JSON (no NaN, no numpy types)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np


def jsonable(obj):
    """Recursively convert ``obj`` into plain JSON types.

    numpy scalars and arrays become Python numbers and lists, NaN and
    infinities become ``None`` (strict JSON has neither), paths become
    strings, and any other object becomes its ``repr`` so that a stray
    estimator in ``extra`` never makes ``json.dump`` fail.
    """
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(key): jsonable(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(value) for value in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return repr(obj)


def nan_if_none(values):
    """Inverse of :func:`jsonable` for a list of numbers: ``None`` back to NaN."""
    return [math.nan if value is None else value for value in values]


def estimator_params(estimator):
    """``estimator.get_params(deep=True)`` as JSON: nested estimators by class, callables by name.

    Every parameter, including those of nested steps (``clf__C``), so a
    report says exactly what was run; a nested estimator's own entry is its
    class path (its parameters are listed under their ``name__`` keys).

    Parameters
    ----------
    estimator : estimator
        Any object with ``get_params`` (a Pipeline, a classifier).

    Returns
    -------
    dict or None
        ``{parameter: JSON value}`` sorted by name; None for objects
        without ``get_params``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> params = estimator_params(make_pipeline(StandardScaler(), SVC(C=10.0)))
    >>> params["svc"], params["svc__C"]
    ('sklearn.svm._classes.SVC', 10.0)
    """
    if not hasattr(estimator, "get_params"):
        return None

    def value(item):
        if hasattr(item, "get_params") and not isinstance(item, type):
            return f"{type(item).__module__}.{type(item).__qualname__}"
        if isinstance(item, type) or callable(item):
            return f"{getattr(item, '__module__', '')}.{getattr(item, '__qualname__', repr(item))}"
        if isinstance(item, (list, tuple)):
            return [value(part) for part in item]
        if isinstance(item, Mapping):
            return {str(key): value(part) for key, part in item.items()}
        return jsonable(item)

    params = estimator.get_params(deep=True)
    return {str(key): value(params[key]) for key in sorted(params)}
