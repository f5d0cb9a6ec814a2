"""Run the frozen steps of many pipelines once, cross-validate the rest.

A step tagged ``learns_from_data=False`` (:mod:`featleuk.base`) gives an
image the same output whichever fold the image is in. The leading run of
such steps of a pipeline (its *frozen prefix*,
:func:`~featleuk.base.frozen_prefix_length`) can therefore run once on every
image before cross-validation, and only the remaining steps (the *tail*)
need fitting inside each training fold. The predictions are those of
cross-validating the whole pipeline.

Sharing between pipelines
-------------------------
The frozen steps of all pipelines form one tree. Two steps are the same node
when they have the same class and parameters (compared recursively, leaving
out parameters that only change how a step runs: ``show_progress``,
``n_jobs``, ``batch_size``, ``memory``, ``verbose``) *and* the same input,
i.e. equal steps before them. A :class:`~sklearn.pipeline.FeatureUnion` of
frozen parts (without ``transformer_weights``) is split into its parts,
which are nodes of their own, and their outputs are stacked side by side as
``FeatureUnion.transform`` would; a nested Pipeline is followed step by
step. So ``segment -> glcm``, ``segment -> morph`` and
``segment -> union(glcm, morph, ...)`` segment each image once and compute
each family once per segmenter.

Images go through the tree ``batch_size`` at a time, which bounds the memory
taken by intermediate outputs (segmented images); a batch size that is a
multiple of the steps' own batch sizes keeps their internal batches the same
as running them on all images at once.

The cache
---------
With ``memory`` (a folder), each pipeline's frozen-prefix output is stored
per image in a :class:`featleuk.store.FeatureStore`, keyed by the prefix's
parameters (and the featleuk version) and by the image's content
(:func:`featleuk.store.content_key`: the sha256 of a file's bytes, or of an
array's pixels). A later call, or
another prefix-sharing experiment, computes only the missing rows. Rows keep
their dtype bit for bit, so a cached run gives the same numbers as a fresh
one.
"""

from __future__ import annotations

import functools
import json
import os
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, Pipeline

from ..base import frozen_prefix_length
from ..images import stack_images, take_images
from ..utils import progress
from ._cv import cross_validate_predictions

__all__ = ["FrozenStep", "FrozenCVResults", "cross_validate_frozen"]

#: Parameters that change how a step runs, not what it outputs.
_RUN_ONLY_PARAMS = frozenset({"show_progress", "n_jobs", "batch_size", "memory", "verbose"})


def _canonical(value):
    """A JSON-able description of a parameter value, equal for equal settings."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return {"class": f"{type(value).__module__}.{type(value).__qualname__}",
                "params": {key: _canonical(params[key]) for key in sorted(params)
                           if key not in _RUN_ONLY_PARAMS}}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in sorted(value.items(), key=str)}
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if callable(value):  # score functions, kernels: by name, not by address
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def _decomposable_union(step):
    return (isinstance(step, FeatureUnion) and step.transformer_weights is None
            and all(not isinstance(part, str) for _, part in step.transformer_list))


class _Node:
    """One frozen step applied to one input (the images, or another node's output)."""

    def __init__(self, key, parent, step=None, parts=()):
        self.key = key
        self.parent = parent
        self.step = step
        self.parts = list(parts)  # a split FeatureUnion: its parts' nodes
        self.needed = np.empty(0, dtype=int)
        self.seconds = 0.0
        self.n_computed = 0
        self.empty = []

    @property
    def inputs(self):
        return self.parts if self.parts else [self.parent] if self.parent is not None else []


class _Tree:
    """The frozen steps of all pipelines, equal steps on equal inputs merged."""

    def __init__(self):
        self.nodes = {}  # key -> node, in insertion order (parents before children)

    def _get(self, key, make):
        if key not in self.nodes:
            self.nodes[key] = make()
        return self.nodes[key]

    def add(self, parent, step, used):
        """The node of ``step`` applied to ``parent``'s output (``None``: the images).

        Every node the step consists of (a Pipeline's steps, a union's parts)
        is appended to ``used``.
        """
        parent_key = None if parent is None else parent.key
        if isinstance(step, Pipeline):
            for _, inner in step.steps:
                parent = self.add(parent, inner, used)
            return parent
        if _decomposable_union(step):
            parts = [self.add(parent, part, used) for _, part in step.transformer_list]
            key = json.dumps({"input": parent_key, "union": [p.key for p in parts]})
            node = self._get(key, lambda: _Node(key, parent, parts=parts))
        else:
            key = json.dumps({"input": parent_key, "step": _canonical(step)}, sort_keys=True)

            def make():
                fresh = clone(step)
                if "show_progress" in fresh.get_params(deep=False):
                    fresh.set_params(show_progress=False)  # one bar for the whole tree instead
                return _Node(key, parent, step=fresh)

            node = self._get(key, make)
        used.append(node)
        return node


class _PrefixStore:
    """Per-image rows of one frozen prefix in the feature store (:mod:`featleuk.store`).

    A row's length and dtype are known only once the prefix has run; they are
    part of the table's configuration, so float64 texture rows read back bit
    for bit and a float32 CNN row is not widened. Outputs that are not 1-D
    float rows (images, integer rows) are recomputed each run.
    """

    _DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

    def __init__(self, memory, node_key):
        from .. import __version__
        from ..store import FeatureStore

        self._store = FeatureStore(memory)
        self._base = {"frozen_prefix": json.loads(node_key), "featleuk": __version__}
        self._table = None
        for table in self._store.tables():
            layout = table["config"].get("layout")
            if layout and {k: v for k, v in table["config"].items() if k != "layout"} == self._base:
                self._table = self._store.table(table["config"], n_features=layout["n_features"],
                                                dtype=layout["dtype"])

    def get_many(self, keys):
        """Rows found (``None`` where missing), one per key."""
        if self._table is None:
            return [None] * len(keys)
        rows, found = self._table.get_many(keys)
        return [row if hit else None for row, hit in zip(rows, found)]

    def put_many(self, keys, rows):
        rows = [np.ascontiguousarray(row) for row in rows]
        if not rows or rows[0].ndim != 1 or rows[0].dtype not in self._DTYPES:
            return
        if any(row.shape != rows[0].shape or row.dtype != rows[0].dtype for row in rows):
            return
        layout = {"n_features": int(rows[0].shape[0]), "dtype": rows[0].dtype.str}
        if self._table is None or (self._table.n_features, self._table.dtype.str) != tuple(layout.values()):
            self._table = self._store.table({**self._base, "layout": layout}, **layout)
        if not np.isfinite(np.stack(rows)).all():
            return  # the store keeps finite rows only; a NaN row is recomputed next time
        self._table.put_many(keys, np.stack(rows))

    def close(self):
        self._store.close()


@dataclass
class FrozenStep:
    """What one frozen step of a pipeline did in :func:`cross_validate_frozen`.

    Attributes
    ----------
    name : str
        The step's name in the pipeline.
    estimator : estimator
        The fitted copy that ran (fitted on the last batch); for a split
        FeatureUnion or a nested Pipeline, the step as given (unfitted).
    seconds : float
        Time spent in this step over all images it computed, also when the
        step is shared with other pipelines (then each of them shows it).
    n_computed : int
        Images it ran on (the others were read from the cache).
    empty_indices : ndarray of int or None
        For steps that report ``empty_indices_`` (featleuk's segmenters),
        the images among the computed ones that came out with an empty mask.

    See Also
    --------
    FrozenCVResults : Holds these records in ``frozen_steps``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import ColorFeatures
    >>> X, y = make_synthetic_smears(20, n_classes=2, image_size=32, random_state=0)
    >>> out = cross_validate_frozen({"color-svm": make_pipeline(ColorFeatures(), SVC())}, X, y,
    ...                             cv=2, show_progress=False)
    >>> step = out.frozen_steps["color-svm"][0]
    >>> step.name, step.n_computed, type(step.estimator).__name__, step.empty_indices
    ('colorfeatures', 20, 'ColorFeatures', None)
    """

    name: str
    estimator: object
    seconds: float
    n_computed: int
    empty_indices: np.ndarray | None = None


@dataclass
class FrozenCVResults:
    """The output of :func:`cross_validate_frozen`.

    Attributes
    ----------
    results : dict of {name: CVResult}
        Cross-validation result of each pipeline, in the order given.
    n_frozen : dict of {name: int}
        Length of each pipeline's frozen prefix.
    frozen_steps : dict of {name: list of FrozenStep}
        What each step of each pipeline's frozen prefix did.
    features : dict of {name: ndarray or None}
        Output of each pipeline's frozen prefix, one row per image (the same
        object for pipelines sharing the prefix); None without a prefix.
    extract_seconds : dict of {name: float}
        Seconds of each pipeline's frozen steps (shared steps counted in full).
    cv_seconds : dict of {name: float}
        Wall time of cross-validating each pipeline's tail.
    extraction_wall_s : float
        Wall time of the whole extraction phase (cache reads included).
    n_cached : dict of {name: int}
        Images whose frozen-prefix output was read from the cache.

    Examples
    --------
    Two pipelines sharing their frozen colour-feature step:

    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import ColorFeatures
    >>> X, y = make_synthetic_smears(20, n_classes=2, image_size=32, random_state=0)
    >>> out = cross_validate_frozen({"svm": make_pipeline(ColorFeatures(), SVC()),
    ...                              "knn": make_pipeline(ColorFeatures(), KNeighborsClassifier(3))},
    ...                             X, y, cv=2, show_progress=False)
    >>> out.n_frozen, out.n_cached
    ({'svm': 1, 'knn': 1}, {'svm': 0, 'knn': 0})
    >>> out.features["svm"] is out.features["knn"], len(out.features["svm"])
    (True, 20)
    >>> out.results["knn"].n_folds
    2
    """

    results: dict
    n_frozen: dict
    frozen_steps: dict
    features: dict
    extract_seconds: dict
    cv_seconds: dict
    extraction_wall_s: float
    n_cached: dict = field(default_factory=dict)


def _frozen_step(name, step, nodes):
    """The record of one pipeline step made of ``nodes`` (one, or a union's / Pipeline's)."""
    computing = list({node.key: node for node in nodes if node.step is not None}.values())
    reporting = [node for node in computing if hasattr(node.step, "empty_indices_")]
    return FrozenStep(
        name=name,
        estimator=computing[-1].step if len(nodes) == 1 and computing else step,
        seconds=sum(node.seconds for node in computing),
        n_computed=max((node.n_computed for node in computing), default=0),
        empty_indices=np.asarray(sorted(set().union(*(node.empty for node in reporting))), dtype=int)
        if reporting else None,
    )


def _compute(nodes, X, batch):
    """Outputs of ``nodes`` (parents first) on the images ``batch`` each of them needs."""
    outputs = {}  # key -> (rows, output)

    def rows_of(source, rows):
        if source is None:
            return take_images(X, rows)
        source_rows, data = outputs[source.key]
        if len(source_rows) == len(rows):
            return data
        return take_images(data, np.searchsorted(source_rows, rows))

    for node in nodes:
        rows = np.intersect1d(batch, node.needed, assume_unique=True)
        if not len(rows):
            continue
        if node.parts:
            data = np.hstack([rows_of(part, rows) for part in node.parts])
        else:
            start = time.perf_counter()
            data = node.step.fit_transform(rows_of(node.parent, rows))  # learns nothing
            node.seconds += time.perf_counter() - start
            node.n_computed += len(rows)
            empty = getattr(node.step, "empty_indices_", None)
            if empty is not None:
                node.empty.extend(rows[np.asarray(empty, dtype=int)].tolist())
        outputs[node.key] = (rows, data)
    return outputs


def _extract(leaves, X, *, memory, batch_size, show_progress):
    """Each leaf's output on every image: read from ``memory`` where cached, else computed."""
    n = len(X)
    features, n_cached = {}, {}
    missing = {}
    stores = {}
    keys = None
    if memory is not None:
        from ..store import content_key

        keys = [content_key(item) for item in X]
    for leaf in leaves:
        rows = [None] * n
        if memory is not None:
            stores[leaf.key] = _PrefixStore(memory, leaf.key)
            rows = stores[leaf.key].get_many(keys)
        features[leaf.key] = rows
        missing[leaf.key] = np.asarray([i for i, row in enumerate(rows) if row is None], dtype=int)
        n_cached[leaf.key] = n - len(missing[leaf.key])

    # What each node must compute: the union of what the leaves below it miss.
    # Post-order, so every node comes after its inputs.
    order, seen = [], set()

    def visit(node, need):
        node.needed = np.union1d(node.needed, need)
        for source in node.inputs:
            visit(source, need)
        if node.key not in seen:
            seen.add(node.key)
            order.append(node)

    for leaf in leaves:
        visit(leaf, missing[leaf.key])
    todo = functools.reduce(np.union1d, [missing[leaf.key] for leaf in leaves], np.empty(0, int))
    with progress(total=len(todo), desc="frozen steps", enabled=show_progress) as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            outputs = _compute(order, X, batch)
            for leaf in leaves:
                if leaf.key not in outputs:
                    continue
                rows, data = outputs[leaf.key]
                for position, i in enumerate(rows):
                    features[leaf.key][i] = data[position]
                if leaf.key in stores:
                    stores[leaf.key].put_many([keys[i] for i in rows], [data[p] for p in range(len(rows))])
            bar.update(len(batch))
    for store in stores.values():
        store.close()
    return {key: stack_images(rows) if rows and rows[0].ndim > 1 else np.asarray(np.stack(rows))
            for key, rows in features.items()}, n_cached


def cross_validate_frozen(pipelines, X, y, *, groups=None, cv=5, random_state=0, memory=None,
                          batch_size=256, n_jobs=None, target_names=None, show_progress=True,
                          return_estimator=False):
    """Cross-validate several pipelines, running their frozen steps once per image.

    Each pipeline's frozen prefix (its leading steps tagged
    ``learns_from_data=False``, see :func:`featleuk.base.frozen_prefix_length`)
    is run once on every image, shared between pipelines wherever the steps
    and their inputs are equal (see the module notes: nested prefixes and
    FeatureUnion parts are shared too); then each pipeline's tail
    ``pipe[n:]`` is cross-validated on that output with
    :func:`cross_validate_predictions`, with the same folds for every
    pipeline. The predictions are those of cross-validating every whole
    pipeline, without running an image through a frozen step once per fold
    and pipeline. A pipeline without a frozen prefix is cross-validated
    whole.

    Parameters
    ----------
    pipelines : dict of {str: Pipeline}
        Names (as in reports) and pipelines; the dict order is kept.
    X : list of image paths, (N, H, W, C) uint8 array, or list of arrays
        The images, the input of every pipeline.
    y : array-like of shape (n_samples,)
        Class labels, one per image.
    groups : array-like of shape (n_samples,), default=None
        Keeps each group in one fold (see :func:`make_cv`).
    cv : int, splitter or iterable of (train, test), default=5
        As in :func:`cross_validate_predictions`.
    random_state : int, default=0
        Seeds the folds when ``cv`` is an int.
    memory : str, path or None, default=None
        Folder of the per-image cache of frozen-prefix outputs (reused across
        calls and runs). None computes everything in this call.
    batch_size : int, default=256
        Images sent through the frozen steps at a time.
    n_jobs : int, default=None
        Folds run in parallel (see :func:`cross_validate_predictions`); the
        steps' own ``n_jobs`` are left alone.
    target_names : list of str, default=None
        Display names of the sorted classes of ``y``.
    show_progress : bool, default=True
        One bar over the images for the frozen steps, one per pipeline's CV.
    return_estimator : bool, default=False
        Keep each fold's fitted tail in ``result.estimators``.

    Returns
    -------
    FrozenCVResults
        ``results`` (name -> :class:`CVResult`), the frozen steps' timings
        and outputs, and the CV time of each pipeline.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from featleuk.datasets import make_synthetic_smears
    >>> from featleuk.features import ColorFeatures
    >>> X, y = make_synthetic_smears(20, n_classes=2, image_size=32, random_state=0)
    >>> out = cross_validate_frozen({"color-svm": make_pipeline(ColorFeatures(), SVC())}, X, y,
    ...                             cv=2, show_progress=False)
    >>> sorted(out.results)
    ['color-svm']
    """
    if not isinstance(pipelines, dict) or not pipelines:
        raise ValueError("pipelines must be a non-empty dict of {name: Pipeline}")
    for name, pipe in pipelines.items():
        if not isinstance(pipe, Pipeline):
            raise TypeError(f"pipelines[{name!r}] is a {type(pipe).__name__}, not a Pipeline")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels")

    started = time.perf_counter()
    tree = _Tree()
    n_frozen, leaf_of, steps_of = {}, {}, {}
    for name, pipe in pipelines.items():
        n_frozen[name] = frozen_prefix_length(pipe)
        node, steps_of[name] = None, []
        for step_name, step in pipe.steps[:n_frozen[name]]:
            used = []
            node = tree.add(node, step, used)
            steps_of[name].append((step_name, step, used))
        leaf_of[name] = node
    leaves = list({node.key: node for node in leaf_of.values() if node is not None}.values())
    outputs, n_cached = _extract(leaves, X, memory=memory, batch_size=int(batch_size),
                                 show_progress=show_progress)
    extraction_wall_s = time.perf_counter() - started

    results, cv_seconds, frozen_steps, features, extract_seconds, cached = {}, {}, {}, {}, {}, {}
    for name, pipe in pipelines.items():
        n, leaf = n_frozen[name], leaf_of[name]
        features[name] = None if leaf is None else outputs[leaf.key]
        cached[name] = 0 if leaf is None else n_cached[leaf.key]
        frozen_steps[name] = [_frozen_step(step_name, step, used)
                              for step_name, step, used in steps_of[name]]
        extract_seconds[name] = sum(step.seconds for step in frozen_steps[name])
        start = time.perf_counter()
        results[name] = cross_validate_predictions(
            pipe[n:] if n else pipe, X if leaf is None else features[name], y, groups=groups,
            cv=cv, random_state=random_state, n_jobs=n_jobs, name=name, target_names=target_names,
            show_progress=show_progress, return_estimator=return_estimator,
        )
        cv_seconds[name] = time.perf_counter() - start
        results[name].extra["frozen_steps"] = ", ".join(s for s, _, _ in steps_of[name]) or "none"
    return FrozenCVResults(results=results, n_frozen=n_frozen, frozen_steps=frozen_steps,
                           features=features, extract_seconds=extract_seconds,
                           cv_seconds=cv_seconds, extraction_wall_s=extraction_wall_s,
                           n_cached=cached)

