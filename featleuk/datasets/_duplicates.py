"""Finding identical and near-identical images, to keep them in one CV fold.

A random split of a dataset that holds several pictures of one field puts
copies on both sides and inflates accuracy. The Aria ALL copy, for instance,
has 40 byte-identical pairs and 71 near-identical ones (data/README.md). Exact copies are
found by a hash of the file bytes; near copies by a difference hash (dHash) of
a small greyscale thumbnail, compared by Hamming distance.
"""

from __future__ import annotations

import hashlib
import numbers

import cv2
import numpy as np

from ..io import read_image
from ..utils import parallel_map

__all__ = ["find_duplicate_groups", "difference_hash"]

#: Hash side: a (side x side+1) thumbnail gives side*side bits.
HASH_SIDE = 16
#: Default Hamming threshold (of 256 bits) for "near-identical"; chosen on the
#: Aria data (data/README.md shows the distance distribution and the pairs).
DEFAULT_MAX_DISTANCE = 75


def difference_hash(image: np.ndarray, side: int = HASH_SIDE) -> np.ndarray:
    """Difference hash (dHash) of an image, for finding near-identical copies.

    The image is reduced to a ``side x (side + 1)`` greyscale thumbnail and
    each bit says whether a pixel is brighter than its left neighbour. Two
    views of one field differ in few bits; unrelated images in about half.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        An RGB image; a 4th (mask) channel is ignored.
    side : int, default=16
        Thumbnail height: the hash has ``side * side`` bits.

    Returns
    -------
    ndarray of shape (side * side,), dtype=bool
        The hash bits; compare two hashes by their Hamming distance,
        ``np.count_nonzero(h1 != h2)``.

    See Also
    --------
    find_duplicate_groups : groups images whose hashes are close.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.datasets import difference_hash, make_synthetic_smears
    >>> X, _ = make_synthetic_smears(2, image_size=32, random_state=0)
    >>> h0, h1 = difference_hash(X[0]), difference_hash(X[1])
    >>> h0.shape, h0.dtype
    ((256,), dtype('bool'))
    >>> int(np.count_nonzero(h0 != difference_hash(X[0].copy())))
    0
    """
    grey = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (side + 1, side), interpolation=cv2.INTER_AREA).astype(np.int16)
    return (small[:, 1:] > small[:, :-1]).ravel()


def _fingerprint(item):
    if isinstance(item, str):
        with open(item, "rb") as fh:
            digest = hashlib.sha1(fh.read()).hexdigest()
        image = read_image(item)
    else:
        image = np.asarray(item)
        # The shape is hashed too: equal bytes in another shape are another image.
        digest = hashlib.sha1(repr(image.shape).encode() + np.ascontiguousarray(image).tobytes()).hexdigest()
    return digest, np.packbits(difference_hash(image))


#: Rows of the distance matrix computed at once: bounds memory to
#: ``_CHUNK x n`` floats (C-NMC's 10,661 images would need 450 MB at once).
_CHUNK = 1024


def _near_pairs(bits, max_distance):
    """``(i, j, d)`` for i < j whose bit rows differ in at most ``max_distance`` places.

    Hamming distance as one matrix product per chunk: for 0/1 vectors,
    ``d(a, b) = |a| + |b| - 2 a.b``, exact in float32 (values <= 256), and a
    BLAS product is far faster than comparing bits pair by pair.
    """
    ones = bits.astype(np.float32)
    weight = ones.sum(axis=1)
    for start in range(0, len(ones), _CHUNK):
        block = ones[start:start + _CHUNK]
        distance = weight[start:start + _CHUNK, None] + weight[None, :] - 2.0 * (block @ ones.T)
        rows, cols = np.nonzero(distance <= max_distance + 0.5)
        rows += start
        upper = cols > rows
        for i, j in zip(rows[upper].tolist(), cols[upper].tolist()):
            yield i, j, int(round(distance[i - start, j]))


def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_duplicate_groups(images, *, near=True, max_distance=DEFAULT_MAX_DISTANCE, n_jobs=None,
                          show_progress=True, return_pairs=False):
    """Group images that are byte-identical or (optionally) near-identical.

    Exact copies share a SHA-1 of the file bytes (of the pixel bytes and
    shape for arrays). Near copies have 256-bit difference hashes
    (:func:`difference_hash`) at Hamming distance ``<= max_distance``.
    Pairs are merged transitively (union-find), so a group can hold a chain
    of views of one field.

    Parameters
    ----------
    images : sequence of paths, or of uint8 arrays (H, W, 3|4)
        Each file is read once (``featleuk.io.read_image``).
    near : bool, default=True
        Also merge near-identical images; ``False`` finds exact copies only.
    max_distance : int, default=75
        Largest dHash Hamming distance (of 256 bits) counted as "near". The
        default sits in the gap measured on the Aria ALL fields, between
        same-field pairs (<= 73) and unrelated ones (>= 80); see
        data/README.md. It is not calibrated for single-cell crops on a
        uniform background (C-NMC, ALL-IDB2), whose hashes are all alike:
        check the pairs (``return_pairs=True``) before using it there.
    n_jobs : int or None, default=None
        Read and hash the files in parallel (``featleuk.utils.parallel_map``).
    show_progress : bool, default=True
        Progress bar while hashing.
    return_pairs : bool, default=False
        Also return the merged pairs.

    Returns
    -------
    groups : ndarray of int, shape (n_images,)
        Equal values = one group of copies; unique images get their own
        group. Ids are numbered in order of each group's first image.
    pairs : list of (int, int, int)
        Only with ``return_pairs=True``: ``(i, j, distance)`` with ``i < j``;
        byte-identical pairs come first, with distance 0.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.datasets import find_duplicate_groups
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    >>> find_duplicate_groups([a, b, a.copy()], show_progress=False).tolist()
    [0, 1, 0]
    """
    if not isinstance(max_distance, numbers.Integral) or not 0 <= max_distance <= HASH_SIDE ** 2:
        raise ValueError(f"max_distance must be an integer in [0, {HASH_SIDE ** 2}], got {max_distance!r}")
    items = [str(x) if not isinstance(x, np.ndarray) else x for x in images]
    prints = parallel_map(_fingerprint, items, n_jobs=n_jobs, desc="hashing images", show_progress=show_progress)
    n = len(prints)
    parent = list(range(n))
    pairs = []

    def union(i, j, distance):
        ri, rj = _find(parent, i), _find(parent, j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
        pairs.append((i, j, distance))

    first_of = {}
    for i, (digest, _) in enumerate(prints):
        if digest in first_of:
            union(first_of[digest], i, 0)
        else:
            first_of[digest] = i
    if near and n > 1:
        bits = np.unpackbits(np.stack([h for _, h in prints]), axis=1)
        for i, j, distance in _near_pairs(bits, max_distance):
            if prints[i][0] != prints[j][0]:
                union(i, j, distance)
    roots = np.asarray([_find(parent, i) for i in range(n)])
    _, groups = np.unique(roots, return_inverse=True)
    return (groups, pairs) if return_pairs else groups
