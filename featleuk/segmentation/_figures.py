"""Report figure of a segmentation: its best and worst fields against the reference masks."""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
from matplotlib.figure import Figure

from ..images import check_images, split_mask, take_images
from ._evaluate import SegmentationEvaluation, _predict_masks, evaluate_segmentation

__all__ = ["segmentation_figure"]


def _count(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return int(value)


def _chosen(dice, n_best, n_worst):
    """Positions of the ``n_best`` highest then the ``n_worst`` lowest Dice, each once."""
    order = np.argsort(dice, kind="stable")
    best = [int(i) for i in order[::-1][:n_best]]
    worst = [int(i) for i in order[:n_worst] if i not in best][::-1]
    return [("best", i) for i in best] + [("worst", i) for i in worst]


def segmentation_figure(segmenter_or_result, images, masks, *, n_best=3, n_worst=3, names=None,
                        title=None, color="yellow"):
    """A grid of the best and worst fields by Dice: predicted outline over the image, reference mask.

    One column per field, the ``n_best`` highest Dice first, then the
    ``n_worst`` lowest (worst last). Top row: the image with the outline
    of the predicted mask; bottom row: the reference mask (white) with the
    same outline, so missed cells (white outside the outline) and extra
    regions (outline over black) show at a glance. Column titles give the
    field's Dice and, with ``names``, its name.

    Parameters
    ----------
    segmenter_or_result : featleuk segmenter, callable or SegmentationEvaluation
        What to draw: a segmenter or ``rgb -> mask`` baseline function
        (scored here with :func:`evaluate_segmentation`), or the result of
        :func:`evaluate_segmentation` on these ``images`` and ``masks``
        (its ``segmenter`` re-segments only the fields drawn).
    images : paths, ndarray of shape (N, H, W, 3|4) uint8, or list of arrays
        The fields (a 4th channel is ignored).
    masks : array-like of shape (N, H, W) or list of (H, W) arrays
        Reference masks, in the order of ``images`` (see :func:`load_mask`).
    n_best, n_worst : int, default=3
        How many of the best and of the worst fields to draw (a field is
        drawn once when there are fewer than ``n_best + n_worst``).
    names : sequence of str, optional
        One label per image (paths are shortened to their file name).
    title : str, optional
        Figure title.
    color : matplotlib colour, default="yellow"
        Colour of the predicted outline.

    Returns
    -------
    matplotlib.figure.Figure
        Built without ``pyplot``; save it with
        :func:`featleuk.evaluation.save_figure` or ``fig.savefig``.

    Examples
    --------
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.segmentation import OtsuSegmenter, segmentation_figure
    >>> X, _, masks = make_synthetic_smears(6, image_size=64, random_state=0, return_masks=True)
    >>> fig = segmentation_figure(OtsuSegmenter(show_progress=False), X, masks, n_best=2, n_worst=2)
    >>> len(fig.axes)
    8
    """
    n_best, n_worst = _count(n_best, "n_best"), _count(n_worst, "n_worst")
    if n_best + n_worst == 0:
        raise ValueError("n_best + n_worst must be at least 1: nothing to draw")
    images = check_images(images, caller="segmentation_figure")
    masks = [np.asarray(m) != 0 for m in masks]
    if len(masks) != len(images):
        raise ValueError(f"segmentation_figure: {len(images)} images but {len(masks)} masks")
    if names is not None and len(names) != len(images):
        raise ValueError(f"segmentation_figure: {len(images)} images but {len(names)} names")
    if isinstance(segmenter_or_result, SegmentationEvaluation):
        result = segmenter_or_result
        if result.segmenter is None:
            raise ValueError("the SegmentationEvaluation has no segmenter to redraw the masks "
                             "with; pass the segmenter itself")
        if result.n_images != len(images):
            raise ValueError(f"the SegmentationEvaluation scored {result.n_images} images, "
                             f"not the {len(images)} given: pass the images it was computed on")
    else:
        result = evaluate_segmentation(segmenter_or_result, images, masks, n_resamples=1)
    chosen = _chosen(result.dice, n_best, n_worst)
    index = [i for _, i in chosen]
    shown = take_images(images, index)
    predicted = _predict_masks(result.segmenter, shown)

    fig = Figure(figsize=(2.3 * len(chosen), 4.9), layout="constrained")
    axes = np.asarray(fig.subplots(2, len(chosen), squeeze=False))
    for column, ((kind, i), image, prediction) in enumerate(zip(chosen, shown, predicted)):
        rgb = split_mask(np.asarray(image))[0]
        label = f"{kind}: Dice {result.dice[i]:.3f}"
        if names is not None:
            label += f"\n{os.path.basename(str(names[i]))}"
        for row, background in enumerate((rgb, masks[i])):
            ax = axes[row, column]
            shade = {} if row == 0 else {"cmap": "gray", "vmin": 0, "vmax": 1}
            ax.imshow(background, interpolation="nearest", **shade)
            if prediction.any() and not prediction.all():
                ax.contour(prediction, levels=[0.5], colors=[color], linewidths=0.8)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, column].set_title(label, fontsize=8)
    axes[0, 0].set_ylabel("image, predicted outline", fontsize=8)
    axes[1, 0].set_ylabel("reference mask", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
