import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops

from featleuk.features._glcm import GLCM_PROPERTIES, GLCMFeatures, glcm_counts, glcm_offsets

SKIMAGE_PROPS = ["contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation",
                 "entropy", "variance"]
ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def grey_batch(values):
    """RGB images with R = G = B, so the "gray" channel equals ``values`` exactly."""
    return np.repeat(values[..., None], 3, axis=-1)


@pytest.fixture(scope="module")
def values():
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.integers(0, 9, size=(3, 30, 27)), axis=2) % 256  # some structure
    smooth[0] = rng.integers(0, 256, size=(30, 27))  # and one pure-noise image
    return smooth.astype(np.uint8)


@pytest.mark.parametrize("levels", [256, 16, 5])
@pytest.mark.parametrize("distances", [(1,), (1, 2, 4)])
@pytest.mark.parametrize("symmetric", [True, False])
def test_equals_skimage(values, levels, distances, symmetric):
    angles = ANGLES + (np.pi / 3,)
    est = GLCMFeatures(distances, angles, levels=levels, symmetric=symmetric, properties=SKIMAGE_PROPS,
                       aggregate="per_angle", show_progress=False)
    out = est.fit_transform(grey_batch(values))
    for row, image in zip(out, values):
        quantised = (image.astype(int) * levels // 256).astype(np.uint8)
        P = graycomatrix(quantised, distances, angles, levels=levels, symmetric=symmetric, normed=True)
        expected = np.concatenate([graycoprops(P, p).ravel() for p in SKIMAGE_PROPS])
        np.testing.assert_allclose(row[:-1], expected, rtol=1e-10, atol=1e-10)
        assert row[-1] == 0.0


def test_mean_aggregate_is_mean_over_angles(values):
    X = grey_batch(values)
    per_angle = GLCMFeatures((1, 2), show_progress=False, aggregate="per_angle").fit_transform(X)
    mean = GLCMFeatures((1, 2), show_progress=False).fit_transform(X)
    np.testing.assert_allclose(mean[:, :-1], per_angle[:, :-1].reshape(3, -1, 4).mean(axis=2))
    est = GLCMFeatures((1, 2), properties=["contrast", "ASM"], aggregate="mean_range", show_progress=False)
    mean_range = est.fit_transform(X)
    assert est.get_feature_names_out()[:5].tolist() == [
        "glcm_contrast_d1_mean", "glcm_contrast_d1_range", "glcm_contrast_d2_mean", "glcm_contrast_d2_range",
        "glcm_ASM_d1_mean"]
    # contrast is the first property and ASM the fourth of the per-angle output.
    by_angle = per_angle[:, :-1].reshape(3, -1, 2, 4)[:, [0, 3]]  # (image, property, distance, angle)
    expected = np.stack([by_angle.mean(axis=3), by_angle.max(axis=3) - by_angle.min(axis=3)], axis=3)
    np.testing.assert_allclose(mean_range[:, :-1], expected.reshape(3, -1))
    assert (mean_range[:, 1:-1:2] > 0).all()  # the range is not trivially 0 on these images


def test_feature_names():
    est = GLCMFeatures((1, 3), properties=["contrast", "imc2"], aggregate="per_angle").fit(
        np.zeros((1, 4, 4, 3), np.uint8))
    assert list(est.get_feature_names_out()[:5]) == [
        "glcm_contrast_d1_a0", "glcm_contrast_d1_a45", "glcm_contrast_d1_a90", "glcm_contrast_d1_a135",
        "glcm_contrast_d3_a0"]
    assert est.get_feature_names_out()[-1] == "glcm_mask_empty"
    default = GLCMFeatures().fit(np.zeros((1, 4, 4, 3), np.uint8))
    assert len(default.get_feature_names_out()) == len(GLCM_PROPERTIES) + 1


def test_offsets_follow_skimage():
    assert glcm_offsets([1], ANGLES) == [(0, 1), (1, 1), (1, 0), (1, -1)]
    assert glcm_offsets([2], [np.pi]) == [(0, -2)]


def brute_force_counts(image, mask, offset, levels):
    counts = np.zeros((levels, levels), dtype=np.int64)
    dr, dc = offset
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            r2, c2 = r + dr, c + dc
            if 0 <= r2 < image.shape[0] and 0 <= c2 < image.shape[1] and mask[r, c] and mask[r2, c2]:
                counts[image[r, c], image[r2, c2]] += 1
    return counts + counts.T


def test_masked_counts_only_pairs_inside():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 4, size=(7, 6))
    mask = rng.random((7, 6)) > 0.4
    offsets = glcm_offsets([1, 2], ANGLES)
    counts = glcm_counts(image, offsets, 4, mask=mask)
    for k, offset in enumerate(offsets):
        np.testing.assert_array_equal(counts[k].reshape(4, 4), brute_force_counts(image, mask, offset, 4))


def test_masked_features_ignore_background():
    """Changing background pixels changes nothing; a full mask equals no mask."""
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, size=(2, 20, 20, 3), dtype=np.uint8)
    mask = np.zeros((2, 20, 20, 1), np.uint8)
    mask[:, 5:15, 4:12] = 255
    est = GLCMFeatures(show_progress=False).fit(rgb)
    a = est.transform(np.concatenate([rgb, mask], axis=3))
    rgb2 = rgb.copy()
    rgb2[mask[..., 0] == 0] = 7
    b = est.transform(np.concatenate([rgb2, mask], axis=3))
    np.testing.assert_allclose(a, b)
    inside = est.transform(np.ascontiguousarray(rgb[:, 5:15, 4:12]))
    np.testing.assert_allclose(a, inside)
    full = est.transform(np.concatenate([rgb, np.full_like(mask, 255)], axis=3))
    np.testing.assert_allclose(full, est.transform(rgb))


def test_haralick_extras_hand_computed():
    """Every extra property against a direct, loop-based reading of its formula."""
    image = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, 2, 2, 2], [2, 2, 3, 3]], dtype=np.uint8)
    X = grey_batch((image * 64)[None])  # levels=4 maps 64 * k back to k
    est = GLCMFeatures((1,), (0.0,), levels=4, show_progress=False).fit(X)
    got = dict(zip(est.get_feature_names_out(), est.transform(X)[0]))

    P = brute_force_counts(image, np.ones_like(image, bool), (0, 1), 4).astype(float)
    P /= P.sum()
    idx = np.arange(4)
    px, py = P.sum(1), P.sum(0)
    ent = lambda p: -sum(v * np.log(v) for v in np.ravel(p) if v > 0)  # noqa: E731
    p_sum = np.array([sum(P[i, j] for i in idx for j in idx if i + j == k) for k in range(7)])
    p_diff = np.array([sum(P[i, j] for i in idx for j in idx if abs(i - j) == k) for k in range(4)])
    sa, da = (np.arange(7) * p_sum).sum(), (np.arange(4) * p_diff).sum()
    hxy = ent(P)
    hxy1 = -sum(P[i, j] * np.log(px[i] * py[j]) for i in idx for j in idx if P[i, j] > 0)
    hxy2 = -sum(px[i] * py[j] * np.log(px[i] * py[j]) for i in idx for j in idx if px[i] * py[j] > 0)
    mu_x = (idx * px).sum()
    expected = {
        "entropy": hxy,
        "variance": sum(P[i, j] * (i - mu_x) ** 2 for i in idx for j in idx),
        "sum_average": sa,
        "sum_variance": ((np.arange(7) - sa) ** 2 * p_sum).sum(),
        "sum_entropy": ent(p_sum),
        "difference_variance": ((np.arange(4) - da) ** 2 * p_diff).sum(),
        "difference_entropy": ent(p_diff),
        "imc1": (hxy - hxy1) / max(ent(px), ent(py)),
        "imc2": np.sqrt(1 - np.exp(-2 * (hxy2 - hxy))),
        "max_probability": P.max(),
    }
    for name, value in expected.items():
        assert got[f"glcm_{name}_d1"] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    # Sanity of the hand reference itself: (0, 0) is the horizontal pair of rows 0 and 1
    # only, counted in both orders, out of 4 rows x 3 pairs x 2 orders.
    assert P[0, 0] == pytest.approx(2 * 2 / 24)


def test_constant_and_degenerate_images_are_finite():
    est = GLCMFeatures(show_progress=False).fit(np.zeros((1, 3, 3, 3), np.uint8))
    constant = est.transform(np.full((1, 8, 8, 3), 120, np.uint8))[0]
    names = list(est.get_feature_names_out())
    assert constant[names.index("glcm_correlation_d1")] == 1.0  # skimage's zero-variance value
    assert constant[names.index("glcm_ASM_d1")] == 1.0 and constant[names.index("glcm_imc1_d1")] == 0.0
    one_pixel = est.transform(np.full((1, 1, 1, 3), 9, np.uint8))[0]
    assert np.isfinite(one_pixel).all() and one_pixel[-1] == 0.0


def test_bad_parameters():
    X = np.zeros((1, 4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="unknown GLCM properties"):
        GLCMFeatures(properties=["contrast", "nope"]).fit(X)
    with pytest.raises(ValueError, match="distances"):
        GLCMFeatures(distances=(0,)).fit(X)
    with pytest.raises(ValueError, match="repeat"):
        GLCMFeatures(angles=(0.0, 0.0)).fit(X)
    with pytest.raises(ValueError):
        GLCMFeatures(levels=300).fit(X)
