"""write_report produces a complete, loadable report."""

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from featleuk.evaluation import (
    CVResult,
    cross_validate_predictions,
    plot_training_curves,
    safe_filename,
    save_figure,
    write_report,
)


@pytest.fixture(scope="module")
def results():
    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    names = ["ALL", "AML", "CLL"]
    return {
        "LR (lbfgs)": cross_validate_predictions(LogisticRegression(), X, y, cv=3, target_names=names),
        "SVC/margins": cross_validate_predictions(SVC(), X, y, cv=3, target_names=names),
    }


def test_write_report_files_and_json(tmp_path, results):
    history = [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}]
    outside = save_figure(plot_training_curves(history), tmp_path / "elsewhere" / "curves.png")
    out = write_report(
        tmp_path / "report", results, title="Demo report", data_description="60 synthetic rows",
        notes=["synthetic data"], timings={"feature extraction": 12.5},
        extra_sections=[("Dice", "| image | dice |\n|---|---|\n| a | 0.9 |")],
        figures=[("Training curves", outside), ("Inline figure", plot_training_curves(history))],
    )
    report_dir = tmp_path / "report"
    data = json.loads((report_dir / "metrics.json").read_text())
    for key in ("title", "data", "created", "featleuk_version", "timings", "pipelines"):
        assert key in data
    assert data["timings"] == {"feature extraction": 12.5}
    entry = data["pipelines"]["LR (lbfgs)"]
    for key in ("metrics", "std", "folds", "wall_time_s", "fit_time_s", "n_samples", "classes",
                "extra", "per_class", "confusion_matrix"):
        assert key in entry
    assert entry["n_samples"] == 60 and len(entry["fit_time_s"]) == 3
    assert entry["metrics"]["accuracy"] == pytest.approx(
        results["LR (lbfgs)"].summary()["accuracy"]["mean"])
    assert len(entry["folds"]["roc_auc"]) == 3
    assert np.sum(entry["confusion_matrix"]) == 60

    markdown = out["report"].read_text()
    for text in ("# Demo report", "60 synthetic rows", "LR (lbfgs)", "SVC/margins", "## Dice",
                 "feature extraction", "synthetic data", "Training curves", "ALL"):
        assert text in markdown
    lr = results["LR (lbfgs)"].summary()["accuracy"]
    assert f"{100 * lr['mean']:.2f} ± {100 * lr['std']:.2f}" in markdown

    assert len(out["figures"]) == 2 * 3 + 2
    for path in out["figures"]:
        assert path.is_relative_to(report_dir)
        assert f"]({path.relative_to(report_dir).as_posix()})" in markdown
        with Image.open(path) as image:
            image.verify()
    assert (report_dir / "figures" / "SVC_margins_roc.png").exists()


def test_single_fold_result_writes_null_std(tmp_path):
    result = CVResult.from_predictions([0, 1, 1, 0], [0, 1, 0, 0], None, name="holdout")
    out = write_report(tmp_path, [result], title="Holdout")
    entry = json.loads(out["metrics"].read_text())["pipelines"]["holdout"]
    assert entry["std"]["accuracy"] is None and entry["metrics"]["roc_auc"] is None
    assert len(out["figures"]) == 1  # no scores: confusion matrix only
    assert "| holdout | 1 | 75.00 |" in out["report"].read_text()


def test_report_input_errors(tmp_path, results):
    with pytest.raises(ValueError, match="at least one"):
        write_report(tmp_path, {}, title="x")
    with pytest.raises(TypeError, match="CVResult"):
        write_report(tmp_path, {"a": {"accuracy": 1.0}}, title="x")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        write_report(tmp_path, results, title="x", figures=[("gone", tmp_path / "missing.png")])


def test_safe_filename():
    assert safe_filename("ResNet50 + PSO | SVM (rbf)") == "ResNet50_PSO_SVM_rbf"
    assert safe_filename("../..") == "pipeline"
