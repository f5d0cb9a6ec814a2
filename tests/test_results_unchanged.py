"""The experiments give the numbers the code gave before it became featleuk.experiments.

``tests/data/results_before_layout_change.json`` holds the fold accuracies
and mean metrics of three runs on synthetic smears, recorded with the old
scripts (its ``_commands`` key says which). Each test reruns the same
configuration through the experiment function and compares to 1e-12.
"""

import json
from pathlib import Path

import pytest

from featleuk.experiments import classical, mobilenetv2, selection
from featleuk.utils._testing import requires_weights

BASELINE = json.loads((Path(__file__).parent / "data" / "results_before_layout_change.json").read_text())
TOLERANCE = 1e-12


def _assert_same(results, recorded):
    assert set(results) == set(recorded)
    for name, expected in recorded.items():
        summary = results[name].summary()
        assert summary["accuracy"]["folds"] == pytest.approx(expected["folds_accuracy"], abs=TOLERANCE), name
        for metric, value in expected["metrics"].items():
            assert summary[metric]["mean"] == pytest.approx(value, abs=TOLERANCE), (name, metric)


def test_classical_quick_run(tmp_path):
    # python experiments/classical_pipelines.py --out OUT --quick --n-samples 40 --image-size 64
    result = classical(out=tmp_path, quick=True, n_samples=40, image_size=64, progress=False)
    grid = {row["name"]: row["acc"]["mean"] for row in result.extra["rows"]}
    assert grid == pytest.approx(BASELINE["classical_grid"], abs=TOLERANCE)
    dice = {row["segmenter"]: row["dice_mean"] for row in result.extra["dice"]}
    assert dice == pytest.approx(BASELINE["classical_dice"], abs=TOLERANCE)
    reported = json.loads((tmp_path / "metrics.json").read_text())["pipelines"]
    _assert_same({name: result.results[name] for name in reported}, BASELINE["classical"])


@pytest.mark.slow  # about a minute: a CNN pass, then 12 grid searches x 5 outer folds
def test_selection_quick_run_with_random_weights(tmp_path):
    # python experiments/selection_grid.py --out OUT --quick --weights none --engine torch
    #   --n-samples 40 --image-size 64 --reducers none pca lda pso cso chi2 --classifiers nb svm
    result = selection(out=tmp_path, quick=True, weights="none", engine="torch", n_samples=40,
                       image_size=64, reducers=("none", "pca", "lda", "pso", "cso", "chi2"),
                       classifiers=("nb", "svm"), progress=False)
    _assert_same(result.results, BASELINE["selection"])


@requires_weights()
def test_mobilenetv2_on_48_synthetic_smears(tmp_path):
    # reproduce_mobilenetv2(None, OUT, n_synthetic=48, engine='torch')
    result = mobilenetv2(out=tmp_path, n_samples=48, engine="torch", progress=False)
    _assert_same(result.results, BASELINE["mobilenetv2"])
