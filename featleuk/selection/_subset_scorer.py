"""Scoring feature subsets: the fitness every swarm selector minimises.

One :class:`SubsetScorer` is built per ``fit``. It owns the data, the fixed
cross-validation splits and a cache of every subset it has scored, and it
remembers the best subset *it actually scored*. The selectors return that
subset rather than whatever position their optimiser reports, because
pyswarms' binary PSO has returned positions that do not match its reported
best cost (pyswarms issues #292 and #321).
"""

from __future__ import annotations

import numpy as np
from sklearn import config_context
from sklearn.base import clone

from ..utils import parallel_map

__all__ = ["SubsetScorer", "subset_cost"]


def subset_cost(score, n_selected, n_features, alpha):
    """Fitness of a subset: ``(1 - alpha) * (1 - score) + alpha * n_selected / n_features``.

    Lower is better. ``score`` is the mean cross-validated score (e.g.
    accuracy), ``alpha`` trades it against the fraction of features kept.
    """
    return (1.0 - alpha) * (1.0 - score) + alpha * (n_selected / n_features)


class _CVScore:
    """Picklable ``mask -> mean CV score`` so joblib workers can run it.

    A plain loop over the fixed folds rather than ``cross_val_score``: on small
    subsets the latter's per-call set-up costs as much as the fits, and with
    hundreds of subsets per search that matters. ``assume_finite`` skips
    re-checking data that ``fit`` has already validated once.
    """

    def __init__(self, estimator, X, y, splits, scorer):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.splits = splits
        self.scorer = scorer

    def __call__(self, mask):
        X = self.X[:, mask]
        scores = []
        with config_context(assume_finite=True):
            for train, test in self.splits:
                fitted = clone(self.estimator).fit(X[train], self.y[train])
                scores.append(self.scorer(fitted, X[test], self.y[test]))
        return float(np.mean(scores))


class SubsetScorer:
    """Cached, repairing, best-tracking fitness of boolean feature masks.

    Parameters
    ----------
    estimator : estimator
        Fitted on each candidate subset inside cross-validation.
    X, y : arrays
        Validated training data.
    splits : list of (train, test) index pairs
        Fixed for the whole search so every subset is judged on the same folds
        (and ``best_score`` can be reproduced with the same ``cv``).
    scorer : callable
        A scikit-learn scorer ``scorer(estimator, X, y)``.
    alpha : float
        Weight of the fraction of features kept, see :func:`subset_cost`.
    fallback_feature : int
        The feature an empty mask is repaired to (the best-ranked one), so an
        empty subset is never scored nor returned.
    n_jobs : int or None
        Distinct unseen subsets of one batch are scored in parallel.
    bar : tqdm or None
        Advanced once per :meth:`end_iteration`.
    """

    def __init__(self, estimator, X, y, splits, scorer, *, alpha, fallback_feature,
                 n_jobs=None, bar=None):
        self._cv_score = _CVScore(estimator, X, y, splits, scorer)
        self.n_features = X.shape[1]
        self.alpha = alpha
        self.fallback_feature = fallback_feature
        self.n_jobs = n_jobs
        self.bar = bar
        self.cache: dict[bytes, float] = {}
        self.best_mask = None
        self.best_score = -np.inf
        self.best_cost = np.inf
        self.history: list[float] = []

    def repair(self, masks):
        """Boolean copy of ``masks`` (2-D) with empty rows set to the fallback feature."""
        masks = np.array(masks, dtype=bool, ndmin=2)
        masks[~masks.any(axis=1), self.fallback_feature] = True
        return masks

    def costs(self, masks):
        """Cost of each row of ``masks`` (0/1 or bool, shape ``(n, n_features)``).

        Empty rows are scored as their repair. Subsets seen before are not
        refitted; new ones are scored (in parallel when ``n_jobs`` says so) and
        the best subset so far is updated in row order, so the result does not
        depend on ``n_jobs``.
        """
        masks = self.repair(masks)
        keys = [np.packbits(m).tobytes() for m in masks]
        new = {}
        for key, mask in zip(keys, masks):
            if key not in self.cache and key not in new:
                new[key] = mask
        if new:
            scores = parallel_map(self._cv_score, list(new.values()), n_jobs=self.n_jobs,
                                  show_progress=False)
            self.cache.update(zip(new, scores))
        costs = np.empty(len(masks))
        for i, (key, mask) in enumerate(zip(keys, masks)):
            score = self.cache[key]
            costs[i] = subset_cost(score, int(mask.sum()), self.n_features, self.alpha)
            # Strictly better only: among equal costs the first subset found wins.
            if costs[i] < self.best_cost:
                self.best_cost, self.best_score, self.best_mask = costs[i], score, mask.copy()
        return costs

    def end_iteration(self):
        """Record the best cost so far (one entry of ``history_`` per iteration)."""
        self.history.append(float(self.best_cost))
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(best_cost=f"{self.best_cost:.4f}", refresh=False)
