"""What a segmenter returns for one image, given its RGB and cleaned nucleus mask."""

from __future__ import annotations

import warnings

import cv2
import numpy as np

from ..utils._deprecation import DEPRECATED

__all__ = ["CROP_MODES", "OUTPUT_MODES", "compose_output", "largest_component", "square_box"]

OUTPUT_MODES = ("mask_channel", "masked_rgb", "crop")
CROP_MODES = ("largest", "all")


def largest_component(mask):
    """Boolean mask of the largest 8-connected component (empty stays empty)."""
    if not mask.any():
        return mask
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def square_box(mask, margin):
    """``(top, left, side)`` of a square around ``mask``'s bounding box, grown by ``margin``.

    The square may extend past the image; :func:`_crop_square` pads there.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    side = int(np.ceil(max(height, width) * (1.0 + 2.0 * margin)))
    centre_r = (rows[0] + rows[-1] + 1) / 2.0
    centre_c = (cols[0] + cols[-1] + 1) / 2.0
    return int(np.floor(centre_r - side / 2.0)), int(np.floor(centre_c - side / 2.0)), side


def _crop_square(image, top, left, side):
    """``image[top:top+side, left:left+side]``, edge-replicating RGB and zero-padding the mask."""
    h, w = image.shape[:2]
    pad = [(max(0, -top), max(0, top + side - h)), (max(0, -left), max(0, left + side - w))]
    window = image[max(0, top):min(h, top + side), max(0, left):min(w, left + side)]
    rgb = np.pad(window[..., :3], pad + [(0, 0)], mode="edge")
    mask = np.pad(window[..., 3], pad, mode="constant")
    return rgb, mask


def _resize(rgb, mask, size):
    shrink = rgb.shape[0] > size
    rgb = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST)
    return rgb, mask


def compose_output(rgb, mask, *, output, crop_size=128, crop_mode="largest", crop_margin=0.15,
                   blank_color=0, background=DEPRECATED):
    """Turn an RGB image and its nucleus mask into the segmenter's output image.

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3), uint8
        The image.
    mask : ndarray of shape (H, W), bool
        Its nucleus mask (True = nucleus).
    output : {"mask_channel", "masked_rgb", "crop"}
        ``"mask_channel"``: ``(H, W, 4)``, the mask as channel 4 (0 / 255).
        ``"masked_rgb"``: ``(H, W, 3)``, background pixels blanked to
        ``blank_color``.
        ``"crop"``: ``(crop_size, crop_size, 4)``, a square around the
        nucleus (bounding box grown by ``crop_margin`` of its side on each
        side, padded where it leaves the image), resized; its 4th channel is
        the mask of every nucleus pixel inside the crop. With no nucleus,
        the whole image is resized and the mask channel is empty.
    crop_size : int, default=128
        Side of the square ``"crop"`` output.
    crop_mode : {"largest", "all"}, default="largest"
        ``"largest"``: the square is centred on the largest nucleus
        (8-connected component). ``"all"``: it covers the bounding box of
        every nucleus of the image. Either way there is one crop per image,
        so a segmenter keeps one output row per input image (and ``y``
        stays aligned).
    crop_margin : float, default=0.15
        Margin added around the nucleus bounding box for ``"crop"``, as a
        fraction of its side on each side.
    blank_color : int or sequence of 3 ints, default=0
        Fill value of the background for ``"masked_rgb"``.
    background : int or sequence of 3 ints
        Deprecated old name of ``blank_color``.

    Returns
    -------
    ndarray, uint8
        ``(H, W, 4)``, ``(H, W, 3)`` or ``(crop_size, crop_size, 4)``
        according to ``output``.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import compose_output
    >>> rgb = np.full((8, 8, 3), 200, np.uint8)
    >>> mask = np.zeros((8, 8), bool)
    >>> mask[2:4, 2:4] = True
    >>> stacked = compose_output(rgb, mask, output="mask_channel")
    >>> stacked.shape, int(stacked[..., 3].max())
    ((8, 8, 4), 255)
    >>> blanked = compose_output(rgb, mask, output="masked_rgb")
    >>> int((blanked[..., 0] == 200).sum())
    4
    >>> compose_output(rgb, mask, output="crop", crop_size=16).shape
    (16, 16, 4)
    """
    if not (isinstance(background, str) and background == DEPRECATED):
        warnings.warn("compose_output: 'background' was renamed 'blank_color' and will be removed in "
                      "a future release", FutureWarning, stacklevel=2)
        blank_color = background
    if output == "masked_rgb":
        out = rgb.copy()
        out[~mask] = blank_color
        return out
    stacked = np.concatenate([rgb, (mask.astype(np.uint8) * 255)[..., None]], axis=2)
    if output == "mask_channel":
        return stacked
    if mask.any():
        target = largest_component(mask) if crop_mode == "largest" else mask
        top, left, side = square_box(target, crop_margin)
        crop_rgb, crop_mask = _crop_square(stacked, top, left, side)
    else:
        crop_rgb, crop_mask = rgb, stacked[..., 3]
    crop_rgb, crop_mask = _resize(np.ascontiguousarray(crop_rgb), np.ascontiguousarray(crop_mask),
                                  crop_size)
    return np.concatenate([crop_rgb, crop_mask[..., None]], axis=2)
