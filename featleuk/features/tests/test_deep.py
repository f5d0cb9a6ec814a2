import importlib.util
import pickle

import numpy as np
import pytest
from PIL import Image

from featleuk.features import DeepFeatures, _deep
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
    # Poison the runner: stored rows must be served without running the network.
    est._runner = "not a runner"
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
    assert est.engine_ == "onnxruntime"
    out = est.transform(images)
    np.testing.assert_allclose(out, torch_out, rtol=1e-3, atol=1e-4)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(images), out)


# -- saving and loading ------------------------------------------------------------------


def _forget_networks():
    """What a fresh process on another machine has: no network loaded yet."""
    _deep._load_network.cache_clear()
    _deep._RUNNERS.clear()


def test_pickled_state_holds_a_reference_not_the_network(images):
    est = small().fit(images)
    state = est.__getstate__()
    assert "_runner" not in state and "model_" not in state
    assert len(pickle.dumps(est)) < 100_000  # MobileNetV2's tensors alone are 14 MB
    _forget_networks()
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(images), est.transform(images))
    assert type(restored.model_).__name__ == "MobileNetV2"


def _state_dict_file(path, seed):
    import torch
    import torchvision

    torch.manual_seed(seed)
    torch.save(torchvision.models.mobilenet_v2(weights=None).state_dict(), path)
    return str(path)


def test_loading_checks_the_weights_file(images, tmp_path):
    weights = _state_dict_file(tmp_path / "mine.pth", seed=1)
    est = small(weights=weights).fit(images)
    assert est.weights_ == "file:mine.pth" and len(est.weights_sha256_) == 64
    assert str(tmp_path) not in repr(
        {k: v for k, v in est.__getstate__().items() if k != "weights"})  # no training-machine path
    saved = pickle.dumps(est)
    _state_dict_file(tmp_path / "mine.pth", seed=2)  # other weights under the same name
    _forget_networks()
    with pytest.raises(WeightsUnavailableError, match=r"mobilenet_v2.*file:mine\.pth.*other weights"):
        pickle.loads(saved).transform(images)
    (tmp_path / "mine.pth").unlink()
    _forget_networks()
    with pytest.raises(WeightsUnavailableError, match=r"mobilenet_v2.*mine\.pth.*not available"):
        pickle.loads(saved).transform(images)


@requires_weights()
def test_loading_without_the_pretrained_weights_fails_clearly(images, monkeypatch, tmp_path):
    import torch

    from featleuk import weights as weights_module

    est = DeepFeatures(weights="IMAGENET1K_V1", show_progress=False, preprocess="resize").fit(images)
    saved = pickle.dumps(est)
    _forget_networks()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(weights_module, "BUNDLED_CHECKPOINTS", {})
    with pytest.raises(WeightsUnavailableError, match=r"MobileNet_V2_Weights\.IMAGENET1K_V1 \(sha256 [0-9a-f]{64}\)"):
        pickle.loads(saved).transform(images)
    _forget_networks()


@requires_weights()
def test_skops_round_trip_of_a_hybrid_preset(tmp_path):
    sio = pytest.importorskip("skops.io")
    from featleuk.datasets import make_synthetic_smears
    from featleuk.pipelines import make_hybrid

    X, y = make_synthetic_smears(16, n_classes=2, image_size=64, random_state=0)
    pipe = make_hybrid("mobilenetv2-svm", features__show_progress=False).fit(X, y)
    f = tmp_path / "model.skops"
    sio.dump(pipe, f)
    _forget_networks()
    loaded = sio.load(f, trusted=sio.get_untrusted_types(file=f))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_allclose(loaded.decision_function(X), pipe.decision_function(X), rtol=1e-6)


@requires_weights()
def test_pretrained_mobilenet_features_are_meaningful(images):
    est = DeepFeatures("mobilenet_v2", weights="IMAGENET1K_V1", show_progress=False).fit(images)
    out = est.transform(images)
    assert est.pretrained_ and est.weights_ == "MobileNet_V2_Weights.IMAGENET1K_V1"
    # Pooled ReLU6 activations: non-negative, bounded, not all zero.
    assert (out >= 0).all() and (out <= 6).all() and out.std() > 0.05


# -- engines ---------------------------------------------------------------------------------


def _available(engine):
    from featleuk.engines import engine_status

    return engine_status(engine) is None


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_every_fp32_engine_matches_torch(images, engine):
    if not _available(engine):
        pytest.skip(f"{engine} is not installed")
    reference = small().fit_transform(images)
    est = small(engine=engine).fit(images)
    assert est.engine_ == engine and est.precision_ == "fp32"
    out = est.transform(images)
    assert np.abs(out - reference).max() / np.abs(reference).max() < 1e-4


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime not installed")
def test_auto_picks_the_fastest_installed_exact_engine(images):
    est = small(engine="auto").fit(images)
    assert est.engine_ == "onnxruntime"


def test_auto_fallback_warns_once_at_the_users_call(images, monkeypatch):
    from featleuk import engines

    real = engines.engine_status
    monkeypatch.setattr(engines, "engine_status",
                        lambda name: "onnxruntime is not installed (pip install onnx onnxruntime)"
                        if name == "onnxruntime" else real(name))
    monkeypatch.setattr(engines, "_warned", set())
    _deep._RUNNERS.clear()
    expected = "openvino" if real("openvino") is None else "torch"
    with pytest.warns(RuntimeWarning) as caught:
        est = small(engine="auto").fit(images)
        small(engine="auto").fit(images)  # once per process, not once per fit
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("onnxruntime is not installed (pip install onnx onnxruntime)")
    assert message.endswith(f"using {expected}, which is slower")
    assert caught[0].filename == __file__
    assert est.engine_ == expected
    _deep._RUNNERS.clear()


# -- reduced precision -----------------------------------------------------------------------


def test_precision_is_opt_in(images):
    est = small(engine="auto").fit(images)
    assert est.precision_ == "fp32" and est._runner_config == {"precision": "fp32"}


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime not installed")
def test_int8_is_calibrated_on_the_training_images_and_saved_quantized(images):
    from featleuk.base import learns_from_data

    reference = small().fit_transform(images)
    est = small(engine="onnxruntime", precision="int8").fit(images)
    assert learns_from_data(est) and not learns_from_data(small())
    assert est.precision_ == "int8" and len(est._runner_config["calibration"]) == 64
    out = est.transform(images)
    assert np.abs(out - reference).max() / np.abs(reference).max() < 0.2  # approximate, not garbage
    other = small(engine="onnxruntime", precision="int8").fit(images[::-1][:3])
    assert other._runner_config["calibration"] != est._runner_config["calibration"]
    _forget_networks()  # the quantized network travels with the model: no calibration images needed
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(images), out)


def test_bf16_runs_on_openvino_and_is_close(images):
    from featleuk.engines import engine_status

    if engine_status("openvino") is not None:
        pytest.skip("openvino is not installed")
    reference = small().fit_transform(images)
    try:
        est = small(engine="auto", precision="bf16").fit(images)
    except ValueError as exc:  # a CPU without bf16 instructions
        assert "bf16" in str(exc)
        pytest.skip(str(exc))
    assert est.engine_ == "openvino" and est.precision_ == "bf16"
    assert np.abs(est.transform(images) - reference).max() / np.abs(reference).max() < 0.05


# -- the feature store -----------------------------------------------------------------------


def _config_key(est):
    from featleuk.store import config_key

    return config_key(est._store_config())


def test_store_configuration_follows_weights_and_random_state(images, tmp_path):
    base = _config_key(small().fit(images))
    assert _config_key(small().fit(images)) == base
    assert _config_key(small(random_state=1).fit(images)) != base
    assert _config_key(small(layer="features.3").fit(images)) != base
    first = _config_key(small(weights=_state_dict_file(tmp_path / "w.pth", seed=1)).fit(images))
    _forget_networks()
    second = _config_key(small(weights=_state_dict_file(tmp_path / "w.pth", seed=2)).fit(images))
    assert first != second  # same file name, other bytes


def test_store_keys_are_file_contents(images, tmp_path):
    a, copy = tmp_path / "a.png", tmp_path / "renamed.png"
    Image.fromarray(images[0]).save(a)
    Image.fromarray(images[0]).save(copy)
    est = small(memory=tmp_path / "store").fit([str(a)])
    first = est.transform([str(a)])
    runner, est._runner = est._runner, "not a runner"
    np.testing.assert_array_equal(est.transform([str(copy)]), first)  # found by content, not name
    Image.fromarray(images[1]).save(a)  # same name, new content: computed again
    est._runner = runner
    changed = est.transform([str(a)])
    expected = small().fit(images).transform(images[1:2])
    assert np.abs(changed - expected).max() <= 1e-5 * np.abs(expected).max()
    assert np.abs(changed - first).max() > 1e-2 * np.abs(first).max()


def test_damaged_rows_are_recomputed_with_a_warning_naming_the_store(images, tmp_path):
    import sqlite3

    est = small(memory=tmp_path).fit(images)
    first = est.transform(images)
    path = tmp_path / "featleuk_features.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE rows SET data = zeroblob(length(data)) WHERE rowid = 2")
    with pytest.warns(RuntimeWarning, match=str(path)):
        again = small(memory=tmp_path).fit(images).transform(images)
    assert np.abs(again - first).max() <= 1e-5 * np.abs(first).max()
