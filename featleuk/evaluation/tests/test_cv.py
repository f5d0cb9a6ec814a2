"""Splits, out-of-fold predictions and CVResult."""

import json
import math

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from featleuk.evaluation import (
    CVResult,
    classification_metrics,
    cross_validate_predictions,
    holdout_split,
    make_cv,
)


@pytest.fixture(scope="module")
def four_class():
    X, y = make_classification(
        n_samples=80, n_features=6, n_informative=4, n_redundant=0, n_classes=4,
        n_clusters_per_class=1, class_sep=2.0, random_state=0,
    )
    return X, np.array(["Benign", "Early", "Pre", "Pro"])[y]


def test_make_cv_stratifies():
    y = np.repeat([0, 1, 2], [10, 20, 30])
    cv = make_cv(y, n_splits=5)
    for _, test in cv.split(np.zeros(len(y)), y):
        np.testing.assert_array_equal(np.bincount(y[test]), [2, 4, 6])


def test_make_cv_keeps_groups_in_one_fold():
    y = np.repeat([0, 1], 30)
    groups = np.arange(60) // 3  # 20 groups of 3 samples, each of one class
    cv = make_cv(y, groups, n_splits=4)
    seen = {}
    for fold, (train, test) in enumerate(cv.split(np.zeros(len(y)), y, groups)):
        assert not set(groups[train]) & set(groups[test])
        for g in set(groups[test]):
            assert g not in seen, f"group {g} tested in folds {seen[g]} and {fold}"
            seen[g] = fold
    assert len(seen) == 20


def test_make_cv_errors_name_the_problem():
    y = np.array([0] * 10 + [1] * 3)
    with pytest.raises(ValueError, match=r"n_splits=5.*class 1 \(3 samples\)"):
        make_cv(y, n_splits=5)
    with pytest.raises(ValueError, match="distinct groups"):
        make_cv(np.repeat([0, 1], 6), groups=np.repeat([0, 1, 2], 4), n_splits=5)
    with pytest.warns(UserWarning, match="only 2 groups"):
        make_cv(np.repeat([0, 1], 6), groups=[0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4], n_splits=3)


def test_holdout_split_is_stratified_disjoint_and_deterministic():
    y = np.repeat([0, 1, 2, 3], [40, 40, 60, 60])
    train, val, test = holdout_split(y, test_size=0.2, val_size=0.1, random_state=3)
    assert len(np.intersect1d(train, test)) == len(np.intersect1d(train, val)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), np.arange(200))
    assert (len(test), len(val)) == (40, 20)
    np.testing.assert_array_equal(np.bincount(y[test]), [8, 8, 12, 12])
    again = holdout_split(y, test_size=0.2, val_size=0.1, random_state=3)
    for a, b in zip((train, val, test), again):
        np.testing.assert_array_equal(a, b)
    _, empty_val, other_test = holdout_split(y, random_state=4)
    assert len(empty_val) == 0 and not np.array_equal(other_test, test)


def test_holdout_split_with_groups_shares_no_group():
    y = np.repeat([0, 1], 50)
    groups = np.arange(100) // 5
    train, val, test = holdout_split(y, groups, test_size=0.2, val_size=0.2)
    parts = [set(groups[idx]) for idx in (train, val, test)]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert set(y[test]) == {0, 1}
    with pytest.raises(ValueError, match="test_size"):
        holdout_split(y, test_size=1.5)


def test_oof_predictions_match_sklearn(four_class):
    X, y = four_class
    model = make_pipeline(StandardScaler(), LogisticRegression())
    result = cross_validate_predictions(model, X, y, cv=5, name="lr")
    expected = cross_val_predict(model, X, y, cv=make_cv(y, n_splits=5))
    np.testing.assert_array_equal(result.y_pred, expected)
    np.testing.assert_array_equal(result.y_true, y)
    np.testing.assert_allclose(result.y_score.sum(axis=1), 1.0)
    assert list(result.classes) == ["Benign", "Early", "Pre", "Pro"]
    assert result.n_folds == 5 and len(result.fit_times) == len(result.score_times) == 5
    assert result.extra["n_features"] == 6
    summary = result.summary()
    assert summary["accuracy"]["mean"] > 0.7
    assert summary["accuracy"]["std"] == pytest.approx(np.std(summary["accuracy"]["folds"], ddof=1))


def test_svc_without_probability_uses_decision_function(four_class):
    X, y = four_class
    result = cross_validate_predictions(SVC(), X, y, cv=4)
    for fold, test in enumerate(result.fold_indices):
        train = np.setdiff1d(np.arange(len(y)), test)
        margins = SVC().fit(X[train], y[train]).decision_function(X[test])
        expected = np.mean([roc_auc_score(y[test] == c, margins[:, k])
                            for k, c in enumerate(result.classes)])
        assert result.fold_metrics[fold]["roc_auc"] == pytest.approx(expected)
    assert not np.allclose(result.y_score.sum(axis=1), 1.0)  # margins, not probabilities


def test_binary_decision_function_scores_become_two_columns():
    X, y = make_classification(n_samples=40, n_features=4, random_state=1)
    result = cross_validate_predictions(SVC(), X, y, cv=4)
    assert result.y_score.shape == (40, 2)
    np.testing.assert_allclose(result.y_score[:, 0], -result.y_score[:, 1])
    assert 0.5 < result.mean_metrics()["roc_auc"] <= 1.0


def test_reproducible_with_random_state(four_class):
    X, y = four_class
    model = LogisticRegression()
    a = cross_validate_predictions(model, X, y, random_state=7)
    b = cross_validate_predictions(model, X, y, random_state=7)
    c = cross_validate_predictions(model, X, y, random_state=8)
    np.testing.assert_array_equal(a.y_pred, b.y_pred)
    for fa, fb in zip(a.fold_indices, b.fold_indices):
        np.testing.assert_array_equal(fa, fb)
    assert any(not np.array_equal(fa, fc) for fa, fc in zip(a.fold_indices, c.fold_indices))


def test_joblib_backend_gives_same_result(four_class):
    X, y = four_class
    serial = cross_validate_predictions(LogisticRegression(), X, y, cv=3)
    with joblib.parallel_config(backend="threading"):
        parallel = cross_validate_predictions(LogisticRegression(), X, y, cv=3, n_jobs=2)
    np.testing.assert_array_equal(serial.y_pred, parallel.y_pred)
    np.testing.assert_allclose(serial.y_score, parallel.y_score)


def _mean_colour(images):
    return np.asarray([np.asarray(img, dtype=float).mean(axis=(0, 1)) for img in images])


def test_image_arrays_and_path_lists_are_indexed():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    images = rng.integers(0, 100, size=(20, 8, 8, 3), dtype=np.uint8)
    images[y == 1, ..., 0] += 120  # class 1 is redder
    model = make_pipeline(FunctionTransformer(_mean_colour), LogisticRegression())
    result = cross_validate_predictions(model, images, y, cv=4)
    assert result.mean_metrics()["accuracy"] == 1.0
    assert "n_features" not in result.extra

    # A list of "paths" whose (fake) decoder reads the class from the name.
    paths = [f"/data/{'Pro' if label else 'Benign'}/{i}.jpg" for i, label in enumerate(y)]
    decode = FunctionTransformer(lambda ps: np.array([[float("Pro" in p)] for p in ps]))
    result = cross_validate_predictions(make_pipeline(decode, LogisticRegression()), paths, y, cv=4)
    assert result.mean_metrics()["accuracy"] == 1.0


def test_explicit_holdout_split_as_cv(four_class):
    X, y = four_class
    train, _, test = holdout_split(y, test_size=0.25)
    result = cross_validate_predictions(LogisticRegression(), X, y, cv=[(train, test)])
    np.testing.assert_array_equal(result.sample_indices, test)
    np.testing.assert_array_equal(result.y_true, y[test])
    assert result.n_folds == 1 and math.isnan(result.summary()["accuracy"]["std"])
    assert result.pooled_metrics() == pytest.approx(result.fold_metrics[0], nan_ok=True)


def test_overlapping_test_folds_are_refused(four_class):
    X, y = four_class
    idx = np.arange(len(y))
    with pytest.raises(ValueError, match="overlap"):
        cross_validate_predictions(LogisticRegression(), X, y, cv=[(idx[:40], idx[40:]), (idx[:60], idx[50:])])


def test_missing_training_class_keeps_score_columns_aligned():
    X = np.arange(12, dtype=float)[:, None]
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    # The training rows hold classes 0 and 1 only, so predict_proba has two columns.
    cv = [(np.array([0, 2, 4, 6]), np.array([1, 3, 5, 7, 9, 11]))]
    result = cross_validate_predictions(LogisticRegression(), X, y, cv=cv)
    assert result.y_score.shape == (6, 3)
    np.testing.assert_array_equal(result.y_score[:, 2], 0.0)


def test_to_dict_is_strict_json_and_round_trips(four_class):
    X, y = four_class
    result = cross_validate_predictions(LogisticRegression(), X, y, cv=[holdout_split(y)[::2]])
    text = json.dumps(result.to_dict(), allow_nan=False)
    back = CVResult.from_dict(json.loads(text))
    np.testing.assert_array_equal(back.y_pred, result.y_pred)
    np.testing.assert_allclose(back.y_score, result.y_score)
    for metric, stats in result.summary().items():
        assert back.summary()[metric]["mean"] == pytest.approx(stats["mean"])


def test_from_predictions_orders_by_index():
    result = CVResult.from_predictions(
        ["b", "a", "b"], ["b", "a", "a"], [0.9, 0.2, 0.4], name="holdout",
        indices=[7, 2, 5], fit_time=1.0, score_time=0.5,
    )
    np.testing.assert_array_equal(result.y_true, ["a", "b", "b"])
    np.testing.assert_array_equal(result.sample_indices, [2, 5, 7])
    assert result.wall_time == 1.5
    assert result.fold_metrics[0] == classification_metrics(
        ["b", "a", "b"], ["b", "a", "a"], [0.9, 0.2, 0.4])
