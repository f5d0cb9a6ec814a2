"""featleuk.experiments.selection (experiments/selection_grid.py) end to end on tiny smears."""

import json

import pytest

from featleuk.experiments import main

pytestmark = pytest.mark.slow  # about a minute: a CNN pass, then 6 presets x 5 outer folds


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    code = main("selection", [
        "--out", str(out), "--quick", "--weights", "none", "--engine", "torch",
        "--n-samples", "40", "--image-size", "64",
        "--reducers", "none", "pca", "lda", "pso", "cso", "chi2",
        "--classifiers", "nb", "--no-progress",
    ])
    assert code == 0
    return out, json.loads((out / "metrics.json").read_text())


def test_report_files_and_metrics(grid_run):
    out, metrics = grid_run
    report = (out / "report.md").read_text()
    pipelines = metrics["pipelines"]
    expected = {"mobilenetv2-nb"} | {f"mobilenetv2-{r}-nb"
                                     for r in ("pca", "lda", "pso", "cso", "chi2")}
    assert set(pipelines) == expected
    for name, entry in pipelines.items():
        assert len(entry["folds"]["accuracy"]) == 5
        assert 0.0 <= entry["metrics"]["accuracy"] <= 1.0
        assert entry["std"]["mcc"] is not None
        assert name in report
        kept = entry["extra"]["features_kept"]
        assert len(kept) == 5 and all(1 <= k <= 1280 for k in kept)
    assert pipelines["mobilenetv2-lda-nb"]["extra"]["features_kept"] == [3] * 5
    assert pipelines["mobilenetv2-chi2-nb"]["extra"]["features_kept"] == [320] * 5
    assert pipelines["mobilenetv2-nb"]["extra"]["features_kept"] == [1280] * 5
    for heading in ("Grid (outer-fold mean ± std)", "Timing breakdown",
                    "Swarm selection against all features", "Synthetic smears"):
        assert heading in report
    assert list(out.rglob("*.png"))


def test_timing_breakdown_adds_up(grid_run):
    _, metrics = grid_run
    t = metrics["timings"]
    assert t["feature_extraction_s"] > 0 and t["reducer_and_classifier_cv_s"] > 0
    assert t["feature_extraction_read_from_cache"] is False
    parts = t["load_data_s"] + t["feature_extraction_s"] + t["reducer_and_classifier_cv_s"]
    assert t["total_wall_s"] == pytest.approx(parts, rel=0.05, abs=0.5)
    assert t["total_over_extraction_plus_fits"] == pytest.approx(
        t["total_wall_s"] / (t["feature_extraction_s"] + t["reducer_and_classifier_cv_s"]),
        rel=1e-2)
    # 6 presets x 5 outer folds x ((3 inner folds x 1 candidate + refit) x 4/5 + test fold 1/5).
    assert t["naive_grid_cnn_passes_estimate"] == pytest.approx(6 * 5 * (4 * 0.8 + 0.2))
