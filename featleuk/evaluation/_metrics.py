"""Classification metrics as the leukemia papers report them.

The papers quote accuracy, precision, sensitivity (recall), specificity, F1,
Cohen's kappa, MCC and ROC AUC; scikit-learn has no specificity and computes
AUC only from probabilities, so this module derives every per-class number
from one confusion matrix and computes AUC one-vs-rest from any score matrix
(``predict_proba`` or ``decision_function``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    matthews_corrcoef,
    roc_auc_score,
)

__all__ = [
    "METRIC_NAMES",
    "PERCENT_METRICS",
    "classification_metrics",
    "per_class_report",
    "confusion",
    "score_matrix",
]

#: Keys of :func:`classification_metrics`, in report order.
METRIC_NAMES = (
    "accuracy",
    "precision",
    "recall",
    "sensitivity",
    "specificity",
    "f1",
    "f2",
    "cohen_kappa",
    "mcc",
    "roc_auc",
)

#: Metrics bounded in [0, 1] that reports show as percentages (kappa and MCC
#: range over [-1, 1] and are conventionally quoted as ratios).
PERCENT_METRICS = frozenset(METRIC_NAMES) - {"cohen_kappa", "mcc"}

_AVERAGES = ("macro", "weighted", "binary")


def _resolve_labels(y_true, y_pred, labels):
    if labels is None:
        return np.unique(np.concatenate([np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()]))
    labels = np.asarray(labels)
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"labels must be unique, got {labels.tolist()}")
    return labels


def confusion(y_true, y_pred, *, labels=None, normalize=None):
    """Confusion matrix with rows = true class, columns = predicted class.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, default=None
        Class order of the rows and columns; the sorted union of ``y_true``
        and ``y_pred`` when ``None``.
    normalize : {None, "true"}, default=None
        ``"true"`` divides each row by its class count (rows of absent
        classes stay zero), i.e. shows the per-class recall on the diagonal.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
    """
    labels = _resolve_labels(y_true, y_pred, labels)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    if normalize is None:
        return cm
    if normalize != "true":
        raise ValueError(f"normalize must be None or 'true', got {normalize!r}")
    rows = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)


def _ratio(num, den):
    """Elementwise num / den with 0 where den == 0 (scikit-learn's zero_division=0)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _per_class_counts(cm):
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = cm.sum() - tp - fp - fn
    return tp, fp, fn, tn


def _fbeta(precision, recall, beta):
    b2 = beta * beta
    return _ratio((1 + b2) * precision * recall, b2 * precision + recall)


def _per_class_rates(cm):
    """Per-class precision, recall, specificity, F1 and F2 from a confusion matrix."""
    tp, fp, fn, tn = _per_class_counts(cm)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "specificity": _ratio(tn, tn + fp),
        "f1": _fbeta(precision, recall, 1.0),
        "f2": _fbeta(precision, recall, 2.0),
    }


def score_matrix(y_score, n_classes):
    """Return scores as an ``(n_samples, n_classes)`` matrix, one column per class.

    A 1-D binary score (``decision_function`` of a two-class estimator, or a
    positive-class probability) ``s`` becomes ``[-s, s]``: ranking by ``-s``
    is ranking by the negative class, so one-vs-rest AUC and PR curves of
    both columns are well defined.
    """
    y_score = np.asarray(y_score, dtype=float)
    if y_score.ndim == 1:
        if n_classes != 2:
            raise ValueError(
                f"a 1-D y_score is only meaningful for two classes, got {n_classes} classes"
            )
        return np.column_stack([-y_score, y_score])
    if y_score.ndim != 2 or y_score.shape[1] != n_classes:
        raise ValueError(
            f"y_score must have one column per class ({n_classes}), got shape {y_score.shape}; "
            "for SVC use decision_function_shape='ovr'"
        )
    return y_score


def _per_class_auc(y_true, scores, labels):
    """One-vs-rest ROC AUC of each column; NaN for a class absent from (or alone in) y_true."""
    y_true = np.asarray(y_true)
    aucs = np.full(len(labels), np.nan)
    for k, label in enumerate(labels):
        positive = y_true == label
        if positive.all() or not positive.any() or not np.isfinite(scores[:, k]).all():
            continue
        aucs[k] = roc_auc_score(positive, scores[:, k])
    return aucs


def _check_lengths(y_true, y_pred, y_score):
    n = len(y_true)
    if len(y_pred) != n:
        raise ValueError(f"y_true has {n} samples but y_pred has {len(y_pred)}")
    if y_score is not None and len(y_score) != n:
        raise ValueError(f"y_true has {n} samples but y_score has {len(y_score)}")
    if n == 0:
        raise ValueError("cannot compute metrics of zero samples")


def classification_metrics(y_true, y_pred, y_score=None, *, labels=None, average="macro"):
    """Every metric the papers report, as one flat dict of floats.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
        Class scores, columns in the order of ``labels``: ``predict_proba``
        or ``decision_function`` output (AUC depends only on the ranking
        within a column, so uncalibrated SVM margins are fine). A 1-D array
        is the positive-class score of a binary problem.
    labels : array-like, default=None
        The classes, in score-column order; the sorted union of ``y_true``
        and ``y_pred`` when ``None``. Pass the estimator's ``classes_`` when
        a test set may lack a class.
    average : {"macro", "weighted", "binary"}, default="macro"
        How per-class precision, recall, specificity, F-scores and AUC are
        combined. ``"macro"`` is the unweighted mean over classes;
        ``"weighted"`` weights by class support. For a **two-class** problem
        ``"macro"`` and ``"binary"`` report the positive class ``labels[1]``
        (the diagnostic-test convention: sensitivity = positive-class recall,
        specificity = negative-class recall), because the macro mean of
        specificity over two classes equals the macro recall and says
        nothing new.

    Returns
    -------
    dict
        Keys :data:`METRIC_NAMES`: ``accuracy``, ``precision``, ``recall``,
        ``sensitivity`` (= recall), ``specificity`` (TN / (TN + FP)), ``f1``,
        ``f2`` (F-beta with beta = 2, favouring recall), ``cohen_kappa``,
        ``mcc`` and ``roc_auc`` (one-vs-rest; NaN when ``y_score`` is None or
        a class of ``labels`` is absent from ``y_true``). Kappa is NaN when
        it is undefined (a single class in both ``y_true`` and ``y_pred``). Ratios with a zero
        denominator count as 0, like scikit-learn's ``zero_division=0``.
    """
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    _check_lengths(y_true, y_pred, y_score)
    labels = _resolve_labels(y_true, y_pred, labels)
    n_classes = len(labels)
    if average == "binary" and n_classes != 2:
        raise ValueError(f"average='binary' needs exactly two classes, got {n_classes}")

    cm = confusion_matrix(y_true, y_pred, labels=labels)
    rates = _per_class_rates(cm)
    aucs = (
        _per_class_auc(y_true, score_matrix(y_score, n_classes), labels)
        if y_score is not None
        else np.full(n_classes, np.nan)
    )

    if n_classes == 2 and average != "weighted":
        # Positive class = labels[1]; its specificity is the negative-class recall.
        def combine(values):
            return float(values[1])
    else:
        weights = cm.sum(axis=1) if average == "weighted" else np.ones(n_classes)

        def combine(values):
            # NaN (absent-class AUC) propagates, as documented.
            return float(np.average(values, weights=weights)) if weights.sum() > 0 else 0.0

    # sklearn warns when a class is missing from y_pred or y_true; these
    # counts are legitimate in small folds, and the numbers are still defined.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        kappa = cohen_kappa_score(y_true, y_pred, labels=labels)
        mcc = matthews_corrcoef(y_true, y_pred)
    recall = combine(rates["recall"])
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": combine(rates["precision"]),
        "recall": recall,
        "sensitivity": recall,
        "specificity": combine(rates["specificity"]),
        "f1": combine(rates["f1"]),
        "f2": combine(rates["f2"]),
        "cohen_kappa": float(kappa),
        "mcc": float(mcc),
        "roc_auc": combine(aucs),
    }


def per_class_report(y_true, y_pred, y_score=None, target_names=None, *, labels=None):
    """One dict of one-vs-rest numbers per class.

    Parameters
    ----------
    y_true, y_pred, y_score, labels
        As in :func:`classification_metrics`.
    target_names : list of str, default=None
        Display names in the order of ``labels``; ``str(label)`` when ``None``.

    Returns
    -------
    list of dict
        One per class, with keys ``class`` (display name), ``label``,
        ``precision``, ``recall``, ``sensitivity``, ``specificity``, ``f1``,
        ``f2``, ``support`` (int, number of true members) and ``auc`` (NaN
        without scores or when the class is absent).
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    _check_lengths(y_true, y_pred, y_score)
    labels = _resolve_labels(y_true, y_pred, labels)
    if target_names is None:
        target_names = [str(label) for label in labels]
    if len(target_names) != len(labels):
        raise ValueError(f"{len(target_names)} target_names for {len(labels)} classes")
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    rates = _per_class_rates(cm)
    aucs = (
        _per_class_auc(y_true, score_matrix(y_score, len(labels)), labels)
        if y_score is not None
        else np.full(len(labels), np.nan)
    )
    support = cm.sum(axis=1)
    rows = []
    for k, label in enumerate(labels):
        rows.append({
            "class": str(target_names[k]),
            "label": label.item() if hasattr(label, "item") else label,
            "precision": float(rates["precision"][k]),
            "recall": float(rates["recall"][k]),
            "sensitivity": float(rates["recall"][k]),
            "specificity": float(rates["specificity"][k]),
            "f1": float(rates["f1"][k]),
            "f2": float(rates["f2"][k]),
            "support": int(support[k]),
            "auc": float(aucs[k]),
        })
    return rows
