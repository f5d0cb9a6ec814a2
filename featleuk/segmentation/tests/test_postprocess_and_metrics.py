import numpy as np
import pytest

from featleuk.segmentation import (
    MaskPostprocessor,
    compose_output,
    dice_score,
    iou_score,
    remove_small_objects,
    split_touching_nuclei,
)


def _disc(shape, centre, radius):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius ** 2


def test_opening_removes_specks_and_closing_fills_gaps():
    mask = _disc((40, 40), (20, 20), 10)
    mask[2, 2] = True  # a one-pixel speck
    mask[20, 18:21] = False  # a thin slit inside the nucleus
    clean = MaskPostprocessor(opening_iterations=1, min_size=0, fill_holes=False)(mask)
    assert not clean[2, 2]
    assert clean[20, 18:21].all()


def test_hole_filling_and_min_size():
    mask = _disc((40, 40), (20, 20), 10) & ~_disc((40, 40), (20, 20), 3)
    mask |= _disc((40, 40), (3, 36), 1)  # 5-pixel blob
    post = MaskPostprocessor(opening_iterations=0, closing_iterations=0)
    filled = post.set_params(min_size=0)(mask)
    assert filled[20, 20] and filled[3, 36]
    assert not post.set_params(min_size=10)(mask)[3, 36]
    # A float is a fraction of the image area: 10 / 1600 keeps only the big disc.
    assert not post.set_params(min_size=10 / 1600)(mask)[3, 36]
    assert post.set_params(min_size=10 / 1600)(mask)[20, 20]


def test_remove_small_objects_counts_pixels():
    mask = np.zeros((10, 10), bool)
    mask[0, 0:3] = True
    mask[5:8, 5:8] = True
    kept = remove_small_objects(mask, 4)
    assert not kept[0, 0] and kept[6, 6]
    assert remove_small_objects(np.zeros((4, 4), bool), 3).sum() == 0


def test_watershed_splits_touching_nuclei():
    from scipy import ndimage as ndi

    mask = _disc((40, 60), (20, 20), 11) | _disc((40, 60), (20, 38), 11)
    assert ndi.label(mask)[1] == 1
    split = split_touching_nuclei(mask, min_distance=5)
    assert ndi.label(split)[1] == 2
    assert split.sum() > 0.95 * mask.sum()
    through = MaskPostprocessor(split_touching=True, min_distance=5)(mask)
    assert ndi.label(through)[1] == 2


def test_border_nucleus_survives_opening():
    mask = _disc((30, 30), (15, 0), 8)  # half disc on the left border
    clean = MaskPostprocessor(opening_iterations=2)(mask)
    assert clean[:, 0].sum() >= mask[:, 0].sum() - 2


def test_crop_pads_at_the_border():
    rgb = np.zeros((30, 30, 3), np.uint8)
    rgb[..., 0] = np.arange(30)[None, :]
    mask = _disc((30, 30), (15, 2), 6)
    crop = compose_output(rgb, mask, output="crop", crop_size=10, crop_margin=0.5)
    assert crop.shape == (10, 10, 4)
    assert crop[..., 3].any() and not crop[..., 3].all()


def test_crop_modes_largest_and_all():
    rgb = np.full((60, 60, 3), 200, np.uint8)
    big, small = _disc((60, 60), (15, 15), 8), _disc((60, 60), (45, 45), 4)
    mask = big | small
    largest = compose_output(rgb, mask, output="crop", crop_size=32, crop_margin=0.0)
    every = compose_output(rgb, mask, output="crop", crop_size=32, crop_mode="all", crop_margin=0.0)
    assert largest.shape == every.shape == (32, 32, 4)
    # Around the big disc alone: it fills its square, the small one is outside.
    assert (largest[..., 3] > 0).mean() > 0.7
    # Around both: two separate blobs at opposite corners of the square.
    from scipy import ndimage as ndi

    assert ndi.label(every[..., 3] > 0)[1] == 2
    assert every[0, 0, 3] == 0 and every[8, 8, 3] == 255 and every[-4, -4, 3] == 255


def test_dice_and_iou_by_hand():
    true = np.zeros((4, 4), bool)
    true[:2, :2] = True  # 4 pixels
    pred = np.zeros((4, 4), bool)
    pred[:2, :3] = True  # 6 pixels, 4 shared
    assert dice_score(true, pred) == pytest.approx(2 * 4 / (4 + 6))
    assert iou_score(true, pred) == pytest.approx(4 / 6)
    empty = np.zeros((4, 4), bool)
    assert dice_score(empty, empty) == 1.0 and iou_score(empty, empty) == 1.0
    assert dice_score(true, empty) == 0.0 and iou_score(empty, pred) == 0.0
    per_image = dice_score(np.stack([true, empty]), np.stack([pred, empty]), average=False)
    np.testing.assert_allclose(per_image, [0.8, 1.0])
    assert dice_score(np.stack([true, empty]), np.stack([pred, empty])) == pytest.approx(0.9)
    # Non-zero integers count as nucleus (e.g. a 0/255 mask channel).
    assert dice_score(true.astype(np.uint8) * 255, pred) == pytest.approx(0.8)


def test_dice_rejects_mismatched_input():
    with pytest.raises(ValueError, match="differs"):
        dice_score(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="true masks"):
        iou_score(np.zeros((2, 3, 3)), np.zeros((3, 3, 3)))
