"""Colour moments and histograms of the nucleus pixels in RGB, HSV and Lab."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from skimage.color import rgb2hsv, rgb2lab
from ..utils._sklearn_compat import Interval

from ._handcrafted import HandcraftedFeatures

__all__ = ["ColorFeatures", "COLOR_SPACES"]

#: Channels and their fixed value ranges (for the histograms) per colour space.
COLOR_SPACES = {
    "rgb": (("r", "g", "b"), ((0.0, 255.0),) * 3),
    "hsv": (("h", "s", "v"), ((0.0, 1.0),) * 3),
    "lab": (("l", "a", "b"), ((0.0, 100.0), (-128.0, 127.0), (-128.0, 127.0))),
}

_MOMENTS = ("mean", "std", "skewness", "kurtosis")


def _convert(colors, space):
    """``(n, 3)`` uint8 RGB colours in ``space`` (float64)."""
    if space == "rgb":
        return colors.astype(np.float64)
    convert = rgb2hsv if space == "hsv" else rgb2lab
    return convert(colors[None]).reshape(-1, 3)


def unique_colors(pixels):
    """Distinct colours of ``(n, 3)`` uint8 pixels and their counts.

    A stained nucleus has far fewer distinct colours than pixels, so colour
    conversions and statistics run on the distinct colours, weighted.
    """
    packed = (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8) | pixels[:, 2]
    packed, counts = np.unique(packed, return_counts=True)
    colors = np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=1).astype(np.uint8)
    return colors, counts


def moments(values, weights=None):
    """Mean, std, skewness and excess kurtosis of each column of ``values`` (n, c).

    Population moments (``ddof=0``), optionally with per-row ``weights``
    (counts); skewness and kurtosis are 0 for a constant column, where they
    are undefined.
    """
    w = np.full(len(values), 1.0 / len(values)) if weights is None else weights / np.sum(weights)
    mean = w @ values
    centred = values - mean
    squared = centred * centred
    var = w @ squared
    std = np.sqrt(var)
    flat = std <= 1e-12 * np.maximum(np.abs(mean), 1.0)
    safe = np.where(flat, 1.0, var)
    skewness = np.where(flat, 0.0, (w @ (squared * centred)) / safe**1.5)
    kurtosis = np.where(flat, 0.0, (w @ (squared * squared)) / safe**2 - 3.0)
    return np.stack([mean, std, skewness, kurtosis], axis=1)


class ColorFeatures(HandcraftedFeatures):
    r"""Colour statistics of the nucleus pixels.

    For each channel ``x`` of each colour space, over the region's pixels
    (the mask; the whole image without one):

    ================ =====================================================
    ``mean``         :math:`\mu = \frac{1}{n}\sum x`
    ``std``          :math:`\sigma = \sqrt{\frac{1}{n}\sum (x-\mu)^2}`
    ``skewness``     :math:`\frac{1}{n}\sum (x-\mu)^3 / \sigma^3` (0 if
                     :math:`\sigma = 0`)
    ``kurtosis``     excess kurtosis :math:`\frac{1}{n}\sum (x-\mu)^4 /
                     \sigma^4 - 3` (0 if :math:`\sigma = 0`)
    ``hist<k>``      fraction of pixels in bin ``k`` of ``bins`` equal-width
                     bins over the channel's full range (the last bin
                     includes the upper end)
    ================ =====================================================

    Colour spaces: ``"rgb"`` (0-255), ``"hsv"`` (``skimage.color.rgb2hsv``,
    all channels in [0, 1]; hue is treated as a linear value, so reds near
    0 and 1 are far apart), ``"lab"`` (``skimage.color.rgb2lab``, D65; L in
    [0, 100], a and b histogrammed over [-128, 127]). Names are
    ``color_<space>_<channel>_<statistic>``, e.g. ``color_lab_a_mean``.

    Parameters
    ----------
    color_spaces : sequence of {"rgb", "hsv", "lab"}, default=("rgb", "hsv", "lab")
        Colour spaces whose channels are described, in this order.
    bins : int, default=8
        Histogram bins per channel; 0 gives moments only.
    %(common_parameters)s

    Attributes
    ----------
    %(common_attributes)s

    Notes
    -----
    An image whose mask is empty gets zeros and ``color_mask_empty = 1``.

    Examples
    --------
    Moments of the Lab channels over the nucleus (no histograms):

    >>> from sklearn.pipeline import make_pipeline
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import ColorFeatures
    >>> from featleuk.segmentation import OtsuSegmenter
    >>> X, y = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> pipe = make_pipeline(OtsuSegmenter(show_progress=False), ColorFeatures(color_spaces=("lab",), bins=0, show_progress=False))
    >>> features = pipe.fit_transform(X)
    >>> features.shape
    (4, 13)
    >>> pipe[-1].get_feature_names_out()[:3].tolist()
    ['color_lab_l_mean', 'color_lab_l_std', 'color_lab_l_skewness']
    """

    _prefix = "color"

    _parameter_constraints = {
        **HandcraftedFeatures._parameter_constraints,
        "color_spaces": ["array-like"],
        "bins": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, color_spaces=("rgb", "hsv", "lab"), *, bins=8, blank_color=None, batch_size=64,
                 n_jobs=None, show_progress=True):
        self.color_spaces = color_spaces
        self.bins = bins
        self.blank_color = blank_color
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _check_params(self):
        spaces = list(self.color_spaces)
        if not spaces or any(s not in COLOR_SPACES for s in spaces) or len(set(spaces)) < len(spaces):
            raise ValueError(f"color_spaces must be distinct values of {tuple(COLOR_SPACES)}, "
                             f"got {self.color_spaces!r}")

    def _feature_names(self):
        names = []
        for space in self.color_spaces:
            for channel in COLOR_SPACES[space][0]:
                stats = [*_MOMENTS, *(f"hist{k}" for k in range(self.bins))]
                names += [f"{space}_{channel}_{stat}" for stat in stats]
        return names

    def _image_features(self, rgb, mask):
        colors, counts = unique_colors(rgb.reshape(-1, 3) if mask is None else rgb[mask])
        out = []
        for space in self.color_spaces:
            values = _convert(colors, space)
            stats = moments(values, counts)
            if self.bins:
                ranges = COLOR_SPACES[space][1]
                hists = [np.histogram(values[:, c], bins=self.bins, range=ranges[c], weights=counts)[0]
                         / counts.sum() for c in range(3)]
                stats = np.concatenate([stats, np.asarray(hists)], axis=1)
            out.append(stats.ravel())
        return np.concatenate(out)
