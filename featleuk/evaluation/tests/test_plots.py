"""Figures are built, carry the right legends and save as valid PNGs."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from featleuk.evaluation import (
    CVResult,
    classification_metrics,
    plot_confusion_matrix,
    plot_pr_curves,
    plot_roc_curves,
    plot_training_curves,
    save_figure,
)
from featleuk.evaluation._bootstrap import bootstrap_metrics
from featleuk.evaluation._plots import plot_pipeline_comparison

Y_TRUE = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
Y_PRED = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 0, 3])
SCORES = np.eye(4)[Y_PRED] + np.linspace(0, 0.5, 12)[:, None] * np.eye(4)[Y_TRUE]
NAMES = ["Benign", "Early", "Pre", "Pro"]


def _legend_texts(fig):
    return [text.get_text() for text in fig.axes[0].get_legend().get_texts()]


def test_confusion_matrix_has_counts_and_percent_panels(tmp_path):
    fig = plot_confusion_matrix(Y_TRUE, Y_PRED, target_names=NAMES, title="demo")
    assert isinstance(fig, Figure)
    counts_ax, rates_ax = fig.axes[:2]
    assert [t.get_text() for t in counts_ax.get_yticklabels()] == NAMES
    assert "3" in [t.get_text() for t in counts_ax.texts]  # the Pre/Pre cell
    assert "100.0%" in [t.get_text() for t in rates_ax.texts]
    path = save_figure(fig, tmp_path / "sub" / "cm.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 400


def test_roc_legend_shows_per_class_auc():
    fig = plot_roc_curves(Y_TRUE, SCORES, labels=[0, 1, 2, 3], target_names=NAMES)
    texts = _legend_texts(fig)
    assert texts[-1] == "chance" and len(texts) == 5
    macro = classification_metrics(Y_TRUE, Y_PRED, SCORES)["roc_auc"]
    aucs = [float(t.split("AUC = ")[1].rstrip(")")) for t in texts[:-1]]
    assert np.mean(aucs) == pytest.approx(macro, abs=2e-3)  # legend rounds to 3 decimals


def test_pr_legend_baseline_and_binary_margin():
    fig = plot_pr_curves(Y_TRUE, SCORES, target_names=NAMES)
    texts = _legend_texts(fig)
    assert [t for t in texts if "AP = " in t] == texts[0::2] and len(texts) == 8
    assert texts[1] == "Benign prevalence 0.250"  # each class's baseline
    baseline = [line for line in fig.axes[0].lines if line.get_label() == texts[1]][0]
    np.testing.assert_allclose(baseline.get_ydata(), 0.25)
    binary = plot_roc_curves([0, 0, 1, 1], [-1.0, 0.5, 0.2, 2.0], target_names=["neg", "pos"])
    assert _legend_texts(binary) == ["pos (AUC = 0.750)", "chance"]


def _cv_result(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), 30)
    scores = rng.normal(size=(len(y), n_classes)) + 1.2 * np.eye(n_classes)[y]
    result = CVResult.from_predictions(y, scores.argmax(1), scores, name="demo")
    folds = [np.arange(len(y))[k::5] for k in range(5)]
    return result, folds


@pytest.mark.parametrize("plot", [plot_roc_curves, plot_pr_curves])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fold_curves_spread_and_pooled(plot, n_classes):
    result, folds = _cv_result(n_classes)
    fig = plot(result.y_true, result.y_score, fold_indices=folds, title="Demo pipeline")
    panels = fig.axes
    assert len(panels) == (1 if n_classes == 2 else n_classes)
    assert fig.get_suptitle() == "Demo pipeline"
    texts = _legend_texts(fig)
    assert texts[0].startswith("5 folds (") and " ± " in texts[0]
    assert texts[1] == "fold mean ± 1 sd"
    assert texts[2].startswith("pooled out-of-fold (")
    metric = "AUC" if plot is plot_roc_curves else "AP"
    pooled = float(texts[2].split(f"{metric} = ")[1].rstrip(")"))
    column = result.y_score[:, 1 if n_classes == 2 else 0]
    positive = result.y_true == (1 if n_classes == 2 else 0)
    from sklearn.metrics import average_precision_score, roc_auc_score
    expected = (roc_auc_score if metric == "AUC" else average_precision_score)(positive, column)
    assert pooled == pytest.approx(expected, abs=6e-4)
    # 5 fold curves, the pooled curve and the chance / prevalence line.
    drawn = [line for line in panels[0].lines if line.get_xdata().size > 0]
    assert len(drawn) == 7


def test_fold_indices_are_checked():
    result, folds = _cv_result(2)
    with pytest.raises(ValueError, match="not in sample_indices"):
        plot_roc_curves(result.y_true, result.y_score, fold_indices=[[0, 1000]])


def test_pipeline_comparison_sorts_and_labels(tmp_path):
    r1, _ = _cv_result(3, seed=1)
    r2, _ = _cv_result(3, seed=2)
    intervals = {
        "MobileNetV2 features + SVM": bootstrap_metrics(r1.y_true, r1.y_pred, n_resamples=200),
        "Texture features + random forest": {"value": 0.5, "low": 0.4, "high": 0.6},
    }
    fig = plot_pipeline_comparison(intervals, metric="accuracy")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Texture features + random forest", "MobileNetV2 features + SVM"]
    assert ax.get_xlabel() == "accuracy (%)"
    assert "50.0 [40.0, 60.0]" in [t.get_text() for t in ax.texts]
    with Image.open(save_figure(fig, tmp_path / "compare.png")) as image:
        image.verify()


def test_training_curves(tmp_path):
    history = [{"epoch": e, "train_loss": 1 / e, "valid_loss": 1.2 / e, "valid_acc": 0.5 + e / 20}
               for e in range(1, 6)]
    fig = plot_training_curves(history, title="resnet")
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].lines] == ["train loss", "valid loss"]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [0.55, 0.6, 0.65, 0.7, 0.75])
    loss_only = plot_training_curves([{"train_loss": 0.9}, {"train_loss": 0.5}])
    assert len(loss_only.axes) == 1
    assert list(loss_only.axes[0].lines[0].get_xdata()) == [1, 2]
    with Image.open(save_figure(fig, tmp_path / "curves.png")) as image:
        image.verify()
    with pytest.raises(ValueError, match="empty"):
        plot_training_curves([])
