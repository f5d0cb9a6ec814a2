"""Denoising of smear images (Gaussian, median or wavelet), as in Shehta et al. (2025)."""

from __future__ import annotations

from numbers import Integral, Real

import cv2
import numpy as np
from skimage.restoration import denoise_wavelet
from ..utils._sklearn_compat import Interval, StrOptions

from ._base import BaseImageTransformer

__all__ = ["Denoiser"]


class Denoiser(BaseImageTransformer):
    """Remove sensor noise and small artefacts from each image.

    Shehta et al. (2025) denoise smears with "Gaussian
    blurring, median filtering, or even wavelet denoising"; all three are
    available here.

    Parameters
    ----------
    method : {"gaussian", "median", "wavelet"}, default="gaussian"
        ``"gaussian"``: ``cv2.GaussianBlur`` with standard deviation
        ``sigma``; ``"median"``: ``cv2.medianBlur`` with an odd
        ``kernel_size``, which keeps edges sharp; ``"wavelet"``:
        ``skimage.restoration.denoise_wavelet`` (BayesShrink soft
        thresholding per channel, noise level estimated from the image).
    sigma : float, default=1.0
        Gaussian standard deviation in pixels.
    kernel_size : int, default=3
        Median window side (odd, >= 3).
    wavelet : str, default="db1"
        PyWavelets wavelet name for ``method="wavelet"``.
    %(batch_size)s
    %(n_jobs)s
    %(show_progress)s

    Attributes
    ----------
    %(n_images_seen_)s

    Notes
    -----
    ``fit`` learns nothing from the images. A 4th (mask) channel is
    appended to the output unchanged.

    Examples
    --------
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import Denoiser
    >>> X, _ = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> smooth = Denoiser("median", kernel_size=3, show_progress=False).fit_transform(X)
    >>> smooth.shape == X.shape
    True
    """

    _parameter_constraints = {
        **BaseImageTransformer._parameter_constraints,
        "method": [StrOptions({"gaussian", "median", "wavelet"})],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "kernel_size": [Interval(Integral, 3, None, closed="left")],
        "wavelet": [str],
    }
    _learns_from_data = False

    def __init__(self, method="gaussian", *, sigma=1.0, kernel_size=3, wavelet="db1", batch_size=32,
                 n_jobs=None, show_progress=True):
        self.method = method
        self.sigma = sigma
        self.kernel_size = kernel_size
        self.wavelet = wavelet
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _fit_images(self, X):
        if self.method == "median" and self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd for the median filter, got {self.kernel_size}")

    def _transform_rgb(self, rgb):
        if self.method == "gaussian":
            return cv2.GaussianBlur(rgb, (0, 0), sigmaX=self.sigma, borderType=cv2.BORDER_REFLECT)
        if self.method == "median":
            return cv2.medianBlur(rgb, self.kernel_size)
        if (rgb == rgb.flat[0]).all():
            return rgb.copy()  # nothing to denoise; BayesShrink would divide by a zero range
        clean = denoise_wavelet(rgb, wavelet=self.wavelet, channel_axis=-1, rescale_sigma=True,
                                mode="soft", method="BayesShrink")
        return np.clip(np.rint(clean * 255.0), 0, 255).astype(np.uint8)
