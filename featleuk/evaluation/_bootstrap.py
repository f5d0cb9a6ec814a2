"""Bootstrap confidence intervals and paired tests on out-of-fold predictions.

A cross-validated number is an estimate from a finite test set; these
functions put a 95% percentile interval around it (Efron and Tibshirani,
1993) by resampling the out-of-fold predictions. Where samples come in
groups (near-duplicate images, crops of one smear, one patient's cells),
whole groups are resampled (the cluster bootstrap), because correlated
samples carry less information than their count suggests.

Resampling is vectorised: a resample is a vector of multiplicities, so the
confusion counts of 1,000 resamples are one matrix product, every metric is
then evaluated on the stacked counts by the same function that
:func:`featleuk.evaluation.classification_metrics` uses, and AUC is the
weighted Mann-Whitney statistic on tie-grouped scores.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from ._metrics import (
    METRIC_NAMES,
    PERCENT_METRICS,
    _AVERAGES,
    _metrics_from_counts,
    _resolve_labels,
    classification_metrics,
    score_matrix,
)
from ._tables import format_interval

__all__ = ["bootstrap_metrics", "paired_bootstrap_test", "format_interval"]

#: Resamples evaluated per matrix product; bounds memory at about
#: ``_CHUNK * n_samples * 8`` bytes whatever ``n_resamples`` is.
_CHUNK = 250


class _Prepared:
    """Per-sample quantities every resample reuses."""

    def __init__(self, y_true, y_pred, y_score, labels):
        y_true = np.asarray(y_true).ravel()
        y_pred = np.asarray(y_pred).ravel()
        if len(y_pred) != len(y_true):
            raise ValueError(f"y_true has {len(y_true)} samples but y_pred has {len(y_pred)}")
        if len(y_true) == 0:
            raise ValueError("cannot bootstrap zero samples")
        self.labels = _resolve_labels(y_true, y_pred, labels)
        k = len(self.labels)
        self.n_classes = k
        true_idx = self._positions(y_true, "y_true")
        pred_idx = self._positions(y_pred, "y_pred")
        n = len(y_true)
        cells = true_idx * k + pred_idx
        self.cells = sparse.csr_matrix(
            (np.ones(n), (np.arange(n), cells)), shape=(n, k * k)
        )
        self.auc_parts = None
        if y_score is not None:
            scores = score_matrix(y_score, k)
            if len(scores) != n:
                raise ValueError(f"y_true has {n} samples but y_score has {len(scores)}")
            self.auc_parts = [self._auc_part(true_idx == j, scores[:, j]) for j in range(k)]

    def _positions(self, values, name):
        """Column of each value in ``labels`` (which need not be sorted)."""
        order = np.argsort(self.labels, kind="stable")
        found = np.searchsorted(self.labels, values, sorter=order)
        idx = order[np.clip(found, 0, len(order) - 1)]
        if not np.array_equal(self.labels[idx], values):
            raise ValueError(f"{name} has labels outside labels={self.labels.tolist()}")
        return idx

    @staticmethod
    def _auc_part(positive, column):
        """Sparse sample -> tie-group indicators of positives and negatives, or None."""
        if not np.isfinite(column).all():
            return None
        _, ties = np.unique(column, return_inverse=True)
        n, n_ties = len(column), int(ties.max()) + 1
        rows = np.arange(n)

        def indicator(mask):
            return sparse.csr_matrix(
                (np.ones(mask.sum()), (rows[mask], ties[mask])), shape=(n, n_ties)
            ).T.tocsr()

        return indicator(positive), indicator(~positive)

    def draws(self, weights, average):
        """Metrics of each row of ``weights`` (resamples x samples multiplicities)."""
        k = self.n_classes
        cm = (self.cells.T @ weights.T).T.reshape(-1, k, k)
        aucs = np.full((len(weights), k), np.nan)
        for j, part in enumerate(self.auc_parts or ()):
            if part is None:
                continue
            pos = (part[0] @ weights.T).T  # resamples x tie groups, ascending score
            neg = (part[1] @ weights.T).T
            below = np.cumsum(neg, axis=1) - neg
            wins = (pos * (below + 0.5 * neg)).sum(axis=1)
            pairs = pos.sum(axis=1) * neg.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                aucs[:, j] = np.where(pairs > 0, wins / pairs, np.nan)
        return _metrics_from_counts(cm, aucs, average)


def _units(groups, n):
    """Integer resampling unit of each sample: its group, or itself."""
    if groups is None:
        return np.arange(n), n, "sample"
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups has shape {groups.shape} but there are {n} samples")
    _, codes = np.unique(groups, return_inverse=True)
    return codes, int(codes.max()) + 1, "group"


def _weight_chunks(codes, n_units, n_resamples, rng):
    """Yield (resamples x samples) multiplicity matrices, ``_CHUNK`` resamples at a time."""
    done = 0
    while done < n_resamples:
        b = min(_CHUNK, n_resamples - done)
        drawn = rng.integers(0, n_units, size=(b, n_units))
        offsets = np.arange(b)[:, None] * n_units
        counts = np.bincount((drawn + offsets).ravel(), minlength=b * n_units)
        yield counts.reshape(b, n_units)[:, codes].astype(float)
        done += b


def _check_common(metrics, n_resamples, confidence, average):
    metrics = tuple(METRIC_NAMES if metrics is None else metrics)
    unknown = [m for m in metrics if m not in METRIC_NAMES]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRIC_NAMES)}")
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    return metrics


def _percentiles(values, confidence):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_metrics(
    y_true,
    y_pred,
    y_score=None,
    *,
    labels=None,
    groups=None,
    metrics=None,
    n_resamples=1000,
    confidence=0.95,
    average="macro",
    random_state=0,
):
    """Percentile bootstrap confidence intervals of classification metrics.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Pooled out-of-fold labels and predictions (``CVResult.y_true`` and
        ``CVResult.y_pred``).
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
        Class scores for the AUC interval (``CVResult.y_score``). Pooled
        ``decision_function`` margins of different folds are on different
        scales, so their AUC interval is indicative.
    labels : array-like, default=None
        Classes in score-column order (``CVResult.classes``).
    groups : array-like of shape (n_samples,), default=None
        Resampling unit of each sample: whole groups are drawn with
        replacement (cluster bootstrap). Use the groups the folds were
        built with (duplicate groups, subjects); ``None`` resamples samples.
    metrics : sequence of str, default=None
        Names from :data:`METRIC_NAMES`; all of them when ``None``.
    n_resamples : int, default=1000
        Number of bootstrap resamples; more gives steadier bounds.
    confidence : float, default=0.95
        Coverage of the interval (0.95: the 2.5th to 97.5th percentiles).
    average : {"macro", "weighted", "binary"}, default="macro"
        As in :func:`classification_metrics`.
    random_state : int, default=0
        Seeds the resampling: the same inputs give the same interval.

    Returns
    -------
    dict
        ``unit`` (``"sample"`` or ``"group"``), ``n_units``,
        ``n_resamples``, ``confidence``, and ``metrics``:
        ``{name: {"value", "low", "high"}}``, where ``value`` is the metric
        of the data as given and ``low`` / ``high`` the percentile bounds
        (resamples where a metric is undefined, e.g. AUC without a class,
        are left out of its bounds).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200)
    >>> pred = np.where(rng.random(200) < 0.9, y, 1 - y)
    >>> ci = bootstrap_metrics(y, pred, metrics=["accuracy"], n_resamples=500)
    >>> format_interval(**ci["metrics"]["accuracy"], metric="accuracy")
    '87.0 [82.0, 91.5]'
    """
    metrics = _check_common(metrics, n_resamples, confidence, average)
    prepared = _Prepared(y_true, y_pred, y_score, labels)
    value = classification_metrics(y_true, y_pred, y_score, labels=prepared.labels,
                                   average=average)
    codes, n_units, unit = _units(groups, len(np.asarray(y_true).ravel()))
    rng = np.random.default_rng(random_state)
    draws = {m: [] for m in metrics}
    for weights in _weight_chunks(codes, n_units, n_resamples, rng):
        chunk = prepared.draws(weights, average)
        for m in metrics:
            draws[m].append(chunk[m])
    out = {}
    for m in metrics:
        low, high = _percentiles(np.concatenate(draws[m]), confidence)
        out[m] = {"value": value[m], "low": low, "high": high}
    return {"unit": unit, "n_units": n_units, "n_resamples": int(n_resamples),
            "confidence": float(confidence), "metrics": out}


def _result_arrays(result, which):
    for attr in ("y_true", "y_pred", "y_score", "classes", "sample_indices"):
        if not hasattr(result, attr):
            raise TypeError(f"result_{which} must be a CVResult, got {type(result).__name__}")
    return result


def paired_bootstrap_test(
    result_a,
    result_b,
    *,
    groups=None,
    metrics=None,
    n_resamples=1000,
    confidence=0.95,
    average="macro",
    random_state=0,
):
    """Paired bootstrap of the difference between two pipelines' metrics.

    Both results must hold out-of-fold predictions of the **same samples**
    (ideally the same folds: same ``y``, ``groups``, ``cv`` and
    ``random_state``). Each resample draws the same samples (or groups) for
    both pipelines, so the interval of ``a - b`` accounts for their
    predictions being correlated.

    Parameters
    ----------
    result_a, result_b : CVResult
        The two pipelines' cross-validation results; the difference is
        ``result_a``'s metric minus ``result_b``'s.
    groups : array-like of shape (n_samples,), default=None
        Cluster-bootstrap units, aligned with ``result_a.y_true``.
    metrics, n_resamples, confidence, average, random_state
        As in :func:`bootstrap_metrics`.

    Returns
    -------
    dict
        ``a`` and ``b`` (the names), ``same_folds`` (bool), ``unit``,
        ``n_units``, ``n_resamples``, ``confidence`` and ``metrics``:
        ``{name: {"a", "b", "difference", "low", "high", "p_value"}}`` with
        the percentile interval of ``a - b`` and the two-sided p-value of
        "no difference", ``2 * min(P(d* <= 0), P(d* >= 0))`` with the
        ``(count + 1) / (n_resamples + 1)`` correction (so never 0), capped
        at 1.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.evaluation import CVResult
    >>> y = np.repeat([0, 1], 100)
    >>> good = CVResult.from_predictions(y, np.where(np.arange(200) % 10 == 0, 1 - y, y),
    ...                                  name="good")
    >>> poor = CVResult.from_predictions(y, np.where(np.arange(200) % 4 == 0, 1 - y, y),
    ...                                  name="poor")
    >>> test = paired_bootstrap_test(good, poor, metrics=["accuracy"])
    >>> acc = test["metrics"]["accuracy"]
    >>> round(acc["difference"], 3), bool(acc["p_value"] < 0.01)
    (0.15, True)
    """
    metrics = _check_common(metrics, n_resamples, confidence, average)
    a = _result_arrays(result_a, "a")
    b = _result_arrays(result_b, "b")
    if not np.array_equal(a.sample_indices, b.sample_indices) or not np.array_equal(
        np.asarray(a.y_true), np.asarray(b.y_true)
    ):
        raise ValueError(
            f"{a.name!r} and {b.name!r} were tested on different samples; a paired test needs "
            "both pipelines cross-validated on the same data with the same folds"
        )
    if not np.array_equal(np.asarray(a.classes), np.asarray(b.classes)):
        raise ValueError(f"{a.name!r} and {b.name!r} have different classes")
    same_folds = len(a.fold_indices) == len(b.fold_indices) and all(
        np.array_equal(np.sort(fa), np.sort(fb)) for fa, fb in zip(a.fold_indices, b.fold_indices)
    )
    prep_a = _Prepared(a.y_true, a.y_pred, a.y_score, a.classes)
    prep_b = _Prepared(b.y_true, b.y_pred, b.y_score, b.classes)
    value_a = classification_metrics(a.y_true, a.y_pred, a.y_score, labels=a.classes,
                                     average=average)
    value_b = classification_metrics(b.y_true, b.y_pred, b.y_score, labels=b.classes,
                                     average=average)
    codes, n_units, unit = _units(groups, len(a.y_true))
    rng = np.random.default_rng(random_state)
    diffs = {m: [] for m in metrics}
    for weights in _weight_chunks(codes, n_units, n_resamples, rng):
        draws_a = prep_a.draws(weights, average)
        draws_b = prep_b.draws(weights, average)
        for m in metrics:
            diffs[m].append(draws_a[m] - draws_b[m])
    out = {}
    for m in metrics:
        d = np.concatenate(diffs[m])
        d = d[np.isfinite(d)]
        low, high = _percentiles(d, confidence)
        if d.size:
            below = (np.count_nonzero(d <= 0) + 1) / (d.size + 1)
            above = (np.count_nonzero(d >= 0) + 1) / (d.size + 1)
            p_value = float(min(1.0, 2.0 * min(below, above)))
        else:
            p_value = math.nan
        out[m] = {"a": value_a[m], "b": value_b[m], "difference": value_a[m] - value_b[m],
                  "low": low, "high": high, "p_value": p_value}
    return {"a": a.name, "b": b.name, "same_folds": bool(same_folds), "unit": unit,
            "n_units": n_units, "n_resamples": int(n_resamples),
            "confidence": float(confidence), "metrics": out}
