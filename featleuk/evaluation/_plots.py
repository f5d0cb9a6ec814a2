"""Figures for reports: confusion matrices, ROC / PR curves, comparisons, training curves.

Confusion matrices and curves are drawn by scikit-learn's displays
(:class:`~sklearn.metrics.ConfusionMatrixDisplay`,
:class:`~sklearn.metrics.RocCurveDisplay`,
:class:`~sklearn.metrics.PrecisionRecallDisplay`) built from stored
out-of-fold predictions (``from_cv_results`` would refit nothing but needs
the fitted fold estimators, which a :class:`CVResult` usually does not
keep). With fold information the curves show every fold, the spread of the
folds and the pooled out-of-fold curve.

Figures are built with :class:`matplotlib.figure.Figure` directly rather than
``pyplot``: nothing is registered with a GUI backend, nothing is ever shown,
figures are freed when dropped, and plotting works in worker threads and on
headless CI (rendering uses Agg when saved).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    PrecisionRecallDisplay,
    RocCurveDisplay,
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_curve,
)

from ._metrics import PERCENT_METRICS, _resolve_labels, confusion, score_matrix

__all__ = [
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_pr_curves",
    "plot_pipeline_comparison",
    "plot_training_curves",
    "result_figures",
    "save_figure",
]


def save_figure(fig, path, *, dpi=150):
    """Save ``fig`` as an image (format from the suffix, e.g. ``.png``) and return the path.

    Parent folders are created.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from one of the ``plot_*`` functions.
    path : str or Path
        Output file; its suffix (``.png``, ``.pdf``, ``.svg``, ...) sets the
        format.
    dpi : int, default=150
        Resolution of raster formats, in dots per inch.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> fig = plot_confusion_matrix([0, 1], [0, 1])
    >>> save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "cm.png").suffix
    '.png'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def _names(labels, target_names):
    if target_names is None:
        return [str(label) for label in labels]
    if len(target_names) != len(labels):
        raise ValueError(f"{len(target_names)} target_names for {len(labels)} classes")
    return [str(name) for name in target_names]


def plot_confusion_matrix(y_true, y_pred, *, labels=None, target_names=None, title=None):
    """Confusion matrix as counts (left) and row-normalised percentages (right).

    The right panel's diagonal is each class's recall (sensitivity).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels.
    labels : array-like, default=None
        Class order; the sorted union of ``y_true`` and ``y_pred`` when None.
    target_names : list of str, default=None
        Axis names of the classes, in the order of ``labels``;
        ``str(label)`` when None.
    title : str, default=None
        Figure title; name the pipeline in words.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels; not attached to pyplot, so it needs no closing.

    Examples
    --------
    >>> fig = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], target_names=["hem", "all"],
    ...                             title="MobileNetV2 features + SVM")
    >>> [t.get_text() for t in fig.axes[1].texts]
    ['50.0%', '50.0%', '0.0%', '100.0%']
    """
    labels = _resolve_labels(y_true, y_pred, labels)
    names = _names(labels, target_names)
    counts = confusion(y_true, y_pred, labels=labels)
    rates = confusion(y_true, y_pred, labels=labels, normalize="true") * 100.0
    size = 2.2 + 0.9 * len(labels)
    fig = Figure(figsize=(2 * size + 1.0, size), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, matrix, fmt, panel, vmax in (
        (left, counts, "d", "Counts", max(int(counts.max()), 1)),
        (right, rates, ".1f", "Row-normalised (% of true class)", 100.0),
    ):
        display = ConfusionMatrixDisplay(matrix, display_labels=names).plot(
            ax=ax, cmap="Blues", values_format=fmt, colorbar=ax is right,
            xticks_rotation=45, im_kw={"vmin": 0, "vmax": vmax},
        )
        # Contrast against the shared colour scale (the display's own
        # threshold follows the data range, not vmin / vmax).
        for (i, j), text in np.ndenumerate(display.text_):
            text.set_color("white" if matrix[i, j] > vmax / 2 else "black")
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        ax.set_title(panel)
    for text in display.text_.ravel():
        text.set_text(text.get_text() + "%")
    display.im_.colorbar.set_label("%")
    if title:
        fig.suptitle(title)
    return fig


@functools.cache
def _takes_curve_kwargs(display_class):
    # scikit-learn >= 1.7 takes line options as curve_kwargs, 1.6 as **kwargs.
    return "curve_kwargs" in inspect.signature(display_class.plot).parameters


def _draw(display, ax, line, **options):
    if _takes_curve_kwargs(type(display)):
        return display.plot(ax=ax, curve_kwargs=line, **options)
    return display.plot(ax=ax, **options, **line)


def _one_vs_rest(y_true, y_score, labels, target_names):
    """(name, is_positive, score column, row mask) of the classes a curve is drawn for.

    Two classes draw the positive class ``labels[1]`` only (its ROC curve
    is the negative class's mirrored); more classes draw each class present
    with both outcomes.
    """
    y_true = np.asarray(y_true)
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    names = _names(labels, target_names)
    scores = score_matrix(y_score, len(labels))
    finite = np.isfinite(scores).all(axis=1)
    chosen = [1] if len(labels) == 2 else range(len(labels))
    out = []
    for k in chosen:
        positive = y_true == labels[k]
        if positive.any() and not positive.all():
            out.append((names[k], positive, scores[:, k]))
    if not out:
        raise ValueError("no class has both positive and negative samples; cannot draw curves")
    return out, finite


def _fold_rows(fold_indices, sample_indices, n):
    """Rows of ``y_true`` in each fold (fold indices are input positions)."""
    if fold_indices is None:
        return None
    sample_indices = np.arange(n) if sample_indices is None else np.asarray(sample_indices)
    if len(sample_indices) != n:
        raise ValueError(f"sample_indices has {len(sample_indices)} entries for {n} samples")
    rows = []
    for fold in fold_indices:
        fold = np.asarray(fold, dtype=int)
        where = np.searchsorted(sample_indices, fold)
        if (where >= n).any() or not np.array_equal(sample_indices[np.minimum(where, n - 1)], fold):
            raise ValueError("fold_indices name samples that are not in sample_indices")
        rows.append(where)
    return rows


def _panels(n_panels, title):
    cols = min(n_panels, 2)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(5.6 * cols, 5.0 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes[n_panels:]:
        ax.remove()
    if title:
        fig.suptitle(title)
    return fig, axes[:n_panels]


def _finish(ax, xlabel, ylabel, loc):
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc=loc, fontsize=8)


def _curve_figure(kind, y_true, y_score, labels, target_names, title, fold_indices,
                  sample_indices):
    y_true = np.asarray(y_true)
    classes, finite = _one_vs_rest(y_true, y_score, labels, target_names)
    folds = _fold_rows(fold_indices, sample_indices, len(y_true))
    grid = np.linspace(0.0, 1.0, 101)
    if kind == "roc":
        xlabel, ylabel, loc = ("False positive rate (1 - specificity)",
                               "True positive rate (sensitivity)", "lower right")
    else:
        xlabel, ylabel, loc = "Recall (sensitivity)", "Precision", "lower left"

    def curve(positive, scores, rows, label, **line):
        positive, scores = positive[rows], scores[rows]
        if kind == "roc":
            fpr, tpr, _ = roc_curve(positive, scores)
            value = auc(fpr, tpr)
            display = RocCurveDisplay(fpr=fpr, tpr=tpr, roc_auc=value)
            x, y = fpr, tpr
        else:
            precision, recall, _ = precision_recall_curve(positive, scores)
            value = average_precision_score(positive, scores)
            display = PrecisionRecallDisplay(precision=precision, recall=recall,
                                             average_precision=value,
                                             prevalence_pos_label=positive.mean())
            x, y = recall[::-1], precision[::-1]
        return display, value, np.interp(grid, x, y)

    metric = "AUC" if kind == "roc" else "AP"
    if folds is None:
        fig, axes = _panels(1, None)
        ax = axes[0]
        if title:
            ax.set_title(title)
        for i, (name, positive, scores) in enumerate(classes):
            display, value, _ = curve(positive, scores, finite, None)
            _draw(display, ax, {"label": f"{name} ({metric} = {value:.3f})", "linewidth": 1.8,
                                "color": f"C{i}"},
                  plot_chance_level=(kind == "pr" or i == len(classes) - 1),
                  chance_level_kw=_chance_kw(kind, name, positive, i, len(classes)))
        _finish(ax, xlabel, ylabel, loc)
        return fig

    fig, axes = _panels(len(classes), title)
    for ax, (name, positive, scores) in zip(axes, classes):
        drawn = []
        for rows in folds:
            rows = rows[finite[rows]]
            if positive[rows].all() or not positive[rows].any():
                continue  # a fold without both outcomes has no curve
            drawn.append(curve(positive, scores, rows, None))
        if drawn:
            values = [value for _, value, _ in drawn]
            interpolated = [interp for _, _, interp in drawn]
            sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
            # One legend entry for all folds, placed before the unlabelled fold lines.
            ax.plot([], [], color="C0", linewidth=0.8, alpha=0.6,
                    label=f"{len(values)} folds ({metric} = {np.mean(values):.3f} ± {sd:.3f})")
            for display, _, _ in drawn:
                _draw(display, ax, {"label": "_nolegend_", "linewidth": 0.8, "alpha": 0.45,
                                    "color": "C0"})
            mean = np.mean(interpolated, axis=0)
            sd = np.std(interpolated, axis=0, ddof=1) if len(values) > 1 else np.zeros_like(mean)
            ax.fill_between(grid, np.clip(mean - sd, 0, 1), np.clip(mean + sd, 0, 1),
                            color="C0", alpha=0.15, linewidth=0, label="fold mean ± 1 sd")
        display, value, _ = curve(positive, scores, finite, None)
        _draw(display, ax, {"label": f"pooled out-of-fold ({metric} = {value:.3f})",
                            "linewidth": 2.0, "color": "C3"},
              plot_chance_level=True, chance_level_kw=_chance_kw(kind, name, positive, 0, 1))
        ax.set_title(f"{name} vs rest" if len(classes) > 1 or kind == "pr" else f"positive class: {name}")
        _finish(ax, xlabel, ylabel, loc)
    return fig


def _chance_kw(kind, name, positive, i, n_classes):
    if kind == "roc":
        return {"label": "chance", "color": "grey", "linestyle": "--", "linewidth": 1}
    label = f"prevalence {positive.mean():.3f}"
    if n_classes > 1:
        label = f"{name} {label}"
    return {"label": label, "color": f"C{i}" if n_classes > 1 else "grey", "linestyle": ":",
            "linewidth": 1}


_CURVE_PARAMETERS = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        ``predict_proba`` or ``decision_function`` output, columns in the
        order of ``labels``.
    labels : array-like, default=None
        Classes in column order; the sorted classes of ``y_true`` when None.
    target_names : list of str, default=None
        Legend names of the classes, in the order of ``labels``;
        ``str(label)`` when None.
    title : str, default=None
        Figure title; name the pipeline in words.
    fold_indices : list of array-like of int, default=None
        Test positions of each fold (``CVResult.fold_indices``). When given,
        each class gets a panel with every fold's curve, the fold mean ± 1
        standard deviation and the curve of all out-of-fold predictions
        pooled, labelled "pooled out-of-fold" (pooled decision margins of
        different folds are on different scales, so that curve is
        indicative). Without it, one panel shows a curve per class.
    sample_indices : array-like of int, default=None
        Input positions of the rows of ``y_true`` (``CVResult.sample_indices``);
        ``range(n_samples)`` when None.

    Returns
    -------
    matplotlib.figure.Figure
        Two classes draw the positive class ``labels[1]``; more classes draw
        each class one-vs-rest.
"""


def plot_roc_curves(y_true, y_score, *, labels=None, target_names=None, title=None,
                    fold_indices=None, sample_indices=None):
    return _curve_figure("roc", y_true, y_score, labels, target_names, title, fold_indices,
                         sample_indices)


plot_roc_curves.__doc__ = """One-vs-rest ROC curves with their AUC in the legend.
""" + _CURVE_PARAMETERS + """
    Examples
    --------
    >>> fig = plot_roc_curves([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], target_names=["hem", "all"])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['all (AUC = 0.750)', 'chance']
"""


def plot_pr_curves(y_true, y_score, *, labels=None, target_names=None, title=None,
                   fold_indices=None, sample_indices=None):
    return _curve_figure("pr", y_true, y_score, labels, target_names, title, fold_indices,
                         sample_indices)


plot_pr_curves.__doc__ = """One-vs-rest precision-recall curves with average precision (AP).

Each class's prevalence, the precision of a classifier that guesses, is
drawn as a dotted horizontal baseline.
""" + _CURVE_PARAMETERS + """
    Examples
    --------
    >>> fig = plot_pr_curves([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.9, 0.8])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['1 (AP = 0.917)', 'prevalence 0.600']
"""


def plot_pipeline_comparison(intervals, *, metric="accuracy", title=None):
    """Each pipeline's metric with its confidence interval, best at the top.

    Parameters
    ----------
    intervals : dict of {name: dict}
        Per pipeline either an interval ``{"value", "low", "high"}`` or the
        whole output of :func:`bootstrap_metrics` (its ``metrics[metric]``
        is used).
    metric : str, default="accuracy"
        Percentage metrics are drawn in percent.
    title : str, default=None
        Axes title; "<metric> with 95% bootstrap confidence intervals" when
        None.

    Returns
    -------
    matplotlib.figure.Figure
        One row per pipeline.

    Examples
    --------
    >>> fig = plot_pipeline_comparison({
    ...     "MobileNetV2 + SVM": {"value": 0.97, "low": 0.96, "high": 0.98},
    ...     "ResNet-50 + SVM": {"value": 0.95, "low": 0.93, "high": 0.96}})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['ResNet-50 + SVM', 'MobileNetV2 + SVM']
    """
    if not intervals:
        raise ValueError("intervals is empty")
    rows = []
    for name, entry in intervals.items():
        if isinstance(entry, Mapping) and "metrics" in entry:
            entry = entry["metrics"][metric]
        rows.append((str(name), entry["value"], entry.get("low"), entry.get("high")))
    rows.sort(key=lambda row: -math.inf if row[1] is None or not math.isfinite(row[1])
              else row[1])
    scale = 100.0 if metric in PERCENT_METRICS else 1.0
    value = np.array([r[1] for r in rows], dtype=float) * scale
    low = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float) * scale
    high = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float) * scale
    fig = Figure(figsize=(7.5, 1.2 + 0.45 * len(rows)), layout="constrained")
    ax = fig.subplots()
    ypos = np.arange(len(rows))
    err = np.vstack([np.nan_to_num(value - low), np.nan_to_num(high - value)])
    ax.errorbar(value, ypos, xerr=err, fmt="o", color="C0", ecolor="C0", capsize=4)
    digits = 1 if scale == 100.0 else 3
    for y, v, lo, hi in zip(ypos, value, low, high):
        text = f"{v:.{digits}f}" + ("" if np.isnan(lo) else f" [{lo:.{digits}f}, {hi:.{digits}f}]")
        ax.annotate(text, (v, y), xytext=(0, 7), textcoords="offset points", ha="center",
                    fontsize=8)
    ax.set_yticks(ypos, labels=[r[0] for r in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    label = metric.replace("_", " ")
    ax.set_xlabel(f"{label} (%)" if scale == 100.0 else label)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"{label.capitalize()} with 95% bootstrap confidence intervals")
    return fig


def _series(history, key):
    points = [(row.get("epoch", i + 1), row[key]) for i, row in enumerate(history)
              if row.get(key) is not None]
    return tuple(zip(*points)) if points else ((), ())


def plot_training_curves(history, *, title=None):
    """Loss and accuracy per epoch of a trained network.

    Parameters
    ----------
    history : list of dict
        One dict per epoch with ``epoch`` and any of ``train_loss``,
        ``valid_loss``, ``train_acc``, ``valid_acc`` (a skorch ``History``
        has this form). Missing keys are skipped; ``epoch`` defaults to the
        1-based position.
    title : str, default=None
        Figure title; none when None.

    Returns
    -------
    matplotlib.figure.Figure
        Loss on the left; accuracy on the right when any was recorded.

    Examples
    --------
    >>> fig = plot_training_curves([{"epoch": 1, "train_loss": 0.9, "valid_acc": 0.6},
    ...                             {"epoch": 2, "train_loss": 0.5, "valid_acc": 0.8}])
    >>> type(fig).__name__, len(fig.axes)
    ('Figure', 2)
    """
    history = list(history)
    if not history:
        raise ValueError("history is empty")
    acc_keys = [key for key in ("train_acc", "valid_acc") if any(key in row for row in history)]
    fig = Figure(figsize=(11.0 if acc_keys else 6.0, 4.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, 2 if acc_keys else 1))
    panels = [(axes[0], ("train_loss", "valid_loss"), "Loss")]
    if acc_keys:
        panels.append((axes[1], acc_keys, "Accuracy"))
    for ax, keys, ylabel in panels:
        for key in keys:
            epochs, values = _series(history, key)
            if epochs:
                ax.plot(epochs, values, marker="o", markersize=3, label=key.replace("_", " "))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def result_figures(result, *, label=None):
    """The standard figures of one result, drawn lazily: ``[(key, caption, draw), ...]``.

    ``draw()`` returns the Figure: the confusion matrix of the pooled
    out-of-fold predictions, and with scores the ROC and precision-recall
    curves (every fold, their spread and the pooled curve when there are
    several folds; the PR panels show the prevalence baseline). Titles and
    captions name the pipeline by ``label`` (its description in words, e.g.
    "MobileNetV2 features + RBF SVM"), ``result.name`` when None.

    Parameters
    ----------
    result : CVResult
    label : str, default=None

    Returns
    -------
    list of (str, str, callable)
        ``key`` is ``"confusion"``, ``"roc"`` or ``"pr"`` (file-name suffix).
    """
    label = label or result.name
    common = {"labels": result.classes, "target_names": result.target_names}
    folds = ({"fold_indices": result.fold_indices, "sample_indices": result.sample_indices}
             if result.n_folds > 1 else {})
    tested = ("out-of-fold predictions" if result.n_folds > 1 else
              "test-set predictions")
    out = [("confusion", f"{label}: confusion matrix of the pooled {tested}",
            lambda: plot_confusion_matrix(result.y_true, result.y_pred,
                                          title=f"{label}: confusion matrix ({tested})",
                                          **common))]
    if result.y_score is not None:
        shown = ("per fold and pooled" if folds else "")
        out.append(("roc", f"{label}: ROC curves" + (f" ({shown})" if shown else ""),
                    lambda: plot_roc_curves(result.y_true, result.y_score,
                                            title=f"{label}: ROC curves", **common, **folds)))
        out.append(("pr", f"{label}: precision-recall curves"
                          + (f" ({shown}, prevalence baseline)" if shown
                             else " (prevalence baseline)"),
                    lambda: plot_pr_curves(result.y_true, result.y_score,
                                           title=f"{label}: precision-recall curves",
                                           **common, **folds)))
    return out
