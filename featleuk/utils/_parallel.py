"""Per-image parallelism through joblib, so a dask backend can take it to a cluster."""

from __future__ import annotations

from joblib import Parallel, delayed

from ._progress import progress


def parallel_map(func, items, *, n_jobs=None, desc=None, show_progress=True, batch_size="auto"):
    """``[func(item) for item in items]`` run with joblib, in order, with a progress bar.

    ``n_jobs=None`` or 1 runs in-process (no pickling cost). Any joblib backend
    in force (``with joblib.parallel_config(backend="dask")``) is honoured.

    Parameters
    ----------
    func : callable
        Called on each item; must be picklable when ``n_jobs`` is not None or 1.
    items : iterable
        The inputs; consumed into a list first (its length sizes the bar).
    n_jobs : int or None, default=None
        joblib workers; ``None`` or 1 runs in-process, -1 uses every core.
    desc : str or None, default=None
        Progress-bar label.
    show_progress : bool, default=True
        Show the bar (see :func:`progress` for when it is displayed).
    batch_size : int or "auto", default="auto"
        Items sent to a worker at a time (``joblib.Parallel``'s
        ``batch_size``); ignored in-process.

    Returns
    -------
    list
        ``func(item)`` for every item, in the order of ``items``.

    Examples
    --------
    >>> from featleuk.utils import parallel_map
    >>> parallel_map(abs, [-2, 1, -3], show_progress=False)
    [2, 1, 3]
    >>> parallel_map(abs, [-2, 1, -3], n_jobs=2, show_progress=False)
    [2, 1, 3]
    """
    items = list(items)
    if n_jobs in (None, 1):
        return [func(item) for item in progress(items, total=len(items), desc=desc, enabled=show_progress)]
    parallel = Parallel(n_jobs=n_jobs, batch_size=batch_size, return_as="generator")
    results = parallel(delayed(func)(item) for item in items)
    return list(progress(results, total=len(items), desc=desc, enabled=show_progress))
