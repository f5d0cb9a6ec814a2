"""Figures are built, carry the right legends and save as valid PNGs."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from featleuk.evaluation import (
    classification_metrics,
    plot_confusion_matrix,
    plot_pr_curves,
    plot_roc_curves,
    plot_training_curves,
    save_figure,
)

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
    assert texts[0] == "chance" and len(texts) == 5
    macro = classification_metrics(Y_TRUE, Y_PRED, SCORES)["roc_auc"]
    aucs = [float(t.split("AUC = ")[1].rstrip(")")) for t in texts[1:]]
    assert np.mean(aucs) == pytest.approx(macro, abs=2e-3)  # legend rounds to 3 decimals


def test_pr_legend_and_binary_margin():
    fig = plot_pr_curves(Y_TRUE, SCORES, target_names=NAMES)
    assert all("AP = " in t for t in _legend_texts(fig))
    binary = plot_roc_curves([0, 0, 1, 1], [-1.0, 0.5, 0.2, 2.0], target_names=["neg", "pos"])
    assert _legend_texts(binary)[1:] == ["neg (AUC = 0.750)", "pos (AUC = 0.750)"]


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
