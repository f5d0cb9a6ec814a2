import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from featleuk.features._lbp import LBPFeatures


def grey(values):
    return np.repeat(values.astype(np.uint8)[..., None], 3, axis=-1)


def features(image, **params):
    est = LBPFeatures(show_progress=False, **params).fit(image[None])
    return est.transform(image[None])[0]


def test_checkerboard_interior_hand_computed():
    board = (np.indices((6, 6)).sum(0) % 2) * 200
    mask = np.zeros((6, 6), np.uint8)
    mask[1:5, 1:5] = 255  # interior: every neighbour lies in the image
    image = np.concatenate([grey(board), mask[..., None]], axis=2)
    out = features(image, P=4, R=1.0)
    # Bright centres see 4 darker neighbours (code 0); dark centres see 4 brighter ones
    # (all bits set: code P = 4); 8 of each among the 16 interior pixels. Bins: 0..P+1.
    np.testing.assert_allclose(out, [0.5, 0, 0, 0, 0.5, 0, 0])


def test_constant_region_is_all_code_p():
    mask = np.zeros((9, 9), np.uint8)
    mask[2:7, 2:7] = 255  # centres whose radius-2 circle lies inside the image
    image = np.concatenate([grey(np.full((9, 9), 90)), mask[..., None]], axis=2)
    out = features(image, P=8, R=2.0)
    expected = np.zeros(11)
    expected[8] = 1.0  # every neighbour equals the centre: s_p = 1 for all p
    np.testing.assert_allclose(out, expected)
    # Without the mask, border centres read their outside neighbours as 0 (skimage): fewer ones.
    unmasked = features(image[..., :3], P=8, R=2.0)
    assert unmasked[8] == pytest.approx(25 / 81)


def test_matches_skimage_histogram_without_mask():
    values = np.random.default_rng(0).integers(0, 256, size=(16, 20))
    codes = local_binary_pattern(values.astype(np.uint8), 8, 1.5, method="nri_uniform").astype(int)
    expected = np.bincount(codes.ravel(), minlength=59) / codes.size
    out = features(grey(values), P=8, R=1.5, method="nri_uniform")
    np.testing.assert_allclose(out[:-1], expected)
    assert out.sum() == pytest.approx(1.0)


def test_names():
    est = LBPFeatures(P=4).fit(np.zeros((1, 4, 4, 3), np.uint8))
    assert est.get_feature_names_out().tolist() == [f"lbp_{k}" for k in range(6)] + ["lbp_mask_empty"]
    assert est.n_bins_ == 6
