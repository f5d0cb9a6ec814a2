"""Stain amounts of a smear image, shared by the stain tools and the segmenters."""

from __future__ import annotations

from skimage.color import rgb2hed

__all__ = ["STAIN_CHANNELS", "stain_concentrations"]

#: Stain names in the channel order of ``skimage.color.rgb2hed``.
STAIN_CHANNELS = ("hematoxylin", "eosin", "dab")


def stain_concentrations(rgb):
    """Per-pixel stain amounts of a uint8 image by colour deconvolution (Ruifrok & Johnston 2001).

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3), uint8
        One RGB image (a 4th mask channel must be split off first, e.g.
        with :func:`featleuk.images.split_mask`).

    Returns
    -------
    ndarray of shape (H, W, 3), float64
        ``skimage.color.rgb2hed``: channel 0 is hematoxylin (nuclei,
        purple-blue), 1 eosin (cytoplasm and red cells, pink), 2 DAB (absent
        in Wright/Giemsa smears; a residual). These are amounts, not an
        image: use them outside image pipelines, whose steps take uint8
        images.

    Examples
    --------
    >>> import numpy as np
    >>> stain_concentrations(np.full((2, 2, 3), 255, np.uint8)).shape
    (2, 2, 3)
    """
    return rgb2hed(rgb)
