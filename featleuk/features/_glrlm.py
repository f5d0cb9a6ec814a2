"""Grey-level run-length (GLRLM) texture features, mask-aware.

A run is a maximal line of consecutive pixels with the same grey level along
one direction. Runs are found for all lines of a direction at once: the
lines are laid out as the rows of a padded array (background and padding
coded -1, which breaks runs at the mask border), and one run-length encoding
of that array gives every run's grey level and length.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from ..utils._sklearn_compat import Interval, StrOptions

from ._handcrafted import (CHANNELS, HandcraftedFeatures, aggregate_angles, aggregated_names, quantize,
                           to_channel)

__all__ = ["GLRLMFeatures", "GLRLM_FEATURES", "glrlm_runs", "glrlm_matrix"]

GLRLM_FEATURES = ("SRE", "LRE", "GLN", "RLN", "RP", "LGRE", "HGRE", "SRLGE", "SRHGE", "LRLGE", "LRHGE")

#: Directions in degrees; as in GLCMFeatures, 0 runs to the right and 90 runs down.
DIRECTIONS = (0, 45, 90, 135)


def _lines(coded, direction):
    """The lines of ``coded`` along ``direction`` as rows of an array padded with -1."""
    if direction == 0:
        return coded
    if direction == 90:
        return coded.T
    rows, cols = coded.shape
    r, c = np.indices(coded.shape)
    # 45 degrees steps (down, right): c - r is constant on a line; 135 steps (down, left): r + c.
    line = c - r + rows - 1 if direction == 45 else r + c
    lines = np.full((rows + cols - 1, rows), -1, dtype=coded.dtype)
    lines[line, r] = coded
    return lines


def glrlm_runs(image, direction, *, mask=None):
    """Grey level and length of every run along ``direction`` (degrees, 0/45/90/135).

    Parameters
    ----------
    image : ndarray of shape (H, W), non-negative integers
    direction : {0, 45, 90, 135}
    mask : bool ndarray of shape (H, W) or None
        Pixels outside the mask belong to no run and end the runs they touch.

    Returns
    -------
    levels, lengths : int ndarrays of the same length
    """
    coded = image.astype(np.intp)
    if mask is not None:
        coded = np.where(mask, coded, -1)
    lines = _lines(coded, direction)
    flat = np.concatenate([lines, np.full((len(lines), 1), -1)], axis=1).ravel()
    starts = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]]))
    lengths = np.diff(np.append(starts, len(flat)))
    levels = flat[starts]
    keep = levels >= 0
    return levels[keep], lengths[keep]


def glrlm_matrix(levels, lengths, n_levels, max_length):
    """The run-length matrix ``R[i, j - 1]``: runs of grey level ``i`` and length ``j``."""
    counts = np.bincount(levels * max_length + lengths - 1, minlength=n_levels * max_length)
    return counts.reshape(n_levels, max_length)


def _run_features(levels, lengths):
    """The eleven features of one direction, from its runs (see GLRLMFeatures)."""
    i = levels.astype(np.float64) + 1.0  # grey levels counted from 1, so 1/i^2 is finite
    j = lengths.astype(np.float64)
    n_runs, n_pixels = len(j), j.sum()
    gln = np.sum(np.bincount(levels).astype(np.float64) ** 2) / n_runs
    rln = np.sum(np.bincount(lengths).astype(np.float64) ** 2) / n_runs
    i2, j2 = i**2, j**2
    return np.array([
        np.mean(1.0 / j2), np.mean(j2), gln, rln, n_runs / n_pixels,
        np.mean(1.0 / i2), np.mean(i2), np.mean(1.0 / (i2 * j2)), np.mean(i2 / j2),
        np.mean(j2 / i2), np.mean(i2 * j2),
    ])


class GLRLMFeatures(HandcraftedFeatures):
    r"""Grey-level run-length matrix features.

    ``R(i, j)`` counts the runs of grey level ``i`` and length ``j`` along a
    direction; with a mask only nucleus pixels form runs, and a run stops at
    the mask border. Grey levels are counted from 1 here (``i = 1 ..
    levels``, pyradiomics' convention) so the low-grey-level weights
    :math:`1/i^2` are finite. With :math:`N_r=\sum_{i,j}R(i,j)` runs and
    :math:`N_p=\sum_{i,j} j\,R(i,j)` pixels:

    ========= ===========================================================
    ``SRE``   short run emphasis :math:`\sum R(i,j)/j^2 / N_r`
    ``LRE``   long run emphasis :math:`\sum R(i,j)\,j^2 / N_r`
    ``GLN``   grey-level non-uniformity :math:`\sum_i(\sum_j R(i,j))^2 / N_r`
    ``RLN``   run-length non-uniformity :math:`\sum_j(\sum_i R(i,j))^2 / N_r`
    ``RP``    run percentage :math:`N_r / N_p`
    ``LGRE``  low grey-level run emphasis :math:`\sum R(i,j)/i^2 / N_r`
    ``HGRE``  high grey-level run emphasis :math:`\sum R(i,j)\,i^2 / N_r`
    ``SRLGE`` short run low grey-level emphasis :math:`\sum R/(i^2j^2) / N_r`
    ``SRHGE`` short run high grey-level emphasis :math:`\sum R\,i^2/j^2 / N_r`
    ``LRLGE`` long run low grey-level emphasis :math:`\sum R\,j^2/i^2 / N_r`
    ``LRHGE`` long run high grey-level emphasis :math:`\sum R\,i^2j^2 / N_r`
    ========= ===========================================================

    Parameters
    ----------
    levels : int, default=16
        Grey levels; uint8 values ``v`` are binned to ``floor(v * levels / 256)``
        (with 256 levels almost every run has length 1).
    directions : sequence of {0, 45, 90, 135}, default=(0, 45, 90, 135)
        Run directions in degrees: 0 runs to the right, 90 down, 45 down-right,
        135 down-left (the offsets of GLCMFeatures' angles).
    aggregate : {"mean", "per_direction", "mean_range"}, default="mean"
        Average each feature over directions (``glrlm_<feature>``, as
        pyradiomics does), keep one column per direction
        (``glrlm_<feature>_a<degrees>``), or give the mean and range
        (max - min) over directions (``glrlm_<feature>_mean``,
        ``glrlm_<feature>_range``).
    channel : {"gray", "red", "green", "blue"}, default="gray"
        The image channel the runs are counted on (``"gray"`` is the
        ITU-R BT.601 luma).
    %(common_parameters)s

    Attributes
    ----------
    %(common_attributes)s

    Notes
    -----
    An image whose mask is empty gets zeros and ``glrlm_mask_empty = 1``.
    Any non-empty region has at least one run, so all features are finite.

    See Also
    --------
    GLCMFeatures : co-occurrence texture features of the same region.

    References
    ----------
    M. M. Galloway (1975), "Texture analysis using gray level run lengths",
    Computer Graphics and Image Processing 4(2).

    Examples
    --------
    The nucleus mask comes from a segmenter (its 4th output channel):

    >>> from sklearn.pipeline import make_pipeline
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import GLRLMFeatures
    >>> from featleuk.segmentation import OtsuSegmenter
    >>> X, y = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> pipe = make_pipeline(OtsuSegmenter(show_progress=False), GLRLMFeatures(show_progress=False))
    >>> features = pipe.fit_transform(X)
    >>> features.shape
    (4, 12)
    >>> pipe[-1].get_feature_names_out()[:3].tolist()
    ['glrlm_SRE', 'glrlm_LRE', 'glrlm_GLN']
    """

    _prefix = "glrlm"

    _parameter_constraints = {
        **HandcraftedFeatures._parameter_constraints,
        "levels": [Interval(Integral, 2, 256, closed="both")],
        "directions": ["array-like"],
        "aggregate": [StrOptions({"mean", "per_direction", "mean_range"})],
        "channel": [StrOptions(set(CHANNELS))],
    }

    def __init__(
        self,
        levels=16,
        *,
        directions=DIRECTIONS,
        aggregate="mean",
        channel="gray",
        blank_color=None,
        batch_size=64,
        n_jobs=None,
        show_progress=True,
    ):
        self.levels = levels
        self.directions = directions
        self.aggregate = aggregate
        self.channel = channel
        self.blank_color = blank_color
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _check_params(self):
        directions = list(self.directions)
        if not directions or any(d not in DIRECTIONS for d in directions) or len(set(directions)) < len(
                directions):
            raise ValueError(f"directions must be distinct values of {DIRECTIONS}, got {self.directions!r}")

    def _feature_names(self):
        return aggregated_names(GLRLM_FEATURES, [int(d) for d in self.directions], self.aggregate)

    def _image_features(self, rgb, mask):
        image = quantize(to_channel(rgb, self.channel), self.levels)
        values = np.stack([_run_features(*glrlm_runs(image, d, mask=mask)) for d in self.directions], axis=1)
        return aggregate_angles(values, self.aggregate)
