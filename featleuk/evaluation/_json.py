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
        return obj
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
