"""cross_validate_frozen: frozen prefixes run once, shared, cached; predictions unchanged."""

from collections import Counter

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.base import FeatleukTags
from featleuk.datasets import make_synthetic_smears
from featleuk.evaluation import cross_validate_frozen, cross_validate_predictions

#: Images each (class, parameter) has transformed, across all instances and clones.
CALLS = Counter()


class _Frozen(TransformerMixin, BaseEstimator):
    def __sklearn_tags__(self):
        return FeatleukTags.from_tags(super().__sklearn_tags__(), learns_from_data=False)

    def fit(self, X, y=None):
        self.n_images_seen_ = len(X)
        return self

    def transform(self, X):
        CALLS[(type(self).__name__, self.level)] += len(X)
        return self._apply(np.asarray(X))


class Threshold(_Frozen):
    """A toy segmenter: a 4th channel marking dark pixels, and the empty images."""

    def __init__(self, level=150, show_progress=True):
        self.level = level
        self.show_progress = show_progress

    def _apply(self, X):
        mask = (X.mean(axis=-1) < self.level).astype(np.uint8) * 255
        self.empty_indices_ = np.flatnonzero(~mask.any(axis=(1, 2)))
        return np.concatenate([X, mask[..., None]], axis=-1)


class MaskedMean(_Frozen):
    """Mean colour (float64) inside the mask, then powers ``1..level`` of it."""

    def __init__(self, level=1):
        self.level = level

    def _apply(self, X):
        mask = X[..., 3:] > 0
        means = (X[..., :3] * mask).sum(axis=(1, 2)) / np.maximum(mask.sum(axis=(1, 2)), 1)
        return np.hstack([means ** p for p in range(1, self.level + 1)]) / 255.0


def _grid():
    union = FeatureUnion([("one", MaskedMean(1)), ("two", MaskedMean(2))])
    return {
        "a": Pipeline([("seg", Threshold()), ("feat", MaskedMean(1)), ("scale", StandardScaler()),
                       ("clf", SVC())]),
        "b": Pipeline([("seg", Threshold(show_progress=False)), ("feat", union), ("clf", SVC())]),
        "c": Pipeline([("seg", Threshold()), ("feat", MaskedMean(2)), ("clf", KNeighborsClassifier(3))]),
        "d": Pipeline([("seg", Threshold(120)), ("feat", MaskedMean(1)), ("clf", SVC())]),
    }


@pytest.fixture(scope="module")
def smears():
    return make_synthetic_smears(24, n_classes=2, image_size=24, random_state=0)


def test_same_predictions_as_the_whole_pipeline_per_fold(smears):
    X, y = smears
    out = cross_validate_frozen(_grid(), X, y, cv=3, random_state=1, show_progress=False,
                                batch_size=5)
    for name, pipe in _grid().items():
        whole = cross_validate_predictions(pipe, X, y, cv=3, random_state=1, show_progress=False)
        shared = out.results[name]
        np.testing.assert_array_equal(shared.y_pred, whole.y_pred)
        np.testing.assert_array_equal(shared.y_score, whole.y_score)
        assert shared.fold_metrics == whole.fold_metrics
        for a, b in zip(shared.fold_indices, whole.fold_indices):
            np.testing.assert_array_equal(a, b)
        assert out.n_frozen[name] == 2 and out.features[name].shape[0] == len(y)


def test_each_image_goes_through_each_distinct_step_once(smears):
    X, y = smears
    CALLS.clear()
    out = cross_validate_frozen(_grid(), X, y, cv=3, show_progress=False, batch_size=7)
    # Two segmenter settings; per setting the two feature settings, shared with the union's parts.
    assert CALLS == {("Threshold", 150): 24, ("Threshold", 120): 24,
                     ("MaskedMean", 1): 48, ("MaskedMean", 2): 24}
    assert out.features["a"] is not out.features["d"]
    np.testing.assert_array_equal(out.features["b"],
                                  np.hstack([out.features["a"], out.features["c"]]))
    seg, feat = out.frozen_steps["b"]
    assert seg.name == "seg" and seg.n_computed == 24 and seg.seconds > 0
    assert feat.empty_indices is None and isinstance(feat.estimator, FeatureUnion)
    assert out.extract_seconds["b"] == pytest.approx(seg.seconds + feat.seconds)
    expected_empty = np.flatnonzero(X.mean(axis=-1).min(axis=(1, 2)) >= 150)
    np.testing.assert_array_equal(seg.empty_indices, expected_empty)
    assert set(out.cv_seconds) == set(_grid())


def test_cache_gives_the_same_rows_bit_for_bit(smears, tmp_path):
    X, y = smears
    first = cross_validate_frozen(_grid(), X, y, cv=3, memory=tmp_path, show_progress=False)
    CALLS.clear()
    again = cross_validate_frozen(_grid(), X, y, cv=3, memory=tmp_path, show_progress=False)
    assert not CALLS and again.n_cached == dict.fromkeys(_grid(), 24)
    for name in _grid():
        assert again.features[name].dtype == np.float64
        np.testing.assert_array_equal(again.features[name], first.features[name])
        np.testing.assert_array_equal(again.results[name].y_score, first.results[name].y_score)
    # A new image is the only one computed.
    X2 = np.concatenate([X, X[:1, ::-1]])
    y2 = np.concatenate([y, y[:1]])
    CALLS.clear()
    cross_validate_frozen({"a": _grid()["a"]}, X2, y2, cv=3, memory=tmp_path, show_progress=False)
    assert CALLS == {("Threshold", 150): 1, ("MaskedMean", 1): 1}


def test_pipelines_without_frozen_steps_are_cross_validated_whole(smears):
    X, y = smears
    features = X.reshape(len(X), -1)[:, :50].astype(float)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    out = cross_validate_frozen({"plain": pipe}, features, y, cv=3, show_progress=False)
    whole = cross_validate_predictions(pipe, features, y, cv=3, show_progress=False)
    assert out.n_frozen == {"plain": 0} and out.features == {"plain": None}
    np.testing.assert_array_equal(out.results["plain"].y_pred, whole.y_pred)
    assert out.results["plain"].extra["frozen_steps"] == "none"


def test_bad_arguments(smears):
    X, y = smears
    with pytest.raises(ValueError, match="non-empty dict"):
        cross_validate_frozen({}, X, y)
    with pytest.raises(TypeError, match="not a Pipeline"):
        cross_validate_frozen({"svc": SVC()}, X, y)
    with pytest.raises(ValueError, match="batch_size"):
        cross_validate_frozen(_grid(), X, y, batch_size=0)
    with pytest.raises(ValueError, match="24 images but y has 3"):
        cross_validate_frozen(_grid(), X, y[:3])
