"""Reading images safely.

Every image that enters featleuk goes through :func:`read_image`, so that all
steps agree on what an image is: an ``(H, W, 3)`` ``uint8`` RGB array. Bad files
(zero bytes, truncated, damaged JPEG data, not an image, decompression bombs,
absurd aspect ratios) raise :class:`ImageReadError`, whose message names the
file; files that are read with a caveat (several pages, samples scaled by
their range) warn with :class:`ImageReadWarning`. docs/robustness.md lists
every kind of input and what happens to it.
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

try:  # libjpeg-turbo's warnings, which Pillow discards (see _jpeg_damage)
    import simplejpeg as _simplejpeg
except ImportError:  # pragma: no cover - depends on the environment
    _simplejpeg = None

__all__ = [
    "DEFAULT_MAX_ASPECT_RATIO",
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "ImageReadError",
    "ImageReadWarning",
    "read_image",
]


def _positive_int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"environment variable {name} must be a positive integer, got {raw!r}")
    return value


#: Largest image (in pixels) read by default: 40 Mpx (120 MB as RGB). A
#: 2592x1944 ALL-IDB1 field is 5 Mpx and a 6000x4000 microscope camera frame
#: 24 Mpx; a tiny file declaring more is refused as a "decompression bomb"
#: before it is decoded. Set the environment variable ``FEATLEUK_MAX_PIXELS``
#: (read at import) or pass ``max_pixels=`` to change it.
DEFAULT_MAX_PIXELS = _positive_int_from_env("FEATLEUK_MAX_PIXELS", 40_000_000)

#: Largest ratio of an image's long side to its short side read by default.
#: Smear fields are about 4:3 and cell crops about 1:1; a 30000x1 strip would
#: need gigabytes once its short side is resized to a CNN's input size.
DEFAULT_MAX_ASPECT_RATIO = 20

#: File suffixes treated as images by the dataset loaders.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})

#: TIFF tags that say what range the samples use.
_BITS_PER_SAMPLE, _SMIN_SAMPLE_VALUE, _SMAX_SAMPLE_VALUE, _ORIENTATION = 258, 340, 341, 274
#: EXIF / TIFF orientation -> the transpose that displays the image upright
#: (the table of ``PIL.ImageOps.exif_transpose``).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
#: Bit depths tried, smallest first, when a file does not say which it uses.
_COMMON_DEPTHS = (8, 10, 12, 14, 16, 24, 32)


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` names it and ``reason`` says why.

    Raised by :func:`read_image` (and so by every image step given paths)
    for a missing, empty, truncated, damaged or oversized file. It is a
    ``ValueError``, and it survives pickling back from joblib workers.

    Parameters
    ----------
    path : str or path-like
        The file that could not be read.
    reason : str
        Why, in words a user can act on (e.g. ``"file is empty (0 bytes)"``).

    Attributes
    ----------
    path : str
        The file, as a string.
    reason : str
        Why it could not be read.

    Examples
    --------
    >>> from featleuk.io import ImageReadError, read_image
    >>> try:
    ...     read_image("no-such-file.png")
    ... except ImageReadError as err:
    ...     print(err.path, "-", err.reason.split(" (")[0])
    no-such-file.png - file not found or unreadable
    """

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read image {self.path!r}: {reason}")

    def __reduce__(self):
        # Rebuilt from (path, reason), not from the formatted message, so the
        # error survives pickling back from joblib / dask workers.
        return type(self), (self.path, self.reason)


class ImageReadWarning(UserWarning):
    """An image was read, but not exactly as stored (the message names the file and says how).

    :func:`read_image` warns with it when it reads only the first page of a
    multi-page file, or scales samples wider than 8 bits by a bit depth it
    had to guess. Turn it into an error with
    ``warnings.simplefilter("error", ImageReadWarning)`` to refuse such files.

    Examples
    --------
    >>> import os, tempfile, warnings
    >>> import numpy as np
    >>> from PIL import Image
    >>> from featleuk.io import ImageReadWarning, read_image
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "two-pages.tif")
    >>> pages = [Image.fromarray(np.zeros((4, 4, 3), np.uint8))] * 2
    >>> pages[0].save(path, save_all=True, append_images=pages[1:])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     image = read_image(path)
    >>> image.shape, caught[0].category is ImageReadWarning
    ((4, 4, 3), True)
    """


def _tag(tags, number):
    """A TIFF tag as a tuple of numbers (per sample), or None."""
    value = tags.get(number)
    if value is None:
        return None
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _scale(array: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map ``[lo, hi]`` linearly onto ``[0, 255]`` (rounded) as uint8."""
    span = float(hi) - float(lo)
    if span <= 0:
        return np.zeros(array.shape, np.uint8)
    scaled = (np.clip(array.astype(np.float64), lo, hi) - lo) / span
    return (scaled * 255.0 + 0.5).astype(np.uint8)


def _integer_to_uint8(array: np.ndarray, path, tags, stored_bits: int) -> np.ndarray:
    """Scale integer samples wider than 8 bits to uint8 by the range they use.

    In order: ``SMinSampleValue``/``SMaxSampleValue`` when the file has them;
    ``BitsPerSample`` when it is smaller than the samples' storage (12 bits in
    16-bit words); otherwise the smallest common depth (8, 10, 12, 14, 16
    bits...) that holds the data's maximum, with a warning when that is less
    than the storage: 12-bit camera data in a 16-bit file would come out
    nearly black if scaled by 65535. Negative data are scaled by their range.
    """
    smax = _tag(tags, _SMAX_SAMPLE_VALUE)
    if smax is not None:
        smin = _tag(tags, _SMIN_SAMPLE_VALUE) or (0,)
        lo, hi = min(smin), max(smax)
        if array.size and (array.min() < lo or array.max() > hi):
            warnings.warn(f"{path}: samples lie outside the file's SMinSampleValue..SMaxSampleValue "
                          f"range {lo}..{hi}; clipped to it", ImageReadWarning, stacklevel=4)
        return _scale(array, lo, hi)
    bits = _tag(tags, _BITS_PER_SAMPLE)
    if bits is not None and max(bits) < stored_bits:
        return _scale(array, 0, 2 ** max(bits) - 1)
    top = int(array.max()) if array.size else 0
    low = int(array.min()) if array.size else 0
    if low < 0:
        warnings.warn(f"{path}: signed samples span {low}..{top}; scaled by that range",
                      ImageReadWarning, stacklevel=4)
        return _scale(array, low, top)
    used = next((b for b in _COMMON_DEPTHS if top < 2 ** b), stored_bits)
    if used < stored_bits:
        warnings.warn(
            f"{path}: {stored_bits}-bit samples whose maximum is {top}, and no SMaxSampleValue tag "
            f"saying their range: scaled as {used}-bit data (0..{2 ** used - 1} -> 0..255)",
            ImageReadWarning, stacklevel=4)
    return _scale(array, 0, 2 ** min(used, stored_bits) - 1)


def _float_to_uint8(array: np.ndarray, path) -> np.ndarray:
    """Scale float samples to uint8: ``[0, 1]`` as is, any other range by that range.

    Data outside ``[0, 1]`` are mapped from ``[min(lowest, 0), highest]``
    (so zero stays black) with a warning; NaN and infinite samples become
    black, with a warning. Nothing is clipped.
    """
    finite = np.isfinite(array)
    if not finite.all():
        warnings.warn(f"{path}: {int((~finite).sum())} NaN or infinite sample(s) read as black",
                      ImageReadWarning, stacklevel=4)
    values = array[finite]
    lo = float(values.min()) if values.size else 0.0
    hi = float(values.max()) if values.size else 0.0
    if lo >= 0.0 and hi <= 1.0:
        lo, hi = 0.0, 1.0
    else:
        lo = min(lo, 0.0)
        warnings.warn(f"{path}: float samples span {lo:g}..{hi:g}, not 0..1; scaled by that range",
                      ImageReadWarning, stacklevel=4)
    return _scale(np.where(finite, array, lo), lo, hi)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=2)


def _wide_rgb_tiff(path, tags) -> np.ndarray:
    """An RGB(A) TIFF with more than 8 bits per sample, read at full depth with tifffile.

    Pillow keeps only the high byte of such samples, which blackens 12-bit
    data stored in 16-bit words.
    """
    import tifffile

    data = np.asarray(tifffile.imread(path, key=0))
    if data.ndim == 3 and data.shape[0] in (3, 4) and data.shape[-1] not in (3, 4):
        data = np.moveaxis(data, 0, -1)  # planar (separate) storage
    if data.ndim != 3 or data.shape[-1] not in (3, 4):
        raise ImageReadError(path, f"unsupported TIFF sample layout {data.shape}")
    scaled = (_float_to_uint8(data, path) if np.issubdtype(data.dtype, np.floating)
              else _integer_to_uint8(data, path, tags, data.dtype.itemsize * 8))
    if scaled.shape[-1] == 3:
        return scaled
    alpha = scaled[..., 3:].astype(np.float64) / 255.0  # composite on white, as below
    return (scaled[..., :3] * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)


def _pil_to_rgb(img: Image.Image, path, tags) -> np.ndarray:
    if img.mode.startswith("I;16") or img.mode == "I":
        # Pillow's convert("RGB") would truncate wide samples, so scale by hand.
        stored = 16 if img.mode.startswith("I;16") else max(_tag(tags, _BITS_PER_SAMPLE) or (32,))
        return _grey_to_rgb(_integer_to_uint8(np.asarray(img), path, tags, stored))
    if img.mode == "F":
        return _grey_to_rgb(_float_to_uint8(np.asarray(img), path))
    bits = _tag(tags, _BITS_PER_SAMPLE)
    if img.format == "TIFF" and bits is not None and max(bits) > 8 and img.mode in ("RGB", "RGBA", "RGBX"):
        return _wide_rgb_tiff(path, tags)
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        # Composite on white: smear backgrounds are pale, black would look like stain.
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


#: Markers that may follow a JPEG scan's entropy-coded data.
_AFTER_SCAN = frozenset([0xC4, 0xCC, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xFE, *range(0xE0, 0xF0)])


def _jpeg_marker_damage(data: bytes) -> str | None:
    """Structural damage in a JPEG's marker stream (pure Python, fast), or None.

    Finds what libjpeg reports as "Corrupt JPEG data" when damage leaves a
    trace in the markers: a stray marker inside the compressed data, restart
    markers out of sequence (a lost or garbled segment), or no end marker.
    Damage that only changes entropy-coded bits is invisible here.
    """
    n, i = len(data), 2
    while i + 1 < n:
        if data[i] != 0xFF:
            return f"garbage where a JPEG marker should be (offset {i})"
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xD9:
            return None
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        if i + 4 > n:
            break
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
        if marker != 0xDA:
            continue
        expected = 0
        while True:
            j = data.find(b"\xff", i)
            if j < 0 or j + 1 >= n:
                return "the compressed data end without an end-of-image marker"
            following = data[j + 1]
            if following in (0x00, 0xFF):
                i = j + (2 if following == 0x00 else 1)
            elif 0xD0 <= following <= 0xD7:
                if following - 0xD0 != expected:
                    return (f"restart marker {following - 0xD0} where {expected} was expected "
                            f"(offset {j}): compressed data are missing or damaged")
                expected = (expected + 1) % 8
                i = j + 2
            elif following in _AFTER_SCAN:
                i = j
                break
            else:
                return f"invalid marker 0xFF{following:02X} inside the compressed data (offset {j})"
    return "the file ends without an end-of-image marker"


def _jpeg_damage(path) -> str | None:
    """What libjpeg reports about damaged JPEG data, or None.

    Pillow's decoder discards libjpeg's warnings ("Corrupt JPEG data: ...")
    and returns whatever it made of the damaged data. With simplejpeg
    installed the file is decoded a second time by libjpeg-turbo in strict
    mode at 1/8 scale (the entropy decoding, where damage shows, is complete;
    the pixels are not rebuilt); without it only the marker stream is checked.
    """
    data = Path(path).read_bytes()
    if _simplejpeg is None:
        return _jpeg_marker_damage(data)
    try:
        colourspace = _simplejpeg.decode_jpeg_header(data)[2]
        _simplejpeg.decode_jpeg(data, colorspace="CMYK" if colourspace in ("CMYK", "YCCK") else "GRAY",
                                min_factor=8, strict=True)
    except ValueError as exc:
        return str(exc)
    return None


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


def _check_geometry(path, size, *, max_pixels, max_aspect_ratio, declared=None) -> None:
    width, height = size
    n_pixels = width * height
    if max_pixels is not None and n_pixels > max_pixels:
        what = f"would decode to {width}x{height}" if declared else f"is {width}x{height}"
        raise ImageReadError(
            path,
            f"image {what} = {n_pixels:,} pixels, more than max_pixels={max_pixels:,} "
            "(possible decompression bomb; featleuk.io.DEFAULT_MAX_PIXELS / FEATLEUK_MAX_PIXELS "
            "set the default)",
        )
    ratio = max(width, height) / max(1, min(width, height))
    if max_aspect_ratio is not None and ratio > max_aspect_ratio:
        raise ImageReadError(
            path,
            f"image is {width}x{height} pixels, an aspect ratio of {ratio:,.0f}:1, more than "
            f"max_aspect_ratio={max_aspect_ratio:g}: resizing its short side to a CNN's input size "
            "would need gigabytes. Crop it into tiles, or pass max_aspect_ratio=None",
        )


def read_image(
    path,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    max_aspect_ratio: float | None = DEFAULT_MAX_ASPECT_RATIO,
    reduce_to: int | None = None,
) -> np.ndarray:
    """Read one image file as an ``(H, W, 3)`` uint8 RGB array.

    JPEG, PNG, BMP and TIFF are read; grayscale, RGBA and palette images are
    converted to RGB (transparent pixels on white). The image is turned
    upright by its EXIF / TIFF orientation tag (as
    ``PIL.ImageOps.exif_transpose`` does). Samples wider than 8 bits are
    scaled to 0..255:

    - integers by the range the file declares (``SMinSampleValue`` /
      ``SMaxSampleValue``, or a ``BitsPerSample`` smaller than the storage,
      e.g. 12 of 16 bits), else by their storage depth when the data use it,
      else by the smallest common depth (10, 12, 14 bits...) holding the
      data's maximum, with an :class:`ImageReadWarning`;
    - floats in ``[0, 1]`` as they are; others by their range
      ``[min(lowest, 0), highest]`` with a warning. Nothing is clipped.

    A file with several pages or frames (multi-page TIFF, animated PNG) is
    read at its first page, with an :class:`ImageReadWarning`. JPEG data are
    checked for damage (libjpeg's "Corrupt JPEG data" through simplejpeg
    when it is installed, otherwise the marker structure), since Pillow
    decodes damaged data to garbage without a word.

    Parameters
    ----------
    path : str or path-like
        The image file.
    max_pixels : int or None, default=DEFAULT_MAX_PIXELS
        Refuse images with more pixels than this (decompression bombs),
        counted as decoded (after ``reduce_to``). ``None`` disables the check.
    max_aspect_ratio : float or None, default=DEFAULT_MAX_ASPECT_RATIO
        Refuse images whose long side is more than this many times their
        short side. ``None`` disables the check.
    reduce_to : int or None, default=None
        The smallest side, in pixels, the caller needs. A JPEG at least
        twice as large is decoded at 1/2, 1/4 or 1/8 scale (the smallest
        whose both sides stay at least ``reduce_to``, Pillow's draft mode),
        which takes a fraction of the memory and time. The result is then
        not the full-resolution image resized: pass ``None`` (the default)
        for exactly the stored pixels. Other formats are decoded in full.

    Returns
    -------
    image : ndarray of shape (H, W, 3), dtype uint8

    Raises
    ------
    ImageReadError
        The file is missing, empty, truncated, damaged, not an image, too
        large or too elongated.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from featleuk.io import read_image
    >>> path = os.path.join(tempfile.mkdtemp(), "field.png")
    >>> Image.fromarray(np.zeros((4, 6), np.uint8)).save(path)  # a greyscale file
    >>> image = read_image(path)
    >>> image.shape, image.dtype
    ((4, 6, 3), dtype('uint8'))
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
                declared = img.size
                _check_geometry(path, declared, max_pixels=None, max_aspect_ratio=max_aspect_ratio)
                is_jpeg = img.format in ("JPEG", "MPO")
                if reduce_to is not None and is_jpeg:
                    img.draft(None, (int(reduce_to), int(reduce_to)))
                _check_geometry(path, img.size, max_pixels=max_pixels, max_aspect_ratio=None,
                                declared=img.size != declared)
                frames = getattr(img, "n_frames", 1)
                tags = dict(getattr(img, "tag_v2", {}) or {})
                orientation = img.getexif().get(_ORIENTATION, 1)
                img.load()  # forces full decode: truncated files fail here
                damage = _jpeg_damage(path) if is_jpeg else None
                if damage is not None:
                    raise ImageReadError(path, f"damaged JPEG data ({damage})")
                rgb = _pil_to_rgb(img, path, tags)
                fmt = img.format
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
    # MPO files (camera JPEGs) carry previews as extra frames: only other formats warn.
    if frames > 1 and fmt != "MPO":
        warnings.warn(f"{path}: {fmt} file with {frames} pages/frames; only the first is read",
                      ImageReadWarning, stacklevel=2)
    if orientation in _UPRIGHT:
        rgb = np.asarray(Image.fromarray(rgb).transpose(_UPRIGHT[orientation]))
    return rgb
