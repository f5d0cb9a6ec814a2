"""Classification metrics as the leukemia papers report them.

The papers quote accuracy, precision, sensitivity (recall), specificity, F1,
Cohen's kappa, MCC and ROC AUC; scikit-learn has no specificity and computes
AUC only from probabilities, so this module derives every per-class number
from one confusion matrix and computes AUC one-vs-rest from any score matrix
(``predict_proba`` or ``decision_function``).

Precision, recall and F-scores are macro-averaged over the classes, for two
classes as for more; the only positive-class numbers are the ones named
after the diagnostic test (sensitivity and specificity of a two-class
problem). Every metric is computed from confusion-matrix counts by one
vectorised function, which :mod:`featleuk.evaluation._bootstrap` also uses
for thousands of resampled matrices at once.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score

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
        True and predicted class labels.
    labels : array-like, default=None
        Class order of the rows and columns; the sorted union of ``y_true``
        and ``y_pred`` when ``None``.
    normalize : {None, "true"}, default=None
        ``"true"`` divides each row by its class count (rows of absent
        classes stay zero), i.e. shows the per-class recall on the diagonal.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        Counts (int), or row fractions (float) with ``normalize="true"``.

    Examples
    --------
    >>> confusion(["ALL", "ALL", "healthy"], ["ALL", "healthy", "healthy"])
    array([[1, 1],
           [0, 1]])
    >>> confusion(["ALL", "ALL", "healthy"], ["ALL", "healthy", "healthy"], normalize="true")
    array([[0.5, 0.5],
           [0. , 1. ]])
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
    """TP, FP, FN, TN per class of one ``(K, K)`` or a stack ``(..., K, K)`` of matrices."""
    cm = np.asarray(cm, dtype=float)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    fp = cm.sum(axis=-2) - tp
    fn = cm.sum(axis=-1) - tp
    tn = cm.sum(axis=(-2, -1))[..., None] - tp - fp - fn
    return tp, fp, fn, tn


def _fbeta(precision, recall, beta):
    b2 = beta * beta
    return _ratio((1 + b2) * precision * recall, b2 * precision + recall)


def _per_class_rates(cm):
    """Per-class precision, recall, specificity, F1 and F2 from confusion matrices."""
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


def _kappa_mcc(cm):
    """Cohen's kappa and MCC of a stack ``(..., K, K)`` of confusion matrices.

    The same formulas as scikit-learn's ``cohen_kappa_score`` (NaN when the
    chance agreement is 1) and multi-class ``matthews_corrcoef`` (0 when a
    marginal is constant), written on counts so that the bootstrap can
    evaluate them for thousands of resampled matrices at once.
    """
    cm = np.asarray(cm, dtype=float)
    n = cm.sum(axis=(-2, -1))
    t = cm.sum(axis=-1)  # true counts per class
    p = cm.sum(axis=-2)  # predicted counts per class
    correct = np.diagonal(cm, axis1=-2, axis2=-1).sum(axis=-1)
    chance = (t * p).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = correct / n
        p_e = chance / (n * n)
        kappa = np.where(p_e < 1.0, (p_o - p_e) / (1.0 - p_e), np.nan)
    cov = correct * n - chance
    var = (n * n - (p * p).sum(axis=-1)) * (n * n - (t * t).sum(axis=-1))
    mcc = _ratio(cov, np.sqrt(np.clip(var, 0.0, None)))
    return kappa, mcc


def _combine(values, weights):
    """Average per-class ``values`` (..., K) with ``weights`` (..., K); NaN propagates."""
    total = weights.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (values * weights).sum(axis=-1) / total
    return np.where(total > 0, mean, 0.0)


def _metrics_from_counts(cm, aucs, average):
    """Every metric of :data:`METRIC_NAMES` for a stack of confusion matrices.

    Parameters
    ----------
    cm : ndarray of shape (..., K, K)
        Confusion counts (rows true); may be fractional bootstrap weights.
    aucs : ndarray of shape (..., K)
        Per-class one-vs-rest AUC (NaN when unknown).
    average : {"macro", "weighted", "binary"}

    Returns
    -------
    dict of {name: ndarray of shape (...)}
    """
    cm = np.asarray(cm, dtype=float)
    n_classes = cm.shape[-1]
    rates = _per_class_rates(cm)
    support = cm.sum(axis=-1)
    if average == "binary":
        weights = np.broadcast_to(np.array([0.0, 1.0]), support.shape)
    elif average == "weighted":
        weights = support
    else:
        weights = np.ones_like(support)
    combined = {key: _combine(values, weights) for key, values in rates.items()}
    if n_classes == 2:
        # Diagnostic-test convention: sensitivity is the positive class's
        # (labels[1]) recall and specificity the negative class's recall,
        # whatever the average of precision, recall and F.
        sensitivity = rates["recall"][..., 1]
        specificity = rates["recall"][..., 0]
    else:
        sensitivity = combined["recall"]
        specificity = combined["specificity"]
    kappa, mcc = _kappa_mcc(cm)
    n = cm.sum(axis=(-2, -1))
    return {
        "accuracy": _ratio(np.diagonal(cm, axis1=-2, axis2=-1).sum(axis=-1), n),
        "precision": combined["precision"],
        "recall": combined["recall"],
        "sensitivity": sensitivity,
        "specificity": specificity,
        "f1": combined["f1"],
        "f2": combined["f2"],
        "cohen_kappa": kappa,
        "mcc": mcc,
        "roc_auc": _combine(np.asarray(aucs, dtype=float), weights),
    }


def score_matrix(y_score, n_classes):
    """Return scores as an ``(n_samples, n_classes)`` matrix, one column per class.

    A 1-D binary score (``decision_function`` of a two-class estimator, or a
    positive-class probability) ``s`` becomes ``[-s, s]``: ranking by ``-s``
    is ranking by the negative class, so one-vs-rest AUC and PR curves of
    both columns are well defined.

    Parameters
    ----------
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        ``predict_proba`` or ``decision_function`` output; a 1-D array is
        the positive-class score of a two-class problem.
    n_classes : int
        Number of classes the columns must cover.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Float scores, one column per class.

    Raises
    ------
    ValueError
        When the shape of ``y_score`` does not match ``n_classes``.

    Examples
    --------
    >>> score_matrix([0.5, -2.0], 2)
    array([[-0.5,  0.5],
           [ 2. , -2. ]])
    >>> score_matrix([[0.2, 0.3, 0.5]], 3).shape
    (1, 3)
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
        How per-class precision, recall, F-scores and AUC are combined, for
        two classes as for more. ``"macro"`` is the unweighted mean over
        classes (so a classifier predicting one class everywhere gets a low
        macro F1, also for two classes); ``"weighted"`` weights by class
        support; ``"binary"`` (two classes only) reports the positive class
        ``labels[1]`` alone, as scikit-learn's ``average="binary"``.

    Returns
    -------
    dict
        Keys :data:`METRIC_NAMES`: ``accuracy``, ``precision``, ``recall``,
        ``sensitivity``, ``specificity``, ``f1``, ``f2`` (F-beta with
        beta = 2, favouring recall), ``cohen_kappa``, ``mcc`` and
        ``roc_auc`` (one-vs-rest; NaN when ``y_score`` is None or a class
        of ``labels`` is absent from ``y_true``).

        For **two classes**, ``sensitivity`` and ``specificity`` are the
        diagnostic-test numbers of the positive class ``labels[1]``
        (sensitivity = its recall, specificity = the negative class's
        recall) whatever ``average`` is; ``recall`` is averaged as asked (the
        macro recall is the balanced accuracy). For more classes,
        ``sensitivity`` equals ``recall`` and ``specificity`` is the
        one-vs-rest TN / (TN + FP) averaged the same way.

        Kappa is NaN when it is undefined (a single class in both ``y_true``
        and ``y_pred``). Ratios with a zero denominator count as 0, like
        scikit-learn's ``zero_division=0``.

    Examples
    --------
    A two-class classifier that predicts "leukemia" everywhere:

    >>> m = classification_metrics(["healthy", "leukemia"] * 2, ["leukemia"] * 4)
    >>> m["accuracy"], m["f1"], m["sensitivity"], m["specificity"]
    (0.5, 0.3333333333333333, 1.0, 0.0)
    >>> classification_metrics(["healthy", "leukemia"] * 2, ["leukemia"] * 4,
    ...                        average="binary")["f1"]  # the positive class's F1
    0.6666666666666666
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
    aucs = (
        _per_class_auc(y_true, score_matrix(y_score, n_classes), labels)
        if y_score is not None
        else np.full(n_classes, np.nan)
    )
    values = _metrics_from_counts(cm, aucs, average)
    return {name: float(values[name]) for name in METRIC_NAMES}


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

    Examples
    --------
    >>> rows = per_class_report(["ALL", "ALL", "healthy"], ["ALL", "healthy", "healthy"])
    >>> [(row["class"], row["recall"], row["support"]) for row in rows]
    [('ALL', 0.5, 2), ('healthy', 1.0, 1)]
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
