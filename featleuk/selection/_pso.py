"""Feature selection by binary particle swarm optimisation (pyswarms)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from ..utils._sklearn_compat import Interval

from ._base import BaseSwarmSelector
from ._binary import initial_positions
from ._pyswarms import make_binary_pso, pyswarms_session

__all__ = ["PSOFeatureSelector"]

DEFAULT_OPTIONS = {"c1": 2.0, "c2": 2.0, "w": 0.9, "p": 2}


class PSOFeatureSelector(BaseSwarmSelector):
    """Select features with pyswarms' binary particle swarm optimisation.

    Each particle is a 0/1 mask over the features. A particle's cost is

    ``(1 - alpha) * (1 - CV score of estimator on the mask) + alpha * fraction kept``

    and the swarm minimises it for ``max_iter`` iterations
    (``n_particles * max_iter`` subset evaluations at most; subsets seen before
    are not refitted). The returned subset is the lowest-cost subset that was
    actually scored, tracked outside pyswarms (its binary PSO has reported
    positions that do not match its best cost: pyswarms issues #292, #321).

    Parameters
    ----------
    estimator : estimator with ``fit``, default=None
        Model whose cross-validated score judges a subset. ``None`` uses
        ``RidgeClassifier(solver="cholesky")``, chosen so that the default
        search on 3,256 x 1,280 MobileNetV2 features takes minutes, not hours. Give it a
        fixed ``random_state`` if it is random and ``n_jobs`` is not None.
    n_particles : int, default=20
        Swarm size.
    max_iter : int, default=15
        Number of iterations (swarm evaluations).
    alpha : float in [0, 1), default=0.02
        Weight of the fraction of features kept in the cost. With 0.02, keeping
        10% more of the features must buy about 0.2 accuracy points.
    cv : int, cross-validation generator or iterable, default=3
        Folds used to score each subset (as in :func:`sklearn.model_selection.check_cv`;
        an int means stratified K-fold without shuffling for classifiers). The
        same folds are used for every subset.
    scoring : str or callable, default="accuracy"
        Scikit-learn scorer; higher is better.
    n_jobs : int, default=None
        Number of joblib workers scoring the new subsets of an iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial swarm and pyswarms' draws. pyswarms uses numpy's
        global generator; it is seeded for the search and restored afterwards,
        so the caller's global random state is unchanged.
    options : dict, default=None
        pyswarms options ``c1`` (cognitive), ``c2`` (social), ``w`` (inertia),
        ``k`` (neighbours, default ``n_particles``: global best) and ``p``
        (Minkowski norm, 1 or 2). Missing keys take the defaults
        ``{"c1": 2.0, "c2": 2.0, "w": 0.9, "p": 2}``.
    init_fraction : float in (0, 1), default=0.15
        Expected fraction of features in an initial particle, and the keep
        probability of a feature with zero velocity (classic binary PSO drifts
        towards keeping half of the features).
    show_progress : bool, default=True
        Show a progress bar over iterations (``FEATLEUK_PROGRESS=0`` hides it).

    Attributes
    ----------
    support_ : ndarray of shape (`n_features_in_`,), dtype=bool
        The selected features; never empty.
    best_score_ : float
        Mean CV score of ``estimator`` on ``support_`` with the folds of ``cv``.
    best_cost_ : float
        Cost of ``support_``.
    history_ : ndarray of shape (max_iter,)
        Best cost found after each iteration (non-increasing).
    n_iter_ : int
        Number of iterations run (``max_iter``).
    n_subsets_evaluated_ : int
        Number of distinct subsets scored.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` is a DataFrame with string column names.

    See Also
    --------
    CatSwarmFeatureSelector : the same search by cat swarm optimisation.

    References
    ----------
    J. Kennedy and R. C. Eberhart, "A discrete binary version of the particle
    swarm algorithm", IEEE SMC 1997.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from featleuk.selection import PSOFeatureSelector
    >>> X, y = make_classification(120, 20, n_informative=3, n_redundant=0, random_state=0)
    >>> sel = PSOFeatureSelector(n_particles=8, max_iter=5, random_state=0,
    ...                          show_progress=False).fit(X, y)
    >>> sel.transform(X).shape[1] == int(sel.support_.sum())
    True
    """

    _parameter_constraints: dict = {
        **BaseSwarmSelector._parameter_constraints,
        "n_particles": [Interval(Integral, 2, None, closed="left")],
        "options": [dict, None],
    }

    def __init__(self, estimator=None, *, n_particles=20, max_iter=15, alpha=0.02, cv=3,
                 scoring="accuracy", n_jobs=None, random_state=None, options=None,
                 init_fraction=0.15, show_progress=True):
        super().__init__(estimator, max_iter=max_iter, alpha=alpha, cv=cv, scoring=scoring,
                         n_jobs=n_jobs, random_state=random_state,
                         init_fraction=init_fraction, show_progress=show_progress)
        self.n_particles = n_particles
        self.options = options

    def _pso_options(self):
        options = {**DEFAULT_OPTIONS, "k": self.n_particles, **(self.options or {})}
        unknown = set(options) - {"c1", "c2", "w", "k", "p"}
        if unknown:
            raise ValueError(f"unknown pyswarms options {sorted(unknown)}; "
                             "expected keys among c1, c2, w, k, p")
        for key in ("c1", "c2", "w"):
            if not isinstance(options[key], Real) or options[key] < 0:
                raise ValueError(f"options[{key!r}] must be a non-negative number, "
                                 f"got {options[key]!r}")
        if not isinstance(options["k"], Integral) or not 1 <= options["k"] <= self.n_particles:
            raise ValueError(f"options['k'] must be an int in [1, n_particles={self.n_particles}], "
                             f"got {options['k']!r}")
        if options["p"] not in (1, 2):
            raise ValueError(f"options['p'] must be 1 or 2, got {options['p']!r}")
        return options

    def _check_search_params(self, n_features):
        self._pso_options()

    def _search(self, scorer, n_features, seed):
        options = self._pso_options()
        init_pos = initial_positions(np.random.default_rng(seed), self.n_particles, n_features,
                                     self.init_fraction).astype(np.int64)

        def objective(positions):
            # pyswarms calls this once per iteration with the whole swarm.
            costs = scorer.costs(positions)
            scorer.end_iteration()
            return costs

        with pyswarms_session(seed):
            optimizer = make_binary_pso(init_pos, options, self.init_fraction)
            optimizer.optimize(objective, iters=self.max_iter, verbose=False)
