"""featleuk.datasets.load_dataset: the one loader of the experiments."""

from pathlib import Path

import numpy as np
import pytest

from featleuk.datasets import load_dataset, write_synthetic_smears

ARIA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "aria_all" / "Original"


def test_synthetic_fallback_says_it_is_not_real_data():
    data = load_dataset(None, n_synthetic=12, image_size=32, random_state=1)
    assert data.images.shape == (12, 32, 32, 3) and data.data is data.images
    assert data.layout == "synthetic" and data.groups is None and data.skipped == []
    assert "Synthetic smears" in data.description and "say nothing about real" in data.description
    same = load_dataset(None, n_synthetic=12, image_size=32, random_state=1)
    np.testing.assert_array_equal(same.images, data.images)


def test_stratified_subsample_is_described():
    data = load_dataset(None, n_synthetic=40, image_size=16, max_images=20)
    assert len(data.target) == 20 and len(data.images) == 20
    assert np.bincount(data.target).tolist() == [5, 5, 5, 5]
    assert "subsample of 20" in data.description and "--max-images 20" in data.description


def test_folder_gives_paths_and_counts(tmp_path):
    write_synthetic_smears(tmp_path, 8, image_size=24, random_state=0)
    data = load_dataset(tmp_path)
    assert data.data == data.filenames and all(isinstance(p, str) for p in data.filenames)
    assert len(data.target) == 8 and f"`{tmp_path}`" in data.description


@pytest.mark.realdata
@pytest.mark.skipif(not ARIA.is_dir(), reason="../shared/datasets not present")
def test_aria_groups_duplicates():
    data = load_dataset(ARIA, max_images=200)
    assert data.layout == "aria" and data.groups is not None and len(data.groups) == 200
    assert "near-identical images" in data.description
