import numpy as np
import pytest

from featleuk.features._glrlm import GLRLM_FEATURES, GLRLMFeatures, glrlm_matrix, glrlm_runs

IMAGE = np.array([[0, 0, 1],
                  [1, 1, 1],
                  [0, 1, 0]])


def as_rgb(levels_image, n_levels):
    """A grey RGB image whose quantisation to ``n_levels`` gives back ``levels_image``."""
    grey = (levels_image * (256 // n_levels)).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def runs(direction, mask=None):
    levels, lengths = glrlm_runs(IMAGE, direction, mask=mask)
    return sorted(zip(levels.tolist(), lengths.tolist()))


def test_runs_in_each_direction():
    # Rows: [0 0 | 1], [1 1 1], [0 | 1 | 0].
    assert runs(0) == sorted([(0, 2), (1, 1), (1, 3), (0, 1), (1, 1), (0, 1)])
    # Columns: [0 | 1 | 0], [0 | 1 1], [1 1 | 0].
    assert runs(90) == sorted([(0, 1), (1, 1), (0, 1), (0, 1), (1, 2), (1, 2), (0, 1)])
    # Down-right diagonals, from the bottom-left corner: [0], [1 1], [0 | 1 | 0], [0 | 1], [1].
    assert runs(45) == sorted([(0, 1), (1, 2), (0, 1), (1, 1), (0, 1), (0, 1), (1, 1), (1, 1)])
    # Down-left diagonals, from the top-left corner: [0], [0 | 1], [1 1 | 0], [1 1], [0].
    assert runs(135) == sorted([(0, 1), (0, 1), (1, 1), (1, 2), (0, 1), (1, 2), (0, 1)])


def test_mask_breaks_runs():
    mask = np.ones((3, 3), bool)
    mask[1, 1] = False
    # Row 1 becomes [1 | x | 1]; the centre pixel is in no run.
    assert runs(0, mask) == sorted([(0, 2), (1, 1), (1, 1), (1, 1), (0, 1), (1, 1), (0, 1)])


def test_matrix():
    levels, lengths = glrlm_runs(IMAGE, 0)
    R = glrlm_matrix(levels, lengths, 2, 3)
    np.testing.assert_array_equal(R, [[2, 1, 0], [2, 0, 1]])


def test_features_hand_computed():
    est = GLRLMFeatures(levels=2, directions=(0,), show_progress=False)
    out = est.fit_transform(as_rgb(IMAGE, 2)[None])[0]
    got = dict(zip(est.get_feature_names_out(), out))
    # Horizontal runs (level counted from 1, length): (1,2) (2,1) (2,3) (1,1) (2,1) (1,1);
    # N_r = 6 runs over N_p = 9 pixels.
    expected = {
        "SRE": (1 / 4 + 1 + 1 / 9 + 1 + 1 + 1) / 6,
        "LRE": (4 + 1 + 9 + 1 + 1 + 1) / 6,
        "GLN": (3**2 + 3**2) / 6,  # three runs of each level
        "RLN": (4**2 + 1**2 + 1**2) / 6,  # four runs of length 1, one of 2, one of 3
        "RP": 6 / 9,
        "LGRE": (1 + 1 / 4 + 1 / 4 + 1 + 1 / 4 + 1) / 6,
        "HGRE": (1 + 4 + 4 + 1 + 4 + 1) / 6,
        "SRLGE": (1 / 4 + 1 / 4 + 1 / 36 + 1 + 1 / 4 + 1) / 6,
        "SRHGE": (1 / 4 + 4 + 4 / 9 + 1 + 4 + 1) / 6,
        "LRLGE": (4 + 1 / 4 + 9 / 4 + 1 + 1 / 4 + 1) / 6,
        "LRHGE": (4 + 4 + 36 + 1 + 4 + 1) / 6,
    }
    for name, value in expected.items():
        assert got[f"glrlm_{name}"] == pytest.approx(value, rel=1e-12), name
    assert got["glrlm_mask_empty"] == 0.0


def test_mean_and_per_direction():
    X = as_rgb(IMAGE, 2)[None]
    per = GLRLMFeatures(levels=2, aggregate="per_direction", show_progress=False).fit(X)
    mean = GLRLMFeatures(levels=2, show_progress=False).fit(X)
    assert per.get_feature_names_out()[:4].tolist() == ["glrlm_SRE_a0", "glrlm_SRE_a45", "glrlm_SRE_a90",
                                                       "glrlm_SRE_a135"]
    np.testing.assert_allclose(mean.transform(X)[0, :-1],
                               per.transform(X)[0, :-1].reshape(len(GLRLM_FEATURES), 4).mean(axis=1))
    # Run percentage along 90 degrees: 7 runs over 9 pixels.
    assert dict(zip(per.get_feature_names_out(), per.transform(X)[0]))["glrlm_RP_a90"] == pytest.approx(7 / 9)
    # Range over directions of RP: 8 runs at 45 degrees, 6 at 0 degrees (test_runs_in_each_direction).
    mean_range = GLRLMFeatures(levels=2, aggregate="mean_range", show_progress=False).fit(X)
    got = dict(zip(mean_range.get_feature_names_out(), mean_range.transform(X)[0]))
    assert got["glrlm_RP_range"] == pytest.approx(8 / 9 - 6 / 9)
    assert got["glrlm_RP_mean"] == pytest.approx((6 + 8 + 7 + 7) / 4 / 9)


def test_non_square_diagonals():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 3, size=(4, 7))
    for direction in (45, 135):
        levels, lengths = glrlm_runs(image, direction)
        assert lengths.sum() == image.size  # every pixel is in exactly one run
        assert np.bincount(levels, weights=lengths).tolist() == np.bincount(image.ravel()).tolist()


def test_bad_directions():
    with pytest.raises(ValueError, match="directions"):
        GLRLMFeatures(directions=(30,)).fit(np.zeros((1, 4, 4, 3), np.uint8))
