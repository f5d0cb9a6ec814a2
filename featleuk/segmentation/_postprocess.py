"""The morphological clean-up shared by every segmenter."""

from __future__ import annotations

from numbers import Integral, Real

import cv2
import numpy as np
from scipy import ndimage as ndi
from skimage.feature import peak_local_max
from skimage.segmentation import watershed
from sklearn.base import BaseEstimator
from ..utils._sklearn_compat import Interval

__all__ = ["MaskPostprocessor", "remove_small_objects", "split_touching_nuclei"]


def remove_small_objects(mask, min_size):
    """Drop 8-connected components of fewer than ``min_size`` pixels.

    Parameters
    ----------
    mask : ndarray of shape (H, W), bool
        The mask to clean.
    min_size : int
        Smallest component kept, in pixels; 1 or less keeps everything.

    Returns
    -------
    ndarray of shape (H, W), bool
        ``mask`` without its small components (``mask`` itself when
        nothing can be removed).

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import remove_small_objects
    >>> mask = np.zeros((6, 6), bool)
    >>> mask[0, 0] = True        # a one-pixel speck
    >>> mask[2:5, 2:5] = True    # a 9-pixel nucleus
    >>> int(remove_small_objects(mask, 4).sum())
    9
    """
    if min_size <= 1 or not mask.any():
        return mask
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_size
    keep[0] = False  # label 0 is the background
    return keep[labels]


def split_touching_nuclei(mask, min_distance):
    """Cut touching nuclei apart along watershed lines of the distance transform.

    Each local maximum of the distance to the background (at least
    ``min_distance`` pixels apart) seeds one nucleus; the returned mask has
    one-pixel background lines between the basins.

    Parameters
    ----------
    mask : ndarray of shape (H, W), bool
        Nucleus mask, possibly with touching nuclei.
    min_distance : int
        Minimum distance in pixels between two seeds (about the smallest
        nucleus radius).

    Returns
    -------
    ndarray of shape (H, W), bool
        ``mask`` with watershed lines set to False.

    Examples
    --------
    Two overlapping discs come out as two components:

    >>> import numpy as np
    >>> from scipy import ndimage as ndi
    >>> from featleuk.segmentation import split_touching_nuclei
    >>> rows, cols = np.indices((20, 30))
    >>> mask = ((rows - 10) ** 2 + (cols - 9) ** 2 < 36) | ((rows - 10) ** 2 + (cols - 20) ** 2 < 36)
    >>> ndi.label(mask)[1], ndi.label(split_touching_nuclei(mask, 4))[1]
    (1, 2)
    """
    if not mask.any():
        return mask
    distance = ndi.distance_transform_edt(mask)
    components, _ = ndi.label(mask)
    peaks = peak_local_max(distance, min_distance=min_distance, labels=components,
                           exclude_border=False)
    markers = np.zeros(mask.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = watershed(-distance, markers, mask=mask, watershed_line=True)
    return labels > 0


class MaskPostprocessor(BaseEstimator):
    """Iterative opening / closing, hole filling, small-object removal, watershed split.

    The one post-processing step of all featleuk segmenters (their
    ``postprocess`` parameter), so its settings are tuned the same way
    whatever made the raw mask: ``OtsuSegmenter(postprocess__min_size=0.01)``
    style routing works through ``set_params``.

    Steps, in order: ``opening_iterations`` erosions then as many dilations
    (removes specks and thin bridges, the "iterative morphological
    processing" of Dharani et al. (2020)); ``closing_iterations`` dilations then
    erosions (closes gaps in the nucleus outline); hole filling (pale
    chromatin inside the nucleus); removal of components smaller than
    ``min_size``; optionally a watershed split of touching nuclei.

    The defaults are a light clean-up: no opening, one closing, hole
    filling and removal of specks under 0.04% of the field (20 px of a
    224 x 224 field). Against the reference masks of Aria et al. (2021) the
    earlier defaults (one opening, ``min_size=0.002``) cost every segmenter
    about 0.02 (Benign) and 0.01 (Early) mean Dice: the opening erodes the
    thin cytoplasm rims the masks keep, and 0.2% of the field (100 px)
    removes the small cells and fragments they keep. Dharani et al.
    (2020)'s iterative processing is ``opening_iterations=2,
    closing_iterations=2``.

    Parameters
    ----------
    opening_iterations : int, default=0
        Erosions followed by as many dilations (removes specks and thin
        bridges); 0 skips the opening.
    closing_iterations : int, default=1
        Dilations followed by as many erosions (closes gaps in the nucleus
        outline); 0 skips the closing.
    radius : int, default=1
        Radius of the elliptical structuring element (1 gives a 3x3 cross-like disc).
    fill_holes : bool, default=True
        Fill the holes inside components (pale chromatin).
    min_size : int or float, default=0.0004
        Smallest component kept: pixels if an int, else a fraction of the
        image area (so one setting suits 64 px and 224 px images).
    split_touching : bool, default=False
        Separate touching nuclei by a distance-transform watershed.
    min_distance : int, default=7
        Minimum distance in pixels between watershed seeds.

    Attributes
    ----------
    None
        It is a stateless callable: it learns nothing, has no ``fit`` and
        no fitted attribute; a segmenter's ``fit`` checks its parameters
        (:meth:`validate`).

    Notes
    -----
    Morphology uses OpenCV, whose erosion treats pixels outside the image
    as foreground, so a nucleus cut by the image border is not eaten from
    the border side. Holes open to the border are not filled.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import MaskPostprocessor, OtsuSegmenter
    >>> mask = np.zeros((10, 10), bool)
    >>> mask[2:8, 2:8] = True
    >>> mask[4, 4] = False     # a hole
    >>> mask[0, 9] = True      # a speck
    >>> clean = MaskPostprocessor(min_size=4)(mask)
    >>> bool(clean[4, 4]), bool(clean[0, 9]), int(clean.sum())
    (True, False, 36)

    A segmenter's clean-up is tuned through its ``postprocess`` parameter:

    >>> seg = OtsuSegmenter(postprocess=MaskPostprocessor(opening_iterations=2))
    >>> seg.set_params(postprocess__closing_iterations=2).postprocess
    MaskPostprocessor(closing_iterations=2, opening_iterations=2)
    """

    _parameter_constraints = {
        "opening_iterations": [Interval(Integral, 0, None, closed="left")],
        "closing_iterations": [Interval(Integral, 0, None, closed="left")],
        "radius": [Interval(Integral, 1, None, closed="left")],
        "fill_holes": ["boolean"],
        "min_size": [Interval(Integral, 0, None, closed="left"), Interval(Real, 0, 1, closed="both")],
        "split_touching": ["boolean"],
        "min_distance": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, opening_iterations=0, closing_iterations=1, radius=1, fill_holes=True,
                 min_size=0.0004, split_touching=False, min_distance=7):
        self.opening_iterations = opening_iterations
        self.closing_iterations = closing_iterations
        self.radius = radius
        self.fill_holes = fill_holes
        self.min_size = min_size
        self.split_touching = split_touching
        self.min_distance = min_distance

    def validate(self):
        """Check the parameters (called by the segmenter's ``fit``).

        Returns
        -------
        self
            Unchanged.

        Raises
        ------
        ValueError
            A parameter is out of range or of the wrong type (scikit-learn's
            ``InvalidParameterError``, a subclass of ``ValueError`` and
            ``TypeError``).
        """
        self._validate_params()
        return self

    def __call__(self, mask):
        """Clean one boolean ``(H, W)`` mask; returns a new boolean mask."""
        mask = np.asarray(mask, dtype=bool)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * self.radius + 1,) * 2)
        work = mask.astype(np.uint8)
        if self.opening_iterations:
            work = cv2.morphologyEx(work, cv2.MORPH_OPEN, kernel, iterations=self.opening_iterations)
        if self.closing_iterations:
            work = cv2.morphologyEx(work, cv2.MORPH_CLOSE, kernel, iterations=self.closing_iterations)
        out = work.astype(bool)
        if self.fill_holes:
            out = ndi.binary_fill_holes(out)
        min_size = self.min_size
        if isinstance(min_size, Real) and not isinstance(min_size, Integral):
            min_size = int(np.ceil(min_size * out.size))
        out = remove_small_objects(out, min_size)
        if self.split_touching:
            out = split_touching_nuclei(out, self.min_distance)
        return out
