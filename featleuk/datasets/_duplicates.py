"""Finding identical and near-identical images, to keep them in one CV fold.

A random split of a dataset that holds several pictures of one field puts
copies on both sides and inflates accuracy. The Aria ALL copy, for instance,
has 40 byte-identical pairs and about 76 near-identical ones. Exact copies are
found by a hash of the file bytes; near copies by a difference hash (dHash) of
a small greyscale thumbnail, compared by Hamming distance.
"""

from __future__ import annotations

import hashlib

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
    """dHash: signs of horizontal gradients of a ``side x (side+1)`` grey thumbnail (bool bits)."""
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
        digest = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()
    return digest, np.packbits(difference_hash(image))


def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_duplicate_groups(images, *, near=True, max_distance=DEFAULT_MAX_DISTANCE, n_jobs=None,
                          show_progress=True, return_pairs=False):
    """Group images that are byte-identical or (optionally) near-identical.

    Parameters
    ----------
    images : sequence of paths or uint8 arrays
    near : bool, default=True
        Also merge images whose dHash differs in at most ``max_distance`` of
        the 256 bits.
    max_distance : int
    n_jobs : int or None
        Parallel reading (joblib).
    return_pairs : bool
        Also return the merged pairs ``(i, j, distance)``.

    Returns
    -------
    groups : ndarray of int, shape (n_images,)
        Equal values = one group of copies; unique images get their own group.
    pairs : list of (int, int, int)
        Only with ``return_pairs=True``; distance 0 with identical digests
        means byte-identical.
    """
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
        bits = np.unpackbits(np.stack([h for _, h in prints]), axis=1).astype(np.uint8)
        # Hamming distances as a matrix product of bits: d = a.(1-b) + (1-a).b
        ones = bits.astype(np.int32)
        distance = ones @ (1 - ones).T + (1 - ones) @ ones.T
        ii, jj = np.nonzero(np.triu(distance <= max_distance, k=1))
        for i, j in zip(ii.tolist(), jj.tolist()):
            if prints[i][0] != prints[j][0]:
                union(i, j, int(distance[i, j]))
    roots = np.asarray([_find(parent, i) for i in range(n)])
    _, groups = np.unique(roots, return_inverse=True)
    return (groups, pairs) if return_pairs else groups
