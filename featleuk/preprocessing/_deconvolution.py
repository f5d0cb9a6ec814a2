"""Colour deconvolution of H&E(-DAB) stained images (Ruifrok & Johnston 2001)."""

from __future__ import annotations

import numpy as np
from skimage.color import hed2rgb

from ..utils import STAIN_CHANNELS, stain_concentrations
from ..utils._sklearn_compat import Hidden, StrOptions
from ._base import BaseImageTransformer

__all__ = ["ColorDeconvolution"]


class ColorDeconvolution(BaseImageTransformer):
    """Separate the stains of each image by colour deconvolution (HED).

    Each pixel's optical density is projected on the haematoxylin, eosin
    and DAB stain vectors of Ruifrok & Johnston (``skimage.color.rgb2hed``);
    the selected stains are kept and the others set to zero.

    Parameters
    ----------
    channels : tuple of {"hematoxylin", "eosin", "dab"}, default=("hematoxylin",)
        Stains to keep.
    output : {"rgb"}, default="rgb"
        The image recomposed from the kept stains only
        (``skimage.color.hed2rgb``), a uint8 RGB image that any later image
        step accepts (e.g. the haematoxylin-only view of the smear). Stain
        amounts are floats, which no image step takes: get them with
        :func:`~featleuk.preprocessing.stain_concentrations` instead.
    %(batch_size)s
    %(n_jobs)s
    %(show_progress)s

    Attributes
    ----------
    channel_indices_ : ndarray of int
        Positions of ``channels`` in :data:`STAIN_CHANNELS`.
    %(n_images_seen_)s

    See Also
    --------
    featleuk.preprocessing.stain_concentrations : the stain amounts themselves (floats).

    Notes
    -----
    ``fit`` learns nothing from the images. A 4th (mask) channel is
    appended to the output unchanged.

    References
    ----------
    A. C. Ruifrok and D. A. Johnston (2001), "Quantification of
    histochemical staining by color deconvolution", Analytical and
    Quantitative Cytology and Histology 23(4).

    Examples
    --------
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import ColorDeconvolution
    >>> X, _ = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> hematoxylin = ColorDeconvolution(show_progress=False).fit_transform(X)
    >>> hematoxylin.shape, hematoxylin.dtype
    ((4, 32, 32, 3), dtype('uint8'))
    """

    _parameter_constraints = {
        **BaseImageTransformer._parameter_constraints,
        "channels": [tuple, list],
        # "concentration" passes validation so that fit can say where concentrations went.
        "output": [StrOptions({"rgb"}), Hidden(StrOptions({"concentration"}))],
    }
    _learns_from_data = False

    def __init__(self, channels=("hematoxylin",), output="rgb", *, batch_size=32, n_jobs=None,
                 show_progress=True):
        self.channels = channels
        self.output = output
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _fit_images(self, X):
        if self.output == "concentration":
            raise ValueError(
                "ColorDeconvolution: output='concentration' was removed because image steps take "
                "uint8 images only; compute stain amounts with "
                "featleuk.preprocessing.stain_concentrations(rgb) (or featleuk.base.map_images("
                "stain_concentrations, X) for a collection)")
        unknown = [c for c in self.channels if c not in STAIN_CHANNELS]
        if unknown or not self.channels or len(set(self.channels)) != len(self.channels):
            raise ValueError(
                f"channels must be distinct names from {STAIN_CHANNELS}, got {self.channels!r}")
        self.channel_indices_ = np.array([STAIN_CHANNELS.index(c) for c in self.channels])

    def _transform_rgb(self, rgb):
        hed = stain_concentrations(rgb)
        kept = np.zeros_like(hed)
        kept[..., self.channel_indices_] = hed[..., self.channel_indices_]
        return np.clip(np.rint(hed2rgb(kept) * 255.0), 0, 255).astype(np.uint8)
