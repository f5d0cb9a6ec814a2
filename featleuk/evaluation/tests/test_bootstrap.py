"""Bootstrap intervals: exact per-resample metrics, coverage, cluster widening, paired test."""

import math

import numpy as np
import pytest

from featleuk.evaluation import CVResult, classification_metrics
from featleuk.evaluation._bootstrap import (
    _Prepared,
    _units,
    _weight_chunks,
    bootstrap_metrics,
    format_interval,
    paired_bootstrap_test,
)
from featleuk.evaluation._metrics import METRIC_NAMES


def _noisy(n, n_classes, accuracy, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    wrong = rng.random(n) >= accuracy
    pred = np.where(wrong, (y + rng.integers(1, n_classes, n)) % n_classes, y)
    # Rounded scores so that the AUC has many ties to handle.
    score = np.round(rng.normal(size=(n, n_classes)) + 1.5 * np.eye(n_classes)[y], 1)
    return y, pred, score


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_each_resample_equals_metrics_of_the_repeated_samples(n_classes, average):
    y, pred, score = _noisy(60, n_classes, 0.7, seed=n_classes)
    prepared = _Prepared(y, pred, score, None)
    codes, n_units, _ = _units(None, len(y))
    weights = next(_weight_chunks(codes, n_units, 5, np.random.default_rng(0)))
    draws = prepared.draws(weights, average)
    for b, row in enumerate(weights):
        take = np.repeat(np.arange(len(y)), row.astype(int))
        expected = classification_metrics(y[take], pred[take], score[take],
                                          labels=np.arange(n_classes), average=average)
        for name in METRIC_NAMES:
            assert draws[name][b] == pytest.approx(expected[name], nan_ok=True), name


def test_value_is_the_metric_and_interval_brackets_it():
    y, pred, score = _noisy(300, 4, 0.85, seed=1)
    ci = bootstrap_metrics(y, pred, score, n_resamples=300)
    assert ci["unit"] == "sample" and ci["n_units"] == 300 and ci["n_resamples"] == 300
    expected = classification_metrics(y, pred, score)
    assert set(ci["metrics"]) == set(METRIC_NAMES)
    for name, interval in ci["metrics"].items():
        assert interval["value"] == expected[name]
        assert interval["low"] <= interval["value"] <= interval["high"], name
    again = bootstrap_metrics(y, pred, score, n_resamples=300)
    assert again == ci  # seeded


def test_interval_coverage_of_a_known_accuracy():
    # 300 test sets of n = 200 from a classifier that is right with
    # probability 0.9: a 95% interval should contain 0.9 about 95% of the time.
    rng = np.random.default_rng(2024)
    covered = 0
    repetitions = 300
    for rep in range(repetitions):
        y = rng.integers(0, 2, 200)
        pred = np.where(rng.random(200) < 0.9, y, 1 - y)
        ci = bootstrap_metrics(y, pred, metrics=["accuracy"], n_resamples=400,
                               random_state=rep)["metrics"]["accuracy"]
        covered += ci["low"] <= 0.9 <= ci["high"]
    assert 0.91 <= covered / repetitions <= 0.985, covered / repetitions


def test_cluster_bootstrap_widens_the_interval_of_correlated_groups():
    # 40 groups of 5 copies: correctness is shared within a group, so there
    # are 40 independent outcomes, not 200.
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(40), 5)
    y = rng.integers(0, 2, 200)
    right = np.repeat(rng.random(40) < 0.8, 5)
    pred = np.where(right, y, 1 - y)
    plain = bootstrap_metrics(y, pred, metrics=["accuracy"])["metrics"]["accuracy"]
    cluster = bootstrap_metrics(y, pred, metrics=["accuracy"], groups=groups)
    assert cluster["unit"] == "group" and cluster["n_units"] == 40
    cluster = cluster["metrics"]["accuracy"]
    assert cluster["value"] == plain["value"]
    width = lambda ci: ci["high"] - ci["low"]  # noqa: E731
    assert width(cluster) > 1.7 * width(plain)


def test_paired_test_detects_a_real_difference_and_not_a_null_one():
    y = np.repeat([0, 1], 150)
    rng = np.random.default_rng(4)
    good = CVResult.from_predictions(y, np.where(rng.random(300) < 0.95, y, 1 - y), name="good")
    poor = CVResult.from_predictions(y, np.where(rng.random(300) < 0.80, y, 1 - y), name="poor")
    test = paired_bootstrap_test(good, poor, metrics=["accuracy", "f1"])
    acc = test["metrics"]["accuracy"]
    assert test["a"] == "good" and test["b"] == "poor" and test["same_folds"]
    assert acc["difference"] == pytest.approx(acc["a"] - acc["b"])
    assert 0 < acc["low"] <= acc["difference"] <= acc["high"]
    assert acc["p_value"] < 0.01
    same = paired_bootstrap_test(good, good, metrics=["accuracy"])["metrics"]["accuracy"]
    assert same["difference"] == 0 and same["low"] == same["high"] == 0 and same["p_value"] == 1
    other = CVResult.from_predictions(y[:-1], y[:-1], name="short")
    with pytest.raises(ValueError, match="different samples"):
        paired_bootstrap_test(good, other)


def test_format_interval():
    assert format_interval(0.98312, 0.9779, 0.9871, metric="accuracy") == "98.3 [97.8, 98.7]"
    assert format_interval(0.5, 0.25, 0.75, metric="cohen_kappa") == "50.0 [25.0, 75.0]"
    assert format_interval(0.5, 0.25, 0.75) == "0.500 [0.250, 0.750]"
    assert format_interval(math.nan, 0.1, 0.2, metric="f1") == "n/a"
    assert format_interval(0.5, None, None, metric="f1", digits=2) == "50.00"


def test_parameter_errors():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="unknown metrics"):
        bootstrap_metrics(y, y, metrics=["auc"])
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_metrics(y, y, n_resamples=0)
    with pytest.raises(ValueError, match="groups has shape"):
        bootstrap_metrics(y, y, groups=[0, 1])
    with pytest.raises(ValueError, match="outside labels"):
        bootstrap_metrics(y, np.array([0, 1, 2, 1]), labels=[0, 1])
