"""Macenko stain normalisation: estimate two stain vectors per image, map to a reference's."""

from __future__ import annotations

from numbers import Real

import numpy as np
from ..utils._sklearn_compat import Interval

from ..images import iter_image_batches, split_mask
from ._base import BaseImageTransformer

__all__ = ["MacenkoNormalizer", "estimate_stain_matrix"]

#: Pixels pooled from the reference images at most (taken with a stride), so
#: fitting on many references keeps a bounded eigen-decomposition cost.
_MAX_REFERENCE_PIXELS = 2_000_000


def _optical_density(rgb, intensity):
    """``-log((I + 1) / Io)`` per pixel, ``(n_pixels, 3)``; +1 avoids log(0)."""
    return -np.log((rgb.reshape(-1, 3).astype(np.float64) + 1.0) / intensity)


def estimate_stain_matrix(od, *, beta=0.15, alpha=1.0):
    """Macenko et al. (2009) stain vectors and concentration percentiles of OD pixels.

    Parameters
    ----------
    od : ndarray of shape (n_pixels, 3)
        Optical densities.
    beta : float, default=0.15
        Pixels with any channel's OD below ``beta`` (near-white background)
        are left out.
    alpha : float, default=1.0
        The extreme stain directions are the ``alpha`` and ``100 - alpha``
        percentiles of the pixel angles in the plane of the two main
        principal directions (robust extremes).

    Returns
    -------
    stain_matrix : ndarray of shape (2, 3) or None
        Unit OD vectors of haematoxylin (row 0) and eosin (row 1); ``None``
        when fewer than 3 stained pixels remain.
    max_concentrations : ndarray of shape (2,) or None
        99th percentile of each stain's concentration.

    See Also
    --------
    MacenkoNormalizer : the normaliser built on these estimates.

    Examples
    --------
    Optical densities ``-log((I + 1) / 240)`` of a synthetic smear's pixels:

    >>> import numpy as np
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import estimate_stain_matrix
    >>> X, _ = make_synthetic_smears(1, image_size=64, random_state=0)
    >>> od = -np.log((X[0].reshape(-1, 3) + 1.0) / 240.0)
    >>> stains, max_c = estimate_stain_matrix(od, beta=0.15)
    >>> stains.shape, max_c.shape
    ((2, 3), (2,))
    >>> np.allclose(np.linalg.norm(stains, axis=1), 1.0)
    True
    """
    tissue = od[np.all(od > beta, axis=1)]
    if len(tissue) < 3:
        return None, None
    _, vectors = np.linalg.eigh(np.cov(tissue, rowvar=False))
    plane = vectors[:, 1:3]  # the two largest eigenvalues (eigh sorts ascending)
    plane = plane * np.where(plane.sum(axis=0) < 0, -1.0, 1.0)  # point into positive OD
    coords = tissue @ plane
    angles = np.arctan2(coords[:, 1], coords[:, 0])
    low, high = np.percentile(angles, [alpha, 100.0 - alpha])
    v_low = plane @ np.array([np.cos(low), np.sin(low)])
    v_high = plane @ np.array([np.cos(high), np.sin(high)])
    # Haematoxylin absorbs more red light than eosin: its red OD is larger.
    stains = np.array([v_low, v_high]) if v_low[0] > v_high[0] else np.array([v_high, v_low])
    stains /= np.linalg.norm(stains, axis=1, keepdims=True)
    concentrations = np.linalg.lstsq(stains.T, tissue.T, rcond=None)[0]
    return stains, np.percentile(concentrations, 99, axis=1)


class MacenkoNormalizer(BaseImageTransformer):
    """Stain normalisation by Macenko et al. (2009).

    ``fit`` estimates the haematoxylin and eosin optical-density vectors
    and the 99th-percentile stain concentrations of the pooled reference
    pixels. ``transform`` estimates the same for each image, unmixes its
    pixels into the two concentrations (least squares), rescales them to the
    reference's percentiles and recomposes the image with the reference
    stain vectors, ``I = Io * exp(-stain_matrix_.T @ C)``.

    Parameters
    ----------
    intensity : float, default=240
        Background (transmitted light) intensity ``Io``.
    alpha : float, default=1.0
        Angle percentile for the robust extreme stain directions.
    beta : float, default=0.15
        OD threshold below which a pixel counts as background.
    %(batch_size)s
    %(n_jobs)s
    %(show_progress)s

    Attributes
    ----------
    stain_matrix_ : ndarray of shape (2, 3)
        Reference unit OD vectors (row 0 haematoxylin, row 1 eosin).
    max_concentrations_ : ndarray of shape (2,)
        99th percentile of the reference's haematoxylin and eosin
        concentrations.
    %(n_images_seen_)s

    See Also
    --------
    ReinhardNormalizer : a simpler colour transfer in Lab space.
    estimate_stain_matrix : the stain-vector estimate, for one set of pixels.

    Notes
    -----
    An image with fewer than 3 stained pixels (blank field) is returned
    unchanged. A 4th (mask) channel passes through unchanged.

    References
    ----------
    M. Macenko et al. (2009), "A method for normalizing histology slides for
    quantitative analysis", IEEE International Symposium on Biomedical
    Imaging (ISBI).

    Examples
    --------
    Fit on reference images, then map other images to their stains:

    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import MacenkoNormalizer
    >>> X, _ = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> norm = MacenkoNormalizer(show_progress=False).fit(X[:2])
    >>> norm.stain_matrix_.shape
    (2, 3)
    >>> norm.transform(X[2:]).shape
    (2, 32, 32, 3)
    """

    _parameter_constraints = {
        **BaseImageTransformer._parameter_constraints,
        "intensity": [Interval(Real, 1, 255, closed="both")],
        "alpha": [Interval(Real, 0, 50, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, intensity=240.0, alpha=1.0, beta=0.15, batch_size=32, n_jobs=None,
                 show_progress=True):
        self.intensity = intensity
        self.alpha = alpha
        self.beta = beta
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _fit_images(self, X):
        pixels = [_optical_density(split_mask(image)[0], self.intensity)
                  for _, batch in iter_image_batches(X, self.batch_size) for image in batch]
        od = np.concatenate(pixels)
        od = od[:: max(1, len(od) // _MAX_REFERENCE_PIXELS)]
        stains, max_c = estimate_stain_matrix(od, beta=self.beta, alpha=self.alpha)
        if stains is None:
            raise ValueError("MacenkoNormalizer: the reference images contain no stained pixels "
                             f"(every pixel has an optical density below beta={self.beta})")
        self.stain_matrix_, self.max_concentrations_ = stains, max_c

    def _transform_rgb(self, rgb):
        od = _optical_density(rgb, self.intensity)
        stains, max_c = estimate_stain_matrix(od, beta=self.beta, alpha=self.alpha)
        if stains is None:
            return rgb.copy()
        concentrations = np.linalg.lstsq(stains.T, od.T, rcond=None)[0]
        scale = np.divide(self.max_concentrations_, max_c, out=np.ones(2), where=max_c > 1e-8)
        recomposed = self.intensity * np.exp(-(self.stain_matrix_.T @ (concentrations * scale[:, None])))
        return np.clip(np.rint(recomposed.T), 0, 255).astype(np.uint8).reshape(rgb.shape)
