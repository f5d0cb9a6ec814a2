"""Scoring a segmenter (or a one-function baseline) against reference masks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone

from skimage.color import rgb2lab
from skimage.filters import threshold_otsu

from ..images import check_images, iter_image_batches, split_mask
from ..io import read_image
from ._metrics import dice_score, iou_score

__all__ = ["SegmentationEvaluation", "evaluate_segmentation", "lab_a_otsu_baseline", "load_mask"]


def load_mask(path, threshold=20):
    """Read a "background blacked out" image as a boolean mask: grey level above ``threshold``.

    Segmented variants of smear datasets (e.g. the Benign and Early
    "Segmented" fields of Aria et al. (2021)) keep the cells in colour and
    set the rest to black; JPEG compression leaves the black slightly
    noisy, hence a threshold rather than ``!= 0``.

    Parameters
    ----------
    path : str or path-like
        The image file (anything :func:`featleuk.io.read_image` reads).
    threshold : int, default=20
        A pixel is in the mask when its grey level (ITU-R 601 luma
        ``0.299 R + 0.587 G + 0.114 B``, as Pillow's ``"L"`` mode) exceeds it.

    Returns
    -------
    ndarray of shape (H, W), bool

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> from featleuk.segmentation import load_mask
    >>> image = np.zeros((4, 4, 3), np.uint8)
    >>> image[1:3, 1:3] = (200, 90, 160)  # a kept, stained pixel block
    >>> path = os.path.join(tempfile.mkdtemp(), "mask.png")
    >>> Image.fromarray(image).save(path)
    >>> int(load_mask(path).sum())
    4
    """
    rgb = read_image(path).astype(np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114]) > threshold


def lab_a_otsu_baseline(rgb):
    """The one-line baseline segmentation: Otsu's threshold on CIE Lab a*, no clean-up.

    ``a > threshold_otsu(a)`` with ``a`` the a* (green-magenta) channel of
    ``skimage.color.rgb2lab``: stained cells are on the magenta side. The
    segmenters' defaults are measured against it (docs/benchmarks.md).

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3), uint8
        One field.

    Returns
    -------
    ndarray of shape (H, W), bool

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import lab_a_otsu_baseline
    >>> field = np.full((4, 4, 3), (235, 225, 228), np.uint8)
    >>> field[1:3, 1:3] = (120, 60, 170)  # a purple cell
    >>> int(lab_a_otsu_baseline(field).sum())
    4
    """
    a = rgb2lab(rgb)[..., 1]
    return a > threshold_otsu(a)


@dataclass(frozen=True)
class SegmentationEvaluation:
    """Per-image and mean Dice / IoU of predicted against reference masks.

    Returned by :func:`evaluate_segmentation`.

    Attributes
    ----------
    dice : ndarray of shape (n_images,)
        Per-image Dice coefficients (:func:`dice_score`), in input order.
    iou : ndarray of shape (n_images,)
        Per-image intersections over union (:func:`iou_score`), in input order.
    dice_mean : float
        Mean of ``dice``.
    iou_mean : float
        Mean of ``iou``.
    dice_ci : tuple of float
        ``(low, high)`` percentile-bootstrap confidence interval of ``dice_mean``.
    iou_ci : tuple of float
        ``(low, high)`` percentile-bootstrap confidence interval of ``iou_mean``.
    confidence : float
        Coverage of the intervals, e.g. 0.95.
    n_resamples : int
        Bootstrap resamples behind the intervals.
    seconds : float
        Wall time spent predicting the masks (not scoring them).
    segmenter : estimator or callable or None
        What made the masks (an unfitted copy of a segmenter), so that
        :func:`segmentation_figure` can redraw the fields it shows.
    n_images : int
        Number of images scored.
    images_per_second : float
        Segmentation throughput, ``n_images / seconds``.

    See Also
    --------
    evaluate_segmentation : what builds it.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import evaluate_segmentation
    >>> images = np.zeros((2, 4, 4, 3), np.uint8)
    >>> images[:, :2, :, 0] = 200
    >>> masks = np.zeros((2, 4, 4), bool)
    >>> masks[:, :2] = True
    >>> result = evaluate_segmentation(lambda rgb: rgb[..., 0] > 100, images, masks)
    >>> result.dice.tolist(), result.iou_mean, result.dice_ci
    ([1.0, 1.0], 1.0, (1.0, 1.0))
    >>> result.n_images, result.confidence, result.n_resamples
    (2, 0.95, 1000)
    """

    dice: np.ndarray
    iou: np.ndarray
    dice_mean: float
    iou_mean: float
    dice_ci: tuple
    iou_ci: tuple
    confidence: float
    n_resamples: int
    seconds: float
    segmenter: object = None

    @property
    def n_images(self):
        """Number of images scored."""
        return len(self.dice)

    @property
    def images_per_second(self):
        """Segmentation throughput, ``n_images / seconds``."""
        return self.n_images / self.seconds if self.seconds > 0 else float("inf")

    def summary(self, metric="dice", *, digits=3):
        """``"mean [low, high]"`` of ``metric`` (``"dice"`` or ``"iou"``) as text.

        Parameters
        ----------
        metric : {"dice", "iou"}, default="dice"
            Which score to summarise.
        digits : int, default=3
            Decimals of the three numbers.

        Returns
        -------
        str
            The mean and its confidence interval, e.g. ``"0.845 [0.812, 0.871]"``.

        Examples
        --------
        >>> import numpy as np
        >>> from featleuk.segmentation import evaluate_segmentation
        >>> masks = np.zeros((2, 4, 4), bool)
        >>> masks[:, :2] = True
        >>> images = np.zeros((2, 4, 4, 3), np.uint8)
        >>> evaluate_segmentation(lambda rgb: np.ones(rgb.shape[:2], bool), images, masks).summary()
        '0.667 [0.667, 0.667]'
        """
        if metric not in ("dice", "iou"):
            raise ValueError(f"metric must be 'dice' or 'iou', got {metric!r}")
        mean, (low, high) = getattr(self, f"{metric}_mean"), getattr(self, f"{metric}_ci")
        return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _predict_masks(segmenter, images):
    """Boolean masks of ``images`` by a featleuk segmenter or an ``rgb -> mask`` callable."""
    if hasattr(segmenter, "predict_masks"):
        # The segmenters learn nothing across images, so fitting on the
        # images scored leaks nothing; fit_transform segments them once.
        estimator = clone(segmenter).set_params(output="mask_channel")
        outputs = estimator.fit_transform(images)
        return [np.asarray(out[..., 3]) > 0 for out in outputs]
    if not callable(segmenter):
        raise TypeError(
            "segmenter must be a featleuk segmenter (with predict_masks) or a callable "
            f"rgb -> bool mask, got {type(segmenter).__name__}"
        )
    masks = []
    for _, batch in iter_image_batches(images, 32):
        for image in batch:
            mask = np.asarray(segmenter(np.ascontiguousarray(split_mask(image)[0])))
            if mask.shape != image.shape[:2]:
                raise ValueError(
                    f"the baseline callable returned a mask of shape {mask.shape} for an image "
                    f"of shape {image.shape}; it must return one (H, W) mask per image"
                )
            masks.append(mask != 0)
    return masks


def _bootstrap_ci(values, indices, confidence):
    means = values[indices].mean(axis=1)
    low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def evaluate_segmentation(segmenter, images, masks, *, n_resamples=1000, confidence=0.95,
                          random_state=0):
    """Dice and IoU of a segmenter's masks against reference masks, with bootstrap intervals.

    The segmenter segments every image; each predicted mask is scored
    against its reference by :func:`dice_score` and :func:`iou_score`. The
    confidence interval of each mean is a percentile bootstrap over images
    (images drawn with replacement ``n_resamples`` times; the same draws
    for Dice and IoU), so it describes how much the mean would move on
    another sample of fields like these.

    Parameters
    ----------
    segmenter : featleuk segmenter or callable
        An unfitted or fitted segmenter (anything with ``predict_masks``,
        e.g. :class:`OtsuSegmenter`): it is cloned, set to
        ``output="mask_channel"`` and fitted on ``images`` (the segmenters
        learn nothing across images). Or a baseline function
        ``rgb (H, W, 3) uint8 -> bool (H, W)`` mask, called on each image.
    images : paths, ndarray of shape (N, H, W, 3|4) uint8, or list of arrays
        The fields to segment (a 4th channel is ignored).
    masks : array-like of shape (N, H, W) or list of (H, W) arrays
        Reference masks, non-zero = foreground, in the order of
        ``images``. Read mask image files with :func:`load_mask`.
    n_resamples : int, default=1000
        Bootstrap resamples.
    confidence : float, default=0.95
        Coverage of the intervals, in (0, 1).
    random_state : int, default=0
        Seed of the bootstrap draws (the intervals are repeatable).

    Returns
    -------
    SegmentationEvaluation
        Per-image ``dice`` and ``iou``, their means, ``dice_ci`` and
        ``iou_ci``, and the prediction time (``seconds``,
        ``images_per_second``).

    Examples
    --------
    A baseline that thresholds the red channel, on two 4 x 4 images:

    >>> import numpy as np
    >>> from featleuk.segmentation import evaluate_segmentation
    >>> images = np.zeros((2, 4, 4, 3), np.uint8)
    >>> images[:, :2, :, 0] = 200  # top half "stained"
    >>> masks = np.zeros((2, 4, 4), bool)
    >>> masks[0, :2] = True        # image 0: the top half, found exactly
    >>> masks[1, :1] = True        # image 1: the top row; predicted 8 px, 4 right
    >>> result = evaluate_segmentation(lambda rgb: rgb[..., 0] > 100, images, masks)
    >>> result.dice.round(3).tolist(), round(result.dice_mean, 3)
    ([1.0, 0.667], 0.833)
    >>> result.iou.tolist()
    [1.0, 0.5]

    With a segmenter (``show_progress=False`` keeps doctest output clean):

    >>> from featleuk.segmentation import OtsuSegmenter
    >>> res = evaluate_segmentation(OtsuSegmenter(show_progress=False), images, masks)
    >>> res.n_images
    2
    """
    if not isinstance(n_resamples, Integral) or isinstance(n_resamples, bool) or n_resamples < 1:
        raise ValueError(f"n_resamples must be an int >= 1, got {n_resamples!r}")
    if not isinstance(confidence, Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a float in (0, 1), got {confidence!r}")
    images = check_images(images, caller="evaluate_segmentation")
    if isinstance(masks, (list, tuple)):
        masks = [np.asarray(m) for m in masks]
        n_masks = len(masks)
    else:
        masks = np.asarray(masks)
        if masks.ndim != 3:
            raise ValueError(f"masks must have shape (N, H, W) or be a list of (H, W) masks, "
                             f"got shape {masks.shape}")
        n_masks = len(masks)
    if n_masks != len(images):
        raise ValueError(f"evaluate_segmentation: {len(images)} images but {n_masks} masks")
    start = time.perf_counter()
    predicted = _predict_masks(segmenter, images)
    seconds = time.perf_counter() - start
    reference = list(masks)
    dice = dice_score(reference, predicted, average=False)
    iou = iou_score(reference, predicted, average=False)
    indices = np.random.default_rng(random_state).integers(0, len(dice), size=(n_resamples, len(dice)))
    return SegmentationEvaluation(
        dice=dice, iou=iou, dice_mean=float(dice.mean()), iou_mean=float(iou.mean()),
        dice_ci=_bootstrap_ci(dice, indices, confidence), iou_ci=_bootstrap_ci(iou, indices, confidence),
        confidence=float(confidence), n_resamples=int(n_resamples), seconds=seconds,
        segmenter=clone(segmenter) if hasattr(segmenter, "predict_masks") else segmenter,
    )
