"""Shared machinery of the swarm feature selectors: parameters, input checks, fitness.

A subclass only implements :meth:`BaseSwarmSelector._search`, which moves its
swarm and asks a :class:`~featleuk.selection._subset_scorer.SubsetScorer` for
the cost of candidate subsets. Everything a user can rely on -- validation
before any optimisation, the fitness, never an empty subset, the returned
subset being the best one actually scored, reproducibility -- lives here.
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, validate_data, _fit_context
from sklearn.feature_selection import SelectorMixin, f_classif, f_regression
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..utils import progress
from ._subset_scorer import SubsetScorer

__all__ = ["BaseSwarmSelector", "default_fitness_estimator"]


def default_fitness_estimator():
    """The estimator used when ``estimator=None``.

    A ridge classifier (one-vs-all least squares with an L2 penalty) is a
    strong linear model on CNN features, has a closed-form fit and no
    iterative solver, and was several times faster than Ledoit-Wolf shrinkage
    LDA on subsets of MobileNetV2 features during development. It keeps a
    default swarm search on the 3,256 x 1,280 ALL feature matrix well within
    minutes on two cores (measured in docs/benchmarks.md).
    """
    return RidgeClassifier(solver="cholesky")


class BaseSwarmSelector(SelectorMixin, BaseEstimator):
    """Wrapper feature selection by a binary swarm minimising a penalised CV error.

    The cost of a subset ``S`` of the ``p`` features is
    ``(1 - alpha) * (1 - score(S)) + alpha * |S| / p``, where ``score(S)`` is
    the mean cross-validated ``scoring`` of ``estimator`` on the columns ``S``.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="left")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "init_fraction": [Interval(Real, 0, 1, closed="neither")],
        "show_progress": ["boolean"],
    }

    def __init__(self, estimator=None, *, max_iter, alpha, cv, scoring, n_jobs, random_state,
                 init_fraction, show_progress):
        self.estimator = estimator
        self.max_iter = max_iter
        self.alpha = alpha
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.init_fraction = init_fraction
        self.show_progress = show_progress

    @abstractmethod
    def _search(self, scorer, n_features, seed):
        """Run the swarm, scoring candidates with ``scorer.costs`` and calling
        ``scorer.end_iteration()`` once per iteration. ``seed`` is an int."""

    def _check_search_params(self, n_features):
        """Subclass hook: raise on parameters that only make sense given the data."""

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Search a feature subset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite feature matrix (NaN or infinite values raise ``ValueError``).
        y : array-like of shape (n_samples,)
            Targets; for a classifier at least two classes, each with at least
            as many samples as cross-validation folds.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        estimator = default_fitness_estimator() if self.estimator is None else self.estimator
        classifier = is_classifier(estimator)
        cv = check_cv(self.cv, y, classifier=classifier)
        self._check_targets(y, classifier, cv.get_n_splits(X, y))
        self._check_search_params(X.shape[1])
        splits = list(cv.split(X, y))
        scorer = check_scoring(estimator, self.scoring)

        # One shared seed: every source of randomness in the search derives from it.
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        bar = progress(total=self.max_iter, desc=type(self).__name__, enabled=self.show_progress,
                       unit="iter")
        subset_scorer = SubsetScorer(
            estimator, X, y, splits, scorer, alpha=self.alpha,
            fallback_feature=_best_ranked_feature(X, y, classifier), n_jobs=self.n_jobs, bar=bar,
        )
        try:
            # Hundreds of small fits: one BLAS thread each is several times
            # faster than threads contending for the cores of a loaded
            # machine; parallelism comes from n_jobs instead.
            with threadpool_limits(limits=1, user_api="blas"):
                self._search(subset_scorer, X.shape[1], seed)
        finally:
            bar.close()

        self.support_ = subset_scorer.best_mask
        self.best_score_ = subset_scorer.best_score
        self.best_cost_ = subset_scorer.best_cost
        self.history_ = np.asarray(subset_scorer.history)
        self.n_iter_ = len(self.history_)
        self.n_subsets_evaluated_ = len(subset_scorer.cache)
        return self

    def _check_targets(self, y, classifier, n_splits):
        name = type(self).__name__
        if classifier:
            check_classification_targets(y)
            classes, counts = np.unique(y, return_counts=True)
            if len(classes) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes in y to score feature subsets; "
                    f"got 1 class ({classes[0]!r})."
                )
            if counts.min() < n_splits:
                raise ValueError(
                    f"{name}: class {classes[counts.argmin()]} has only {counts.min()} "
                    f"sample(s), fewer than the {n_splits} cross-validation folds; lower cv "
                    "or add samples."
                )
        elif len(y) < n_splits:
            raise ValueError(
                f"{name}: n_samples={len(y)} is fewer than the {n_splits} cross-validation folds."
            )

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


def _best_ranked_feature(X, y, classifier):
    """Index of the feature with the largest univariate F statistic (repair target)."""
    if X.shape[1] == 1:
        return 0
    with warnings.catch_warnings():
        # Constant columns give NaN F values and a warning; they simply rank last.
        warnings.simplefilter("ignore")
        f_values = (f_classif if classifier else f_regression)(X, y)[0]
    return int(np.argmax(np.nan_to_num(f_values, nan=-np.inf)))
