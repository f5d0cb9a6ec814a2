import numpy as np
import pytest
from PIL import Image

from featleuk.datasets import (SYNTHETIC_CLASS_NAMES, find_duplicate_groups, make_synthetic_smears,
                               write_synthetic_smears)
from featleuk.io import read_image


def test_synthetic_shapes_balance_and_determinism():
    X, y, masks = make_synthetic_smears(16, image_size=64, random_state=3, return_masks=True)
    assert X.shape == (16, 64, 64, 3) and X.dtype == np.uint8
    assert masks.shape == (16, 64, 64) and masks.dtype == bool
    assert np.bincount(y).tolist() == [4, 4, 4, 4]
    X2, y2 = make_synthetic_smears(16, image_size=64, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make_synthetic_smears(16, image_size=64, random_state=4)[0])
    # Every image has a nucleus inside the frame, and its mask is a blob, not the whole field.
    fractions = masks.reshape(16, -1).mean(1)
    assert (fractions > 0.01).all() and (fractions < 0.5).all()
    # scikit-learn style RandomState and Generator seeds work too.
    rs_a = make_synthetic_smears(4, image_size=32, random_state=np.random.RandomState(0))[0]
    rs_b = make_synthetic_smears(4, image_size=32, random_state=np.random.RandomState(0))[0]
    np.testing.assert_array_equal(rs_a, rs_b)
    gen = make_synthetic_smears(4, image_size=32, random_state=np.random.default_rng(7))[0]
    np.testing.assert_array_equal(gen, make_synthetic_smears(4, image_size=32, random_state=7)[0])


def test_synthetic_nuclei_are_purple_and_grow_with_class():
    X, y, masks = make_synthetic_smears(80, image_size=96, random_state=0, return_masks=True)
    inside = X[masks].astype(float)
    outside = X[~masks].astype(float)
    # Stained nuclei: dark, blue > green; background and red cells brighter.
    assert inside.mean() < outside.mean() - 50
    assert inside[:, 2].mean() > inside[:, 1].mean() + 30
    areas = masks.reshape(len(y), -1).sum(1)
    class_means = [areas[y == k].mean() for k in range(4)]
    assert class_means == sorted(class_means)
    # ...but the classes overlap: the largest benign nucleus beats the smallest Pro one.
    assert areas[y == 0].max() > areas[y == 3].min()


def test_synthetic_is_learnable_but_not_trivial():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_synthetic_smears(120, image_size=48, random_state=1)
    hist = np.stack([np.histogram(img[..., 2] - img[..., 1].astype(int), bins=16, range=(-60, 120))[0] for img in X])
    score = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), hist, y, cv=3).mean()
    assert 0.4 < score


def test_synthetic_bad_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        make_synthetic_smears(4, n_classes=1)
    with pytest.raises(ValueError, match="image_size"):
        make_synthetic_smears(4, image_size=8)
    with pytest.raises(ValueError, match="n_samples"):
        make_synthetic_smears(0)
    with pytest.raises(ValueError, match="format"):
        write_synthetic_smears("unused", 4, format="gif")


def test_write_synthetic_smears_round_trip(tmp_path):
    data = write_synthetic_smears(tmp_path, 8, image_size=32, random_state=0)
    assert data.layout == "class_folders" and len(data.filenames) == 8
    assert data.target_names == list(SYNTHETIC_CLASS_NAMES[:4])
    X, y = make_synthetic_smears(8, image_size=32, random_state=0)
    index = [int(f.rsplit("-", 1)[1].split(".")[0]) for f in data.filenames]
    np.testing.assert_array_equal(data.target, y[index])
    np.testing.assert_array_equal(read_image(data.filenames[0]), X[index[0]])  # PNG is lossless


def test_write_synthetic_smears_keeps_label_order_beyond_four_classes(tmp_path):
    data = write_synthetic_smears(tmp_path, 12, n_classes=6, image_size=24, random_state=1, format="bmp")
    assert data.target_names == list(SYNTHETIC_CLASS_NAMES[:6])
    _, y = make_synthetic_smears(12, n_classes=6, image_size=24, random_state=1)
    index = [int(f.rsplit("-", 1)[1].split(".")[0]) for f in data.filenames]
    np.testing.assert_array_equal(data.target, y[index])


def test_duplicates_exact_and_near():
    X, _ = make_synthetic_smears(6, image_size=64, random_state=0)
    near = X[2].copy()
    near[:2, :2] = 0  # a few changed pixels: same field
    images = [X[0], X[1], X[2], X[0].copy(), near, X[3]]
    groups, pairs = find_duplicate_groups(images, return_pairs=True, show_progress=False)
    assert groups[0] == groups[3] and groups[2] == groups[4]
    assert len(set(groups)) == 4
    assert (0, 3, 0) in pairs
    exact_only = find_duplicate_groups(images, near=False, show_progress=False)
    assert exact_only[0] == exact_only[3] and exact_only[2] != exact_only[4]


def test_duplicates_of_files_and_chunked_distances(tmp_path, monkeypatch):
    from featleuk.datasets import _duplicates

    X, _ = make_synthetic_smears(7, image_size=48, random_state=2)
    paths = []
    for i, image in enumerate(X):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(image).save(paths[-1])
    (tmp_path / "copy.png").write_bytes(paths[5].read_bytes())
    brighter = np.clip(X[1].astype(int) + 6, 0, 255).astype(np.uint8)  # same field, new exposure
    Image.fromarray(brighter).save(tmp_path / "bright.png")
    files = [*paths, tmp_path / "copy.png", str(tmp_path / "bright.png")]
    groups, pairs = find_duplicate_groups(files, return_pairs=True, show_progress=False)
    assert groups.tolist() == [0, 1, 2, 3, 4, 5, 6, 5, 1]
    assert (5, 7, 0) in pairs and any(p[:2] == (1, 8) for p in pairs)
    # Row-chunking the distance matrix changes nothing.
    monkeypatch.setattr(_duplicates, "_CHUNK", 2)
    chunked, chunked_pairs = find_duplicate_groups(files, return_pairs=True, show_progress=False)
    np.testing.assert_array_equal(chunked, groups)
    assert sorted(chunked_pairs) == sorted(pairs)


def test_duplicates_arrays_shape_and_arguments():
    flat = np.zeros((8, 8, 3), np.uint8)
    flat[:, :4] = 200
    other = flat.reshape(4, 16, 3)  # the same bytes in another shape: not an exact copy
    assert find_duplicate_groups([flat, other], near=False, show_progress=False).tolist() == [0, 1]
    with pytest.raises(ValueError, match="max_distance"):
        find_duplicate_groups([flat], max_distance=300)
    with pytest.raises(ValueError, match="max_distance"):
        find_duplicate_groups([flat], max_distance=0.5)
