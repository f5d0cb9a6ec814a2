"""Name look-ups and routed parameters with "did you mean ...?" errors.

Presets and building blocks are chosen by name and tuned with routed
parameters (``clf__C=1``); a typo in either should say what was meant
rather than raise a bare ``KeyError`` deep inside scikit-learn.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping

__all__ = ["set_routed_params"]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'a' or 'b'?)"`` for the close matches of ``name``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=3)
    if not close:
        return ""
    # Only the matches about as close as the best: 'clf__C' for 'clf__CC', not also 'clf__tol'.
    best = difflib.SequenceMatcher(None, name, close[0]).ratio()
    close = [repr(c) for c in close if difflib.SequenceMatcher(None, name, c).ratio() >= best - 0.1]
    alternatives = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
    return f" (did you mean {alternatives}?)"


def lookup(table: Mapping, name: str, what: str):
    """``table[name]``; an unknown name raises ValueError with close matches and all names."""
    try:
        return table[name]
    except KeyError:
        known = ", ".join(table) or "(none)"
        raise ValueError(f"unknown {what} {name!r}{did_you_mean(name, table)}; known: {known}") from None


def _accepts_unlisted(estimator, key, listed) -> bool:
    """Whether ``key`` is a routed parameter a component takes without listing it.

    :class:`~featleuk.models.DeepClassifier` passes ``optimizer__...``,
    ``criterion__...`` etc. to skorch and lists them in ``get_params`` only
    once set.
    """
    classifier = sys.modules.get("featleuk.models._classifier")
    if classifier is None:  # no DeepClassifier can exist yet
        return False
    parts = key.split("__")
    for i in range(len(parts) - 1):
        owner = estimator if i == 0 else listed.get("__".join(parts[:i]))
        rest = "__".join(parts[i:])
        if isinstance(owner, classifier.DeepClassifier) and rest.startswith(classifier.ROUTED_PREFIXES):
            return True
    return False


def set_routed_params(estimator, params: Mapping, *, what: str | None = None):
    """Apply routed parameters with ``set_params``, checking every name first.

    Unlike a bare ``set_params``, a misspelt name raises one ValueError that
    names it and suggests the closest of the estimator's ``get_params()``
    keys, before anything is changed.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn estimator or pipeline.
    params : mapping
        Routed parameters, e.g. ``{"clf__C": 1.0, "features__batch_size": 16}``.
    what : str, optional
        What ``estimator`` is, for the message (e.g. ``"preset 'mobilenetv2-svm'"``);
        defaults to its class name.

    Returns
    -------
    estimator
        ``estimator``, updated in place.

    Raises
    ------
    ValueError
        If a name is not one of the estimator's parameters.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from featleuk.pipelines import set_routed_params
    >>> pipe = set_routed_params(make_pipeline(StandardScaler(), SVC()), {"svc__C": 3.0})
    >>> pipe[-1].C
    3.0
    >>> set_routed_params(pipe, {"svc__CC": 1.0})
    Traceback (most recent call last):
    ...
    ValueError: Pipeline has no parameter 'svc__CC' (did you mean 'svc__C'?); see its get_params() for the valid names
    """
    if not params:
        return estimator
    listed = estimator.get_params(deep=True)
    unknown = [key for key in params if key not in listed and not _accepts_unlisted(estimator, key, listed)]
    if unknown:
        noun = "parameter" if len(unknown) == 1 else "parameters"
        names = ", ".join(f"{key!r}{did_you_mean(key, listed)}" for key in unknown)
        raise ValueError(f"{what or type(estimator).__name__} has no {noun} {names}; "
                         "see its get_params() for the valid names")
    return estimator.set_params(**params)
