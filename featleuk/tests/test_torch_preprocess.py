"""featleuk's resize and centre crop give torchvision's pixels exactly.

``featleuk._torch_preprocess`` restates torchvision's tensor ``resize`` and
``center_crop`` with torch's ``interpolate`` and ``pad`` so that predicting
with a saved model does not import torchvision; any difference would change
the features of a fitted model.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from torchvision.transforms import InterpolationMode  # noqa: E402
from torchvision.transforms.v2 import functional as TF  # noqa: E402

from featleuk import _torch_preprocess as tp  # noqa: E402
from featleuk.weights import Preprocessing  # noqa: E402

SHAPES = [(48, 40), (40, 48), (224, 224), (256, 300), (300, 256), (17, 233), (500, 7), (1, 1), (224, 225),
          (600, 800)]


def _torchvision_resize_crop(image, prep, mode):
    interpolation = InterpolationMode(prep.interpolation)
    if mode == "resize":
        return TF.resize(image, [prep.crop_size, prep.crop_size], interpolation=interpolation, antialias=True)
    image = TF.resize(image, [prep.resize_size], interpolation=interpolation, antialias=True)
    return TF.center_crop(image, [prep.crop_size, prep.crop_size])


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("mode", ["weights", "resize"])
@pytest.mark.parametrize("channels", [3, 1])
def test_resize_and_crop_match_torchvision_exactly(interpolation, mode, channels):
    rng = np.random.default_rng(0)
    prep = Preprocessing(resize_size=256, crop_size=224, interpolation=interpolation)
    for height, width in SHAPES:
        if mode == "weights" and max(height, width) / min(height, width) > 50:
            continue  # refused by the aspect-ratio check, as in prepare_image
        image = torch.from_numpy(rng.integers(0, 256, size=(channels, height, width), dtype=np.uint8))
        ours = tp._resize_crop(image, prep, mode)
        theirs = _torchvision_resize_crop(image, prep, mode)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (height, width)
        assert torch.equal(ours, theirs), (interpolation, mode, channels, height, width)
        floats = image.float() / 255
        assert torch.equal(tp._resize_crop(floats, prep, mode), _torchvision_resize_crop(floats, prep, mode))


def test_crop_larger_than_the_image_pads_like_torchvision():
    image = torch.from_numpy(np.random.default_rng(1).integers(0, 256, size=(3, 30, 41), dtype=np.uint8))
    for crop in (31, 42, 64, 100):
        assert torch.equal(tp._center_crop(image, crop), TF.center_crop(image, [crop, crop]))


def test_other_efficientnet_sizes_match():
    # EfficientNet-Lite's bicubic transform at 240 / 260 pixels.
    rng = np.random.default_rng(2)
    for resize, crop in ((274, 240), (297, 260)):
        prep = Preprocessing(resize_size=resize, crop_size=crop, interpolation="bicubic")
        image = torch.from_numpy(rng.integers(0, 256, size=(3, 333, 401), dtype=np.uint8))
        assert torch.equal(tp._resize_crop(image, prep, "weights"), _torchvision_resize_crop(image, prep, "weights"))


def test_unknown_interpolation_is_refused():
    with pytest.raises(ValueError, match="interpolation"):
        tp._resize(torch.zeros(3, 8, 8, dtype=torch.uint8), (4, 4), "lanczos")


def test_preprocessing_does_not_import_torchvision():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from featleuk._torch_preprocess import to_tensor_batch\n"
            "from featleuk.weights import Preprocessing\n"
            "to_tensor_batch([np.zeros((300, 200, 3), np.uint8)], Preprocessing())\n"
            "print('torchvision' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
