"""Reinhard colour transfer: match each image's Lab mean and spread to a reference."""

from __future__ import annotations

import numpy as np
from skimage.color import lab2rgb, rgb2lab

from ..images import iter_image_batches, split_mask
from ._base import BaseImageTransformer

__all__ = ["ReinhardNormalizer"]


def _lab_pixels(rgb):
    return rgb2lab(rgb).reshape(-1, 3)


class ReinhardNormalizer(BaseImageTransformer):
    """Stain normalisation by Reinhard et al. (2001) colour transfer.

    ``fit`` pools the pixels of the reference images and stores the mean
    and standard deviation of each CIE Lab channel. ``transform`` moves each
    image's Lab channels to those statistics,
    ``l' = (l - mean_img) / std_img * std_ref + mean_ref`` (likewise for a*
    and b*), and converts back to RGB (clipped to the gamut).

    Parameters
    ----------
    %(batch_size)s
    %(n_jobs)s
    %(show_progress)s

    Attributes
    ----------
    target_means_ : ndarray of shape (3,)
        Lab means of the reference pixels.
    target_stds_ : ndarray of shape (3,)
        Lab standard deviations of the reference pixels.
    %(n_images_seen_)s

    See Also
    --------
    MacenkoNormalizer : normalisation in stain (optical-density) space.

    Notes
    -----
    A channel with zero spread in an image (a flat image) is only shifted,
    not scaled. A 4th (mask) channel passes through unchanged.

    References
    ----------
    E. Reinhard, M. Ashikhmin, B. Gooch and P. Shirley (2001), "Color
    transfer between images", IEEE Computer Graphics and Applications 21(5).

    Examples
    --------
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import ReinhardNormalizer
    >>> X, _ = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> norm = ReinhardNormalizer(show_progress=False).fit(X[:1])
    >>> norm.target_means_.shape
    (3,)
    >>> norm.transform(X).shape
    (4, 32, 32, 3)
    """

    def __init__(self, *, batch_size=32, n_jobs=None, show_progress=True):
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _fit_images(self, X):
        # Running sums, so reference sets given as paths need not fit in memory.
        total = np.zeros(3)
        total_sq = np.zeros(3)
        count = 0
        for _, batch in iter_image_batches(X, self.batch_size):
            for image in batch:
                lab = _lab_pixels(split_mask(image)[0])
                total += lab.sum(axis=0)
                total_sq += (lab ** 2).sum(axis=0)
                count += len(lab)
        self.target_means_ = total / count
        self.target_stds_ = np.sqrt(np.maximum(total_sq / count - self.target_means_ ** 2, 0.0))

    def _transform_rgb(self, rgb):
        lab = rgb2lab(rgb)
        flat = lab.reshape(-1, 3)
        means, stds = flat.mean(axis=0), flat.std(axis=0)
        scale = np.divide(self.target_stds_, stds, out=np.ones(3), where=stds > 1e-8)
        lab = (lab - means) * scale + self.target_means_
        return np.clip(np.rint(lab2rgb(lab) * 255.0), 0, 255).astype(np.uint8)
