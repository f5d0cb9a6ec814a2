"""experiments/deep_models.py end to end on synthetic smears (--quick)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

# Autouse: one torch thread for tiny tensors on the shared machine (see that conftest).
from featleuk.models.tests.conftest import _one_torch_thread  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "experiments" / "deep_models.py"


@pytest.fixture(scope="module")
def experiment():
    spec = importlib.util.spec_from_file_location("deep_models_experiment", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_a_report(experiment, tmp_path, capsys):
    out = tmp_path / "deep"
    code = experiment.main(["--quick", "--models", "cnn_gru,mobilenet_bilstm:0.5",
                            "--out", str(out), "--no-progress", "--save-models"])
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
    assert "cnn_gru: test accuracy" in capsys.readouterr().out


def test_same_split_as_the_hybrids(experiment, tmp_path):
    from featleuk.evaluation import holdout_split
    from featleuk.reproduce import load_experiment_data

    results, _ = experiment.run(None, ["cnn_gru"], tmp_path / "a", quick=True, show_progress=False,
                                seed=3)
    _, y, groups, *_ = load_experiment_data(None, experiment.QUICK_SYNTHETIC, True, 3)
    _, _, test = holdout_split(np.asarray(y), groups, test_size=0.2, val_size=0.1, random_state=3)
    np.testing.assert_array_equal(results["cnn_gru"].sample_indices, test)


def test_models_without_offline_weights_are_skipped_or_trained_from_scratch(experiment, tmp_path):
    from featleuk.utils._testing import weights_available

    if weights_available("alexnet", "DEFAULT"):
        pytest.skip("AlexNet ImageNet weights are available here")
    results, skipped = experiment.run(None, ["alexnet"], tmp_path / "skip", quick=True,
                                      show_progress=False)
    assert not results and "not on this machine" in skipped["alexnet"]
    assert "not trained" in (tmp_path / "skip" / "report.md").read_text()
    params, start = experiment.model_params("alexnet", 1.0, scratch=True, quick=True,
                                            overrides={"lr": 1e-4}, seed=0, show_progress=False)
    assert params["weights"] is None and params["trainable_layers"] is None
    assert params["max_time"] == 60.0 and params["lr"] == 1e-4 and "random init" in start


def test_argument_parsing(experiment):
    assert experiment.parse_models("mobilenet_v2:25, cnn_gru", 5.0) == [("mobilenet_v2", 25.0),
                                                                         ("cnn_gru", 5.0)]
    with pytest.raises(SystemExit):
        experiment.parse_models("resnet9000", None)
    assert experiment.parse_overrides(["lr=1e-4", "head=gru", "trainable_layers=None"]) == {
        "lr": 1e-4, "head": "gru", "trainable_layers": None}
