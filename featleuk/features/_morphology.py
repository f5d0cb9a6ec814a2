"""Nucleus shape features from the segmentation mask.

The mask (4th channel, or a blanked background, or an Otsu threshold when
neither is given) is split into nuclei by connected components; the largest
nucleus is described in detail, and the nuclei as a whole by their count and
mean area. The cell around the largest nucleus is estimated from the image
to give the nucleus-to-cell ratio.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu
from skimage.measure import find_contours, label, perimeter, regionprops
from ..utils._sklearn_compat import Interval

from ._handcrafted import HandcraftedFeatures, blank_mask, to_channel

__all__ = ["MorphologyFeatures", "fourier_descriptors", "estimate_cell"]

#: Boundary points after arc-length resampling, for the Fourier descriptors.
_N_BOUNDARY = 64

_SHAPE_NAMES = ("area", "perimeter", "circularity", "eccentricity", "solidity", "extent",
                "major_axis", "minor_axis", "convexity", "cell_area", "nucleus_cell_ratio")


def _otsu_dark(gray):
    """Pixels at or below the Otsu threshold (a constant image is all foreground)."""
    return gray <= threshold_otsu(gray)


def estimate_cell(gray, nucleus, support=None):
    """The cell around ``nucleus``: a documented, simple estimate.

    Smear background is paler than cytoplasm, so an Otsu threshold of the
    grey levels *outside the nuclei* separates the two; the cell is the
    connected component of ``(dark pixels) | nucleus`` that contains the
    nucleus, holes filled. Red cells touching the white cell are darker than
    the background too and are merged into it: the estimate is an upper
    bound on the cell and so a lower bound on the nucleus-to-cell ratio.

    Parameters
    ----------
    gray : ndarray of shape (H, W)
    nucleus : bool ndarray of shape (H, W)
        The nucleus whose cell is wanted (non-empty).
    support : bool ndarray of shape (H, W) or None
        Pixels that may belong to a cell (a blanked background is excluded).

    Returns
    -------
    cell : bool ndarray of shape (H, W), a superset of ``nucleus``
    """
    outside = ~nucleus if support is None else ~nucleus & support
    dark = np.zeros_like(nucleus)
    if np.unique(gray[outside]).size > 1:
        dark[outside] = gray[outside] <= threshold_otsu(gray[outside])
    components = label(dark | nucleus, connectivity=2)
    cell = np.isin(components, np.unique(components[nucleus]))
    return ndi.binary_fill_holes(cell)


def _resample_closed(points, n):
    """``n`` points equally spaced in arc length along a closed polyline."""
    closed = np.vstack([points, points[:1]])
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(closed, axis=0).T))])
    t = np.linspace(0.0, arc[-1], n, endpoint=False)
    return np.column_stack([np.interp(t, arc, closed[:, 0]), np.interp(t, arc, closed[:, 1])])


def _fourier_orders(k):
    """The first ``k`` frequencies of the descriptors: -1, 2, -2, 3, -3, ..."""
    return [m for step in range(1, k + 1) for m in (-step, step + 1)][:k]


def fourier_descriptors(region, k):
    r"""The first ``k`` normalised Fourier descriptors of a region's outer boundary.

    The boundary (``find_contours`` at 0.5) is resampled to 64 points equally
    spaced in arc length and traversed counter-clockwise, read as complex
    numbers :math:`z_n = x_n + i\,y_n`, and transformed,
    :math:`F_m = \frac{1}{N}\sum_n z_n e^{-2\pi i m n / N}`. Dropping
    :math:`F_0` removes position, taking magnitudes removes rotation and the
    starting point, and dividing by :math:`|F_1|` removes scale. The
    descriptors are :math:`|F_m| / |F_1|` for :math:`m = -1, 2, -2, 3, -3, \dots`
    (first ``k``). A circle gives zeros; an ellipse's energy is mostly in
    :math:`F_{-1}`, which grows with its elongation.
    """
    out = np.zeros(k)
    if k == 0:
        return out
    contours = find_contours(np.pad(region, 1).astype(np.float64), 0.5)
    boundary = max(contours, key=len) if contours else np.zeros((0, 2))
    if len(boundary) < 4:
        return out
    points = _resample_closed(boundary[:-1, ::-1], _N_BOUNDARY)  # (x, y) = (col, row)
    x, y = points.T
    if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:  # shoelace: clockwise -> reverse
        x, y = x[::-1], y[::-1]
    spectrum = np.abs(np.fft.fft(x + 1j * y)) / _N_BOUNDARY
    if spectrum[1] == 0:
        return out
    return spectrum[_fourier_orders(k)] / spectrum[1]


class MorphologyFeatures(HandcraftedFeatures):
    r"""Shape of the segmented nuclei.

    Nuclei are the 8-connected components of the mask with at least
    ``min_area`` pixels. The mask is the 4th channel; for 3-channel input it
    is the non-blank pixels when ``blank_color`` is set (blanked pixels
    cannot belong to the cell either), otherwise the dark
    side of an Otsu threshold of the grey image (stained nuclei are the
    darkest objects of a smear). An image with no nucleus (empty mask, or
    only components below ``min_area``) gets zeros and ``morph_mask_empty = 1``.

    Features (``morph_`` prefix); all but the first two describe the largest
    nucleus, measured with ``skimage.measure.regionprops``:

    ====================== ==================================================
    ``n_nuclei``           number of nuclei
    ``mean_area``          mean nucleus area (pixels)
    ``area``               :math:`A`, pixels
    ``perimeter``          :math:`P`, skimage's boundary length (4-connected
                           boundary pixels, diagonal steps weighted
                           :math:`\sqrt 2`); a :math:`n\times n` square has
                           :math:`4(n-1)`
    ``circularity``        :math:`4\pi A / P^2` (0 when :math:`P = 0`)
    ``eccentricity``       of the ellipse with the same second moments
    ``solidity``           :math:`A / A_{convex}`
    ``extent``             :math:`A / A_{bounding box}`
    ``major_axis``         :math:`4\sqrt{\lambda_1}` (inertia eigenvalues)
    ``minor_axis``         :math:`4\sqrt{\lambda_2}`
    ``convexity``          :math:`P_{convex} / P` (perimeter of the convex
                           hull image over the perimeter; 1 for convex shapes,
                           0 when :math:`P = 0`)
    ``cell_area``          area of the estimated cell (:func:`estimate_cell`)
    ``nucleus_cell_ratio`` :math:`A / A_{cell}`
    ``fourier_neg1``, ...  ``n_fourier`` normalised Fourier shape descriptors
                           :math:`|F_m|/|F_1|`, ``neg1`` for :math:`m=-1`,
                           ``pos2`` for :math:`m=2`, ...
                           (:func:`fourier_descriptors`)
    ====================== ==================================================

    Parameters
    ----------
    n_fourier : int, default=8
        Number of Fourier descriptors (0 to 30).
    min_area : int, default=10
        Components smaller than this (pixels) are noise, not nuclei.
    %(common_parameters)s

    Attributes
    ----------
    %(common_attributes)s

    Examples
    --------
    The nucleus mask comes from a segmenter (its 4th output channel):

    >>> from sklearn.pipeline import make_pipeline
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import MorphologyFeatures
    >>> from featleuk.segmentation import OtsuSegmenter
    >>> X, y = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> pipe = make_pipeline(OtsuSegmenter(show_progress=False), MorphologyFeatures(n_fourier=4, show_progress=False))
    >>> features = pipe.fit_transform(X)
    >>> features.shape
    (4, 18)
    >>> pipe[-1].get_feature_names_out()[:3].tolist()
    ['morph_n_nuclei', 'morph_mean_area', 'morph_area']
    """

    _prefix = "morph"

    _parameter_constraints = {
        **HandcraftedFeatures._parameter_constraints,
        "n_fourier": [Interval(Integral, 0, 30, closed="both")],
        "min_area": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_fourier=8, *, min_area=10, blank_color=None, batch_size=64, n_jobs=None,
                 show_progress=True):
        self.n_fourier = n_fourier
        self.min_area = min_area
        self.blank_color = blank_color
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _feature_names(self):
        fourier = [f"fourier_{'neg' if m < 0 else 'pos'}{abs(m)}" for m in _fourier_orders(self.n_fourier)]
        return ["n_nuclei", "mean_area", *_SHAPE_NAMES, *fourier]

    def _image_features(self, rgb, mask):
        gray = to_channel(rgb, "gray")
        if mask is None:
            mask = _otsu_dark(gray)
        nuclei = [r for r in regionprops(label(mask, connectivity=2)) if r.area >= self.min_area]
        if not nuclei:
            return None
        largest = max(nuclei, key=lambda r: r.area)
        area, perim = float(largest.area), float(largest.perimeter)
        convex_perim = float(perimeter(largest.image_convex))
        nucleus = np.zeros(mask.shape, bool)
        r0, c0, r1, c1 = largest.bbox
        nucleus[r0:r1, c0:c1] = largest.image
        support = None if self.blank_color is None else blank_mask(rgb, self.blank_color)
        cell_area = float(estimate_cell(gray, nucleus, support).sum())
        shape = [
            area, perim, 4 * np.pi * area / perim**2 if perim > 0 else 0.0, largest.eccentricity,
            largest.solidity, largest.extent, largest.axis_major_length, largest.axis_minor_length,
            convex_perim / perim if perim > 0 else 0.0, cell_area, area / cell_area,
        ]
        counts = [len(nuclei), float(np.mean([r.area for r in nuclei]))]
        return np.concatenate([counts, shape, fourier_descriptors(largest.image, self.n_fourier)])
