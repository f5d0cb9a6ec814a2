"""Stain tools: colour deconvolution, stain normalisation and denoising.

All are image -> image transformers (paths or uint8 ``(N, H, W, 3|4)``
arrays in, uint8 images out) built on :class:`BaseImageTransformer`; a 4th
(nucleus mask) channel passes through untouched, so they can follow a
segmenter.

- :class:`ColorDeconvolution`: haematoxylin / eosin / DAB separation.
- :class:`ReinhardNormalizer`: match Lab mean and spread to reference images.
- :class:`MacenkoNormalizer`: map stain vectors and concentrations to a reference.
- :class:`Denoiser`: Gaussian, median or wavelet denoising.

Stain amounts (float, not images) come from the function
:func:`stain_concentrations`, not from a pipeline step.
"""

from ..images import stack_images  # noqa: F401  (kept for experiments/classical_pipelines.py)
from ..utils import STAIN_CHANNELS, stain_concentrations
from ._base import BaseImageTransformer
from ._deconvolution import ColorDeconvolution
from ._denoise import Denoiser
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
    "stain_concentrations",
]
