"""Bad input is rejected with a clear message before any subset is scored."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import Ridge
from ...utils._sklearn_compat import InvalidParameterError

from featleuk.selection import CatSwarmFeatureSelector, PSOFeatureSelector

SELECTORS = [PSOFeatureSelector, CatSwarmFeatureSelector]


class CountingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; counts fits so tests can see none happened."""

    n_fits = 0

    def fit(self, X, y):
        CountingClassifier.n_fits += 1
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.majority_ = values[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class NoFit:
    def predict(self, X):
        return np.zeros(len(X))


def _data(n=30, p=5, n_classes=2):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, p)), np.arange(n) % n_classes


def _fit(cls, X, y, **params):
    CountingClassifier.n_fits = 0
    sel = cls(CountingClassifier(), max_iter=2, random_state=0, show_progress=False, **params)
    try:
        sel.fit(X, y)
    finally:
        assert CountingClassifier.n_fits == 0, "an estimator was fitted before the error"


@pytest.mark.parametrize("cls", SELECTORS)
@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_features(cls, bad, message):
    X, y = _data()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        _fit(cls, X, y)


@pytest.mark.parametrize("cls", SELECTORS)
def test_single_class(cls):
    X, _ = _data()
    with pytest.raises(ValueError, match="at least 2 classes"):
        _fit(cls, X, np.zeros(len(X), dtype=int))


@pytest.mark.parametrize("cls", SELECTORS)
def test_fewer_samples_per_class_than_folds(cls):
    X, y = _data(n=12)
    y[:] = 0
    y[:2] = 1  # class 1 has 2 samples, cv has 3 folds
    with pytest.raises(ValueError, match="class 1 has only 2 sample.*3 cross-validation folds"):
        _fit(cls, X, y, cv=3)


@pytest.mark.parametrize("cls", SELECTORS)
def test_fewer_samples_than_folds_for_a_regressor(cls):
    X, _ = _data(n=4)
    with pytest.raises(ValueError, match="n_samples=4 is fewer than the 5"):
        cls(Ridge(), cv=5, show_progress=False).fit(X, np.linspace(0, 1, 4))


@pytest.mark.parametrize("cls", SELECTORS)
def test_estimator_without_fit(cls):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="'estimator' parameter .* must be an object "
                                                   "implementing 'fit'"):
        cls(NoFit(), show_progress=False).fit(X, y)


@pytest.mark.parametrize("cls", SELECTORS)
@pytest.mark.parametrize("param, value", [("alpha", 1.0), ("init_fraction", 0.0), ("max_iter", 0)])
def test_out_of_range_parameters(cls, param, value):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match=param):
        cls(show_progress=False, **{param: value}).fit(X, y)


@pytest.mark.parametrize("options, message", [
    ({"k": 50}, r"options\['k'\]"),
    ({"p": 3}, r"options\['p'\]"),
    ({"c1": -1.0}, r"options\['c1'\]"),
    ({"speed": 1}, "unknown pyswarms options"),
])
def test_bad_pso_options(options, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        _fit(PSOFeatureSelector, X, y, n_particles=5, options=options)


def test_regressor_fitness_is_supported():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.01 * rng.normal(size=60)
    sel = PSOFeatureSelector(Ridge(), n_particles=6, max_iter=4, scoring="r2", alpha=0.05,
                             init_fraction=0.5, random_state=0, show_progress=False).fit(X, y)
    assert sel.support_[:2].all()


def test_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PSOFeatureSelector().transform(np.zeros((2, 3)))

