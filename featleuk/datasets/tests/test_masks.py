"""Reference masks of the Aria layout: Segmented/ files paired with Original/ images."""

import os

import numpy as np
import pytest
from PIL import Image

from featleuk.datasets import ARIA_CLASS_NAMES, MASK_MIN_FRACTION, load_image_folder
from featleuk.io import ImageReadError
from featleuk.segmentation import load_mask


def _field(path, mask=None, size=20):
    """A pale field (or, with ``mask``, the field blacked out outside ``mask``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((size, size, 3), (230, 210, 215), np.uint8)
    if mask is not None:
        image[mask] = (120, 60, 170)
        image[~mask] = 0
    Image.fromarray(image).save(path)
    return path


def _box(size, rows, cols):
    mask = np.zeros((size, size), bool)
    mask[rows, cols] = True
    return mask


@pytest.fixture
def aria_with_masks(tmp_path):
    """Original/ with four classes; Segmented/ with Benign and Early only.

    Benign: a.jpg (mask 25% of the field), b.jpg (mask of 1 px: nearly
    empty), c.jpg (no mask file). Early: d.jpg, whose mask is stored as
    d.png, and a mask e.jpg with no image.
    """
    original, segmented = tmp_path / "Original", tmp_path / "Segmented"
    for name in ARIA_CLASS_NAMES:
        for stem in {"Benign": "abc", "Early": "d"}.get(name, "p"):
            _field(original / name / f"{stem}.jpg")
    # PNG masks: JPEG would blur a one-pixel mask below the grey-level threshold.
    _field(segmented / "Benign" / "a.jpg", _box(20, slice(0, 10), slice(0, 10)))
    _field(segmented / "Benign" / "b.png", _box(20, 5, 5))
    _field(segmented / "Early" / "d.png", _box(20, slice(5, 15), slice(2, 12)))
    _field(segmented / "Early" / "e.jpg", _box(20, slice(5, 15), slice(2, 12)))
    return tmp_path


def test_masks_are_paired_by_class_and_name(aria_with_masks):
    root = aria_with_masks
    data = load_image_folder(root, masks=True, show_progress=False)
    names = [os.path.basename(f) for f in data.filenames]
    by_name = dict(zip([f"{ARIA_CLASS_NAMES[t]}/{n}" for t, n in zip(data.target, names)], data.masks))
    assert by_name["Benign/a.jpg"] == str(root / "Segmented" / "Benign" / "a.jpg")
    assert by_name["Early/d.jpg"] == str(root / "Segmented" / "Early" / "d.png")  # same stem
    assert by_name["Benign/c.jpg"] is None  # no mask file
    assert by_name["Pre/p.jpg"] is None and by_name["Pro/p.jpg"] is None  # no Segmented class
    assert data.masks.shape == data.filenames.shape
    mask = load_mask(by_name["Benign/a.jpg"])
    assert mask.shape == (20, 20) and 0.2 < mask.mean() < 0.3
    assert "1 mask file(s) without a matching image" in data.DESCR  # Early/e.jpg


def test_nearly_empty_masks_are_listed_not_used(aria_with_masks):
    root = aria_with_masks
    data = load_image_folder(root, masks=True, show_progress=False)
    assert data.mask_min_fraction == MASK_MIN_FRACTION
    (image, mask_file, fraction), = data.masks_nearly_empty
    assert image.endswith(os.path.join("Benign", "b.jpg"))
    assert mask_file == str(root / "Segmented" / "Benign" / "b.png")
    assert fraction == pytest.approx(1 / 400)
    assert data.masks[list(data.filenames).index(image)] is None
    assert "1 nearly empty" in data.DESCR
    # The threshold is a parameter: 0 keeps every mask.
    every = load_image_folder(root, masks=True, mask_min_fraction=0, show_progress=False)
    assert every.masks_nearly_empty == [] and every.masks[list(every.filenames).index(image)] == mask_file


def test_masks_from_the_original_folder_itself_and_off_by_default(aria_with_masks):
    root = aria_with_masks
    direct = load_image_folder(root / "Original", masks=True, show_progress=False)
    assert sum(m is not None for m in direct.masks) == 2
    assert "masks" not in load_image_folder(root, show_progress=False)


def test_masks_need_a_segmented_folder_beside_original(aria_with_masks, tmp_path):
    with pytest.raises(ValueError, match="Segmented/' folder beside 'Original/'"):
        load_image_folder(aria_with_masks, layout="aria", variant="segmented", masks=True,
                          show_progress=False)
    for name in ("x", "y"):
        _field(tmp_path / "generic" / name / "1.jpg")
    with pytest.raises(ValueError, match="masks=True reads the Segmented/ folder of the Aria"):
        load_image_folder(tmp_path / "generic", masks=True, show_progress=False)
    with pytest.raises(ValueError, match="mask_min_fraction"):
        load_image_folder(aria_with_masks, masks=True, mask_min_fraction=1.5, show_progress=False)


def test_unreadable_mask_raises_or_is_skipped(aria_with_masks):
    bad = aria_with_masks / "Segmented" / "Benign" / "c.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(ImageReadError, match="c.jpg"):
        load_image_folder(aria_with_masks, masks=True, show_progress=False)
    with pytest.warns(UserWarning, match="skipped 1 unreadable"):
        data = load_image_folder(aria_with_masks, masks=True, on_error="skip", show_progress=False)
    assert data.skipped[0][0] == str(bad) and "unreadable mask file" in data.skipped[0][1]
    assert data.masks[[f.endswith("c.jpg") for f in data.filenames].index(True)] is None
