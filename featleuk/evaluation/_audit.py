"""Leakage audit: one pipeline cross-validated under increasingly strict splits.

Blood-smear datasets rarely say which images come from the same patient or
slide, and a random split then tests on near-copies of training images. The
audit cross-validates the same feature matrix under every split the data
allows - random folds, duplicate groups, file-sequence blocks, clusters of
look-alike images, subject IDs - so the gap between them shows how much of
a score is leakage, and names the strictest one as the number to quote.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import PurePath

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ._bootstrap import bootstrap_metrics
from ._cv import cross_validate_predictions, make_cv

__all__ = ["leakage_audit", "file_sequence_blocks", "feature_clusters"]

#: What each strategy guards against, in report words.
GUARDS = {
    "random": (
        "Guards against nothing beyond testing on unseen rows: copies, consecutive "
        "captures and one patient's cells can sit on both sides of a split, so this is an "
        "upper bound."
    ),
    "duplicates": (
        "Guards against byte-identical or near-identical copies of an image being both "
        "trained on and tested on."
    ),
    "sequence": (
        "Guards against consecutive file numbers of a class (most likely captured one after "
        "another from the same smear or patient) being split between training and test."
    ),
    "clusters": (
        "Guards against look-alike images that are not copies (the same cell re-cropped, "
        "neighbouring fields); it also holds out whole regions of appearance, so it can be "
        "pessimistic."
    ),
    "subjects": (
        "Guards against one subject's cells being in both training and test: the split a "
        "new patient meets."
    ),
}

TITLES = {
    "random": "Random stratified folds",
    "duplicates": "Duplicate groups",
    "sequence": "File-sequence blocks",
    "clusters": "Feature-space clusters",
    "subjects": "Subject IDs",
}

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def _merge_groupings(*groupings):
    """Connected components of samples sharing a label in any of ``groupings``."""
    groupings = [np.unique(np.asarray(g), return_inverse=True)[1] for g in groupings
                 if g is not None]
    n = len(groupings[0])
    rows, cols, offset = [], [], n
    for codes in groupings:
        rows.append(np.arange(n))
        cols.append(codes + offset)
        offset += int(codes.max()) + 1
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    return np.unique(labels[:n], return_inverse=True)[1]


def _parse_numbers(filenames):
    """(prefix, number) of each file name's stem; number is -1 without a trailing number."""
    prefixes, numbers = [], []
    for name in filenames:
        stem = PurePath(os.fsdecode(name)).stem
        match = _TRAILING_NUMBER.match(stem)
        if match:
            prefixes.append(match.group(1))
            numbers.append(int(match.group(2)))
        else:
            prefixes.append(stem)
            numbers.append(-1)
    return np.array(prefixes, dtype=object), np.array(numbers)


def _sequences(y, prefixes, numbers):
    """Index arrays of each (class, prefix) run of numbered files, sorted by number."""
    keys = {}
    for i, (label, prefix, number) in enumerate(zip(y.tolist(), prefixes, numbers)):
        if number >= 0:
            keys.setdefault((label, prefix), []).append(i)
    return [np.array(sorted(ix, key=lambda i: numbers[i])) for ix in keys.values()]


def _correlation_length(Z, sequences, numbers, *, max_gap=50, level=0.95, random_state=0):
    """Smallest file-number gap at which neighbours are as far apart as random pairs.

    Returns (gap, ratio at gap 1): distances are Euclidean in ``Z``; the
    reference is the mean distance of random pairs within the same sequence.
    """
    rng = np.random.default_rng(random_state)
    reference = []
    for ix in sequences:
        if len(ix) > 1:
            a, b = rng.choice(ix, size=(2, min(len(ix), 200)))
            keep = a != b
            reference.append(np.linalg.norm(Z[a[keep]] - Z[b[keep]], axis=1))
    if not reference:
        return None, math.nan
    reference = float(np.concatenate(reference).mean())
    ratio_1 = math.nan
    for gap in range(1, max_gap + 1):
        dists = []
        for ix in sequences:
            num = numbers[ix]
            # Pairs exactly ``gap`` numbers apart (files may be missing).
            j = np.searchsorted(num, num + gap)
            ok = (j < len(ix)) & (num[np.minimum(j, len(ix) - 1)] == num + gap)
            if ok.any():
                dists.append(np.linalg.norm(Z[ix[ok]] - Z[ix[j[ok]]], axis=1))
        if not dists:
            continue
        ratio = float(np.concatenate(dists).mean()) / reference
        if gap == 1:
            ratio_1 = ratio
        if ratio >= level:
            return gap, ratio_1
    return max_gap, ratio_1


def _embedding(X, random_state, n_components=50):
    """Standardised features reduced by PCA (distances in 1,000+ raw dimensions are noisy)."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit_transform(np.asarray(X, dtype=float))
    k = min(n_components, Z.shape[0] - 1, Z.shape[1])
    if k < Z.shape[1]:
        Z = PCA(n_components=k, random_state=random_state).fit_transform(Z)
    return Z


def file_sequence_blocks(filenames, y, *, block_size="auto", X=None, cv=5, random_state=0):
    """Group files into blocks of consecutive numbers within each class.

    Image sets such as Aria's ``WBC-Malignant-Early-001.jpg`` ... number the
    files in capture order, so neighbouring numbers are often the same smear
    or patient. Files are grouped by class and name prefix, sorted by the
    trailing number of their stem, and cut into blocks of ``block_size``
    consecutive numbers (counted from the first number of the sequence).
    Files without a trailing number are blocks of their own.

    Parameters
    ----------
    filenames : sequence of str, bytes or path
        Image file names (or paths; only the stem is read), one per sample.
    y : array-like of shape (n_samples,)
        Class labels: numbering restarts in each class, so a block never
        mixes classes.
    block_size : int or "auto", default="auto"
        ``"auto"`` measures how far similarity between neighbours reaches:
        the smallest number gap ``g`` at which files ``g`` apart are, on
        average, 95% as far apart in feature space (``X`` standardised,
        PCA to 50 components) as random pairs of the same sequence; the
        block is ``10 g`` (so few similar pairs straddle a block boundary),
        at least 10 and at most a quarter of a fold of the smallest class.
    X : array-like of shape (n_samples, n_features), default=None
        Features for ``"auto"`` (required then).
    cv : int, default=5
        Number of folds the blocks must fill (bounds the automatic size).
    random_state : int, default=0
        Seeds the PCA and the random pairs of ``"auto"``.

    Returns
    -------
    blocks : ndarray of int of shape (n_samples,)
        Block id of each file.
    info : dict
        ``block_size``, ``n_blocks``, ``n_unnumbered`` and, for ``"auto"``,
        ``correlation_gap`` (50 means "50 or more"),
        ``neighbour_distance_ratio`` (mean distance of files one number
        apart / random pairs: well below 1 means consecutive files look
        alike) and ``rule`` (how the size was chosen, in words).

    Examples
    --------
    >>> names = [f"WBC-Benign-{i:03d}.jpg" for i in range(1, 7)]
    >>> blocks, info = file_sequence_blocks(names, [0] * 6, block_size=3)
    >>> blocks.tolist(), info["n_blocks"]
    ([0, 0, 0, 1, 1, 1], 2)
    """
    y = np.asarray(y)
    if len(filenames) != len(y):
        raise ValueError(f"filenames has {len(filenames)} entries but y has {len(y)}")
    prefixes, numbers = _parse_numbers(filenames)
    sequences = _sequences(y, prefixes, numbers)
    info = {}
    if block_size == "auto":
        if X is None:
            raise ValueError("block_size='auto' needs the feature matrix X")
        max_gap = 50
        gap, ratio = _correlation_length(_embedding(X, random_state), sequences, numbers,
                                         max_gap=max_gap, random_state=random_state)
        smallest = min(np.bincount(np.unique(y, return_inverse=True)[1]))
        upper = max(1, smallest // (4 * cv))
        wanted = max(10 * (gap or 1), 10)
        block_size = int(min(wanted, upper))
        reach = (f"neighbours stay closer than random pairs beyond {max_gap} numbers"
                 if gap == max_gap else f"neighbours look alike up to {gap} numbers apart")
        rule = f"{reach}; 10 x that is {wanted}"
        rule += (f", capped at {upper} (a quarter of a fold of the smallest class)"
                 if block_size < wanted else "")
        info.update(correlation_gap=gap, neighbour_distance_ratio=ratio, rule=rule)
    elif int(block_size) != block_size or block_size < 1:
        raise ValueError(f"block_size must be a positive integer or 'auto', got {block_size!r}")
    block_size = int(block_size)
    blocks = np.full(len(y), -1)
    next_id = 0
    for ix in sequences:
        local = (numbers[ix] - numbers[ix].min()) // block_size
        blocks[ix] = next_id + local
        next_id += int(local.max()) + 1
    unnumbered = np.flatnonzero(blocks < 0)
    blocks[unnumbered] = next_id + np.arange(len(unnumbered))
    blocks = np.unique(blocks, return_inverse=True)[1]
    info.update(block_size=block_size, n_blocks=int(blocks.max()) + 1,
                n_unnumbered=int(len(unnumbered)))
    return blocks, info


def feature_clusters(X, y=None, *, n_clusters=None, random_state=0):
    """Clusters of look-alike images in feature space.

    Features are standardised, reduced to 50 principal components and
    clustered by Ward agglomerative clustering (deterministic, no random
    start) into many small clusters - by default one per 10 images - so a
    cluster is a handful of near neighbours rather than a class.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Image features (e.g. CNN features), one row per image.
    y : array-like of shape (n_samples,), default=None
        Labels for the check that clusters do not just reproduce the
        classes.
    n_clusters : int, default=None
        ``n_samples // 10`` (at least 2) when None.
    random_state : int, default=0
        Seeds the PCA solver.

    Returns
    -------
    clusters : ndarray of int of shape (n_samples,)
        Cluster id of each image.
    info : dict
        ``method``, ``n_clusters``, ``median_size``, ``largest_size`` and,
        with ``y``, ``purity`` (share of images in their cluster's majority
        class: high means clusters sit inside classes) and
        ``adjusted_rand`` (agreement with the class partition: near 1 would
        mean the clusters are the classes and a split by them could not be
        stratified).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.repeat(np.eye(4) * 10, 5, axis=0) + np.random.default_rng(0).normal(size=(20, 4))
    >>> clusters, info = feature_clusters(X, n_clusters=4)
    >>> sorted(np.bincount(clusters).tolist())
    [5, 5, 5, 5]
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    X = np.asarray(X, dtype=float)
    n = len(X)
    n_clusters = max(2, n // 10) if n_clusters is None else int(n_clusters)
    if not 2 <= n_clusters < n:
        raise ValueError(f"n_clusters must be in [2, {n}), got {n_clusters}")
    Z = _embedding(X, random_state)
    clusters = AgglomerativeClustering(n_clusters=n_clusters, linkage="ward").fit_predict(Z)
    sizes = np.bincount(clusters)
    info = {
        "method": (f"Ward agglomerative clustering into {n_clusters} clusters of the "
                   f"standardised features reduced to {Z.shape[1]} principal components"),
        "n_clusters": int(n_clusters),
        "median_size": float(np.median(sizes)),
        "largest_size": int(sizes.max()),
    }
    if y is not None:
        y_codes = np.unique(np.asarray(y), return_inverse=True)[1]
        table = np.zeros((n_clusters, y_codes.max() + 1), dtype=int)
        np.add.at(table, (clusters, y_codes), 1)
        info["purity"] = float(table.max(axis=1).sum() / n)
        info["adjusted_rand"] = float(adjusted_rand_score(y_codes, clusters))
    return clusters, info


def _run_strategy(name, estimator, X, y, units, *, cv, random_state, n_resamples, n_jobs,
                  description):
    splitter = make_cv(y, None if name == "random" else units, n_splits=cv,
                       random_state=random_state)
    result = cross_validate_predictions(
        estimator, X, y, groups=None if name == "random" else units, cv=splitter,
        n_jobs=n_jobs, name=TITLES[name], show_progress=False,
    )
    folds = [fold["accuracy"] for fold in result.fold_metrics]
    ci = bootstrap_metrics(
        result.y_true, result.y_pred, labels=result.classes,
        groups=None if name == "random" else units[result.sample_indices],
        metrics=["accuracy", "f1"], n_resamples=n_resamples, random_state=random_state,
    )
    return {
        "name": name,
        "title": TITLES[name],
        "guards_against": GUARDS[name],
        "description": description,
        "n_groups": int(len(np.unique(units))) if name != "random" else int(len(y)),
        "fold_accuracy": folds,
        "mean_accuracy": float(np.mean(folds)),
        "std_accuracy": float(np.std(folds, ddof=1)) if len(folds) > 1 else math.nan,
        "accuracy_ci": ci["metrics"]["accuracy"],
        "f1_ci": ci["metrics"]["f1"],
        "bootstrap_unit": ci["unit"],
        "result": result,
    }


def leakage_audit(
    estimator,
    X_features,
    y,
    *,
    filenames=None,
    groups=None,
    subjects=None,
    cv=5,
    random_state=0,
    block_size="auto",
    n_clusters=None,
    n_resamples=1000,
    n_jobs=None,
):
    """Cross-validate one pipeline under every split the data allows.

    Strategies, each a stratified ``cv``-fold split of the same rows:

    - ``random``: stratified folds, no grouping;
    - ``duplicates``: the given duplicate ``groups`` kept in one fold;
    - ``sequence``: blocks of consecutive file numbers per class
      (:func:`file_sequence_blocks`), merged with the duplicate groups;
    - ``clusters``: look-alike clusters in feature space
      (:func:`feature_clusters`), merged with the duplicate groups;
    - ``subjects``: real subject IDs (e.g. C-NMC's), merged likewise.

    Parameters
    ----------
    estimator : classifier
        The pipeline to audit (e.g. ``StandardScaler() + SVC()``), cloned
        for every fold.
    X_features : array-like of shape (n_samples, n_features)
        Pre-computed features (extract CNN features once, audit many splits).
    y : array-like of shape (n_samples,)
        Class labels; every strategy stratifies by them.
    filenames : sequence of str, default=None
        Image file names, for the sequence-block strategy.
    groups : array-like of shape (n_samples,), default=None
        Duplicate groups (``load_image_folder(..., group_duplicates=True)``).
    subjects : array-like of shape (n_samples,), default=None
        Subject (patient) IDs where the dataset has them.
    cv : int, default=5
        Number of folds of every strategy.
    random_state : int, default=0
        Seeds the folds, the clustering's PCA and the bootstrap.
    block_size : int or "auto", default="auto"
        See :func:`file_sequence_blocks`.
    n_clusters : int, default=None
        See :func:`feature_clusters`.
    n_resamples : int, default=1000
        Bootstrap resamples of each strategy's interval (cluster bootstrap
        over that strategy's groups).
    n_jobs : int, default=None
        Folds in parallel.

    Returns
    -------
    dict
        ``strategies``: list of dicts (``name``, ``title``,
        ``guards_against`` - one sentence -, ``description`` - block size
        or cluster method -, ``n_groups``, ``fold_accuracy``,
        ``mean_accuracy``, ``std_accuracy``, ``accuracy_ci`` and ``f1_ci``
        (``{"value", "low", "high"}`` from :func:`bootstrap_metrics` of the
        pooled out-of-fold predictions), ``bootstrap_unit`` and ``result``
        (the :class:`CVResult`)); ``strictest``: the name of the strategy
        to quote - subject IDs when given, otherwise the applicable one
        with the lowest mean accuracy (each guards against a different
        leak; the lowest is the one no known leak inflates); ``sequence``
        and ``clusters``: the info dicts of the two helpers (``None`` when
        not run); ``skipped``: ``{"name", "title", "reason"}`` of the
        strategies the data cannot fill (e.g. fewer groups than folds).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 60)
    >>> X = rng.normal(size=(120, 5)) + y[:, None]
    >>> names = [f"cell-{i:03d}.png" for i in range(120)]
    >>> audit = leakage_audit(KNeighborsClassifier(), X, y, filenames=names,
    ...                       block_size=6, n_resamples=200)
    >>> [s["name"] for s in audit["strategies"]]
    ['random', 'sequence', 'clusters']
    """
    X = np.asarray(X_features, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(
            f"X_features must be a 2-D matrix with one row per label, got shape {X.shape} "
            f"for {len(y)} labels; extract features first (e.g. DeepFeatures)"
        )
    for label, values in (("groups", groups), ("subjects", subjects), ("filenames", filenames)):
        if values is not None and len(values) != len(y):
            raise ValueError(f"{label} has {len(values)} entries but y has {len(y)}")
    base = np.arange(len(y)) if groups is None else np.asarray(groups)
    common = dict(cv=cv, random_state=random_state, n_resamples=n_resamples, n_jobs=n_jobs)
    strategies, skipped = [], []

    def run(name, units, description):
        # A split the data cannot fill (fewer groups than folds, a class in too few
        # groups) is reported as skipped rather than failing the whole audit.
        try:
            strategies.append(_run_strategy(name, estimator, X, y, units,
                                            description=description, **common))
        except ValueError as exc:
            skipped.append({"name": name, "title": TITLES[name], "reason": str(exc)})

    run("random", np.arange(len(y)), "stratified k-fold, shuffled")
    if groups is not None:
        units = _merge_groupings(base)
        run("duplicates", units, f"{units.max() + 1} groups: each image with its identical or "
                                 "near-identical copies")
    sequence_info = cluster_info = None
    if filenames is not None:
        blocks, sequence_info = file_sequence_blocks(filenames, y, block_size=block_size, X=X,
                                                     cv=cv, random_state=random_state)
        units = _merge_groupings(blocks, base)
        text = f"blocks of {sequence_info['block_size']} consecutive file numbers per class"
        if "rule" in sequence_info:
            text += (f" ({sequence_info['rule']}; files one number apart are "
                     f"{sequence_info['neighbour_distance_ratio']:.2f} x as far apart in "
                     "feature space as random pairs of their class)")
        text += f"; {units.max() + 1} groups" + (" after merging duplicates" if groups is not None
                                                else "")
        run("sequence", units, text)
    clusters, cluster_info = feature_clusters(X, y, n_clusters=n_clusters,
                                              random_state=random_state)
    units = _merge_groupings(clusters, base)
    run("clusters", units,
        f"{cluster_info['method']}; median size {cluster_info['median_size']:g}, "
        f"class purity {cluster_info['purity']:.2f}, adjusted Rand index vs "
        f"classes {cluster_info['adjusted_rand']:.2f}; {units.max() + 1} groups"
        + (" after merging duplicates" if groups is not None else ""))
    if subjects is not None:
        units = _merge_groupings(np.asarray(subjects), base)
        run("subjects", units, f"{len(np.unique(subjects))} subjects")
    if not strategies:
        raise ValueError(f"no split could be run: {skipped[0]['reason']}")
    if any(s["name"] == "subjects" for s in strategies):
        strictest = "subjects"
    else:
        strictest = min(strategies, key=lambda s: s["mean_accuracy"])["name"]
    return {"strategies": strategies, "strictest": strictest, "sequence": sequence_info,
            "clusters": cluster_info, "skipped": skipped}
