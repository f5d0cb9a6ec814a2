"""Classical presets in GridSearchCV and featleuk.experiments.classical end to end."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from featleuk.base import frozen_prefix_length
from featleuk.datasets import make_synthetic_smears
from featleuk.evaluation import cross_validate_frozen
from featleuk.experiments import classical
from featleuk.pipelines import FEATURE_FAMILIES as FEATURE_FAMILY_NAMES, make_feature_family, make_segmenter
from featleuk.pipelines import list_presets, make_hybrid

REPO = Path(__file__).resolve().parents[1]
CLASSICAL = ["kmeans-glcm-rf", "otsu-knn", "kmeans-svm", "efcm-morphology-ensemble"]
FUSION = "mobilenetv2-glcm-morphology-svm"


def _quiet(pipe):
    """Switch off every progress bar of a preset (nested FeatureUnion steps too)."""
    keys = [key for key in pipe.get_params() if key.endswith("show_progress")]
    return pipe.set_params(**dict.fromkeys(keys, False))


@pytest.fixture(scope="module")
def smears():
    return make_synthetic_smears(18, n_classes=2, image_size=40, random_state=0)


def test_presets_are_registered_with_references():
    presets = list_presets()
    for name in [*CLASSICAL, FUSION]:
        assert name in presets and presets[name].reference
        pipe = make_hybrid(name)
        names = [step for step, _ in pipe.steps]
        assert names[names.index("segment") + 1] == "features" and names[-1] == "clf"
        clone(pipe)


GRIDS = {
    "kmeans-glcm-rf": {"clf__n_estimators": [10, 20], "clf__n_jobs": [1]},
    "otsu-knn": {"clf__n_neighbors": [1, 3]},
    "kmeans-svm": {"clf__C": [1.0, 10.0]},
    "efcm-morphology-ensemble": {"clf__rf__n_estimators": [10], "clf__rf__n_jobs": [1],
                                 "segment__postprocess__opening_iterations": [1, 2]},
}


@pytest.mark.parametrize("name", CLASSICAL)
def test_classical_preset_in_grid_search(name, smears):
    X, y = smears
    search = GridSearchCV(_quiet(make_hybrid(name)), GRIDS[name],
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert search.best_score_ > 0.75, f"{name} should separate the two synthetic classes"
    assert search.predict(X).shape == y.shape


@pytest.mark.slow
def test_fusion_preset_in_grid_search(smears, tmp_path):
    X, y = smears
    pipe = _quiet(make_hybrid(FUSION, features__deep__weights=None,
                              features__deep__memory=str(tmp_path)))
    search = GridSearchCV(pipe, {"clf__C": [1.0, 10.0]}, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    fused = search.best_estimator_[:-2].transform(X[:2])
    assert fused.shape[1] > 1280  # MobileNetV2's 1280 columns plus GLCM and shape
    assert search.best_score_ > 0.7


def test_fusion_preset_feeds_the_mask_channel_to_every_family(smears):
    X, _ = smears
    pipe = make_hybrid(FUSION)
    assert pipe.named_steps["segment"].output == "mask_channel"
    assert pipe.named_steps["features"].get_params()["deep__mask"] == "ignore"


def test_experiment_end_to_end(tmp_path):
    out = tmp_path / "classical"
    result = classical(out=out, quick=True, n_samples=30, image_size=40, dice_samples=4,
                       dice_size=48, segmenters=["otsu", "efcm"], families=["all"],
                       classifiers=["knn"], progress=False)
    grid = json.loads((out / "grid.json").read_text())
    assert {(r["segmenter"], r["features"], r["classifier"]) for r in grid["rows"]} == {
        (s, "all", "knn") for s in ("otsu", "efcm")}
    for row in grid["rows"]:
        assert 0.0 <= row["acc"]["mean"] <= 1.0 and len(row["acc"]["folds"]) == 5
        assert row["row_s"] >= row["cv_s"] > 0
    dice = {r["segmenter"]: r for r in grid["dice"]}
    assert {"otsu", "kmeans", "efcm", "fcm"} <= set(dice)
    assert max(r["dice_mean"] for r in dice.values()) >= 0.85
    assert grid["timings"]["enfcm_speedup_over_fcm"] > 0
    assert len(grid["feature_names"]["all"]) == sum(
        len(grid["feature_names"][f]) for f in FEATURE_FAMILY_NAMES)
    report = (out / "report.md").read_text()
    for heading in ("Grid (all rows)", "Segmentation quality on synthetic smears", "x100"):
        assert heading in report
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["pipelines"]) <= {r["name"] for r in grid["rows"]}
    assert len(metrics["pipelines"]) == 2  # the best row of each segmenter
    assert set(result.results) == {r["name"] for r in grid["rows"]}


def test_script_is_the_same_command(tmp_path):
    out = tmp_path / "script"
    done = subprocess.run(
        [sys.executable, str(REPO / "experiments" / "classical_pipelines.py"), "--quick",
         "--n-samples", "24", "--image-size", "32", "--dice-samples", "2", "--dice-size", "32",
         "--segmenters", "otsu", "--families", "color", "--classifiers", "knn", "--folds", "2",
         "--out", str(out), "--no-progress"],
        check=True, capture_output=True, text=True)
    assert "otsu / color / knn" in done.stdout and (out / "grid.json").is_file()
    assert "Command: `python experiments/classical_pipelines.py --quick" in (out / "report.md").read_text()


def test_features_once_equals_pipeline_per_fold(smears):
    """cross_validate_frozen == CV of the whole preset (segmenter and features learn nothing)."""
    from sklearn.model_selection import cross_val_predict

    X, y = smears
    pipe = _quiet(make_hybrid("kmeans-svm"))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    whole = cross_val_predict(pipe, X, y, cv=cv, method="predict_proba")
    shared = cross_validate_frozen({"kmeans-svm": pipe}, X, y, cv=cv, show_progress=False)
    assert shared.n_frozen["kmeans-svm"] == frozen_prefix_length(pipe)
    np.testing.assert_allclose(shared.results["kmeans-svm"].y_score, whole, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("output", ["mask_channel", "masked_rgb", "crop"])
def test_every_output_mode_flows_into_every_feature_family(output, smears):
    X, _ = smears
    images = np.concatenate([X[:3], np.full((1,) + X.shape[1:], 230, np.uint8)])  # last: no nucleus
    seg = make_segmenter("otsu", output=output, crop_size=32, show_progress=False)
    segmented = seg.fit_transform(images)
    assert list(seg.empty_indices_) == [3]
    for family in FEATURE_FAMILY_NAMES:
        step = make_feature_family(family, show_progress=False)
        if output == "masked_rgb":
            step.set_params(blank_color=0)  # the segmenter's default background
        rows = step.fit_transform(segmented)
        assert rows.shape[0] == 4 and np.isfinite(rows).all(), family
        flag = list(step.get_feature_names_out()).index(f"{step._prefix}_mask_empty")
        np.testing.assert_array_equal(rows[:, flag], [0, 0, 0, 1], err_msg=family)


@pytest.mark.slow  # a randomly initialised MobileNetV2 per mode: ~10-30 s each here
@pytest.mark.parametrize("output", ["mask_channel", "masked_rgb", "crop"])
def test_deep_features_accept_every_output_mode(output, smears):
    from featleuk.features import DeepFeatures

    X, _ = smears
    segmented = (make_hybrid("kmeans-svm").named_steps["segment"]
                 .set_params(output=output, crop_size=32, show_progress=False).fit_transform(X[:2]))
    assert segmented.shape[-1] == (3 if output == "masked_rgb" else 4)
    deep = DeepFeatures("mobilenet_v2", weights=None, mask="blank", show_progress=False)
    assert deep.fit_transform(segmented).shape == (2, 1280)
