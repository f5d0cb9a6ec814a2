import numpy as np
import pytest
from joblib import parallel_config

from featleuk.utils import parallel_map, progress
from featleuk.utils.estimator_checks import check_image_transformer
from sklearn.base import BaseEstimator, TransformerMixin


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
