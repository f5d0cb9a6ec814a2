"""Reading images safely.

Every image that enters featleuk goes through :func:`read_image`, so that all
steps agree on what an image is: an ``(H, W, 3)`` ``uint8`` RGB array. Bad files
(zero bytes, truncated, not an image, decompression bombs) raise
:class:`ImageReadError`, whose message names the file.
"""

from __future__ import annotations

import os
import stat
import threading
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["ImageReadError", "read_image", "DEFAULT_MAX_PIXELS", "IMAGE_SUFFIXES"]

#: Largest image (in pixels) read by default: a 2592x1944 ALL-IDB1 field is
#: 5 Mpx; 100 Mpx leaves room for whole-slide tiles while refusing the
#: gigapixel "decompression bomb" files that would exhaust memory.
DEFAULT_MAX_PIXELS = 100_000_000

#: File suffixes treated as images by the dataset loaders.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` names it and ``reason`` says why."""

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read image {self.path!r}: {reason}")

    def __reduce__(self):
        # Rebuilt from (path, reason), not from the formatted message, so the
        # error survives pickling back from joblib / dask workers.
        return type(self), (self.path, self.reason)


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale 16-bit / float images to uint8 without clipping their range."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer):
        # 16-bit microscopy TIFFs use the whole uint16 range; scale by the dtype max.
        return (array.astype(np.float64) / np.iinfo(array.dtype).max * 255.0 + 0.5).astype(np.uint8)
    finite = np.nan_to_num(array.astype(np.float64))
    top = 1.0 if finite.max(initial=0.0) <= 1.0 else 255.0
    return (np.clip(finite / top, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _pil_to_rgb(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey: Pillow's convert("RGB") would truncate, so scale by hand.
        grey = np.clip(np.asarray(img), 0, 65535).astype(np.uint16)
        return np.repeat(_to_uint8(grey)[..., None], 3, axis=2)
    if img.mode == "F":
        grey = _to_uint8(np.asarray(img))
        return np.repeat(grey[..., None], 3, axis=2)
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        # Composite on white: smear backgrounds are pale, black would look like stain.
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


#: Serialises the rare reads that must lift Pillow's process-wide pixel limit.
_PIL_LIMIT_LOCK = threading.Lock()


@contextmanager
def _pillow_limit_lifted():
    """Disable Pillow's own bomb limit while our larger ``max_pixels`` applies.

    ``Image.MAX_IMAGE_PIXELS`` is a global: changing it without a lock lets a
    concurrent thread restore the wrong value, so this is only used when
    ``max_pixels`` exceeds what Pillow allows anyway.
    """
    with _PIL_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def read_image(path, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read one image file as an ``(H, W, 3)`` uint8 RGB array.

    JPEG, PNG, BMP and TIFF (8 or 16 bit) are read; grayscale, RGBA and
    palette images are converted to RGB (transparent pixels on white).

    Parameters
    ----------
    path : str or path-like
        The image file.
    max_pixels : int or None, default=DEFAULT_MAX_PIXELS
        Refuse images with more pixels than this (decompression bombs).
        ``None`` disables the check.

    Returns
    -------
    image : ndarray of shape (H, W, 3), dtype uint8

    Raises
    ------
    ImageReadError
        The file is missing, empty, truncated, not an image, or too large.
    """
    path = Path(os.fspath(path))
    try:
        info = path.stat()
    except OSError as exc:
        raise ImageReadError(path, f"file not found or unreadable ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise ImageReadError(path, "not a regular file")
    if info.st_size == 0:
        raise ImageReadError(path, "file is empty (0 bytes)")
    pillow_limit = Image.MAX_IMAGE_PIXELS
    # Pillow refuses images over 2 * MAX_IMAGE_PIXELS itself; lift that only if
    # our limit is larger, so the common case touches no global state.
    lift = pillow_limit is not None and (max_pixels is None or max_pixels > 2 * pillow_limit)
    try:
        with warnings.catch_warnings(), (_pillow_limit_lifted() if lift else nullcontext()):
            # Pillow warns between its two limits; ours is the one that applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                n_pixels = img.size[0] * img.size[1]
                if max_pixels is not None and n_pixels > max_pixels:
                    raise ImageReadError(
                        path,
                        f"image has {n_pixels:,} pixels, more than max_pixels={max_pixels:,} "
                        "(possible decompression bomb)",
                    )
                img.load()  # forces full decode: truncated files fail here
                return _pil_to_rgb(img)
    except ImageReadError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's limit was not lifted, so it is >= max_pixels: the image is over ours too.
        raise ImageReadError(
            path, f"image has more than max_pixels={max_pixels:,} pixels (possible decompression bomb; {exc})"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageReadError(path, "not a recognised image file") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageReadError(path, f"corrupt or truncated image ({exc})") from exc
