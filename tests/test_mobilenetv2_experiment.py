"""The mobilenetv2 experiment: leakage audit and external validation, end to end."""

import argparse
import csv
import json

import numpy as np
import pytest
from PIL import Image

from featleuk.datasets import make_synthetic_smears
from featleuk.experiments import build_parser, mobilenetv2
from featleuk.experiments._mobilenetv2 import parse_class_map
from featleuk.utils._testing import requires_weights


def _write(folder, images, labels, names):
    for i, (image, label) in enumerate(zip(images, labels)):
        target = folder / names[label]
        target.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(target / f"smear-{i:03d}.png")


def _restain(images):
    """Another lab's stain: the colour channels shifted and the contrast lowered."""
    shifted = images.astype(float)[..., [1, 2, 0]] * 0.8 + 30
    return np.clip(shifted, 0, 255).astype(np.uint8)


@requires_weights()
def test_external_test_on_a_shifted_stain_is_labelled_external(tmp_path):
    images, labels = make_synthetic_smears(40, n_classes=2, image_size=64, random_state=0)
    _write(tmp_path / "lab_a" / "smears", images, labels, ["Benign", "Early"])
    test_images, test_labels = make_synthetic_smears(24, n_classes=2, image_size=64,
                                                     random_state=1)
    _write(tmp_path / "lab_b" / "smears", _restain(test_images), test_labels,
           ["healthy", "blast"])
    out = tmp_path / "report"
    result = mobilenetv2(data=tmp_path / "lab_a" / "smears", out=out, folds=2,
                         presets=("mobilenetv2-svm", "mobilenetv2-knn"), engine="torch",
                         progress=False, external_data=tmp_path / "lab_b" / "smears",
                         class_map=["healthy=Benign", "blast=Early"], audit=False)
    name = "mobilenetv2-svm on lab_b/smears"
    assert name in result.results and result.results[name].external is not None
    metrics = json.loads((out / "metrics.json").read_text())
    entry = metrics["pipelines"][name]
    assert entry["external"] == {"dataset": "lab_b/smears", "training_dataset": "lab_a/smears",
                                 "class_map": {"healthy": "Benign", "blast": "Early"},
                                 "model_classes": ["Benign", "Early"]}
    assert entry["n_samples"] == 24 and entry["ci95"]["accuracy"][0] is not None
    assert metrics["pipelines"]["mobilenetv2-svm"].get("external") is None
    report = (out / "report.md").read_text()
    assert "**External validation**: trained on lab_a/smears, tested on lab_b/smears" in report
    assert f"| {name} | external: trained on lab_a/smears, tested on lab_b/smears | 24 |" in report
    # The comparison pairs cross-validated with cross-validated, external with external.
    pairs = {(c["a"], c["b"]) for c in metrics["comparisons"]}
    assert all(("on lab_b" in a) == ("on lab_b" in b) for a, b in pairs) and len(pairs) == 2
    with open(out / "predictions.csv", encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["pipeline"] == name]
    assert len(rows) == 24 and all("lab_b" in row["path"] for row in rows)
    assert {row["true_label"] for row in rows} == {"Benign", "Early"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "external</span>: trained on lab_a/smears, tested on lab_b/smears" in html


@requires_weights()
def test_audit_is_on_by_default(tmp_path):
    result = mobilenetv2(out=tmp_path, n_samples=40, image_size=64, folds=2,
                         presets=("mobilenetv2-knn",), engine="torch", progress=False)
    audit = result.extra["audit"]
    assert audit["pipeline"].endswith("(`mobilenetv2-svm`)")
    assert [s["name"] for s in audit["strategies"]] == ["random", "clusters"]
    saved = json.loads((tmp_path / "metrics.json").read_text())["audit"]
    assert saved["strictest"] in {"random", "clusters"}
    assert "leakage_audit_s" in result.timings
    report = (tmp_path / "report.md").read_text()
    assert "## Leakage audit" in report and "The number to quote is the strictest split's" in report
    for s in audit["strategies"]:
        assert s["guards_against"] in report


def test_options():
    parser = build_parser("mobilenetv2", argparse.ArgumentParser())
    args = parser.parse_args([])
    assert args.audit is True and args.external_data is None and args.class_map is None
    args = parser.parse_args(["--no-audit", "--external-data", "B", "--class-map", "a=b", "c=d"])
    assert args.audit is False and args.external_data == "B"
    assert parse_class_map(args.class_map) == {"a": "b", "c": "d"}


def test_class_map_from_json(tmp_path):
    path = tmp_path / "map.json"
    path.write_text('{"hem": "Benign", "all": "Early"}')
    assert parse_class_map([str(path)]) == {"hem": "Benign", "all": "Early"}
    with pytest.raises(ValueError, match="NAME=CLASS"):
        parse_class_map(["hem:Benign"])
