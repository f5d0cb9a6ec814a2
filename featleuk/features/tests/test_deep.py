import importlib.util
import pickle

import numpy as np
import pytest
from PIL import Image

from featleuk.features import DeepFeatures
from featleuk.utils.estimator_checks import check_image_transformer
from featleuk.utils._testing import requires_weights
from featleuk.weights import WeightsUnavailableError

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None



@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(5, 48, 40, 3), dtype=np.uint8)


def small(**params):
    params.setdefault("weights", None)
    params.setdefault("show_progress", False)
    params.setdefault("engine", "torch")
    params.setdefault("preprocess", "resize")
    return DeepFeatures("mobilenet_v2", **params)


def test_shape_names_and_dtype(images):
    est = small().fit(images)
    out = est.transform(images)
    assert out.shape == (5, 1280) and out.dtype == np.float32
    names = est.get_feature_names_out()
    assert len(names) == 1280 and names[0] == "mobilenet_v2_pool_0"
    assert est.pretrained_ is False and est.weights_ is None and est.engine_ == "torch"


def test_estimator_conventions(images):
    check_image_transformer(small(), images)


def test_paths_and_arrays_agree(images, tmp_path):
    paths = []
    for i, img in enumerate(images):
        paths.append(str(tmp_path / f"im{i}.png"))
        Image.fromarray(img).save(paths[-1])
    est = small().fit(paths)
    np.testing.assert_allclose(est.transform(paths), est.transform(images), rtol=1e-5, atol=1e-5)


def test_batch_size_does_not_change_features(images):
    a = small(batch_size=1).fit_transform(images)
    b = small(batch_size=4).fit_transform(images)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_random_state_changes_random_init(images):
    a = small(random_state=0).fit_transform(images)
    b = small(random_state=1).fit_transform(images)
    assert not np.allclose(a, b)


def test_named_layer_and_bad_layer(images):
    est = small(layer="features.3").fit(images)
    assert est.transform(images).shape == (5, 24)
    with pytest.raises(ValueError, match="not found"):
        small(layer="no.such.layer").fit(images)


def test_mask_blank_only_sees_the_nucleus(images):
    rgba = np.concatenate([images, np.zeros(images.shape[:3] + (1,), np.uint8)], axis=3)
    rgba[:, 10:30, 10:30, 3] = 255
    other = rgba.copy()
    other[:, :5, :5, :3] = 0  # change the background only
    est = small(mask="blank").fit(rgba)
    np.testing.assert_allclose(est.transform(rgba), est.transform(other), atol=1e-5)
    ignore = small(mask="ignore").fit(rgba)
    np.testing.assert_allclose(ignore.transform(rgba), small().fit(images).transform(images), atol=1e-5)


def test_memory_cache_reuses_rows(images, tmp_path):
    est = small(memory=str(tmp_path)).fit(images)
    first = est.transform(images)
    # Poison the model: cached rows must be served without running it.
    est.model_ = None
    np.testing.assert_array_equal(est.transform(images[2:4]), first[2:4])
    fresh = small(memory=str(tmp_path / "other")).fit(images)
    np.testing.assert_allclose(fresh.transform(images), first, atol=1e-6)


def test_bad_input_errors():
    est = small()
    with pytest.raises(ValueError, match="single image"):
        est.fit(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        est.fit(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="batch_size"):
        small(batch_size=0).fit(np.zeros((2, 8, 8, 3), np.uint8))


def test_missing_weights_raise_in_fit_not_init(images, monkeypatch, tmp_path):
    import torch

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    est = DeepFeatures("resnet18", weights="IMAGENET1K_V1")  # constructing never loads
    with pytest.raises(WeightsUnavailableError, match="resnet18"):
        est.fit(images)


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime not installed")
def test_onnx_engine_matches_torch_and_pickles(images):
    torch_out = small().fit_transform(images)
    est = small(engine="onnx").fit(images)
    assert est.engine_ == "onnx"
    out = est.transform(images)
    np.testing.assert_allclose(out, torch_out, rtol=1e-3, atol=1e-4)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(images), out)


@requires_weights()
def test_pretrained_mobilenet_features_are_meaningful(images):
    est = DeepFeatures("mobilenet_v2", weights="IMAGENET1K_V1", show_progress=False).fit(images)
    out = est.transform(images)
    assert est.pretrained_ and est.weights_ == "MobileNet_V2_Weights.IMAGENET1K_V1"
    # Pooled ReLU6 activations: non-negative, bounded, not all zero.
    assert (out >= 0).all() and (out <= 6).all() and out.std() > 0.05
