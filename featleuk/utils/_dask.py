"""Scale-out on dask: joblib's dask backend for folds and grid candidates, chunked extraction.

featleuk has no scheduler of its own. Everything that runs in parallel goes
through joblib (cross-validation folds, ``GridSearchCV`` candidates,
:func:`~featleuk.utils.parallel_map`), so :func:`dask_backend` only has to
start or join a dask cluster and put joblib's ``"dask"`` backend in force.
Feature extraction over many images is a different shape of work (one fitted
step, thousands of images, rows to assemble in order): :func:`extract_on_dask`
splits the images into chunks, runs the step on the workers and streams the
rows back, and into the step's feature store when one is given.

``dask`` and ``distributed`` are optional: they are imported only here, when
a dask route is used.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
from contextlib import contextmanager

import numpy as np

from ._progress import progress

__all__ = ["add_dask_option", "dask_backend", "extract_on_dask", "parse_dask_spec"]

_LOCAL = re.compile(r"^local(?::(\d+))?$")

_INSTALL = 'dask is not installed: pip install "dask[distributed]"'


def _distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL) from exc
    return distributed


def parse_dask_spec(spec):
    """Read a ``--dask`` value: a local cluster's size or a scheduler address.

    Parameters
    ----------
    spec : str or None
        ``"local"`` (one worker process per CPU), ``"local:N"`` (``N`` worker
        processes), a scheduler address such as ``"tcp://host:8786"``, or
        ``None`` (no dask).

    Returns
    -------
    tuple or None
        ``("local", n_workers)`` with ``n_workers`` an int or ``None``,
        ``("address", spec)``, or ``None`` for ``None``.

    Raises
    ------
    ValueError
        For anything else, with the accepted forms.

    Examples
    --------
    >>> parse_dask_spec("local:2")
    ('local', 2)
    >>> parse_dask_spec("tcp://10.0.0.5:8786")
    ('address', 'tcp://10.0.0.5:8786')
    """
    if spec is None:
        return None
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"dask: expected 'local', 'local:N' or a scheduler address, got {spec!r}")
    spec = spec.strip()
    match = _LOCAL.match(spec)
    if match:
        n_workers = None if match.group(1) is None else int(match.group(1))
        if n_workers == 0:
            raise ValueError("dask: 'local:N' needs N >= 1 worker processes, got 'local:0'")
        return ("local", n_workers)
    if "://" in spec or re.match(r"^[\w.-]+:\d+$", spec):
        return ("address", spec)
    raise ValueError(
        f"dask: {spec!r} is neither 'local', 'local:N' nor a scheduler address such as "
        "'tcp://host:8786'"
    )


def add_dask_option(parser):
    """Add ``--dask ADDRESS|local[:N]`` to an ``argparse`` parser (destination ``dask``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser to extend; the value is checked with :func:`parse_dask_spec`.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> import argparse
    >>> add_dask_option(argparse.ArgumentParser()).parse_args(["--dask", "local:2"]).dask
    'local:2'
    """

    def checked(value):
        try:
            parse_dask_spec(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    parser.add_argument(
        "--dask", metavar="ADDRESS|local[:N]", type=checked, default=None,
        help="run the parallel work (folds, grid candidates, --jobs) on dask: 'local' or 'local:N' "
             "starts N worker processes on this machine, an address such as tcp://host:8786 joins a "
             "running scheduler (e.g. one started by dask-jobqueue on SLURM)",
    )
    return parser


@contextmanager
def dask_backend(spec, *, n_jobs=-1, **cluster_kwargs):
    """Start or join a dask cluster and run joblib's parallel work on it.

    Inside the block, joblib's ``"dask"`` backend is in force: featleuk's
    cross-validation folds (``n_jobs``), ``GridSearchCV`` candidates and
    :func:`~featleuk.utils.parallel_map` calls with ``n_jobs`` other than
    ``None``/1 run as dask tasks. With ``n_jobs=-1`` (the default), joblib
    calls that leave ``n_jobs`` unset use every worker too.

    A local cluster uses worker *processes*, one thread each (the feature
    steps and most estimators hold the GIL or start their own threads), so a
    script that uses it needs the ``if __name__ == "__main__":`` guard.

    Parameters
    ----------
    spec : str or None
        See :func:`parse_dask_spec`. ``None`` changes nothing and yields
        ``None``, so callers need no branch of their own.
    n_jobs : int, default=-1
        joblib's default ``n_jobs`` inside the block; -1 is every dask worker.
    **cluster_kwargs
        Passed to ``distributed.LocalCluster`` for a local spec, e.g.
        ``memory_limit="4GB"``.

    Yields
    ------
    distributed.Client or None
        The client, closed (with its local cluster) on leaving the block.

    Examples
    --------
    >>> with dask_backend(None) as client:
    ...     print(client)
    None

    On a cluster (not run here)::

        if __name__ == "__main__":
            with dask_backend("local:2"):
                result = cross_validate_predictions(pipeline, X, y, n_jobs=-1)
    """
    parsed = parse_dask_spec(spec)
    if parsed is None:
        yield None
        return
    from joblib import parallel_config

    distributed = _distributed()
    kind, value = parsed
    cluster = None
    if kind == "local":
        options = {"n_workers": value if value is not None else os.cpu_count(), "threads_per_worker": 1,
                   "processes": True, "dashboard_address": None,
                   # The nanny's shutdown chatter ("still alive after 4 s, killing") is noise here.
                   "silence_logs": logging.ERROR, **cluster_kwargs}
        cluster = distributed.LocalCluster(**options)
        client = distributed.Client(cluster)
    else:
        if cluster_kwargs:
            raise ValueError(f"dask_backend: cluster options {sorted(cluster_kwargs)} only apply to a local "
                             f"cluster, not to the scheduler at {value}")
        client = distributed.Client(value)
    try:
        with parallel_config(backend="dask", n_jobs=n_jobs):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _transform_chunk(step, images):
    return np.asarray(step.transform(images))


def _with_store(step, store):
    """A shallow copy of ``step`` whose own feature store is ``store``."""
    if "memory" not in step.get_params(deep=False):
        raise ValueError(
            f"extract_on_dask: {type(step).__name__} has no feature store (no 'memory' parameter); "
            "pass store=None, or a step that caches rows such as DeepFeatures"
        )
    step = copy.copy(step)  # the caller's step keeps its own setting
    step.set_params(memory=os.fspath(store))
    return step


def extract_on_dask(step, X, *, client=None, chunk_size=256, store=None, max_in_flight=None,
                    show_progress=True):
    """Feature rows of a fitted step, computed chunk by chunk on dask workers.

    The step is sent once to every worker; each task transforms one chunk of
    images (paths travel as paths, so workers decode their own files) and
    the rows come back as chunks finish, into one preallocated matrix. At
    most ``max_in_flight`` chunks are queued at once, so the client holds
    that many chunks of images, not the whole collection.

    Parameters
    ----------
    step : estimator
        A fitted image -> features step (``transform`` returns one row per
        image), e.g. :class:`~featleuk.features.DeepFeatures`.
    X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
        Paths must be readable from the workers (a shared file system).
    client : distributed.Client or None, default=None
        ``None`` uses the current client (e.g. inside :func:`dask_backend`).
    chunk_size : int, default=256
        Images per task.
    store : str, path-like or None, default=None
        A feature-store directory for the step's ``memory``: each worker
        writes its rows there as its chunk finishes, so a rerun (or another
        pipeline with the same extractor) reads them back. The store must be
        on a file system every worker can lock (see the scaling notes).
    max_in_flight : int or None, default=None
        Chunks queued at once; ``None`` is twice the number of workers.
    show_progress : bool, default=True
        A progress bar over the images (see :func:`~featleuk.utils.progress`).

    Returns
    -------
    ndarray of shape (n_images, n_features)
        In the order of ``X``; identical to ``step.transform(X)``.

    Raises
    ------
    ValueError
        If ``chunk_size`` is not a positive integer, or ``store`` is given for
        a step without a feature store.

    Examples
    --------
    Not run here (it needs a cluster)::

        with dask_backend("local:2") as client:
            rows = extract_on_dask(DeepFeatures().fit(paths[:1]), paths, client=client,
                                   store="features/")
    """
    from sklearn.utils.validation import check_is_fitted

    from ..images import check_images, take_images

    distributed = _distributed()
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"extract_on_dask: chunk_size must be a positive integer, got {chunk_size!r}")
    check_is_fitted(step)
    X = check_images(X, caller="extract_on_dask")
    if store is not None:
        step = _with_store(step, store)
    client = client if client is not None else distributed.get_client()
    n_workers = max(1, len(client.nthreads()))
    limit = max_in_flight if max_in_flight is not None else 2 * n_workers

    starts = iter(range(0, len(X), chunk_size))
    remote_step = client.scatter(step, broadcast=True)
    queued = {}  # future -> first row of its chunk

    def submit(start):
        images = take_images(X, np.arange(start, min(start + chunk_size, len(X))))
        future = client.submit(_transform_chunk, remote_step, images, pure=False)
        queued[future] = start
        return future

    done = distributed.as_completed([submit(start) for _, start in zip(range(limit), starts)],
                                    with_results=True)
    out = None
    with progress(total=len(X), desc="extract_on_dask", enabled=show_progress) as bar:
        for future, rows in done:
            start = queued.pop(future)
            if out is None:
                out = np.empty((len(X), rows.shape[1]), dtype=rows.dtype)
            out[start:start + len(rows)] = rows
            bar.update(len(rows))
            following = next(starts, None)
            if following is not None:
                done.add(submit(following))
    return out
