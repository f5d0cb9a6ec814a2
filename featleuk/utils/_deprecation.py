"""Renamed parameters: the old name keeps working for a while, with a FutureWarning."""

from __future__ import annotations

import warnings

from ._sklearn_compat import Hidden, StrOptions

__all__ = ["DEPRECATED", "deprecated_constraint", "renamed_value", "warn_renamed"]

#: Default of a renamed parameter's old name: "not given".
DEPRECATED = "deprecated"


def deprecated_constraint(*constraints):
    """``_parameter_constraints`` entry of an old name: its constraints plus the hidden default."""
    return [*constraints, Hidden(StrOptions({DEPRECATED}))]


def _given(value) -> bool:
    return not (isinstance(value, str) and value == DEPRECATED)


def renamed_value(estimator, old: str, new: str):
    """The value in force: the old parameter's when the user set it, else the new one's."""
    value = getattr(estimator, old)
    return value if _given(value) else getattr(estimator, new)


def warn_renamed(estimator, old: str, new: str) -> None:
    """FutureWarning (called from ``fit``) when the user set the old name of a parameter."""
    value = getattr(estimator, old)
    if _given(value):
        warnings.warn(
            f"{type(estimator).__name__}: the parameter {old!r} was renamed {new!r} and {old!r} will "
            f"be removed in a future release; pass {new}={value!r} instead.",
            FutureWarning,
            stacklevel=3,
        )
