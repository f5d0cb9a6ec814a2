"""Stain tools: colour deconvolution, stain normalisation and denoising.

All are image -> image transformers (paths or uint8 ``(N, H, W, 3|4)``
arrays in, uint8 images out) built on :class:`BaseImageTransformer`; a 4th
(nucleus mask) channel passes through untouched, so they can follow a
segmenter.

- :class:`ColorDeconvolution`: haematoxylin / eosin / DAB separation.
- :class:`ReinhardNormalizer`: match Lab mean and spread to reference images.
- :class:`MacenkoNormalizer`: map stain vectors and concentrations to a reference.
- :class:`Denoiser`: Gaussian, median or wavelet denoising (seed 002).
"""

from ._base import BaseImageTransformer
from ._deconvolution import STAIN_CHANNELS, ColorDeconvolution, stain_concentrations
from ._denoise import Denoiser
from ._image_map import map_images, stack_images
from ._macenko import MacenkoNormalizer, estimate_stain_matrix
from ._reinhard import ReinhardNormalizer

__all__ = [
    "BaseImageTransformer",
    "ColorDeconvolution",
    "Denoiser",
    "MacenkoNormalizer",
    "ReinhardNormalizer",
    "STAIN_CHANNELS",
    "estimate_stain_matrix",
    "map_images",
    "stack_images",
    "stain_concentrations",
]
