import numpy as np
import pytest
from matplotlib.figure import Figure

from featleuk.models import DeepClassifier, gradcam, gradcam_figure, overlay_heatmap


@pytest.fixture(scope="module")
def fitted(toy):
    X, y = toy
    return DeepClassifier("small_cnn", None, image_size=32, max_epochs=3, batch_size=8, lr=3e-3,
                          show_progress=False).fit(X, y)


def test_heatmaps_shape_range_and_targets(fitted, toy):
    X, _ = toy
    maps = gradcam(fitted, X[:5])
    assert maps.shape == (5, 32, 32) and maps.dtype == np.float32
    assert maps.min() >= 0.0 and maps.max() <= 1.0
    assert np.isclose(maps.reshape(5, -1).max(axis=1), 1.0).any()
    blast = gradcam(fitted, X[:5], target="blast")
    normal = gradcam(fitted, X[:5], target=["normal"] * 5)
    assert blast.shape == normal.shape == maps.shape
    assert not np.allclose(blast, normal)
    predicted = fitted.predict(X[:5])
    np.testing.assert_allclose(gradcam(fitted, X[:5], target=predicted), maps, atol=1e-6)
    with pytest.raises(ValueError, match="not in classes_"):
        gradcam(fitted, X[:2], target="unknown")
    with pytest.raises(ValueError, match="2 labels for 3 images"):
        gradcam(fitted, X[:3], target=["blast", "normal"])


@pytest.mark.parametrize("head", ["bilstm", "gru"])
def test_sequence_heads_and_frozen_backbone(toy, head):
    X, y = toy
    clf = DeepClassifier("small_cnn", None, head=head, image_size=64, trainable_layers=0, max_epochs=1,
                         batch_size=8, show_progress=False).fit(X, y)
    maps = gradcam(clf, X[:3])
    assert maps.shape == (3, 64, 64) and 0.0 <= maps.min() and maps.max() <= 1.0


def test_overlay_and_figure(fitted, toy):
    X, y = toy
    heat = np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4)
    overlay = overlay_heatmap(np.dstack([X[0], X[0][..., :1]]), heat, alpha=0.5)
    assert overlay.shape == (32, 32, 3) and overlay.dtype == np.uint8
    assert not np.array_equal(overlay, X[0])
    np.testing.assert_array_equal(overlay_heatmap(X[0], heat, alpha=0.0), X[0])
    fig = gradcam_figure(fitted, X[:5], y[:5], ncols=3, title="Grad-CAM",
                         target_names=["Blast cell", "Normal cell"])
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 5 and all("true " in t and "pred " in t for t in titles)
    assert titles[0].startswith("true Blast cell")
