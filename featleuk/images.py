"""The image collections that flow through featleuk pipelines.

Every image step accepts ``X`` as either

* a sequence of image file paths (``str`` / ``os.PathLike``), decoded lazily in
  batches so memory does not grow with the number of images, or
* an ``(N, H, W, 3)`` RGB or ``(N, H, W, 4)`` RGB+mask ``uint8`` array (the
  4th channel is a nucleus mask written by a segmenter: 0 = background,
  non-zero = nucleus), or a list of such per-image arrays of varying size.

This module is the one place that knows those forms.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterator, Sequence

import numpy as np

from .io import DEFAULT_MAX_PIXELS, ImageReadError, read_image

__all__ = [
    "check_images",
    "n_images",
    "is_path_collection",
    "iter_image_batches",
    "load_images",
    "split_mask",
    "stack_images",
    "take_images",
    "ImageReadError",
]


def is_path_collection(X) -> bool:
    """True when ``X`` is a non-empty sequence of file paths.

    Parameters
    ----------
    X : object
        Any image collection (or anything else).

    Returns
    -------
    bool
        True when ``X`` is a non-empty list, tuple or 1-D string/object array
        whose first item is a ``str`` or ``os.PathLike``; False for a single
        path, an image array or an empty sequence.

    Examples
    --------
    >>> import numpy as np
    >>> is_path_collection(["a.png", "b.png"])
    True
    >>> is_path_collection("a.png"), is_path_collection(np.zeros((2, 4, 4, 3), np.uint8))
    (False, False)
    """
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "UO" and X.ndim == 1 and len(X) > 0 and isinstance(X[0], (str, os.PathLike))
    if isinstance(X, (str, bytes, os.PathLike)):
        return False
    if isinstance(X, Sequence) or hasattr(X, "__len__"):
        try:
            first = X[0]
        except (IndexError, KeyError, TypeError):
            return False
        return isinstance(first, (str, os.PathLike))
    return False


def _looks_channel_first(shape) -> bool:
    """``(C, H, W)`` rather than ``(H, W, C)``: see :func:`check_images`."""
    return shape[0] in (3, 4) and (shape[2] not in (3, 4) or shape[1] > 4)


def _check_one_array(image, where: str, *, batch: bool = False) -> None:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{where}: images must be uint8, got dtype {image.dtype}")
    if image.ndim != 3 or image.shape[2] not in (3, 4) or _looks_channel_first(image.shape):
        message = f"{where}: an image must have shape (H, W, 3) or (H, W, 4), got {image.shape}"
        if image.ndim == 3 and _looks_channel_first(image.shape):
            fix = "X.transpose(0, 2, 3, 1)" if batch else "[image.transpose(1, 2, 0) for image in X]"
            message += f", which looks channel-first (C, H, W); pass {fix}"
        raise ValueError(message)
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"{where}: empty image of shape {image.shape}")


def check_images(X, *, caller: str = "featleuk"):
    """Validate an image collection and return it in a canonical form.

    Paths stay a list of ``str``; arrays must be uint8 with 3 or 4 channels
    on the last axis. A 3-D array (one image) is rejected with a hint, like
    scikit-learn's 1-D ``X`` error.

    Channel-first arrays (PyTorch's ``(N, C, H, W)``) are rejected with the
    transpose that fixes them. An image ``(A, B, C)`` is taken for
    channel-first when ``A`` is 3 or 4 and either ``C`` is not 3 or 4, or
    ``B`` is larger than 4: the channel-last reading would be a field 3 or
    4 pixels high and wider than that, which no smear image is. So
    ``(N, 3, 8, 4)`` is refused while a tiny ``(N, 4, 4, 3)`` image is not.

    Parameters
    ----------
    X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
        Image file paths, or decoded uint8 images (RGB, or RGB plus a nucleus
        mask channel).
    caller : str, default="featleuk"
        Named in error messages.

    Returns
    -------
    list of str, ndarray or list of ndarray
        Paths as a list of ``str``; a 4-D array unchanged; a list (or object
        array) of images as a list.

    Raises
    ------
    TypeError, ValueError
        With a message naming ``caller`` and what is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from pathlib import Path
    >>> check_images([Path("a.png"), "b.png"])
    ['a.png', 'b.png']
    >>> check_images(np.zeros((2, 8, 8, 3), np.uint8)).shape
    (2, 8, 8, 3)
    >>> check_images(np.zeros((8, 8, 3), np.uint8), caller="MyStep")
    Traceback (most recent call last):
    ...
    ValueError: MyStep: got a single image of shape (8, 8, 3); pass a batch of shape (N, H, W, C), e.g. X[None]
    """
    if X is None:
        raise ValueError(f"{caller}: X is None; pass image paths or a uint8 image array")
    if is_path_collection(X):
        bad = [p for p in X if not isinstance(p, (str, os.PathLike))]
        if bad:
            raise TypeError(f"{caller}: mixed paths and non-paths in X, e.g. a {type(bad[0]).__name__}")
        return [os.fspath(p) for p in X]
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 3:
            raise ValueError(
                f"{caller}: got a single image of shape {X.shape}; pass a batch of shape "
                "(N, H, W, C), e.g. X[None]"
            )
        if X.ndim != 4:
            raise ValueError(
                f"{caller}: image arrays must have shape (N, H, W, 3) or (N, H, W, 4), got {X.shape}"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{caller}: X contains no images")
        _check_one_array(X[0], caller, batch=True)
        return X
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        if len(X) == 0:
            raise ValueError(f"{caller}: X contains no images")
        for i, image in enumerate(X):
            _check_one_array(image, f"{caller}: image {i}")
        return list(X)
    raise TypeError(
        f"{caller}: X must be a sequence of image paths or a uint8 array of shape "
        f"(N, H, W, 3|4); got {type(X).__name__}"
    )


def n_images(X) -> int:
    """Number of images in a collection.

    Parameters
    ----------
    X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
        Image file paths, or decoded uint8 images (RGB, or RGB plus a nucleus
        mask channel).

    Returns
    -------
    int
        ``len(X)``: a path is not decoded to count it.

    Examples
    --------
    >>> import numpy as np
    >>> n_images(np.zeros((3, 4, 4, 3), np.uint8)), n_images(["a.png", "b.png"])
    (3, 2)
    """
    return len(X)


def _n_decode_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def iter_image_batches(
    X,
    batch_size: int = 32,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    reduce_to: int | None = None,
    prepare=None,
    prefetch: bool = False,
) -> Iterator[tuple[slice, list]]:
    """Yield ``(slice, images)`` over ``X`` in order, ``batch_size`` at a time.

    ``images`` is a list of ``(H, W, C)`` uint8 arrays (C = 3, or 4 when a
    mask channel is present), or of ``prepare(image)`` when ``prepare`` is
    given. File paths are decoded only when their batch is reached, so peak
    memory is one batch of decoded images (two with ``prefetch``).

    Parameters
    ----------
    X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
        Image file paths, or decoded uint8 images (RGB, or RGB plus a nucleus
        mask channel).
    batch_size : int, default=32
        Images per batch; the last batch may be smaller.
    max_pixels : int or None, default=DEFAULT_MAX_PIXELS
        As in :func:`featleuk.io.read_image`.
    reduce_to : int or None, default=None
        The smallest side the consumer needs: large JPEGs are decoded at a
        reduced scale (:func:`featleuk.io.read_image`'s draft mode).
    prepare : callable or None, default=None
        Applied to each decoded image (e.g. resizing it to a network's input).
    prefetch : bool, default=False
        Decode and ``prepare`` the next batch in a thread pool while the
        consumer works on this one. Pillow's decoder and torch's resize
        release the GIL, so this overlaps them with a network's forward pass.

    Yields
    ------
    slice
        Positions of the batch in ``X``.
    list of ndarray
        The batch's decoded (and prepared) images, in input order.

    Raises
    ------
    ImageReadError
        An image file cannot be read; the message names it.

    Examples
    --------
    >>> import numpy as np
    >>> [(s.start, len(b)) for s, b in iter_image_batches(np.zeros((5, 4, 4, 3), np.uint8), 2)]
    [(0, 2), (2, 2), (4, 1)]
    """
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    X = check_images(X)
    total = len(X)
    paths = isinstance(X, list) and bool(X) and isinstance(X[0], str)

    def load(item):
        image = read_image(item, max_pixels=max_pixels, reduce_to=reduce_to) if paths else np.asarray(item)
        return image if prepare is None else prepare(image)

    bounds = [(start, min(start + batch_size, total)) for start in range(0, total, batch_size)]
    if not prefetch or not (paths or prepare is not None):
        for start, stop in bounds:
            yield slice(start, stop), [load(item) for item in X[start:stop]]
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=_n_decode_threads(), thread_name_prefix="featleuk-decode")
    try:
        pending = [pool.submit(load, item) for item in X[slice(*bounds[0])]] if bounds else []
        for k, (start, stop) in enumerate(bounds):
            current = pending
            # Queued behind this batch, so the pool starts on it as soon as this one is decoded.
            pending = [pool.submit(load, item) for item in X[slice(*bounds[k + 1])]] if k + 1 < len(bounds) else []
            yield slice(start, stop), [future.result() for future in current]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def load_images(X, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> list[np.ndarray]:
    """Decode a whole collection into a list of arrays (small collections only).

    Every image is held in memory at once; image steps use
    :func:`iter_image_batches` instead.

    Parameters
    ----------
    X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
        Image file paths, or decoded uint8 images (RGB, or RGB plus a nucleus
        mask channel).
    max_pixels : int or None, default=DEFAULT_MAX_PIXELS
        Largest number of pixels an image file may have, as in
        :func:`featleuk.io.read_image`; ``None`` means no limit.

    Returns
    -------
    list of ndarray
        One ``(H, W, C)`` uint8 array per image, in input order.

    Raises
    ------
    ImageReadError
        An image file cannot be read; the message names it.

    Examples
    --------
    >>> import numpy as np
    >>> images = load_images(np.zeros((2, 5, 4, 3), np.uint8))
    >>> len(images), images[0].shape
    (2, (5, 4, 3))
    """
    return [img for _, batch in iter_image_batches(X, 64, max_pixels=max_pixels) for img in batch]


def split_mask(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Split an ``(H, W, 3|4)`` image into RGB and a boolean mask (or ``None``).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4)
        One image; a 4th channel is a nucleus mask (non-zero = nucleus).

    Returns
    -------
    rgb : ndarray of shape (H, W, 3)
        The colour channels (a view of ``image``).
    mask : ndarray of shape (H, W), bool, or None
        True on the nucleus; ``None`` when ``image`` has no mask channel.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((2, 3, 4), np.uint8)
    >>> image[0, 0, 3] = 255
    >>> rgb, mask = split_mask(image)
    >>> rgb.shape, int(mask.sum())
    ((2, 3, 3), 1)
    >>> split_mask(image[..., :3])[1] is None
    True
    """
    if image.shape[2] == 4:
        return image[..., :3], image[..., 3] > 0
    return image, None



def take_images(X, index):
    """The images at positions ``index`` of a collection, in the same form.

    Parameters
    ----------
    X : sequence of paths, ndarray of shape (N, H, W, C) or list of arrays
        The image collection.
    index : array-like of int
        Positions to take, in the order wanted (repeats allowed).

    Returns
    -------
    list or ndarray
        A 4-D array stays an array (fancy-indexed); paths and lists of
        arrays come back as lists.

    Examples
    --------
    >>> take_images(["a.png", "b.png", "c.png"], [2, 0])
    ['c.png', 'a.png']
    """
    if isinstance(X, np.ndarray):
        return X[np.asarray(index, dtype=int)]
    return [X[i] for i in np.asarray(index, dtype=int)]


def stack_images(images):
    """One ``(N, H, W, C)`` array when every image has the same shape and dtype, else a list.

    Parameters
    ----------
    images : sequence of ndarray
        Non-empty; decoded images, e.g. the outputs of an image step.

    Returns
    -------
    ndarray or list of ndarray

    Examples
    --------
    >>> import numpy as np
    >>> stack_images([np.zeros((2, 2, 3), np.uint8)] * 3).shape
    (3, 2, 2, 3)
    >>> type(stack_images([np.zeros((2, 2, 3), np.uint8), np.zeros((4, 4, 3), np.uint8)]))
    <class 'list'>
    """
    first = images[0]
    if all(im.shape == first.shape and im.dtype == first.dtype for im in images):
        return np.stack(images)
    return list(images)
