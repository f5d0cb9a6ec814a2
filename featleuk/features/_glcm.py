"""Grey-level co-occurrence (Haralick) texture features, mask-aware and fast.

The co-occurrence counts of every offset come from one 2-D histogram of the
two shifted views of the image (``cv2.calcHist``: no per-pixel Python or
Cython loop, no array of pair codes), and the properties are vectorised over
offsets, computed lazily so that asking for fewer properties costs less. On unmasked input the six properties of
``skimage.feature.graycoprops`` (and its ``entropy`` and ``variance``) are
reproduced to 1e-10; ``benchmarks/glcm_speed.py`` measures the speed-up over
a per-image ``graycomatrix`` + ``graycoprops`` loop.
"""

from __future__ import annotations

from functools import cached_property
from numbers import Integral, Real

import cv2
import numpy as np
from ..utils._sklearn_compat import Interval, StrOptions

from ._handcrafted import (CHANNELS, HandcraftedFeatures, aggregate_angles, aggregated_names, quantize,
                           to_channel)

__all__ = ["GLCMFeatures", "GLCM_PROPERTIES", "glcm_offsets", "glcm_entries", "glcm_counts", "glcm_properties"]

#: Properties in output order; the first six are skimage's ``graycoprops``.
GLCM_PROPERTIES = (
    "contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation",
    "entropy", "variance", "sum_average", "sum_variance", "sum_entropy",
    "difference_variance", "difference_entropy", "imc1", "imc2", "max_probability",
)


def glcm_offsets(distances, angles) -> list[tuple[int, int]]:
    """``(row, col)`` offsets in skimage's order (distance-major, like ``P[:, :, d, a]``).

    An offset is ``(round(sin(angle) * d), round(cos(angle) * d))``: angle 0
    pairs a pixel with its right neighbour, ``pi/2`` with the one below.
    """
    def _round(x):  # half away from zero, as C's round() used by skimage
        return int(np.copysign(np.floor(abs(x) + 0.5), x))

    return [(_round(np.sin(a) * d), _round(np.cos(a) * d)) for d in distances for a in angles]


#: ``cv2.calcHist`` counts in float32, exact up to 2**24; larger images use ``np.bincount``.
_CALCHIST_MAX_PAIRS = 1 << 24


def _ordered_counts(image, offset, levels, mask):
    """``C[i, j]``: valid pixel pairs (first ``i``, second ``j``) of one offset, int64 ``(levels, levels)``."""
    rows, cols = image.shape
    dr, dc = offset
    r0, r1 = max(0, -dr), min(rows, rows - dr)
    c0, c1 = max(0, -dc), min(cols, cols - dc)
    if r1 <= r0 or c1 <= c0:  # the offset does not fit in the image: no pairs
        return np.zeros((levels, levels), dtype=np.int64)
    first = image[r0:r1, c0:c1]
    second = image[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
    keep = None if mask is None else mask[r0:r1, c0:c1] & mask[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
    if image.dtype == np.uint8 and first.size < _CALCHIST_MAX_PAIRS:
        # OpenCV's 2-D histogram reads both views in one pass (no pair-code array):
        # twice the speed of bincount, the step skimage's Cython loop otherwise wins.
        counts = cv2.calcHist([first, second], [0, 1], None if keep is None else keep.view(np.uint8),
                              [levels, levels], [0, levels, 0, levels])
        return counts.astype(np.int64)
    if keep is not None:
        first, second = first[keep], second[keep]
    codes = first.astype(np.intp).ravel() * levels + second.ravel()
    return np.bincount(codes, minlength=levels * levels).reshape(levels, levels)


def glcm_entries(image, offsets, levels, *, mask=None, symmetric=True):
    """The non-zero cells of the co-occurrence matrices, as flat arrays.

    Parameters
    ----------
    image : ndarray of shape (H, W), integers in ``[0, levels)``
    offsets : list of (row, col)
    levels : int
    mask : bool ndarray of shape (H, W) or None
        Only pairs with *both* pixels inside the mask are counted.
    symmetric : bool
        Count each pair in both orders (``P + P.T``).

    Returns
    -------
    which, i, j, count : ndarrays of the same length
        Cell ``(i, j)`` of offset ``which`` holds ``count`` (> 0) pairs;
        entries are grouped by offset, in order.
    """
    parts = []
    for k, offset in enumerate(offsets):
        counts = _ordered_counts(image, offset, levels, mask)
        if symmetric:
            # Each unordered pair once, U[i, j] (i <= j), then mirrored below:
            # P[i, j] = P[j, i] = U[i, j] off the diagonal and P[i, i] = 2 U[i, i].
            diagonal = np.diag(counts).copy()
            counts = np.triu(counts + counts.T, 1)
            counts[np.diag_indices(levels)] = diagonal
        cells = np.flatnonzero(counts)
        count = counts.ravel()[cells]
        i, j = np.divmod(cells, levels)
        if symmetric:
            off = i != j
            count = np.concatenate([np.where(off, count, 2 * count), count[off]])
            i, j = np.concatenate([i, j[off]]), np.concatenate([j, i[off]])
        parts.append((np.full(len(i), k), i, j, count))
    which, i, j, count = (np.concatenate(column) for column in zip(*parts))
    return which, i, j, count


def glcm_counts(image, offsets, levels, *, mask=None, symmetric=True) -> np.ndarray:
    """Dense co-occurrence counts, shape ``(n_offsets, levels, levels)``, int64.

    Same parameters as :func:`glcm_entries`; ``counts[k]`` equals
    ``graycomatrix(image, ...)[:, :, d, a]`` for offset ``k`` on unmasked input.
    """
    which, i, j, count = glcm_entries(image, offsets, levels, mask=mask, symmetric=symmetric)
    dense = np.zeros((len(offsets), levels, levels), dtype=np.int64)
    dense[which, i, j] = count
    return dense


def _entropy(p, axis=-1):
    """``-sum p ln p`` over the non-zero entries."""
    logs = np.log(p, where=p > 0, out=np.zeros_like(p))
    return -np.sum(p * logs, axis=axis)


class _GLCMStats:
    """Lazily computed statistics of the normalised matrices, from their non-zero cells.

    Working on the non-zero cells only (a few thousand of the 65,536 at 256
    levels) is what makes the properties cheap.
    """

    def __init__(self, entries, n_offsets, levels):
        self.which, i, j, count = entries
        self.n, self.levels = n_offsets, levels
        totals = self._sum(count.astype(np.float64))
        self.p = count / totals[self.which]
        self.i, self.j = i, j
        self.grey = np.arange(levels, dtype=np.float64)

    def _sum(self, values):
        """Per-offset sums of per-cell ``values`` (0 for an offset without pairs)."""
        # (bincount returns integers when there is no entry at all: keep floats)
        return np.bincount(self.which, weights=values, minlength=self.n).astype(np.float64)

    def _histogram(self, index, size):
        """Per-offset sums of ``p`` over cells sharing ``index``, shape ``(n, size)``."""
        keys = self.which * size + index
        sums = np.bincount(keys, weights=self.p, minlength=self.n * size).astype(np.float64)
        return sums.reshape(self.n, size)

    @cached_property
    def diff(self):
        return (self.i - self.j).astype(np.float64)

    @cached_property
    def px(self):
        return self._histogram(self.i, self.levels)

    @cached_property
    def py(self):
        return self._histogram(self.j, self.levels)

    @cached_property
    def mu(self):
        return self.px @ self.grey, self.py @ self.grey

    def _marginal_variance(self, marginal, mean):
        return np.sum(marginal * (self.grey - mean[:, None]) ** 2, axis=1)

    @cached_property
    def hxy(self):
        return self._sum(-self.p * np.log(self.p))

    @cached_property
    def p_sum(self):
        return self._histogram(self.i + self.j, 2 * self.levels - 1)

    @cached_property
    def p_diff(self):
        return self._histogram(np.abs(self.i - self.j), self.levels)

    @staticmethod
    def _moments(p):
        k = np.arange(p.shape[1], dtype=np.float64)
        mean = p @ k
        return mean, np.sum(p * (k - mean[:, None]) ** 2, axis=1)

    # -- properties ---------------------------------------------------------------

    def contrast(self):
        return self._sum(self.p * self.diff**2)

    def dissimilarity(self):
        return self._sum(self.p * np.abs(self.diff))

    def homogeneity(self):
        return self._sum(self.p / (1.0 + self.diff**2))

    def ASM(self):  # noqa: N802 - skimage's name
        return self._sum(self.p * self.p)

    def energy(self):
        return np.sqrt(self.ASM())

    def correlation(self):
        mu_x, mu_y = self.mu
        std_x = np.sqrt(self._marginal_variance(self.px, mu_x))
        std_y = np.sqrt(self._marginal_variance(self.py, mu_y))
        cov = self._sum(self.p * (self.i - mu_x[self.which]) * (self.j - mu_y[self.which]))
        flat = (std_x < 1e-15) | (std_y < 1e-15)  # skimage's convention: constant -> 1
        return np.where(flat, 1.0, cov / np.where(flat, 1.0, std_x * std_y))

    def entropy(self):
        return self.hxy

    def variance(self):
        return self._marginal_variance(self.px, self.mu[0])

    def sum_average(self):
        return self._moments(self.p_sum)[0]

    def sum_variance(self):
        return self._moments(self.p_sum)[1]

    def sum_entropy(self):
        return _entropy(self.p_sum)

    def difference_variance(self):
        return self._moments(self.p_diff)[1]

    def difference_entropy(self):
        return _entropy(self.p_diff)

    def imc1(self):
        hx, hy = _entropy(self.px), _entropy(self.py)
        scale = np.maximum(hx, hy)
        return np.where(scale > 0, (self.hxy - hx - hy) / np.where(scale > 0, scale, 1.0), 0.0)

    def imc2(self):
        gap = _entropy(self.px) + _entropy(self.py) - self.hxy
        return np.sqrt(1.0 - np.exp(-2.0 * np.maximum(gap, 0.0)))

    def max_probability(self):
        best = np.zeros(self.n)
        np.maximum.at(best, self.which, self.p)
        return best


def glcm_properties(entries, n_offsets, levels, properties=GLCM_PROPERTIES) -> np.ndarray:
    """Properties of co-occurrence matrices, shape ``(len(properties), n_offsets)``.

    ``entries`` is the output of :func:`glcm_entries`; each offset's matrix
    is normalised to sum 1 first (as ``graycoprops`` does).
    """
    stats = _GLCMStats(entries, n_offsets, levels)
    return np.stack([getattr(stats, name)() for name in properties])


def _angle_label(angle):
    return format(float(np.degrees(angle)), ".4g")


class GLCMFeatures(HandcraftedFeatures):
    r"""Grey-level co-occurrence matrix (Haralick) texture features.

    For each offset (distance ``d``, angle ``a``), ``P(i, j)`` counts pixel
    pairs with grey levels ``i`` and ``j`` whose second pixel lies ``d``
    pixels away along ``a`` (``a = 0`` is the right neighbour, ``pi/2`` the one
    below, as in ``skimage.feature.graycomatrix``). With a mask only pairs
    whose *both* pixels are nucleus pixels count. ``P`` is normalised to sum 1
    before the properties are computed (``graycoprops`` normalises too, so an
    un-normalised option would change nothing).

    Grey levels ``i, j`` run from 0 to ``levels - 1`` (skimage's convention;
    pyradiomics counts from 1, which shifts only ``sum_average``). Notation:
    :math:`p_x(i)=\sum_j P(i,j)`, :math:`p_y(j)=\sum_i P(i,j)`,
    :math:`\mu_x=\sum_i i\,p_x(i)`, :math:`\sigma_x^2=\sum_i (i-\mu_x)^2 p_x(i)`
    (same for y), :math:`p_{x+y}(k)=\sum_{i+j=k} P(i,j)`,
    :math:`p_{x-y}(k)=\sum_{|i-j|=k} P(i,j)`, and entropies use the natural
    log (as skimage's ``entropy`` and Haralick 1973; pyradiomics uses
    ``log2``): :math:`HX=-\sum_i p_x\ln p_x`, :math:`HY` likewise,
    :math:`HXY=-\sum_{i,j} P\ln P`.

    ======================= ===================================================
    ``contrast``            :math:`\sum_{i,j} (i-j)^2 P(i,j)`
    ``dissimilarity``       :math:`\sum_{i,j} |i-j|\,P(i,j)`
    ``homogeneity``         :math:`\sum_{i,j} P(i,j) / (1 + (i-j)^2)`
    ``ASM``                 :math:`\sum_{i,j} P(i,j)^2`
    ``energy``              :math:`\sqrt{ASM}`
    ``correlation``         :math:`\sum_{i,j} (i-\mu_x)(j-\mu_y)P(i,j)/(\sigma_x\sigma_y)`,
                            1 when :math:`\sigma_x` or :math:`\sigma_y` < 1e-15
                            (skimage)
    ``entropy``             :math:`HXY`
    ``variance``            :math:`\sum_{i,j} (i-\mu_x)^2 P(i,j)` (skimage's)
    ``sum_average``         :math:`SA=\sum_k k\,p_{x+y}(k)`
    ``sum_variance``        :math:`\sum_k (k-SA)^2 p_{x+y}(k)`
    ``sum_entropy``         :math:`-\sum_k p_{x+y}(k)\ln p_{x+y}(k)`
    ``difference_variance`` :math:`\sum_k (k-DA)^2 p_{x-y}(k)`,
                            :math:`DA=\sum_k k\,p_{x-y}(k)`
    ``difference_entropy``  :math:`-\sum_k p_{x-y}(k)\ln p_{x-y}(k)`
    ``imc1``                :math:`(HXY-HXY1)/\max(HX,HY)`, 0 when the
                            denominator is 0
    ``imc2``                :math:`\sqrt{1-\exp(-2(HXY2-HXY))}`
    ``max_probability``     :math:`\max_{i,j} P(i,j)`
    ======================= ===================================================

    Here :math:`HXY1=-\sum P(i,j)\ln(p_x(i)p_y(j))` and
    :math:`HXY2=-\sum p_x(i)p_y(j)\ln(p_x(i)p_y(j))`; because ``p_x`` and
    ``p_y`` are the marginals of ``P``, both equal :math:`HX+HY`, which is how
    they are computed.

    Parameters
    ----------
    distances : sequence of int, default=(1,)
        Pixel-pair distances.
    angles : sequence of float, default=(0, pi/4, pi/2, 3*pi/4)
        Pair directions in radians.
    levels : int, default=256
        Grey levels; uint8 values ``v`` are binned to ``floor(v * levels / 256)``.
    symmetric : bool, default=True
        Count each pair in both orders (``P + P.T``).
    properties : sequence of str or None, default=None
        Subset of :data:`GLCM_PROPERTIES` (all when None), output in the given
        order.
    aggregate : {"mean", "per_angle", "mean_range"}, default="mean"
        ``"mean"``: average each property over angles, one column per
        distance (``glcm_<prop>_d<d>``); ``"per_angle"``: one column per
        distance and angle (``glcm_<prop>_d<d>_a<degrees>``);
        ``"mean_range"``: Haralick's mean and range (max - min) over angles
        (``glcm_<prop>_d<d>_mean``, ``glcm_<prop>_d<d>_range``).
    channel : {"gray", "red", "green", "blue"}, default="gray"
        The channel analysed (``"gray"``: BT.601 luma, as OpenCV and Pillow).
    %(common_parameters)s

    Attributes
    ----------
    offsets_ : list of (int, int)
        ``(row, col)`` pixel offsets, distance-major.
    %(common_attributes)s

    Notes
    -----
    Without a mask the whole image is used. An image whose mask is empty
    gets zeros and ``glcm_mask_empty = 1``. An offset with no valid pair
    (tiny image or one-pixel-wide mask) has an all-zero matrix: every
    property is 0 there except ``correlation``, which is 1 (zero variance).

    See Also
    --------
    GLRLMFeatures : run-length texture features of the same region.

    References
    ----------
    R. M. Haralick, K. Shanmugam and I. Dinstein (1973), "Textural features
    for image classification", IEEE Transactions on Systems, Man, and
    Cybernetics SMC-3(6).

    Examples
    --------
    The nucleus mask comes from a segmenter (its 4th output channel):

    >>> from sklearn.pipeline import make_pipeline
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import GLCMFeatures
    >>> from featleuk.segmentation import OtsuSegmenter
    >>> X, y = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> glcm = GLCMFeatures(levels=32, properties=("contrast", "correlation"),
    ...                     aggregate="mean_range", show_progress=False)
    >>> pipe = make_pipeline(OtsuSegmenter(show_progress=False), glcm)
    >>> features = pipe.fit_transform(X)
    >>> features.shape
    (4, 5)
    >>> pipe[-1].get_feature_names_out().tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['glcm_contrast_d1_mean', 'glcm_contrast_d1_range', 'glcm_correlation_d1_mean',
     'glcm_correlation_d1_range', 'glcm_mask_empty']

    On a 2 x 2 checkerboard every horizontal pair differs by one grey level:

    >>> import numpy as np
    >>> board = np.array([[0, 255], [255, 0]], np.uint8)
    >>> rgb = np.repeat(board[None, :, :, None], 3, axis=3)
    >>> GLCMFeatures(angles=(0,), levels=2, properties=("contrast", "homogeneity"),
    ...              show_progress=False).fit_transform(rgb)
    array([[1. , 0.5, 0. ]])
    """

    _prefix = "glcm"

    _parameter_constraints = {
        **HandcraftedFeatures._parameter_constraints,
        "distances": ["array-like"],
        "angles": ["array-like"],
        "levels": [Interval(Integral, 2, 256, closed="both")],
        "symmetric": ["boolean"],
        "properties": ["array-like", None],
        "aggregate": [StrOptions({"mean", "per_angle", "mean_range"})],
        "channel": [StrOptions(set(CHANNELS))],
    }

    def __init__(
        self,
        distances=(1,),
        angles=(0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
        *,
        levels=256,
        symmetric=True,
        properties=None,
        aggregate="mean",
        channel="gray",
        blank_color=None,
        batch_size=64,
        n_jobs=None,
        show_progress=True,
    ):
        self.distances = distances
        self.angles = angles
        self.levels = levels
        self.symmetric = symmetric
        self.properties = properties
        self.aggregate = aggregate
        self.channel = channel
        self.blank_color = blank_color
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _check_params(self):
        distances = list(self.distances)
        if not distances or not all(isinstance(d, Integral) and d >= 1 for d in distances):
            raise ValueError(f"distances must be positive integers, got {self.distances!r}")
        angles = list(self.angles)
        if not angles or not all(isinstance(a, Real) for a in angles):
            raise ValueError(f"angles must be numbers (radians), got {self.angles!r}")
        labels = [_angle_label(a) for a in angles]
        if len(set(labels)) < len(labels) or len(set(distances)) < len(distances):
            raise ValueError("distances and angles must not repeat")
        unknown = sorted(set(self._properties) - set(GLCM_PROPERTIES))
        if unknown or not self._properties:
            raise ValueError(f"unknown GLCM properties {unknown}; choose from {GLCM_PROPERTIES}")
        self.offsets_ = glcm_offsets(distances, angles)

    @property
    def _properties(self):
        return tuple(GLCM_PROPERTIES if self.properties is None else self.properties)

    def _feature_names(self):
        names = [f"{p}_d{int(d)}" for p in self._properties for d in self.distances]
        return aggregated_names(names, [_angle_label(a) for a in self.angles], self.aggregate)

    def _image_features(self, rgb, mask):
        image = quantize(to_channel(rgb, self.channel), self.levels)
        entries = glcm_entries(image, self.offsets_, self.levels, mask=mask, symmetric=self.symmetric)
        values = glcm_properties(entries, len(self.offsets_), self.levels, self._properties)
        # (properties, offsets) with offsets distance-major -> (property x distance, angle)
        return aggregate_angles(values.reshape(-1, len(self.angles)), self.aggregate)
