"""Per-image parallelism through joblib, so a dask backend can take it to a cluster."""

from __future__ import annotations

from joblib import Parallel, delayed

from ._progress import progress


def parallel_map(func, items, *, n_jobs=None, desc=None, show_progress=True, batch_size="auto"):
    """``[func(item) for item in items]`` run with joblib, in order, with a progress bar.

    ``n_jobs=None`` or 1 runs in-process (no pickling cost). Any joblib backend
    in force (``with joblib.parallel_config(backend="dask")``) is honoured.
    """
    items = list(items)
    if n_jobs in (None, 1):
        return [func(item) for item in progress(items, total=len(items), desc=desc, enabled=show_progress)]
    parallel = Parallel(n_jobs=n_jobs, batch_size=batch_size, return_as="generator")
    results = parallel(delayed(func)(item) for item in items)
    return list(progress(results, total=len(items), desc=desc, enabled=show_progress))
