"""featleuk.experiments.deep (experiments/deep_models.py) end to end on synthetic smears (quick)."""

import json

import numpy as np
import pytest

from featleuk.experiments import _deep as experiment
from featleuk.experiments import deep, main

# Autouse: one torch thread for tiny tensors on the shared machine (see that conftest).
from featleuk.models.tests.conftest import _one_torch_thread  # noqa: F401


def test_quick_run_writes_a_report(tmp_path, capsys):
    out = tmp_path / "deep"
    code = main("deep", ["--quick", "--models", "cnn_gru,mobilenet_bilstm:0.5",
                         "--out", str(out), "--no-progress", "--save-models"], prog="deep_models.py")
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    entries = metrics["pipelines"]
    assert set(entries) == {"cnn_gru", "mobilenet_bilstm"}
    for entry in entries.values():
        assert 0.0 <= entry["metrics"]["accuracy"] <= 1.0
        assert entry["n_samples"] > 0
        assert entry["extra"]["epochs"] <= 2
    assert entries["cnn_gru"]["extra"]["pretrained"] is False
    assert entries["mobilenet_bilstm"]["extra"]["budget_min"] == 0.5
    report = (out / "report.md").read_text()
    assert "--quick run" in report and "## Models" in report and "Grad-CAM" in report
    assert "holdout_split(test_size=0.2, val_size=0.1, random_state=0)" in report
    pngs = {p.name for p in (out / "figures").glob("*.png")}
    assert any("grad" in p.lower() for p in pngs) and any("training" in p.lower() for p in pngs)
    assert (out / "models" / "cnn_gru.pt").is_file()
    printed = capsys.readouterr().out
    assert "cnn_gru: test accuracy" in printed and "Command: `deep_models.py --quick" in report
    assert "x100" in printed  # the shared console table says its unit


def test_same_split_as_the_hybrids(tmp_path):
    from featleuk.datasets import load_dataset
    from featleuk.evaluation import holdout_split

    result = deep(models=["cnn_gru"], out=tmp_path / "a", quick=True, progress=False, seed=3)
    data = load_dataset(None, n_synthetic=experiment.QUICK_IMAGES, random_state=3)
    _, _, test = holdout_split(data.target, data.groups, test_size=0.2, val_size=0.1, random_state=3)
    np.testing.assert_array_equal(result.results["cnn_gru"].sample_indices, test)


def test_models_without_offline_weights_are_skipped_or_trained_from_scratch(tmp_path):
    from featleuk.utils._testing import weights_available

    if weights_available("alexnet", "DEFAULT"):
        pytest.skip("AlexNet ImageNet weights are available here")
    result = deep(models=["alexnet"], out=tmp_path / "skip", quick=True, progress=False)
    skipped = result.extra["skipped_models"]
    assert not result.results and "not on this machine" in skipped["alexnet"]
    assert main("deep", ["--quick", "--models", "alexnet", "--out", str(tmp_path / "cli")]) == 1
    assert "not trained" in (tmp_path / "skip" / "report.md").read_text()
    params, start = experiment.model_params("alexnet", 1.0, scratch=True, quick=True,
                                            overrides={"lr": 1e-4}, seed=0, show_progress=False)
    assert params["weights"] is None and params["trainable_layers"] is None
    assert params["max_time"] == 60.0 and params["lr"] == 1e-4 and "random init" in start


def test_argument_parsing():
    assert experiment.parse_models("mobilenet_v2:25, cnn_gru", 5.0) == [("mobilenet_v2", 25.0),
                                                                         ("cnn_gru", 5.0)]
    with pytest.raises(ValueError, match="unknown model 'resnet9000'"):
        experiment.parse_models("resnet9000", None)
    assert experiment.parse_overrides(["lr=1e-4", "head=gru", "trainable_layers=None"]) == {
        "lr": 1e-4, "head": "gru", "trainable_layers": None}
