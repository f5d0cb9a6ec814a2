"""The one place featleuk imports scikit-learn's semi-private API from.

scikit-learn's parameter-validation helpers (``Interval``, ``StrOptions``,
``HasMethods``), ``_fit_context``, ``validate_data`` and the ``Tags``
dataclasses moved and changed between releases. Every featleuk module
imports them from here, so supporting a new scikit-learn release means
editing one file. ``sklearn-compat`` (the shim imbalanced-learn uses) covers
the functions; the constraint classes have lived in
``sklearn.utils._param_validation`` unchanged since 1.2.

The floor is scikit-learn 1.6: the first release with ``__sklearn_tags__``
and ``sklearn.utils.validation.validate_data``, which featleuk's estimators
define and use.
"""

from __future__ import annotations

from sklearn_compat.base import _fit_context
from sklearn_compat.utils._tags import Tags, get_tags
from sklearn_compat.utils.validation import validate_data
from sklearn.utils._param_validation import (HasMethods, Hidden, Interval, InvalidParameterError, Options,
                                            StrOptions)

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "Tags",
    "_fit_context",
    "get_tags",
    "validate_data",
]
