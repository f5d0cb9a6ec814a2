import numpy as np
import pytest
from PIL import Image

from featleuk.images import check_images, iter_image_batches, load_images, split_mask
from featleuk.io import ImageReadError


def test_check_images_errors():
    with pytest.raises(ValueError, match="single image"):
        check_images(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        check_images(np.zeros((1, 4, 4, 3), np.float64))
    with pytest.raises(ValueError, match=r"\(H, W, 3\) or \(H, W, 4\)"):
        check_images(np.zeros((1, 4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="no images"):
        check_images(np.zeros((0, 4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="no images"):
        check_images([])
    with pytest.raises(TypeError, match="sequence of image paths"):
        check_images(42)
    with pytest.raises(ValueError, match="image 1"):
        check_images([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.uint8)])


def test_batches_over_paths_arrays_and_ragged_lists(tmp_path):
    images = [np.full((5 + i, 6, 3), i, np.uint8) for i in range(5)]
    paths = []
    for i, img in enumerate(images):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(img).save(paths[-1])
    for X in (paths, images):
        seen = list(iter_image_batches(X, batch_size=2))
        assert [s for s, _ in seen] == [slice(0, 2), slice(2, 4), slice(4, 5)]
        flat = [img for _, batch in seen for img in batch]
        assert [img.shape[0] for img in flat] == [5, 6, 7, 8, 9]
    stacked = np.stack([np.zeros((4, 4, 4), np.uint8)] * 3)
    assert len(load_images(stacked)) == 3


def test_batches_raise_on_a_bad_file_naming_it(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    with pytest.raises(ImageReadError, match="bad.png"):
        load_images([str(good), str(bad)])


def test_split_mask():
    rgba = np.zeros((3, 3, 4), np.uint8)
    rgba[1, 1, 3] = 255
    rgb, mask = split_mask(rgba)
    assert rgb.shape == (3, 3, 3) and mask.sum() == 1 and mask[1, 1]
    assert split_mask(rgba[..., :3])[1] is None
