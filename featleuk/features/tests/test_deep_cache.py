"""DeepFeatures and the ONNX cache: a saved model predicts without rebuilding its network.

After loading, an fp32 ONNX engine runs the cached export (keyed by the
weights' sha256) once the weights file here has been found and hashed; the
torch network is neither built nor exported, and the features are the same
bits as without the cache.
"""

import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from featleuk import engines  # noqa: E402
from featleuk.features import DeepFeatures, _deep  # noqa: E402
from featleuk.utils._testing import requires_weights  # noqa: E402
from featleuk.weights import WeightsUnavailableError, fitted_weights_present  # noqa: E402


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, size=(4, 48, 40, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path):
    monkeypatch.setenv("FEATLEUK_CACHE_DIR", str(tmp_path / "cache"))
    _forget_networks()
    yield tmp_path / "cache"
    _forget_networks()


#: Small and quick to export; the pretrained test uses MobileNetV2, whose weights are bundled.
BACKBONE = "mobilenet_v3_small"
_LOAD_NETWORK = _deep._load_network  # its cache, even while a test replaces it


def _forget_networks():
    """What a fresh process has: no network loaded, no runner made."""
    _LOAD_NETWORK.cache_clear()
    _deep._RUNNERS.clear()


def onnx_step(**params):
    params.setdefault("weights", None)
    return DeepFeatures(BACKBONE, engine="onnxruntime", preprocess="resize", show_progress=False, **params)


def _count_exports(monkeypatch):
    calls = []
    real = engines.export_onnx
    monkeypatch.setattr(engines, "export_onnx", lambda module, size: calls.append(size) or real(module, size))
    return calls


def _forbid_building(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was built although its export is cached")

    monkeypatch.setattr(_deep, "_load_network", refuse)
    monkeypatch.setattr(engines, "export_onnx", refuse)


def _entries(cache):
    return sorted((cache / "onnx").glob("*.onnx"))


def test_a_loaded_model_runs_the_cached_export_without_building(images, monkeypatch, _cache):
    calls = _count_exports(monkeypatch)
    est = onnx_step().fit(images)
    expected = est.transform(images)
    assert len(calls) == 1 and len(_entries(_cache)) == 1
    saved = pickle.dumps(est)
    _forget_networks()
    _forbid_building(monkeypatch)
    restored = pickle.loads(saved)
    np.testing.assert_array_equal(restored.transform(images), expected)
    assert restored.engine_ == "onnxruntime"


def test_features_are_identical_with_and_without_the_cache(images, monkeypatch, _cache):
    monkeypatch.setenv("FEATLEUK_CACHE_DIR", "none")
    uncached = onnx_step().fit(images)
    without = uncached.transform(images)
    saved = pickle.dumps(uncached)
    _forget_networks()
    without_after_loading = pickle.loads(saved).transform(images)  # exported again, nothing written
    assert not _cache.exists()
    monkeypatch.setenv("FEATLEUK_CACHE_DIR", str(_cache))
    _forget_networks()
    pickle.loads(saved).transform(images)  # writes the cache
    _forget_networks()
    with_cache = pickle.loads(saved).transform(images)  # reads it
    assert len(_entries(_cache)) == 1
    np.testing.assert_array_equal(with_cache, without)
    np.testing.assert_array_equal(without_after_loading, without)
    _forget_networks()
    np.testing.assert_array_equal(onnx_step().fit_transform(images), without)


def test_a_damaged_cached_export_is_ignored_and_rewritten(images, monkeypatch, _cache):
    est = onnx_step().fit(images)
    expected = est.transform(images)
    (entry,) = _entries(_cache)
    good = entry.read_bytes()
    entry.write_bytes(good[: len(good) // 2])  # a truncated file, as from a full disk
    _forget_networks()
    calls = _count_exports(monkeypatch)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(images), expected)
    assert len(calls) == 1 and entry.read_bytes() == good


def test_the_cache_key_follows_the_weights_sha256(images, tmp_path, _cache):
    import torch
    import torchvision

    path = tmp_path / "mine.pth"
    keys, features = [], []
    for seed in (1, 2):
        torch.manual_seed(seed)
        torch.save(torchvision.models.get_model(BACKBONE, weights=None).state_dict(), path)
        _forget_networks()
        est = onnx_step(weights=str(path)).fit(images)
        keys.append(est._onnx_cache_key())
        features.append(est.transform(images))
    assert keys[0]["weights_sha256"] != keys[1]["weights_sha256"]
    assert {k: v for k, v in keys[0].items() if k != "weights_sha256"} == \
        {k: v for k, v in keys[1].items() if k != "weights_sha256"}
    assert len(_entries(_cache)) == 2  # one export per sha256, not a stale hit
    assert np.abs(features[0] - features[1]).max() > 0.1 * np.abs(features[0]).max()  # other weights ran
    assert onnx_step(random_state=1).fit(images)._onnx_cache_key() != onnx_step().fit(images)._onnx_cache_key()


def test_the_weights_file_is_still_checked_when_the_export_is_cached(images, tmp_path, _cache):
    import torch
    import torchvision

    path = tmp_path / "mine.pth"
    torch.manual_seed(1)
    torch.save(torchvision.models.get_model(BACKBONE, weights=None).state_dict(), path)
    est = onnx_step(weights=str(path)).fit(images)
    est.transform(images)
    saved = pickle.dumps(est)
    assert len(_entries(_cache)) == 1
    torch.manual_seed(2)
    torch.save(torchvision.models.get_model(BACKBONE, weights=None).state_dict(), path)  # other weights, same name
    _forget_networks()
    with pytest.raises(WeightsUnavailableError, match=r"file:mine\.pth.*other weights"):
        pickle.loads(saved).transform(images)
    path.unlink()
    _forget_networks()
    with pytest.raises(WeightsUnavailableError, match=r"mine\.pth.*not available"):
        pickle.loads(saved).transform(images)


@requires_weights()
def test_pretrained_weights_are_found_by_their_sha256(images, monkeypatch, tmp_path):
    import torch

    from featleuk import weights as weights_module

    est = DeepFeatures(weights="IMAGENET1K_V1", engine="onnxruntime", show_progress=False,
                       preprocess="resize").fit(images)
    assert fitted_weights_present(est.backbone, est.weights_, est.weights_sha256_)
    assert not fitted_weights_present(est.backbone, est.weights_, "0" * 64)
    saved = pickle.dumps(est)
    _forget_networks()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(weights_module, "BUNDLED_CHECKPOINTS", {})
    assert not fitted_weights_present(est.backbone, est.weights_, est.weights_sha256_)
    with pytest.raises(WeightsUnavailableError, match=r"MobileNet_V2_Weights\.IMAGENET1K_V1 \(sha256"):
        pickle.loads(saved).transform(images)


def test_a_warm_process_imports_neither_torchvision_nor_onnx(images, tmp_path, _cache):
    est = onnx_step().fit(images)
    expected = est.transform(images)
    model, data = tmp_path / "step.pkl", tmp_path / "images.npy"
    model.write_bytes(pickle.dumps(est))
    np.save(data, images)
    code = ("import pickle, sys, numpy as np\n"
            f"est = pickle.loads(open({str(model)!r}, 'rb').read())\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, est.transform(np.load({str(data)!r})))\n"
            "print(sorted(m for m in ('torchvision', 'onnx') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "FEATLEUK_CACHE_DIR": str(_cache)})
    assert out.stdout.strip() == "[]", out.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
