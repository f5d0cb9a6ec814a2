"""train -> predict -> evaluate from the command line, and the saved model in a fresh process."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from featleuk.cli import main
from featleuk.datasets import write_synthetic_smears
from featleuk.utils._testing import requires_weights

ROOT = Path(__file__).resolve().parents[1]
PRESET = "kmeans-svm"  # classical: no CNN weights needed


@pytest.fixture(scope="module")
def smears(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smears")
    write_synthetic_smears(folder, 40, image_size=64, random_state=0)
    return folder


@pytest.fixture(scope="module")
def trained(smears, tmp_path_factory):
    model = tmp_path_factory.mktemp("model") / "model.skops"
    assert main(["train", PRESET, "--data", str(smears), "--out", str(model), "--cv", "3",
                 "--set", "clf__C=1", "--no-progress"]) == 0
    return model


def test_train_writes_model_and_card(trained, smears):
    card = json.loads(Path(str(trained) + ".card.json").read_text())
    assert card["preset"] == PRESET
    assert card["classes"] == ["Benign", "Early", "Pre", "Pro"]
    assert card["params"]["clf__C"] == 1
    data = card["training_data"]
    assert data["counts"] == {"Benign": 10, "Early": 10, "Pre": 10, "Pro": 10}
    assert len(data["files_sha256"]) == 64
    assert {"featleuk", "scikit-learn", "torch"} <= set(card["versions"])
    cv = card["cross_validation"]
    assert cv["folds"] == 3
    acc = cv["metrics"]["accuracy"]
    assert acc["low"] <= acc["value"] <= acc["high"]
    assert "Cross-validation estimate" in Path(str(trained) + ".card.md").read_text()


def test_predict_keeps_every_file_and_names_the_error(trained, smears, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(smears.rglob("*.png"))[:5]:
        (images / "sub").mkdir(exist_ok=True)
        (images / "sub" / path.name).write_bytes(path.read_bytes())
    (images / "corrupt.png").write_bytes(b"not an image at all")
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(trained), str(images), "--out", str(out), "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 6
    assert list(rows[0]) == ["path", "label", "Benign", "Early", "Pre", "Pro", "status"]
    bad = [r for r in rows if r["path"].endswith("corrupt.png")]
    assert len(bad) == 1 and bad[0]["status"].startswith("error:") and "corrupt.png" in bad[0]["status"]
    good = [r for r in rows if r["status"] == "ok"]
    assert len(good) == 5
    for row in good:
        proba = np.array([float(row[c]) for c in ("Benign", "Early", "Pre", "Pro")])
        assert proba.sum() == pytest.approx(1.0)
        assert row["label"] == ["Benign", "Early", "Pre", "Pro"][int(proba.argmax())]

    as_json = tmp_path / "predictions.json"
    assert main(["predict", str(trained), str(images), "--out", str(as_json), "--format", "json",
                 "--no-progress"]) == 0
    assert len(json.loads(as_json.read_text())) == 6


def test_evaluate_with_a_class_map(trained, smears, tmp_path):
    external = tmp_path / "external"
    for path in smears.rglob("*.png"):
        # Another lab's folder names: "blasts-early" stands for the model's Early class.
        name = {"Early": "blasts-early"}.get(path.parent.name, path.parent.name)
        (external / name).mkdir(parents=True, exist_ok=True)
        (external / name / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "report"
    assert main(["evaluate", str(trained), "--data", str(external), "--out", str(out),
                 "--class-map", "blasts-early=Early", "--no-progress"]) == 0
    report = (out / "report.md").read_text()
    assert "External test" in report and str(smears.resolve()) in report
    assert (out / "predictions.csv").is_file() and (out / "metrics.json").is_file()
    assert json.loads((out / "metrics.json").read_text())["pipelines"][PRESET]["external"]


def test_saved_model_predicts_the_same_in_a_fresh_process(trained, smears):
    from featleuk import load_model

    files = sorted(str(p) for p in smears.rglob("*.png"))[:8]
    here = load_model(trained).predict_proba(files)
    code = ("import json, sys; from featleuk import load_model; "
            "m = load_model(sys.argv[1]); print(json.dumps(m.predict_proba(sys.argv[2:]).tolist()))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FEATLEUK_PROGRESS": "0"}
    done = subprocess.run([sys.executable, "-c", code, str(trained), *files], capture_output=True,
                          text=True, env=env, check=True)
    there = np.array(json.loads(done.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(there, here, atol=1e-6)


def test_python_m_featleuk_is_the_same_command():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "featleuk", "reproduce", "--list"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0
    assert "Das et al. (2022)" in done.stdout and "mobilenetv2" in done.stdout


@requires_weights()
def test_mobilenetv2_model_round_trip_in_a_fresh_process(smears, tmp_path):
    from featleuk import load_model
    from featleuk.model_io import read_header

    model = tmp_path / "mobilenetv2-svm.skops"
    assert main(["train", "mobilenetv2-svm", "--data", str(smears), "--out", str(model),
                 "--cache", str(tmp_path / "cache"), "--no-progress"]) == 0
    card = read_header(model)["card"]
    assert card["weights"][0]["backbone"] == "mobilenet_v2" and len(card["weights"][0]["sha256"]) == 64
    loaded = load_model(model)
    assert loaded.named_steps["features"].memory is None  # no path of this machine in the file
    files = sorted(str(p) for p in smears.rglob("*.png"))[:8]
    code = ("import json, sys; from featleuk import load_model; "
            "m = load_model(sys.argv[1]); print(json.dumps(m.predict_proba(sys.argv[2:]).tolist()))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FEATLEUK_PROGRESS": "0"}
    done = subprocess.run([sys.executable, "-c", code, str(model), *files], capture_output=True,
                          text=True, env=env, check=True)
    there = np.array(json.loads(done.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(there, loaded.predict_proba(files), atol=1e-6)
