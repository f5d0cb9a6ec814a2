"""write_report: a complete, honest and robust report."""

import csv
import errno
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.evaluation import (
    METRIC_NAMES,
    CVResult,
    cross_validate_predictions,
    evaluate_external,
    leakage_audit,
    plot_training_curves,
    safe_filename,
    save_figure,
    write_report,
)
from featleuk.evaluation import _files, _plots

N_RESAMPLES = 200


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def results(data):
    X, y = data
    names = ["ALL", "AML", "CLL"]
    groups = np.arange(60) // 2
    return {
        "LR (lbfgs)": cross_validate_predictions(LogisticRegression(), X, y, cv=3,
                                                 groups=groups, target_names=names),
        "SVC/margins": cross_validate_predictions(SVC(), X, y, cv=3, groups=groups,
                                                  target_names=names),
    }


def _paths(n):
    names = [f"/data/aria/WBC-{i:03d}.jpg" for i in range(n)]
    names[7] = os.fsdecode(b"/data/aria/WBC-\xff-odd,name.jpg")  # not UTF-8, with a comma
    return names


@pytest.fixture(scope="module")
def written(tmp_path_factory, results):
    out = tmp_path_factory.mktemp("report")
    history = [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}]
    outside = save_figure(plot_training_curves(history), out.parent / "elsewhere" / "curves.png")
    estimators = {"LR (lbfgs)": make_pipeline(StandardScaler(), LogisticRegression(C=0.5))}
    paths = write_report(
        out / "report", results, title="Demo report", data_description="60 synthetic rows",
        notes=["synthetic data"], timings={"feature extraction": 12.5},
        extra_sections=[("Dice", "| image | dice |\n|---|---|\n| a | 0.9 |")],
        figures=[("Training curves", outside), ("Inline figure", plot_training_curves(history))],
        images=_paths(60), estimators=estimators, command="featleuk reproduce demo --seed 0",
        n_resamples=N_RESAMPLES)
    return out / "report", paths


def test_files_and_json(written, results):
    report_dir, out = written
    data = json.loads((report_dir / "metrics.json").read_text())
    for key in ("title", "data", "created", "featleuk_version", "timings", "pipelines",
                "provenance", "comparisons"):
        assert key in data
    assert data["timings"] == {"feature extraction": 12.5}
    entry = data["pipelines"]["LR (lbfgs)"]
    for key in ("metrics", "std", "folds", "ci95", "pooled", "bootstrap", "wall_time_s",
                "fit_time_s", "n_samples", "classes", "extra", "per_class", "confusion_matrix"):
        assert key in entry
    assert entry["n_samples"] == 60 and len(entry["fit_time_s"]) == 3
    assert entry["metrics"]["accuracy"] == pytest.approx(
        results["LR (lbfgs)"].summary()["accuracy"]["mean"])
    assert len(entry["folds"]["roc_auc"]) == 3
    assert np.sum(entry["confusion_matrix"]) == 60
    assert out["html"] == report_dir / "report.html" and out["html"].is_file()
    assert out["figure_failures"] == []
    # No temporary file is left behind.
    assert not [p for p in report_dir.rglob(".*") if p.is_file()]


def test_ci95_for_every_metric(written):
    report_dir, _ = written
    data = json.loads((report_dir / "metrics.json").read_text())
    for entry in data["pipelines"].values():
        assert set(entry["ci95"]) == set(METRIC_NAMES)
        assert entry["bootstrap"]["unit"] == "group" and entry["bootstrap"]["n_units"] == 30
        assert entry["bootstrap"]["n_resamples"] == N_RESAMPLES
        for metric, (low, high) in entry["ci95"].items():
            assert low <= entry["pooled"][metric] + 1e-12 <= high + 2e-12, metric
    markdown = (report_dir / "report.md").read_text()
    low, high = data["pipelines"]["LR (lbfgs)"]["ci95"]["accuracy"]
    pooled = data["pipelines"]["LR (lbfgs)"]["pooled"]["accuracy"]
    assert f"{100 * pooled:.1f} [{100 * low:.1f}, {100 * high:.1f}]" in markdown
    assert "| Recall |" in markdown.replace("Recall | Sensitivity", "Recall |")
    assert "of the positive class for two;" not in markdown


def test_comparison_is_a_paired_test(written):
    report_dir, _ = written
    data = json.loads((report_dir / "metrics.json").read_text())
    (test,) = data["comparisons"]
    best = max(data["pipelines"], key=lambda n: data["pipelines"][n]["pooled"]["accuracy"])
    assert test["b"] == best and test["same_folds"] is True
    assert {"difference", "low", "high", "p_value"} <= set(test["metrics"]["accuracy"])
    markdown = (report_dir / "report.md").read_text()
    assert "## Comparison with the best pipeline" in markdown
    assert "figures/comparison_accuracy.png" in markdown


def test_predictions_csv(written, results):
    report_dir, _ = written
    with open(report_dir / "predictions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:10] == ["pipeline", "evaluation", "index", "path", "group", "fold",
                                  "true_label", "predicted_label", "correct", "score_type"]
    assert {"score_ALL", "score_AML", "score_CLL"} <= set(rows[0])
    assert len(rows) == 2 * 60
    lr = [row for row in rows if row["pipeline"] == "LR (lbfgs)"]
    result = results["LR (lbfgs)"]
    assert [row["true_label"] for row in lr] == [result.display_name(v) for v in result.y_true]
    assert {row["score_type"] for row in lr} == {"probability"}
    assert {row["score_type"] for row in rows if row["pipeline"] == "SVC/margins"} == {"margin"}
    for k, fold in enumerate(result.fold_indices):
        assert {lr[i]["fold"] for i in fold} == {str(k)}
    assert lr[7]["path"] == "/data/aria/WBC-\\udcff-odd,name.jpg"  # escaped, not a crash
    assert lr[8]["group"] == "4"
    probabilities = np.array([[float(row[f"score_{c}"]) for c in ("ALL", "AML", "CLL")]
                              for row in lr])
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_provenance(written):
    report_dir, _ = written
    provenance = json.loads((report_dir / "metrics.json").read_text())["provenance"]
    for key in ("command", "featleuk_version", "git", "splits", "bootstrap", "data_files",
                "estimators"):
        assert key in provenance
    assert provenance["command"] == "featleuk reproduce demo --seed 0"
    (split,) = provenance["splits"]
    assert split["random_state"] == 0 and split["grouped"] and split["n_groups"] == 30
    assert "StratifiedGroupKFold" in split["cv"]
    assert provenance["data_files"]["n_files"] == 60
    assert len(provenance["data_files"]["sha256"]) == 64
    assert provenance["estimators"]["LR (lbfgs)"]["logisticregression__C"] == 0.5
    assert provenance["estimators"]["SVC/margins"]["C"] == 1.0
    if shutil.which("git") and provenance["git"] is not None:
        assert len(provenance["git"]["commit"]) == 40
    markdown = (report_dir / "report.md").read_text()
    assert "## Provenance" in markdown and "featleuk reproduce demo --seed 0" in markdown
    assert provenance["data_files"]["sha256"] in markdown


def test_markdown_and_figures(written):
    report_dir, out = written
    markdown = out["report"].read_text()
    for text in ("# Demo report", "60 synthetic rows", "LR (lbfgs)", "SVC/margins", "## Dice",
                 "feature extraction", "synthetic data", "Training curves", "ALL",
                 "## Hardest images", "WBC-", "3-fold CV, grouped"):
        assert text in markdown
    assert len(out["figures"]) == 2 * 3 + 2 + 1  # per pipeline, extra, comparison
    for path in out["figures"]:
        assert path.is_relative_to(report_dir)
        assert f"]({path.relative_to(report_dir).as_posix()})" in markdown
        with Image.open(path) as image:
            image.verify()
    assert (report_dir / "figures" / "SVC_margins_roc.png").exists()
    html = out["html"].read_text(encoding="utf-8")
    assert "Provenance" in html and "Comparison with the best pipeline" in html


def test_single_fold_result(tmp_path):
    result = CVResult.from_predictions([0, 1, 1, 0], [0, 1, 0, 0], None, name="holdout")
    out = write_report(tmp_path, [result], title="Holdout", n_resamples=N_RESAMPLES)
    entry = json.loads(out["metrics"].read_text())["pipelines"]["holdout"]
    assert entry["std"]["accuracy"] is None and entry["metrics"]["roc_auc"] is None
    assert entry["ci95"]["roc_auc"] == [None, None]
    assert len(out["figures"]) == 1  # no scores: confusion matrix only
    assert "| holdout | held-out test set | 4 | 75.00 | 75.0 [" in out["report"].read_text()


def test_report_input_errors(tmp_path, results):
    with pytest.raises(ValueError, match="at least one"):
        write_report(tmp_path, {}, title="x")
    with pytest.raises(TypeError, match="CVResult"):
        write_report(tmp_path, {"a": {"accuracy": 1.0}}, title="x")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        write_report(tmp_path, results, title="x", figures=[("gone", tmp_path / "missing.png")])
    assert not (tmp_path / "metrics.json").exists()


def test_safe_filename():
    assert safe_filename("ResNet50 + PSO | SVM (rbf)") == "ResNet50_PSO_SVM_rbf"
    assert safe_filename("../..") == "pipeline"


def test_failing_figure_is_recorded_not_fatal(tmp_path, results, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no curve today")

    monkeypatch.setattr(_plots, "plot_roc_curves", broken)
    out = write_report(tmp_path, results, title="x", n_resamples=N_RESAMPLES)
    assert [caption for caption, _ in out["figure_failures"]] == [
        "LR (lbfgs): ROC curves (per fold and pooled)", "SVC/margins: ROC curves (per fold and pooled)"]
    markdown = out["report"].read_text()
    assert "## Figures that could not be drawn" in markdown and "no curve today" in markdown
    assert set(json.loads(out["metrics"].read_text())["pipelines"]) == set(results)


def _good_report(path, results):
    out = write_report(path, results, title="Good", n_resamples=N_RESAMPLES)
    return out["report"].read_text(), out["metrics"].read_text()


def test_disk_full_while_writing_figures(tmp_path, results, monkeypatch):
    old_report, _ = _good_report(tmp_path, results)

    def full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("featleuk.evaluation._report.save_figure_atomic",
                        lambda fig, path, dpi=150: _files.write_atomic(path, full))
    with pytest.raises(OSError, match="No space left") as info:
        write_report(tmp_path, results, title="New", n_resamples=N_RESAMPLES)
    assert info.value.errno == errno.ENOSPC
    assert "LR_lbfgs_confusion.png" in str(info.value) and "disk is full" in str(info.value)
    # The numbers are written whole; the previous report is still there.
    assert json.loads((tmp_path / "metrics.json").read_text())["title"] == "New"
    assert (tmp_path / "report.md").read_text() == old_report
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]


def test_atomic_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def half(handle):
        handle.write(b"{\"half\": ")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match=r"metrics\.json.*disk is full"):
        _files.write_atomic(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


@pytest.fixture
def small_tmpfs(tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_real_full_disk(small_tmpfs, results):
    with pytest.raises(OSError) as info:
        write_report(small_tmpfs / "report", results, title="Too big", n_resamples=N_RESAMPLES)
    assert info.value.errno == errno.ENOSPC
    assert str(small_tmpfs) in str(info.value) and "disk is full" in str(info.value)
    metrics = small_tmpfs / "report" / "metrics.json"
    if metrics.exists():  # complete or absent, never half written
        assert set(json.loads(metrics.read_text())["pipelines"]) == set(results)
    assert not [p for p in (small_tmpfs / "report").rglob(".*") if p.is_file()]


def test_audit_section(tmp_path, data, results):
    X, y = data
    names = [f"cell-{i:03d}.png" for i in range(60)]
    audit = leakage_audit(LogisticRegression(), X, y, filenames=names, cv=3, block_size=4,
                          n_resamples=N_RESAMPLES)
    audit["pipeline"] = "Logistic regression on synthetic features"
    out = write_report(tmp_path, results, title="Audited", audit=audit, n_resamples=N_RESAMPLES)
    saved = json.loads(out["metrics"].read_text())["audit"]
    assert saved["strictest"] == audit["strictest"]
    assert [s["name"] for s in saved["strategies"]] == ["random", "sequence", "clusters"]
    assert all("result" not in s for s in saved["strategies"])
    assert saved["quote"]["strategy"] == audit["strictest"]
    markdown = out["report"].read_text()
    assert "## Leakage audit" in markdown and "**(quote this)**" in markdown
    assert "The number to quote is the strictest split's" in markdown
    for s in audit["strategies"]:
        assert f"- **{s['title']}**: {s['guards_against']}" in markdown
    assert "Leakage audit" in out["html"].read_text(encoding="utf-8")


def test_external_result_is_labelled(tmp_path, data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    external = evaluate_external(model, X[::-1] + 0.3, y[::-1], dataset_name="Lab B smears",
                                 training_dataset="Lab A smears", name="LR on lab B")
    out = write_report(tmp_path, [external], title="External", n_resamples=N_RESAMPLES)
    entry = json.loads(out["metrics"].read_text())["pipelines"]["LR on lab B"]
    assert entry["external"]["dataset"] == "Lab B smears"
    assert entry["evaluation"] == "external: trained on Lab A smears, tested on Lab B smears"
    assert set(entry["ci95"]) == set(METRIC_NAMES)
    markdown = out["report"].read_text()
    assert "**External validation**: trained on Lab A smears, tested on Lab B smears" in markdown
    html = out["html"].read_text(encoding="utf-8")
    assert "external</span>: trained on Lab A smears, tested on Lab B smears" in html
