"""Figures for reports: confusion matrices, ROC / PR curves, training curves.

Figures are built with :class:`matplotlib.figure.Figure` directly rather than
``pyplot``: nothing is registered with a GUI backend, nothing is ever shown,
figures are freed when dropped, and plotting works in worker threads and on
headless CI (rendering uses Agg when saved).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

from ._metrics import _resolve_labels, confusion, score_matrix

__all__ = [
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_pr_curves",
    "plot_training_curves",
    "save_figure",
]


def save_figure(fig, path, *, dpi=150):
    """Save ``fig`` as an image (format from the suffix, e.g. ``.png``) and return the path.

    Parent folders are created.
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


def _draw_matrix(ax, matrix, names, *, fmt, title, vmax):
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=vmax)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, labels=names, rotation=45, ha="right")
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    ax.set_title(title)
    threshold = vmax / 2.0
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, fmt(value), ha="center", va="center",
                color="white" if value > threshold else "black", fontsize=9)
    return image


def plot_confusion_matrix(y_true, y_pred, *, labels=None, target_names=None, title=None):
    """Confusion matrix as counts (left) and row-normalised percentages (right).

    The right panel's diagonal is each class's recall (sensitivity).

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = _resolve_labels(y_true, y_pred, labels)
    names = _names(labels, target_names)
    counts = confusion(y_true, y_pred, labels=labels)
    rates = confusion(y_true, y_pred, labels=labels, normalize="true") * 100.0
    size = 2.2 + 0.9 * len(labels)
    fig = Figure(figsize=(2 * size + 1.0, size), layout="constrained")
    left, right = fig.subplots(1, 2)
    _draw_matrix(left, counts, names, fmt=lambda v: f"{int(v)}", title="Counts",
                 vmax=max(int(counts.max()), 1))
    image = _draw_matrix(right, rates, names, fmt=lambda v: f"{v:.1f}%",
                         title="Row-normalised (% of true class)", vmax=100.0)
    fig.colorbar(image, ax=right, fraction=0.046, pad=0.04, label="%")
    if title:
        fig.suptitle(title)
    return fig


def _curve_axes(title, xlabel, ylabel):
    fig = Figure(figsize=(6.0, 5.5), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return fig, ax


def _one_vs_rest(y_true, y_score, labels, target_names):
    """Yield (name, is_positive, score column) for each class present with both outcomes."""
    y_true = np.asarray(y_true)
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    names = _names(labels, target_names)
    scores = score_matrix(y_score, len(labels))
    for k, label in enumerate(labels):
        positive = y_true == label
        if positive.any() and not positive.all():
            yield names[k], positive, scores[:, k]


def plot_roc_curves(y_true, y_score, *, labels=None, target_names=None, title=None):
    """One-vs-rest ROC curve per class, with its AUC in the legend.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        ``predict_proba`` or ``decision_function`` output, columns in the
        order of ``labels``.
    labels : array-like, default=None
        Classes in column order; the sorted classes of ``y_true`` when None.
    target_names : list of str, default=None
    title : str, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _curve_axes(title, "False positive rate (1 - specificity)",
                          "True positive rate (sensitivity)")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    for name, positive, scores in _one_vs_rest(y_true, y_score, labels, target_names):
        fpr, tpr, _ = roc_curve(positive, scores)
        ax.plot(fpr, tpr, linewidth=1.8, label=f"{name} (AUC = {auc(fpr, tpr):.3f})")
    ax.legend(loc="lower right")
    return fig


def plot_pr_curves(y_true, y_score, *, labels=None, target_names=None, title=None):
    """One-vs-rest precision-recall curve per class, with average precision (AP).

    Parameters are those of :func:`plot_roc_curves`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _curve_axes(title, "Recall (sensitivity)", "Precision")
    for name, positive, scores in _one_vs_rest(y_true, y_score, labels, target_names):
        precision, recall, _ = precision_recall_curve(positive, scores)
        ap = average_precision_score(positive, scores)
        ax.step(recall, precision, where="post", linewidth=1.8, label=f"{name} (AP = {ap:.3f})")
    ax.legend(loc="lower left")
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

    Returns
    -------
    matplotlib.figure.Figure
        Loss on the left; accuracy on the right when any was recorded.
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
