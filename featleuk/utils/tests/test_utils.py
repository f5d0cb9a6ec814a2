import numpy as np
import pytest
from joblib import parallel_config

from featleuk.utils import Substitution, parallel_map, progress
from featleuk.utils.estimator_checks import check_image_classifier, check_image_transformer
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin


def _square(x):
    return x * x


@pytest.mark.parametrize("n_jobs", [None, 1, 2])
def test_parallel_map_keeps_order(n_jobs):
    assert parallel_map(_square, range(20), n_jobs=n_jobs, show_progress=False) == [i * i for i in range(20)]


def test_parallel_map_honours_backend():
    with parallel_config(backend="threading"):
        assert parallel_map(_square, [1, 2, 3], n_jobs=2, show_progress=False) == [1, 4, 9]


def test_progress_can_be_disabled_by_env(monkeypatch):
    monkeypatch.setenv("FEATLEUK_PROGRESS", "0")
    assert progress(range(3), enabled=True).disable
    monkeypatch.setenv("FEATLEUK_PROGRESS", "1")
    assert not progress(range(3), enabled=True).disable
    assert progress(range(3), enabled=False).disable


class _MeanColour(TransformerMixin, BaseEstimator):
    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y=None):
        self.n_images_seen_ = len(X)
        return self

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return np.asarray(X, dtype=float).mean(axis=(1, 2)) * self.scale

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["r", "g", "b"], dtype=object)


class _SetsStateInInit(_MeanColour):
    def __init__(self, scale=1.0):
        self.scale = scale
        self.cache = {}


def test_image_checks_pass_a_good_transformer_and_catch_a_bad_one():
    X = np.random.default_rng(0).integers(0, 255, (4, 6, 6, 3), dtype=np.uint8)
    check_image_transformer(_MeanColour(), X)
    with pytest.raises(AssertionError, match="non-parameter"):
        check_image_transformer(_SetsStateInInit(), X)


class _NearestMeanColour(ClassifierMixin, BaseEstimator):
    """A tiny image classifier: nearest class-mean colour, softmax of minus the distance."""

    def __init__(self, temperature=1.0):
        self.temperature = temperature

    def fit(self, X, y):
        colours = np.asarray(X, dtype=float).mean(axis=(1, 2))
        self.classes_, y = np.unique(y, return_inverse=True)
        self.centres_ = np.stack([colours[y == k].mean(axis=0) for k in range(len(self.classes_))])
        return self

    def predict_proba(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        colours = np.asarray(X, dtype=float).mean(axis=(1, 2))
        logits = -np.linalg.norm(colours[:, None] - self.centres_[None], axis=2) / self.temperature
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class _UnnormalisedProba(_NearestMeanColour):
    def predict_proba(self, X):
        return 2 * super().predict_proba(X)


class _PredictsBeforeFit(_NearestMeanColour):
    def predict(self, X):
        return np.zeros(len(X))


def test_image_classifier_checks_pass_a_good_classifier_and_catch_bad_ones():
    X = np.random.default_rng(0).integers(0, 255, (6, 6, 6, 3), dtype=np.uint8)
    y = np.array(["a", "b"] * 3)
    check_image_classifier(_NearestMeanColour(), X, y)
    with pytest.raises(AssertionError, match="sum to 1"):
        check_image_classifier(_UnnormalisedProba(), X, y)
    with pytest.raises(AssertionError, match="NotFittedError"):
        check_image_classifier(_PredictsBeforeFit(), X, y)


class _ChangesStateInTransform(_MeanColour):
    def transform(self, X):
        out = super().transform(X)
        self.n_images_seen_ = len(X)
        return out


def test_image_checks_catch_fitted_attributes_set_in_transform():
    X = np.random.default_rng(0).integers(0, 255, (4, 6, 6, 3), dtype=np.uint8)
    with pytest.raises(AssertionError, match="transform changed a fitted attribute"):
        check_image_transformer(_ChangesStateInTransform(), X)


def test_substitution_indents_fragments():
    @Substitution(thing="thing : int\n    What it is.")
    def f():
        """Doc.

        Parameters
        ----------
        %(thing)s
        other : str
        """

    assert "        thing : int\n            What it is.\n        other : str" in f.__doc__
