"""Colour deconvolution of H&E(-DAB) stained images (Ruifrok & Johnston 2001)."""

from __future__ import annotations

import numpy as np
from skimage.color import hed2rgb, rgb2hed
from ..utils._sklearn_compat import StrOptions

from ._base import BaseImageTransformer

__all__ = ["ColorDeconvolution", "STAIN_CHANNELS", "stain_concentrations"]

#: Stain names in the channel order of ``skimage.color.rgb2hed``.
STAIN_CHANNELS = ("hematoxylin", "eosin", "dab")


def stain_concentrations(rgb):
    """``rgb2hed`` of a uint8 image: per-pixel stain amounts, float64 ``(H, W, 3)``.

    Channel 0 is hematoxylin (nuclei, purple-blue), 1 eosin (cytoplasm and
    red cells, pink), 2 DAB (absent in Wright/Giemsa smears; a residual).
    """
    return rgb2hed(rgb)


class ColorDeconvolution(BaseImageTransformer):
    """Separate the stains of each image by colour deconvolution (HED).

    Each pixel's optical density is projected on the haematoxylin, eosin
    and DAB stain vectors of Ruifrok & Johnston (``skimage.color.rgb2hed``);
    the selected stains are kept and the others set to zero.

    Parameters
    ----------
    channels : tuple of {"hematoxylin", "eosin", "dab"}, default=("hematoxylin",)
        Stains to keep.
    output : {"rgb", "concentration"}, default="rgb"
        ``"rgb"``: the image recomposed from the kept stains only
        (``skimage.color.hed2rgb``), a uint8 RGB image that any later image
        step accepts (e.g. the haematoxylin-only view of the smear).
        ``"concentration"``: the kept stains' amounts, float32
        ``(H, W, len(channels))``, for analysis outside an image pipeline.
    batch_size : int, default=32
    n_jobs : int or None, default=None
    show_progress : bool, default=True

    Attributes
    ----------
    n_images_seen_ : int
        Number of images passed to ``fit`` (nothing is learned).

    Notes
    -----
    A 4th (mask) channel is appended unchanged to ``"rgb"`` output and, as
    0 / 255 floats (numpy's type promotion), to ``"concentration"`` output.
    """

    _parameter_constraints = {
        **BaseImageTransformer._parameter_constraints,
        "channels": [tuple, list],
        "output": [StrOptions({"rgb", "concentration"})],
    }

    def __init__(self, channels=("hematoxylin",), output="rgb", *, batch_size=32, n_jobs=None,
                 show_progress=True):
        self.channels = channels
        self.output = output
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _fit_images(self, X):
        unknown = [c for c in self.channels if c not in STAIN_CHANNELS]
        if unknown or not self.channels or len(set(self.channels)) != len(self.channels):
            raise ValueError(
                f"channels must be distinct names from {STAIN_CHANNELS}, got {self.channels!r}")
        self.channel_indices_ = np.array([STAIN_CHANNELS.index(c) for c in self.channels])

    def _transform_rgb(self, rgb):
        hed = stain_concentrations(rgb)
        if self.output == "concentration":
            return hed[..., self.channel_indices_].astype(np.float32)
        kept = np.zeros_like(hed)
        kept[..., self.channel_indices_] = hed[..., self.channel_indices_]
        return np.clip(np.rint(hed2rgb(kept) * 255.0), 0, 255).astype(np.uint8)
