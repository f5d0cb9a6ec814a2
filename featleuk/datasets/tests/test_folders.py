import numpy as np
import pytest
from PIL import Image

from featleuk.datasets import ARIA_CLASS_NAMES, load_image_folder
from featleuk.io import ImageReadError


def _img(path, colour=(200, 100, 150), size=(12, 10), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour if mode == "RGB" else colour[0]).save(path)
    return path


@pytest.mark.parametrize("names", [
    ["Benign", "Early", "Pre", "Pro"],
    ["Benign", "[Malignant] early Pre-B", "[Malignant] Pre-B", "[Malignant] Pro-B"],
])
@pytest.mark.parametrize("prefix", ["", "Original", "both"])
def test_aria_layouts(tmp_path, names, prefix):
    base = tmp_path / ("Original" if prefix else "")
    for k, name in enumerate(names):
        for i in range(k + 1):
            _img(base / name / f"WBC-{k}-{i:03d}.jpg")
    if prefix == "both":
        for name in names:
            _img(tmp_path / "Segmented" / name / "WBC-seg.jpg")
    (base / "Benign" / "notes.txt").write_text("not an image")
    (base / "Benign" / ".hidden.jpg").write_bytes(b"junk")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "aria" and data.target_names == ARIA_CLASS_NAMES
    assert np.bincount(data.target).tolist() == [1, 2, 3, 4]
    assert data.groups is None and data.skipped == []
    assert all("Original" in f for f in data.filenames) or not prefix
    if prefix == "both":
        seg = load_image_folder(tmp_path, variant="segmented", show_progress=False)
        assert len(seg.filenames) == 4 and all("Segmented" in f for f in seg.filenames)


def test_cnmc_layout_subjects_and_test_folder(tmp_path):
    root = tmp_path / "C-NMC_Leukemia" / "training_data"
    _img(root / "fold_0" / "all" / "UID_11_10_1_all.bmp")
    _img(root / "fold_0" / "all" / "UID_11_11_2_all.bmp")
    _img(root / "fold_1" / "hem" / "UID_H3_1_1_hem.bmp")
    _img(root / "fold_2" / "hem" / "UID_h3_2_1_hem.bmp")
    _img(tmp_path / "C-NMC_Leukemia" / "testing_data" / "C-NMC_test_final_phase_data" / "1.bmp")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "cnmc" and data.target_names == ["all", "hem"]
    assert sorted(data.groups.tolist()) == ["11", "11", "H3", "H3"]
    assert len(data.unlabeled) == 1 and data.unlabeled[0].endswith("1.bmp")


def test_all_idb1_with_centroids(tmp_path):
    _img(tmp_path / "im" / "Im001_1.jpg")
    (tmp_path / "xyc").mkdir()
    (tmp_path / "im" / "Im001_1.xyc").write_text("10 20\n30 40\n")
    _img(tmp_path / "im" / "Im002_0.jpg")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "all_idb1" and data.target_names == ["normal", "ALL"]
    assert dict(zip([f[-11:] for f in data.filenames], data.target)) == {"Im001_1.jpg": 1, "Im002_0.jpg": 0}
    (key,) = data.centroids
    np.testing.assert_array_equal(data.centroids[key], [[10, 20], [30, 40]])


def test_all_idb2_tif(tmp_path):
    for name in ("Im001_1.tif", "Im002_0.tif", "Im003_0.TIF"):
        _img(tmp_path / name)
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "all_idb2" and np.bincount(data.target).tolist() == [2, 1]


def test_generic_class_folders(tmp_path):
    _img(tmp_path / "cats" / "a.png")
    _img(tmp_path / "dogs" / "nested" / "b.PNG")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "class_folders" and data.target_names == ["cats", "dogs"]


def test_unknown_layout_says_what_it_looked_for(tmp_path):
    _img(tmp_path / "only.png")
    with pytest.raises(ValueError, match="cannot tell the layout.*Aria.*C-NMC.*ALL-IDB"):
        load_image_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="layout must be"):
        load_image_folder(tmp_path, layout="kaggle")


def test_bad_files_raise_or_are_listed(tmp_path):
    _img(tmp_path / "a" / "ok.png")
    _img(tmp_path / "b" / "ok.png")
    (tmp_path / "a" / "empty.png").write_bytes(b"")
    (tmp_path / "b" / "text.jpg").write_text("hello")
    with pytest.raises(ImageReadError, match="empty.png"):
        load_image_folder(tmp_path)
    with pytest.warns(UserWarning, match="skipped 2"):
        data = load_image_folder(tmp_path, on_error="skip", verify=True, show_progress=False)
    assert len(data.filenames) == 2
    assert sorted(p.rsplit("/", 1)[-1] for p, _ in data.skipped) == ["empty.png", "text.jpg"]
    # Without verify only the cheap size check runs: the text file is kept for now.
    with pytest.warns(UserWarning, match="skipped 1"):
        quick = load_image_folder(tmp_path, on_error="skip", show_progress=False)
    assert len(quick.filenames) == 3


def test_group_duplicates(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "a" / "copy.png").write_bytes((tmp_path / "a" / "0.png").read_bytes())
    data = load_image_folder(tmp_path, group_duplicates=True, show_progress=False)
    names = [f.rsplit("/", 2)[-2] + "/" + f.rsplit("/", 1)[-1] for f in data.filenames]
    groups = dict(zip(names, data.groups))
    assert groups["a/0.png"] == groups["a/copy.png"]
    assert len(set(data.groups)) == 6
