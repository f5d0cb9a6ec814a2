"""Local binary pattern histograms (``skimage.feature.local_binary_pattern``)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from skimage.feature import local_binary_pattern
from ..utils._sklearn_compat import Interval, StrOptions

from ._handcrafted import CHANNELS, HandcraftedFeatures, to_channel

__all__ = ["LBPFeatures"]


class LBPFeatures(HandcraftedFeatures):
    r"""Histogram of local binary patterns over the nucleus.

    Each pixel's ``P`` neighbours on a circle of radius ``R`` (bilinearly
    interpolated, skimage) are thresholded at the pixel's value, bit
    :math:`s_p = [g_p \ge g_c]`. With ``method="uniform"`` (rotation
    invariant, Ojala et al. 2002) a pattern with at most two 0/1
    transitions around the circle gets the code :math:`\sum_p s_p`
    (0 to ``P``) and every other pattern the code ``P + 1``, so there are
    ``P + 2`` bins; ``"nri_uniform"`` keeps the rotation of uniform
    patterns, giving :math:`P(P-1)+3` bins. The feature ``lbp_<k>`` is the
    fraction of region pixels with code ``k``.

    Mask-aware: only pixels inside the mask are counted as *centres*; their
    neighbours are read from the image as it is, so a nucleus-border pixel
    compares itself with the cytoplasm next to it. Neighbours falling
    outside the image read as 0 (skimage's behaviour), so image-border
    centres tend to get low codes.

    Parameters
    ----------
    P : int, default=8
        Number of circle neighbours.
    R : float, default=1.0
        Circle radius in pixels.
    method : {"uniform", "nri_uniform"}, default="uniform"
        Rotation-invariant uniform codes (``P + 2`` bins) or uniform codes
        that keep the rotation (``P(P-1) + 3`` bins).
    channel : {"gray", "red", "green", "blue"}, default="gray"
        The image channel the patterns are computed on.
    %(common_parameters)s

    Attributes
    ----------
    n_bins_ : int
        Number of histogram bins.
    %(common_attributes)s

    Notes
    -----
    An image whose mask is empty gets zeros and ``lbp_mask_empty = 1``.

    References
    ----------
    T. Ojala, M. Pietikainen and T. Maenpaa (2002), "Multiresolution
    gray-scale and rotation invariant texture classification with local
    binary patterns", IEEE Transactions on Pattern Analysis and Machine
    Intelligence 24(7).

    Examples
    --------
    The nucleus mask comes from a segmenter (its 4th output channel):

    >>> from sklearn.pipeline import make_pipeline
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import LBPFeatures
    >>> from featleuk.segmentation import OtsuSegmenter
    >>> X, y = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> pipe = make_pipeline(OtsuSegmenter(show_progress=False), LBPFeatures(show_progress=False))
    >>> features = pipe.fit_transform(X)
    >>> features.shape
    (4, 11)
    >>> pipe[-1].get_feature_names_out()[:3].tolist()
    ['lbp_0', 'lbp_1', 'lbp_2']
    """

    _prefix = "lbp"

    _parameter_constraints = {
        **HandcraftedFeatures._parameter_constraints,
        "P": [Interval(Integral, 1, None, closed="left")],
        "R": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"uniform", "nri_uniform"})],
        "channel": [StrOptions(set(CHANNELS))],
    }

    def __init__(self, P=8, R=1.0, *, method="uniform", channel="gray", blank_color=None, batch_size=64,
                 n_jobs=None, show_progress=True):
        self.P = P
        self.R = R
        self.method = method
        self.channel = channel
        self.blank_color = blank_color
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _check_params(self):
        self.n_bins_ = self.P + 2 if self.method == "uniform" else self.P * (self.P - 1) + 3

    def _feature_names(self):
        return [str(k) for k in range(self.n_bins_)]

    def _image_features(self, rgb, mask):
        codes = local_binary_pattern(to_channel(rgb, self.channel), self.P, self.R, method=self.method)
        codes = codes.astype(np.intp).ravel() if mask is None else codes[mask].astype(np.intp)
        return np.bincount(codes, minlength=self.n_bins_)[: self.n_bins_] / len(codes)
