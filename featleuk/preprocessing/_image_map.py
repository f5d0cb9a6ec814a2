"""Run a per-image function over an image collection: batches, joblib, one progress bar.

Every image->image step of featleuk (stain tools, denoising, segmenters)
goes through :func:`map_images`, so paths are decoded lazily one batch at a
time, per-image work parallelises with ``n_jobs`` and there is one bar.
"""

from __future__ import annotations

import numpy as np

from ..images import iter_image_batches, stack_images  # noqa: F401  (re-exported)
from ..utils import parallel_map, progress

__all__ = ["map_images", "stack_images"]


def map_images(func, X, *, batch_size=32, n_jobs=None, show_progress=True, desc=None):
    """``[func(image) for image in X]`` over batches of decoded images.

    Parameters
    ----------
    func : callable
        Takes one ``(H, W, C)`` uint8 array; must be picklable for ``n_jobs > 1``.
    X : paths, (N, H, W, 3|4) uint8 array or list of arrays
    batch_size : int
        Images decoded (and dispatched to joblib) at a time.
    n_jobs : int or None
        joblib workers per batch; ``None`` or 1 runs in-process.
    show_progress : bool
    desc : str or None
        Progress-bar label.

    Returns
    -------
    list
        One result per image, in input order.
    """
    results = []
    bar = progress(total=len(X), desc=desc, enabled=show_progress)
    try:
        for _, batch in iter_image_batches(X, batch_size):
            # One bar for the whole collection, so the per-batch map is silent.
            results.extend(parallel_map(func, batch, n_jobs=n_jobs, show_progress=False))
            bar.update(len(batch))
    finally:
        bar.close()
    return results
