"""Cross-validation that keeps every out-of-fold prediction and timing.

scikit-learn's ``cross_validate`` returns scores only; the reports need the
out-of-fold predictions and scores (pooled confusion matrix, ROC and PR
curves), per-fold metrics for mean ± std, and fit / predict times.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from ..images import take_images
from ..utils import parallel_map
from ._json import estimator_params, jsonable, nan_if_none
from ._metrics import classification_metrics, confusion, per_class_report, score_matrix

__all__ = [
    "CVResult",
    "make_cv",
    "holdout_split",
    "cross_validate_predictions",
]


def _take(X, indices):
    """Rows ``indices`` of a feature matrix or image collection (DataFrames and sparse too)."""
    if isinstance(X, (np.ndarray, list, tuple)):
        return take_images(X, indices)
    return _safe_indexing(X, np.asarray(indices), axis=0)


def _check_y_groups(y, groups):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise ValueError(f"groups has shape {groups.shape} but y has shape {y.shape}")
    return y, groups


def make_cv(y, groups=None, *, n_splits=5, random_state=0):
    """The stratified splitter used by every featleuk experiment.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (patient, slide, or near-duplicate cluster from
        ``featleuk.datasets``). When given, no group is split across folds,
        which is what keeps crops of one smear from leaking into the test
        fold.
    n_splits : int, default=5
        Number of folds, at least 2.
    random_state : int, default=0
        Seeds the shuffling, so the same ``y`` gives the same folds.

    Returns
    -------
    StratifiedKFold or StratifiedGroupKFold
        Shuffled; call ``split(X, y, groups)``.

    Raises
    ------
    ValueError
        A class has fewer members than ``n_splits`` (it could not appear in
        every test fold), or there are fewer groups than ``n_splits``.

    Examples
    --------
    >>> y = ["ALL", "ALL", "healthy", "healthy"] * 3
    >>> make_cv(y, n_splits=3)
    StratifiedKFold(n_splits=3, random_state=0, shuffle=True)
    >>> make_cv(y, groups=[0, 1, 2, 3, 4, 5] * 2, n_splits=3)
    StratifiedGroupKFold(n_splits=3, random_state=0, shuffle=True)
    """
    y, groups = _check_y_groups(y, groups)
    if int(n_splits) != n_splits or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    classes, counts = np.unique(y, return_counts=True)
    too_small = [(c, n) for c, n in zip(classes.tolist(), counts.tolist()) if n < n_splits]
    if too_small:
        listed = ", ".join(f"{c!r} ({n} samples)" for c, n in too_small)
        raise ValueError(
            f"cannot stratify into n_splits={n_splits} folds: class {listed} has fewer "
            f"members than n_splits; lower n_splits or drop/merge the class"
        )
    if groups is None:
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise ValueError(f"only {n_groups} distinct groups for n_splits={n_splits} group-aware folds")
    for label in classes:
        n_class_groups = len(np.unique(groups[y == label]))
        if n_class_groups < n_splits:
            warnings.warn(
                f"class {label!r} occurs in only {n_class_groups} groups, so some of the "
                f"{n_splits} test folds will not contain it (its per-fold AUC is then NaN)",
                UserWarning,
                stacklevel=2,
            )
    return StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)


def _split_off(indices, y, groups, fraction, random_state):
    """Split ``indices`` into (kept, held_out) with ``fraction`` held out, stratified."""
    if groups is None:
        kept, held = train_test_split(
            indices, test_size=fraction, stratify=y, random_state=random_state
        )
        return kept, held
    # Group-aware: hold out the first fold of a StratifiedGroupKFold with
    # round(1 / fraction) folds, so the held-out share is 1 / n_splits.
    n_splits = max(2, round(1.0 / fraction))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    kept, held = next(splitter.split(np.zeros(len(y)), y, groups))
    return indices[kept], indices[held]


def holdout_split(y, groups=None, *, test_size=0.2, val_size=0.0, random_state=0):
    """Deterministic stratified train / validation / test indices.

    This is **the** held-out split of featleuk: the end-to-end deep-model
    experiment (``DeepClassifier``) and the hybrid pipelines both call it
    with the same ``y`` (images in the loader's sorted order) and
    ``random_state``, so they are trained and tested on the same images and
    their test numbers are comparable.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; every part of the split is stratified by them.
    groups : array-like of shape (n_samples,), default=None
        When given, no group is shared between train, validation and test.
        Group-aware splits hold out ``1 / round(1 / size)`` of the groups'
        samples (stratified by class), so sizes are approximate.
    test_size : float, default=0.2
        Fraction of all samples in the test set.
    val_size : float, default=0.0
        Fraction of all samples in the validation set (early stopping /
        model selection); 0 gives an empty validation set.
    random_state : int, default=0
        Seeds the shuffling, so the same ``y`` gives the same split.

    Returns
    -------
    train_idx, val_idx, test_idx : ndarray of int
        Sorted, disjoint, covering ``range(len(y))``.

    Examples
    --------
    >>> train, val, test = holdout_split([0] * 10 + [1] * 10, test_size=0.2, val_size=0.2)
    >>> len(train), len(val), len(test)
    (12, 4, 4)
    >>> test
    array([ 0,  5, 14, 17])
    """
    y, groups = _check_y_groups(y, groups)
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    if not 0.0 <= val_size < 1.0 or test_size + val_size >= 1.0:
        raise ValueError(
            f"val_size must be in [0, 1) with test_size + val_size < 1, got {val_size} + {test_size}"
        )
    indices = np.arange(len(y))
    rest, test = _split_off(indices, y, groups, test_size, random_state)
    if val_size > 0:
        sub_groups = None if groups is None else groups[rest]
        train, val = _split_off(rest, y[rest], sub_groups, val_size / (1.0 - test_size), random_state)
    else:
        train, val = rest, np.empty(0, dtype=int)
    return np.sort(train), np.sort(val), np.sort(test)


@dataclass(eq=False)
class CVResult:
    """Out-of-fold predictions, per-fold metrics and timings of one pipeline.

    ``y_true``, ``y_pred`` and ``y_score`` cover the samples that were in a
    test fold, in input order (all samples for k-fold; the test set for a
    single holdout split); ``sample_indices`` says which. ``y_score`` has one
    column per class in the order of ``classes`` (``predict_proba``, else
    ``decision_function``; a binary 1-D margin ``s`` is stored as
    ``[-s, s]``), or is ``None`` for an estimator with neither. Margins from
    different folds are on different scales, so pooled-score curves of a
    ``decision_function`` model are indicative; the per-fold AUCs in
    ``fold_metrics`` are exact.

    ``groups`` holds the group of each row of ``y_true`` when the folds were
    group-aware (the cluster-bootstrap units of the report's intervals),
    ``params`` the ``get_params(deep=True)`` of the cross-validated estimator
    in JSON form, and ``external`` is set by :func:`evaluate_external` for a
    model tested on another dataset (``dataset``, ``training_dataset``,
    ``class_map``).

    Parameters
    ----------
    name : str
        Pipeline name in reports.
    classes : ndarray of shape (n_classes,)
        The class labels, sorted; the column order of ``y_score``.
    target_names : list of str
        Display name of each class, in the order of ``classes``.
    fold_metrics : list of dict
        :func:`classification_metrics` of each test fold.
    y_true : ndarray of shape (n_tested,)
        True labels of the tested samples, in input order.
    y_pred : ndarray of shape (n_tested,)
        Out-of-fold predictions, aligned with ``y_true``.
    y_score : ndarray of shape (n_tested, n_classes) or None
        Out-of-fold class scores, aligned with ``y_true``.
    fold_indices : list of ndarray of int
        Input positions of each test fold.
    fit_times : list of float
        Seconds spent fitting in each fold.
    score_times : list of float
        Seconds spent predicting and scoring each test fold.
    wall_time : float
        Seconds of the whole cross-validation, folds run in parallel
        included.
    extra : dict, default={}
        Free-form facts for the report (splitter, ``n_jobs``, score method,
        number of features).
    estimators : list of estimator or None, default=None
        The fitted estimator of each fold, when they were kept.
    groups : ndarray of shape (n_tested,) or None, default=None
        Group of each row of ``y_true``.
    params : dict or None, default=None
        ``get_params(deep=True)`` of the estimator in JSON form.
    external : dict or None, default=None
        Set for a model tested on another dataset.

    Attributes
    ----------
    n_folds : int
        Number of test folds.
    sample_indices : ndarray of int
        Input positions of the rows of ``y_true``, ``y_pred`` and ``y_score``.

    Examples
    --------
    >>> result = CVResult.from_predictions(
    ...     ["ALL", "ALL", "healthy", "healthy"], ["ALL", "healthy", "healthy", "healthy"],
    ...     [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9]], name="demo")
    >>> result.n_folds, result.pooled_metrics()["accuracy"]
    (1, 0.75)
    >>> result.confusion_matrix()
    array([[1, 1],
           [0, 2]])
    """

    name: str
    classes: np.ndarray
    target_names: list
    fold_metrics: list
    y_true: np.ndarray
    y_pred: np.ndarray
    y_score: np.ndarray | None
    fold_indices: list
    fit_times: list
    score_times: list
    wall_time: float
    extra: dict = field(default_factory=dict)
    estimators: list | None = field(default=None, repr=False)
    groups: np.ndarray | None = field(default=None, repr=False)
    params: dict | None = field(default=None, repr=False)
    external: dict | None = None

    @property
    def n_folds(self) -> int:
        return len(self.fold_indices)

    @property
    def sample_indices(self) -> np.ndarray:
        """Input positions of ``y_true`` / ``y_pred`` / ``y_score`` rows."""
        return np.sort(np.concatenate(self.fold_indices)) if self.fold_indices else np.empty(0, int)

    def summary(self) -> dict:
        """``{metric: {"mean", "std", "folds"}}`` over folds.

        NaN fold values (e.g. AUC of a fold missing a class) are left out of
        the mean and std; ``std`` is the sample standard deviation
        (``ddof=1``) and NaN with fewer than two finite folds.

        Returns
        -------
        dict of {str: dict}
            For each metric of :data:`METRIC_NAMES`, ``"mean"`` and ``"std"``
            (floats) and ``"folds"`` (the list of fold values).
        """
        out = {}
        for metric in self.fold_metrics[0] if self.fold_metrics else ():
            values = np.array([fold[metric] for fold in self.fold_metrics], dtype=float)
            finite = values[np.isfinite(values)]
            out[metric] = {
                "mean": float(finite.mean()) if finite.size else math.nan,
                "std": float(finite.std(ddof=1)) if finite.size > 1 else math.nan,
                "folds": values.tolist(),
            }
        return out

    def mean_metrics(self) -> dict:
        """``{metric: mean over folds}``.

        Returns
        -------
        dict of {str: float}
            The ``"mean"`` of each metric of :meth:`summary`.
        """
        return {metric: stats["mean"] for metric, stats in self.summary().items()}

    def pooled_metrics(self) -> dict:
        """:func:`classification_metrics` of all out-of-fold predictions together.

        Returns
        -------
        dict of {str: float}
            Every metric of :data:`METRIC_NAMES` on the pooled predictions.
        """
        return classification_metrics(self.y_true, self.y_pred, self.y_score, labels=self.classes)

    def per_class(self) -> list:
        """:func:`per_class_report` of the pooled out-of-fold predictions.

        Returns
        -------
        list of dict
            One dict of one-vs-rest numbers per class, in ``classes`` order.
        """
        return per_class_report(
            self.y_true, self.y_pred, self.y_score, self.target_names, labels=self.classes
        )

    def confusion_matrix(self, normalize=None) -> np.ndarray:
        """Pooled out-of-fold confusion matrix (rows true, columns predicted).

        Parameters
        ----------
        normalize : {None, "true"}, default=None
            ``"true"`` divides each row by its class count (as
            :func:`confusion`).

        Returns
        -------
        ndarray of shape (n_classes, n_classes)
            Rows and columns in ``classes`` order.
        """
        return confusion(self.y_true, self.y_pred, labels=self.classes, normalize=normalize)

    def confident_errors(self, n=10):
        """The ``n`` most confidently wrong predictions, most confident first.

        Confidence is the score of the predicted class minus the score of the
        true class (for probabilities: how much more the model believed its
        mistake); without scores the errors come in input order.

        Parameters
        ----------
        n : int, default=10
            Largest number of errors returned.

        Returns
        -------
        rows : ndarray of int
            Positions in ``y_true`` (``sample_indices[rows]`` are the inputs).
        margins : ndarray of float
            Score of the predicted class minus score of the true class; NaN
            without scores.
        """
        wrong = np.flatnonzero(np.asarray(self.y_pred) != np.asarray(self.y_true))
        if self.y_score is None or wrong.size == 0:
            return wrong[:n], np.full(min(n, wrong.size), np.nan)
        code = {label: i for i, label in enumerate(np.asarray(self.classes).tolist())}
        true_col = np.array([code[v] for v in np.asarray(self.y_true)[wrong].tolist()])
        pred_col = np.array([code[v] for v in np.asarray(self.y_pred)[wrong].tolist()])
        scores = np.asarray(self.y_score)[wrong]
        margin = scores[np.arange(wrong.size), pred_col] - scores[np.arange(wrong.size), true_col]
        margin = np.where(np.isfinite(margin), margin, -np.inf)
        order = np.argsort(-margin, kind="stable")[:n]
        return wrong[order], np.where(np.isfinite(margin[order]), margin[order], np.nan)

    def display_name(self, label) -> str:
        """The target name of class ``label``.

        Parameters
        ----------
        label : object
            A value of ``classes``.

        Returns
        -------
        str
            Its entry of ``target_names``.
        """
        classes = np.asarray(self.classes).tolist()
        return str(self.target_names[classes.index(label)])

    def to_dict(self) -> dict:
        """A JSON-safe dict (NaN as ``None``); :meth:`from_dict` reads it back.

        Fitted estimators are not included.

        Returns
        -------
        dict
            Every field but ``estimators``, as lists, numbers, strings and
            ``None``.
        """
        return jsonable({
            "name": self.name,
            "classes": self.classes,
            "target_names": list(self.target_names),
            "fold_metrics": self.fold_metrics,
            "y_true": self.y_true,
            "y_pred": self.y_pred,
            "y_score": self.y_score,
            "fold_indices": self.fold_indices,
            "fit_times": self.fit_times,
            "score_times": self.score_times,
            "wall_time": self.wall_time,
            "extra": self.extra,
            "groups": self.groups,
            "params": self.params,
            "external": self.external,
        })

    @classmethod
    def from_dict(cls, data: dict) -> "CVResult":
        """Rebuild a result saved with :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            The output of :meth:`to_dict` (e.g. read back from JSON).

        Returns
        -------
        CVResult
            The result, without fitted estimators; ``None`` values of the
            metrics and scores become NaN again.
        """
        y_score = data.get("y_score")
        return cls(
            name=data["name"],
            classes=np.asarray(data["classes"]),
            target_names=list(data["target_names"]),
            fold_metrics=[
                {key: math.nan if value is None else value for key, value in fold.items()}
                for fold in data["fold_metrics"]
            ],
            y_true=np.asarray(data["y_true"]),
            y_pred=np.asarray(data["y_pred"]),
            y_score=None if y_score is None else np.array(
                [nan_if_none(row) for row in y_score], dtype=float
            ),
            fold_indices=[np.asarray(fold, dtype=int) for fold in data["fold_indices"]],
            fit_times=nan_if_none(data["fit_times"]),
            score_times=nan_if_none(data["score_times"]),
            wall_time=math.nan if data.get("wall_time") is None else data["wall_time"],
            extra=dict(data.get("extra") or {}),
            groups=None if data.get("groups") is None else np.asarray(data["groups"]),
            params=data.get("params"),
            external=data.get("external"),
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        y_score=None,
        *,
        name,
        classes=None,
        target_names=None,
        indices=None,
        fit_time=math.nan,
        score_time=math.nan,
        wall_time=None,
        extra=None,
        groups=None,
        params=None,
    ) -> "CVResult":
        """A one-"fold" result from test-set predictions (e.g. a holdout split).

        Parameters
        ----------
        y_true, y_pred, y_score
            Test-set labels, predictions and scores (columns in ``classes``
            order).
        name : str
            Pipeline name in reports.
        classes : array-like, default=None
            The model's ``classes_``; the sorted labels of ``y_true`` and
            ``y_pred`` when ``None``.
        target_names : list of str, default=None
            Display names in ``classes`` order; ``str(label)`` when ``None``.
        indices : array-like of int, default=None
            Input positions of the test samples (``test_idx`` of
            :func:`holdout_split`); ``range(len(y_true))`` when ``None``.
        fit_time, score_time : float
            Seconds spent training and predicting.
        wall_time : float, default=None
            Total seconds; ``fit_time + score_time`` when ``None``.
        extra : dict, default=None
            Free-form facts stored in ``result.extra``.
        groups : array-like of shape (n_test,), default=None
            Group of each test sample (cluster-bootstrap units).
        params : dict, default=None
            The model's parameters (:func:`estimator_params`).

        Returns
        -------
        CVResult
            One fold holding every test sample, sorted by ``indices``.
        """
        y_true = np.asarray(y_true)
        y_pred = np.asarray(y_pred)
        if classes is None:
            classes = np.unique(np.concatenate([y_true, y_pred]))
        classes = np.asarray(classes)
        if y_score is not None:
            y_score = score_matrix(y_score, len(classes))
        if target_names is None:
            target_names = [str(c) for c in classes]
        indices = np.arange(len(y_true)) if indices is None else np.asarray(indices, dtype=int)
        order = np.argsort(indices, kind="stable")
        return cls(
            name=name,
            classes=classes,
            target_names=list(target_names),
            fold_metrics=[classification_metrics(y_true, y_pred, y_score, labels=classes)],
            y_true=y_true[order],
            y_pred=y_pred[order],
            y_score=None if y_score is None else y_score[order],
            fold_indices=[indices],
            fit_times=[float(fit_time)],
            score_times=[float(score_time)],
            wall_time=float(fit_time + score_time if wall_time is None else wall_time),
            extra=dict(extra or {}),
            groups=None if groups is None else np.asarray(groups)[order],
            params=params,
        )


def _align_scores(scores, estimator_classes, classes, method):
    """Scores as an (n, n_classes) matrix in ``classes`` order, or None if impossible."""
    scores = np.asarray(scores, dtype=float)
    if estimator_classes is None or np.array_equal(estimator_classes, classes):
        try:
            return score_matrix(scores, len(classes))
        except ValueError as exc:
            warnings.warn(f"{method} output ignored: {exc}", UserWarning, stacklevel=3)
            return None
    # The training fold lacked a class: put the known columns in place. A
    # missing class has probability 0; a missing margin is unknown (NaN,
    # which makes that class's AUC NaN rather than invented).
    estimator_classes = np.asarray(estimator_classes)
    if scores.ndim == 1 or scores.shape[1] != len(estimator_classes):
        warnings.warn(
            f"{method} output of shape {scores.shape} cannot be aligned to classes "
            f"{classes.tolist()}; scores dropped",
            UserWarning,
            stacklevel=3,
        )
        return None
    fill = 0.0 if method == "predict_proba" else math.nan
    aligned = np.full((len(scores), len(classes)), fill)
    positions = np.searchsorted(classes, estimator_classes)
    aligned[:, positions] = scores
    return aligned


def _score_method(estimator):
    """``"predict_proba"``, ``"decision_function"`` or None: what gives ``estimator``'s scores."""
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    for method in ("predict_proba", "decision_function"):
        # hasattr honours available_if, e.g. SVC(probability=False) has no predict_proba.
        if hasattr(estimator, method):
            return method
    return None


def _predict_with_scores(estimator, X, classes):
    """``predict`` plus class scores, running a Pipeline's transformers once."""
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        # Pipeline.predict and predict_proba would each re-run every
        # transformer (e.g. CNN feature extraction) on the test images.
        X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    y_pred = estimator.predict(X)
    method = _score_method(estimator)
    if method is None:
        return y_pred, None
    scores = getattr(estimator, method)(X)
    return y_pred, _align_scores(scores, getattr(estimator, "classes_", None), classes, method)


def as_result_dict(results, *, caller="write_report"):
    """``{name: CVResult}`` from a dict, a list of results or a single result.

    Names must be unique; a list uses each result's ``name``.
    """
    if isinstance(results, CVResult):
        results = [results]
    if isinstance(results, Mapping):
        items = list(results.items())
    else:
        items = [(getattr(result, "name", None), result) for result in results]
    if not items:
        raise ValueError(f"{caller} needs at least one result")
    for name, result in items:
        if not isinstance(result, CVResult):
            raise TypeError(f"result {name!r} is a {type(result).__name__}, not a CVResult")
    names = [str(name) for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"pipeline names must be unique, got {names}")
    return {str(name): result for name, result in items}


def _run_fold(split, *, estimator, X, y, classes, return_estimator):
    train, test = split
    model = clone(estimator)
    start = time.perf_counter()
    model.fit(_take(X, train), y[train])
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    y_pred, y_score = _predict_with_scores(model, _take(X, test), classes)
    score_time = time.perf_counter() - start
    return {
        "y_pred": np.asarray(y_pred),
        "y_score": y_score,
        "fit_time": fit_time,
        "score_time": score_time,
        "estimator": model if return_estimator else None,
    }


def _default_name(estimator):
    if isinstance(estimator, Pipeline):
        return "+".join(step for step, _ in estimator.steps)
    return type(estimator).__name__


def _resolve_splits(cv, X, y, groups, random_state):
    if isinstance(cv, int):
        splitter = make_cv(y, groups, n_splits=cv, random_state=random_state)
    else:
        splitter = cv
    if hasattr(splitter, "split"):
        splits = list(splitter.split(np.zeros((len(y), 1)), y, groups))
        description = repr(splitter)
    else:
        splits = [(np.asarray(train), np.asarray(test)) for train, test in splitter]
        description = f"{len(splits)} given train/test splits"
    tested = np.concatenate([test for _, test in splits])
    if len(np.unique(tested)) != len(tested):
        raise ValueError(
            "test folds overlap (a sample is tested twice, e.g. repeated CV); out-of-fold "
            "predictions need disjoint test folds - run one repetition per call"
        )
    return splits, description


def cross_validate_predictions(
    estimator,
    X,
    y,
    *,
    groups=None,
    cv=5,
    random_state=0,
    n_jobs=None,
    name=None,
    target_names=None,
    show_progress=True,
    return_estimator=False,
):
    """Cross-validate ``estimator`` and keep out-of-fold predictions, scores and times.

    Each fold clones ``estimator``, fits it on the training rows, then
    predicts and scores the test rows (``predict_proba`` if the estimator
    has it, else ``decision_function``).

    Parameters
    ----------
    estimator : classifier
        Any scikit-learn classifier or Pipeline.
    X : array-like, image array or list of paths
        A 2-D feature matrix, an ``(N, H, W, C)`` image array, a DataFrame,
        or a list of image paths / arrays; rows are taken with
        ``sklearn.utils._safe_indexing``.
    y : array-like of shape (n_samples,)
        Class labels.
    groups : array-like of shape (n_samples,), default=None
        Keeps each group in one fold (see :func:`make_cv`).
    cv : int, splitter or iterable of (train, test), default=5
        An int builds :func:`make_cv` with that many folds; a splitter's
        ``split(X, y, groups)`` is used as is; explicit index pairs (e.g.
        ``[(train_idx, test_idx)]`` from :func:`holdout_split`) too. Test
        folds must be disjoint.
    random_state : int, default=0
        Seeds the folds when ``cv`` is an int. The estimator's own
        ``random_state`` is not touched.
    n_jobs : int, default=None
        Folds run in parallel through joblib (so ``joblib.parallel_config(
        backend="dask")`` sends them to a dask cluster); None runs in process.
    name : str, default=None
        Pipeline name in reports; the class name (or Pipeline step names).
    target_names : list of str, default=None
        Display names of the sorted classes of ``y``.
    show_progress : bool, default=True
        A bar over folds (``FEATLEUK_PROGRESS=0`` hides it).
    return_estimator : bool, default=False
        Keep the fitted estimator of each fold in ``result.estimators``
        (e.g. to read which features a selector kept).

    Returns
    -------
    CVResult
        Out-of-fold predictions and scores, per-fold metrics and timings.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> result = cross_validate_predictions(LogisticRegression(max_iter=1000), X, y,
    ...                                     show_progress=False)
    >>> result.name, result.n_folds, result.y_score.shape
    ('LogisticRegression', 5, (150, 3))
    >>> round(result.pooled_metrics()["accuracy"], 2)
    0.96
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if groups is not None:
        groups = np.asarray(groups)
    classes = np.unique(y)
    if target_names is None:
        target_names = [str(c) for c in classes]
    if len(target_names) != len(classes):
        raise ValueError(f"{len(target_names)} target_names for {len(classes)} classes")
    name = name or _default_name(estimator)

    start = time.perf_counter()
    splits, description = _resolve_splits(cv, X, y, groups, random_state)
    run = functools.partial(
        _run_fold, estimator=estimator, X=X, y=y, classes=classes, return_estimator=return_estimator
    )
    folds = parallel_map(
        run, splits, n_jobs=n_jobs, desc=f"CV {name}", show_progress=show_progress, batch_size=1
    )
    wall_time = time.perf_counter() - start

    tested = np.sort(np.concatenate([test for _, test in splits]))
    position = np.empty(len(y), dtype=int)
    position[tested] = np.arange(len(tested))
    # Concatenating first gives a dtype wide enough for every fold's labels.
    y_pred = np.empty_like(np.concatenate([fold["y_pred"] for fold in folds]))
    have_scores = all(fold["y_score"] is not None for fold in folds)
    y_score = np.empty((len(tested), len(classes))) if have_scores else None
    fold_metrics = []
    for (_, test), fold in zip(splits, folds):
        y_pred[position[test]] = fold["y_pred"]
        if have_scores:
            y_score[position[test]] = fold["y_score"]
        fold_metrics.append(
            classification_metrics(y[test], fold["y_pred"], fold["y_score"], labels=classes)
        )

    extra = {"cv": description, "n_jobs": n_jobs, "scores": _score_method(estimator)}
    if isinstance(cv, int):
        extra["random_state"] = random_state
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        extra["n_features"] = int(shape[1])
    return CVResult(
        name=name,
        classes=classes,
        target_names=list(target_names),
        fold_metrics=fold_metrics,
        y_true=y[tested],
        y_pred=y_pred,
        y_score=y_score,
        fold_indices=[np.asarray(test) for _, test in splits],
        fit_times=[fold["fit_time"] for fold in folds],
        score_times=[fold["score_time"] for fold in folds],
        wall_time=wall_time,
        extra=extra,
        estimators=[fold["estimator"] for fold in folds] if return_estimator else None,
        groups=None if groups is None else groups[tested],
        params=estimator_params(estimator),
    )
