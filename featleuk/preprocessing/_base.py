"""The base class of featleuk's stain tools (image -> image, mask channel carried through)."""

from __future__ import annotations

import numpy as np

from ..base import ImageToImageStep
from ..images import split_mask

__all__ = ["BaseImageTransformer"]


class BaseImageTransformer(ImageToImageStep):
    """Image -> image step that works on the RGB channels and carries a mask channel through.

    Subclasses implement ``_transform_rgb(rgb) -> rgb`` (uint8 in, uint8 out,
    same height and width) and, when they learn from reference images,
    ``_fit_images(X)``. The loop, the shared parameters and ``fit`` are
    :class:`featleuk.base.ImageToImageStep`'s. A 4th (mask) channel is
    appended to the output untouched, so a stain step may sit after a
    segmenter.

    Subclasses take the shared parameters ``batch_size``, ``n_jobs`` and
    ``show_progress``, and can document them by name from
    :data:`featleuk.base.SHARED_DOCS`.

    Attributes
    ----------
    %(n_images_seen_)s

    See Also
    --------
    featleuk.base.ImageToImageStep : the loop and ``fit`` this class builds on.

    Examples
    --------
    A stain step that inverts the RGB channels (it learns nothing, so it
    declares ``_learns_from_data = False``):

    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.preprocessing import BaseImageTransformer
    >>> class Invert(BaseImageTransformer):
    ...     _learns_from_data = False
    ...     def __init__(self, *, batch_size=32, n_jobs=None, show_progress=True):
    ...         self.batch_size = batch_size
    ...         self.n_jobs = n_jobs
    ...         self.show_progress = show_progress
    ...     def _transform_rgb(self, rgb):
    ...         return 255 - rgb
    >>> X, _ = make_synthetic_smears(4, image_size=32, random_state=0)
    >>> out = Invert(show_progress=False).fit_transform(X)
    >>> out.shape, bool((out == 255 - X).all())
    ((4, 32, 32, 3), True)
    """

    def _transform_image(self, image):
        rgb, _ = split_mask(image)
        out = self._transform_rgb(np.ascontiguousarray(rgb))
        if image.shape[2] == 4:
            # Keep the segmenter's mask values exactly (not re-binarised).
            out = np.concatenate([out, image[..., 3:]], axis=2)
        return out
