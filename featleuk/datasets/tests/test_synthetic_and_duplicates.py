import numpy as np
import pytest

from featleuk.datasets import (SYNTHETIC_CLASS_NAMES, find_duplicate_groups, make_synthetic_smears,
                               write_synthetic_smears)


def test_synthetic_shapes_balance_and_determinism():
    X, y, masks = make_synthetic_smears(16, image_size=64, random_state=3, return_masks=True)
    assert X.shape == (16, 64, 64, 3) and X.dtype == np.uint8
    assert masks.shape == (16, 64, 64) and masks.dtype == bool
    assert np.bincount(y).tolist() == [4, 4, 4, 4]
    X2, y2 = make_synthetic_smears(16, image_size=64, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make_synthetic_smears(16, image_size=64, random_state=4)[0])


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


def test_write_synthetic_smears_round_trip(tmp_path):
    data = write_synthetic_smears(tmp_path, 8, image_size=32, random_state=0)
    assert data.layout == "class_folders" and len(data.filenames) == 8
    assert data.target_names == list(SYNTHETIC_CLASS_NAMES[:4])


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
