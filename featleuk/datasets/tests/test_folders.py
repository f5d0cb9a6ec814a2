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


def test_aria_segmented_only_and_explicit_variant(tmp_path):
    for name in ARIA_CLASS_NAMES:
        _img(tmp_path / "Segmented" / name / "WBC-1.jpg")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "aria" and data.variant == "Segmented" and len(data.filenames) == 4
    with pytest.raises(ValueError, match="no Aria ALL class folders.*Original/"):
        load_image_folder(tmp_path, layout="aria", variant="original")
    with pytest.raises(ValueError, match="variant must be"):
        load_image_folder(tmp_path, variant="Seg")


def test_aria_explicit_subset_keeps_canonical_targets(tmp_path):
    _img(tmp_path / "[Malignant] Pro-B" / "a.jpg")
    _img(tmp_path / "benign" / "b.jpg")
    _img(tmp_path / "notes" / "c.jpg")
    # Two Aria folders only: auto-detection wants all four, so it sees generic class folders.
    assert load_image_folder(tmp_path, show_progress=False).layout == "class_folders"
    with pytest.warns(UserWarning, match="not Aria classes.*notes"):
        data = load_image_folder(tmp_path, layout="aria", show_progress=False)
    assert data.target_names == ARIA_CLASS_NAMES
    assert data.target.tolist() == [0, 3]
    assert [f.rsplit("/", 1)[-1] for f in data.filenames] == ["b.jpg", "a.jpg"]
    assert "Aria" in data.DESCR and "Benign: 1, Early: 0, Pre: 0, Pro: 1" in data.DESCR


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
    assert dict(zip(data.groups.tolist(), data.target.tolist())) == {"11": 0, "H3": 1}
    assert data.folds.tolist() == [0, 0, 1, 2]
    assert len(data.unlabeled) == 1 and data.unlabeled[0].endswith("1.bmp")
    assert "subject IDs" in data.DESCR


def test_cnmc_unnamed_files_get_their_own_groups_and_bad_test_files_are_listed(tmp_path):
    fold = tmp_path / "fold_0"
    _img(fold / "all" / "UID_5_1_1_all.bmp")
    _img(fold / "all" / "cell_a.bmp")
    _img(fold / "hem" / "cell_b.bmp")
    test_dir = tmp_path / "C-NMC_test_prelim_phase_data"
    _img(test_dir / "1.bmp")
    (test_dir / "2.bmp").write_bytes(b"")
    with pytest.warns(UserWarning) as record:
        data = load_image_folder(tmp_path, on_error="skip", show_progress=False)
    messages = " ".join(str(w.message) for w in record)
    assert "2 C-NMC file(s) have no UID_<subject>_ prefix" in messages and "skipped 1" in messages
    assert len(set(data.groups.tolist())) == 3  # the two unnamed cells are not one subject
    assert [p.rsplit("/", 1)[-1] for p in data.unlabeled] == ["1.bmp"]
    assert [(p.rsplit("/", 1)[-1], reason) for p, reason in data.skipped] == [("2.bmp", "file is empty (0 bytes)")]


@pytest.mark.parametrize("xyc_folder", ["im", "xyc"])
def test_all_idb1_with_centroids(tmp_path, xyc_folder):
    _img(tmp_path / "im" / "Im001_1.jpg")
    (tmp_path / xyc_folder).mkdir(exist_ok=True)
    (tmp_path / xyc_folder / "Im001_1.xyc").write_text("10 20\n30\t40\n\n")
    _img(tmp_path / "im" / "Im002_0.jpg")
    (tmp_path / "Thumbs.db").write_bytes(b"junk")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "all_idb1" and data.target_names == ["normal", "ALL"]
    assert dict(zip([f[-11:] for f in data.filenames], data.target)) == {"Im001_1.jpg": 1, "Im002_0.jpg": 0}
    assert list(data.centroids) == [data.filenames[0]]
    np.testing.assert_array_equal(data.centroids[data.filenames[0]], [[10, 20], [30, 40]])
    assert data.centroids[data.filenames[0]].dtype.kind == "i"


def test_all_idb1_malformed_centroid_file(tmp_path):
    _img(tmp_path / "Im001_1.jpg")
    _img(tmp_path / "Im002_1.jpg")
    (tmp_path / "Im001_1.xyc").write_text("10 20\nbad line\n")
    (tmp_path / "Im002_1.xyc").write_text("")
    with pytest.raises(ValueError, match="Im001_1.xyc.*line 2"):
        load_image_folder(tmp_path)
    with pytest.warns(UserWarning, match="skipped 1"):
        data = load_image_folder(tmp_path, on_error="skip", show_progress=False)
    assert len(data.filenames) == 2  # the image stays; only its centroids are missing
    assert list(data.centroids) == [data.filenames[1]] and data.centroids[data.filenames[1]].shape == (0, 2)
    assert data.skipped[0][0].endswith("Im001_1.xyc")


def test_all_idb2_tif(tmp_path):
    for name in ("Im001_1.tif", "Im002_0.tif", "Im003_0.TIF"):
        _img(tmp_path / name)
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "all_idb2" and np.bincount(data.target).tolist() == [2, 1]


def test_generic_class_folders(tmp_path):
    _img(tmp_path / "cats" / "b.png")
    _img(tmp_path / "cats" / "a.png")
    _img(tmp_path / "dogs" / "nested" / "b.PNG")
    _img(tmp_path / "dogs" / ".ipynb_checkpoints" / "c.png")
    (tmp_path / "dogs" / "README").write_text("about dogs")
    data = load_image_folder(tmp_path, show_progress=False)
    assert data.layout == "class_folders" and data.target_names == ["cats", "dogs"]
    assert [f.split(str(tmp_path))[1] for f in data.filenames] == ["/cats/a.png", "/cats/b.png", "/dogs/nested/b.PNG"]
    assert data.target.tolist() == [0, 0, 1] and data.groups is None
    again = load_image_folder(tmp_path, layout="class_folders", show_progress=False)
    np.testing.assert_array_equal(again.filenames, data.filenames)


def test_unknown_layout_says_what_it_looked_for(tmp_path):
    _img(tmp_path / "only.png")
    with pytest.raises(ValueError, match="cannot tell the layout.*Aria.*C-NMC.*ALL-IDB.*class sub-folders"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="no images found"):
        load_image_folder(tmp_path, layout="class_folders")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="layout must be"):
        load_image_folder(tmp_path, layout="kaggle")


def test_bad_files_raise_or_are_listed(tmp_path):
    _img(tmp_path / "a" / "ok.png")
    _img(tmp_path / "b" / "ok.png")
    (tmp_path / "a" / "empty.png").write_bytes(b"")
    (tmp_path / "b" / "text.jpg").write_text("hello")
    with pytest.raises(ImageReadError, match="empty.png.*0 bytes"):
        load_image_folder(tmp_path)
    (tmp_path / "a" / "empty.png").rename(tmp_path / "a" / "empty.bin")
    with pytest.raises(ImageReadError, match="text.jpg.*not a recognised image"):
        load_image_folder(tmp_path, verify=True)
    (tmp_path / "a" / "empty.bin").rename(tmp_path / "a" / "empty.png")
    with pytest.warns(UserWarning, match="skipped 2"):
        data = load_image_folder(tmp_path, on_error="skip", verify=True, show_progress=False)
    assert len(data.filenames) == 2
    assert sorted(p.rsplit("/", 1)[-1] for p, _ in data.skipped) == ["empty.png", "text.jpg"]
    # Without verify only the cheap size check runs: the text file is kept for now.
    with pytest.warns(UserWarning, match="skipped 1"):
        quick = load_image_folder(tmp_path, on_error="skip", show_progress=False)
    assert len(quick.filenames) == 3
    assert "1 unreadable file(s) left out" in quick.DESCR


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


@pytest.mark.realdata
def test_real_aria_original():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "aria_all" / "Original"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    data = load_image_folder(root, show_progress=False)
    assert data.layout == "aria" and data.target_names == ARIA_CLASS_NAMES
    assert len(data.filenames) == 3256 and data.skipped == []
    assert np.bincount(data.target).tolist() == [504, 985, 963, 804]
    assert data.groups is None
