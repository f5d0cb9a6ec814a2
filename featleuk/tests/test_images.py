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
    with pytest.raises(ValueError, match="image 0: images must be uint8"):
        check_images([np.zeros((4, 4, 3), np.float32)])
    with pytest.raises(ValueError, match="empty image"):
        check_images(np.zeros((2, 0, 4, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        check_images(np.zeros((2, 12), np.uint8))
    with pytest.raises(TypeError, match="mixed paths and non-paths in X, e.g. a ndarray"):
        check_images(["a.png", np.zeros((4, 4, 3), np.uint8)])
    with pytest.raises(ValueError, match="X is None"):
        check_images(None)


def test_check_images_canonical_forms(tmp_path):
    from pathlib import Path

    assert check_images([Path("a.png"), "b.png"]) == ["a.png", "b.png"]
    assert check_images(np.array(["a.png", "b.png"])) == ["a.png", "b.png"]
    batch = np.zeros((2, 4, 4, 4), np.uint8)
    assert check_images(batch) is batch
    ragged = (np.zeros((4, 4, 3), np.uint8), np.zeros((5, 6, 4), np.uint8))
    assert isinstance(check_images(ragged), list) and len(check_images(ragged)) == 2


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
    (rows, batch), = iter_image_batches(stacked, batch_size=8)
    assert rows == slice(0, 3) and [img.shape for img in batch] == [(4, 4, 4)] * 3
    with pytest.raises(ValueError, match="batch_size"):
        next(iter_image_batches(stacked, batch_size=0))
    assert len(list(iter_image_batches(stacked, batch_size=np.int64(2)))) == 2


def test_path_batches_are_decoded_lazily(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(good)
    batches = iter_image_batches([good, tmp_path / "missing.png"], batch_size=1)
    assert next(batches)[1][0].shape == (4, 4, 3)  # the missing file is not touched yet
    with pytest.raises(ImageReadError, match="missing.png"):
        next(batches)


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
    assert rgb.shape == (3, 3, 3) and mask.sum() == 1 and mask[1, 1] and mask.dtype == bool
    np.testing.assert_array_equal(rgb, rgba[..., :3])
    assert split_mask(rgba[..., :3])[1] is None


@pytest.mark.parametrize("shape", [(2, 3, 8, 4), (2, 3, 32, 32), (2, 4, 16, 16), (2, 3, 6, 3)])
def test_channel_first_arrays_are_rejected_with_the_transpose(shape):
    X = np.zeros(shape, np.uint8)
    with pytest.raises(ValueError, match=r"channel-first.*X\.transpose\(0, 2, 3, 1\)"):
        check_images(X, caller="Step")
    with pytest.raises(ValueError, match=r"channel-first.*transpose\(1, 2, 0\)"):
        check_images(list(X), caller="Step")
    if shape[3] in (3, 4) or shape[2] == shape[3]:
        assert check_images(X.transpose(0, 2, 3, 1)).shape[-1] == shape[1]


@pytest.mark.parametrize("shape", [(2, 4, 4, 3), (2, 3, 3, 4), (2, 5, 8, 3), (2, 40, 3, 4)])
def test_small_channel_last_images_are_accepted(shape):
    assert check_images(np.zeros(shape, np.uint8)).shape == shape


def test_last_axis_must_be_3_or_4():
    with pytest.raises(ValueError, match=r"\(H, W, 3\) or \(H, W, 4\), got \(8, 8, 5\)$"):
        check_images(np.zeros((2, 8, 8, 5), np.uint8))
