"""Feature selection by binary cat swarm optimisation (CSO)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from ..utils._sklearn_compat import Interval

from ._base import BaseSwarmSelector
from ._binary import VELOCITY_CLAMP, initial_positions, sample_bits

__all__ = ["CatSwarmFeatureSelector"]


class CatSwarmFeatureSelector(BaseSwarmSelector):
    """Select features with binary cat swarm optimisation.

    Cat swarm optimisation (Chu, Tsai & Pan, 2006) splits the swarm at every
    iteration: a fraction ``mixture_ratio`` of the cats is in *tracing* mode,
    the rest in *seeking* mode.

    * Seeking (resting, looking around): a cat makes
      ``seeking_memory_pool - 1`` copies of its mask, each with
      ``max(1, round(seeking_range * n_features))`` bits flipped, every flip
      adding or dropping a feature with probability 1/2 (so a move does not
      grow or shrink the subset on average; the cost alone does). It moves to
      one of the copies or stays, choosing mask ``i`` with probability
      proportional to ``max_cost - cost_i`` (uniformly when all are equal).
    * Tracing (chasing the best): ``v <- w v + c r (best - x)`` with ``r`` in
      U(0, 1) per bit, clipped to [-4, 4], and each bit is resampled with
      probability ``sigmoid(v + logit(init_fraction))`` of being kept, the
      binary-PSO transfer also used by :class:`PSOFeatureSelector`.

    Costs, the returned subset (the best one actually scored, never empty),
    validation and attributes are those of :class:`PSOFeatureSelector`. All
    randomness comes from one :class:`numpy.random.Generator` seeded by
    ``random_state``; the global numpy state is not touched.

    Parameters
    ----------
    estimator : estimator with ``fit``, default=None
        Model whose cross-validated score judges a subset; ``None`` uses
        ``RidgeClassifier(solver="cholesky")`` (see :class:`PSOFeatureSelector`).
    n_cats : int, default=10
        Swarm size.
    max_iter : int, default=8
        Number of iterations. One iteration scores about
        ``n_cats * ((1 - mixture_ratio) * (seeking_memory_pool - 1) + mixture_ratio)``
        new subsets.
    alpha : float in [0, 1), default=0.02
        Weight of the fraction of features kept in the cost.
    cv : int, cross-validation generator or iterable, default=3
        Folds used to score each subset, the same for every subset.
    scoring : str or callable, default="accuracy"
        Scikit-learn scorer; higher is better.
    n_jobs : int, default=None
        Number of joblib workers scoring the new subsets of an iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the search.
    mixture_ratio : float in [0, 1], default=0.2
        Fraction of cats in tracing mode at each iteration.
    seeking_memory_pool : int, default=5
        Candidate masks per seeking cat, its current mask included.
    seeking_range : float in (0, 1], default=0.02
        Fraction of the features flipped in each seeking copy (at least one).
    w : float, default=0.7
        Inertia of the tracing velocity.
    c : float, default=2.0
        Acceleration towards the best subset in tracing mode.
    init_fraction : float in (0, 1), default=0.15
        Expected fraction of features in an initial cat, and the keep
        probability of a tracing bit with zero velocity.
    show_progress : bool, default=True
        Show a progress bar over iterations.

    Attributes
    ----------
    support_ : ndarray of shape (`n_features_in_`,), dtype=bool
        The selected features; never empty.
    best_score_ : float
        Mean CV score of ``estimator`` on ``support_`` with the folds of ``cv``.
    best_cost_ : float
        Cost of ``support_``.
    history_ : ndarray of shape (max_iter,)
        Best cost found after each iteration (the initial swarm is scored in
        the first one).
    n_iter_ : int
        Number of iterations run (``max_iter``).
    n_subsets_evaluated_ : int
        Number of distinct subsets scored.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` is a DataFrame with string column names.

    References
    ----------
    S.-C. Chu, P.-W. Tsai and J.-S. Pan, "Cat swarm optimization", PRICAI 2006.
    Y. Sharafi, M. A. Khanesar and M. Teshnehlab, "Discrete binary cat swarm
    optimization algorithm", IEEE CCCI 2013.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from featleuk.selection import CatSwarmFeatureSelector
    >>> X, y = make_classification(120, 20, n_informative=3, n_redundant=0, random_state=0)
    >>> sel = CatSwarmFeatureSelector(n_cats=6, max_iter=4, random_state=0,
    ...                               show_progress=False).fit(X, y)
    >>> bool(sel.support_.any())
    True
    """

    _parameter_constraints: dict = {
        **BaseSwarmSelector._parameter_constraints,
        "n_cats": [Interval(Integral, 1, None, closed="left")],
        "mixture_ratio": [Interval(Real, 0, 1, closed="both")],
        "seeking_memory_pool": [Interval(Integral, 1, None, closed="left")],
        "seeking_range": [Interval(Real, 0, 1, closed="right")],
        "w": [Interval(Real, 0, None, closed="left")],
        "c": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, estimator=None, *, n_cats=10, max_iter=8, alpha=0.02, cv=3,
                 scoring="accuracy", n_jobs=None, random_state=None, mixture_ratio=0.2,
                 seeking_memory_pool=5, seeking_range=0.02, w=0.7, c=2.0, init_fraction=0.15,
                 show_progress=True):
        super().__init__(estimator, max_iter=max_iter, alpha=alpha, cv=cv, scoring=scoring,
                         n_jobs=n_jobs, random_state=random_state,
                         init_fraction=init_fraction, show_progress=show_progress)
        self.n_cats = n_cats
        self.mixture_ratio = mixture_ratio
        self.seeking_memory_pool = seeking_memory_pool
        self.seeking_range = seeking_range
        self.w = w
        self.c = c

    def _search(self, scorer, n_features, seed):
        rng = np.random.default_rng(seed)
        cats = scorer.repair(initial_positions(rng, self.n_cats, n_features, self.init_fraction))
        velocity = np.zeros(cats.shape)
        scorer.costs(cats)
        n_tracing = int(round(self.mixture_ratio * self.n_cats))
        n_flips = max(1, int(round(self.seeking_range * n_features)))

        for _ in range(self.max_iter):
            tracing = np.zeros(self.n_cats, dtype=bool)
            tracing[rng.permutation(self.n_cats)[:n_tracing]] = True
            seekers = np.flatnonzero(~tracing)

            # Tracing cats move first: the velocity update reads the best mask.
            for i in np.flatnonzero(tracing):
                velocity[i] = np.clip(
                    self.w * velocity[i]
                    + self.c * rng.random(n_features) * (scorer.best_mask.astype(float) - cats[i]),
                    *VELOCITY_CLAMP,
                )
                cats[i] = sample_bits(velocity[i], self.init_fraction, rng.random(n_features))

            # Every candidate of the iteration is scored in one batch so n_jobs
            # workers share it: [tracing cats..., copies of seeker 0, of seeker 1, ...].
            pools = [self._seeking_pool(rng, cats[i], n_flips) for i in seekers]
            batch = [cats[tracing]] + pools
            costs = scorer.costs(np.concatenate(batch))
            cats[tracing] = scorer.repair(cats[tracing])

            pool_costs = np.split(costs[n_tracing:], len(seekers)) if len(seekers) else []
            for i, pool, pool_cost in zip(seekers, pools, pool_costs):
                cats[i] = scorer.repair(pool[_roulette(rng, pool_cost)])[0]
            scorer.end_iteration()

    def _seeking_pool(self, rng, cat, n_flips):
        """The cat itself followed by ``seeking_memory_pool - 1`` mutated copies."""
        pool = np.repeat(cat[None, :], self.seeking_memory_pool, axis=0)
        for copy in pool[1:]:
            n_add = rng.binomial(n_flips, 0.5)
            off, on = np.flatnonzero(~copy), np.flatnonzero(copy)
            copy[rng.choice(off, min(n_add, len(off)), replace=False)] = True
            copy[rng.choice(on, min(n_flips - n_add, len(on)), replace=False)] = False
        return pool


def _roulette(rng, costs):
    """Index drawn with probability proportional to ``max(costs) - costs`` (minimisation)."""
    spread = costs.max() - costs
    if spread.sum() <= 0:
        return int(rng.integers(len(costs)))
    return int(rng.choice(len(costs), p=spread / spread.sum()))
