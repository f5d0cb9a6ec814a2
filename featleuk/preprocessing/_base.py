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
    """

    def _transform_image(self, image):
        rgb, _ = split_mask(image)
        out = self._transform_rgb(np.ascontiguousarray(rgb))
        if image.shape[2] == 4:
            # Keep the segmenter's mask values exactly (not re-binarised).
            out = np.concatenate([out, image[..., 3:]], axis=2)
        return out
