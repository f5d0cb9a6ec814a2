import numpy as np
import pytest

from featleuk.features._morphology import MorphologyFeatures, estimate_cell, fourier_descriptors


def with_mask(mask, rgb=None):
    """A 4-channel image: ``rgb`` (grey 128 by default) plus ``mask`` as channel 4."""
    if rgb is None:
        rgb = np.full(mask.shape + (3,), 128, np.uint8)
    return np.concatenate([rgb, (mask * 255).astype(np.uint8)[..., None]], axis=2)


def features(image, **params):
    est = MorphologyFeatures(show_progress=False, **params).fit(image[None])
    return dict(zip(est.get_feature_names_out(), est.transform(image[None])[0]))


def disc(size, centre, radius):
    yy, xx = np.mgrid[:size, :size]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def test_square_hand_computed():
    mask = np.zeros((30, 30), bool)
    mask[8:18, 5:15] = True  # a 10 x 10 square
    f = features(with_mask(mask), n_fourier=2)
    assert f["morph_n_nuclei"] == 1 and f["morph_area"] == 100 and f["morph_mean_area"] == 100
    assert f["morph_perimeter"] == pytest.approx(36.0)  # the chain of boundary pixel centres: 4 * 9
    assert f["morph_circularity"] == pytest.approx(4 * np.pi * 100 / 36**2)
    assert f["morph_extent"] == 1.0 and f["morph_solidity"] == 1.0 and f["morph_convexity"] == 1.0
    assert f["morph_eccentricity"] == pytest.approx(0.0, abs=1e-12)
    # Axis = 4 sqrt(variance of the coordinates 0..9) = 4 sqrt((10^2 - 1) / 12).
    assert f["morph_major_axis"] == pytest.approx(4 * np.sqrt(99 / 12))
    assert f["morph_minor_axis"] == pytest.approx(4 * np.sqrt(99 / 12))
    assert f["morph_mask_empty"] == 0.0


def test_disc_is_round():
    f = features(with_mask(disc(64, (32, 32), 20)))
    assert f["morph_area"] == np.count_nonzero(disc(64, (32, 32), 20))
    assert 0.85 < f["morph_circularity"] <= 1.0
    assert f["morph_eccentricity"] < 0.05 and f["morph_solidity"] > 0.95
    assert all(abs(v) < 0.02 for k, v in f.items() if "fourier" in k)  # a circle has only F_1


def analytic_ellipse_descriptors(a, b, k=3, n=64):
    """Descriptors of the true ellipse outline, sampled at n points equally spaced in arc length."""
    t = np.linspace(0, 2 * np.pi, 20001)
    x, y = a * np.cos(t), b * np.sin(t)  # counter-clockwise
    arc = np.concatenate([[0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    s = np.linspace(0, arc[-1], n, endpoint=False)
    spectrum = np.abs(np.fft.fft(np.interp(s, arc, x) + 1j * np.interp(s, arc, y)))
    return spectrum[[-1, 2, -2][:k]] / spectrum[1]


def test_fourier_descriptor_of_an_ellipse():
    yy, xx = np.mgrid[:80, :100]
    a, b = 40.0, 20.0  # semi-axes
    ellipse = ((xx - 50) / a) ** 2 + ((yy - 40) / b) ** 2 <= 1
    fd = fourier_descriptors(ellipse, 3)
    # The rasterised outline runs half a pixel outside the pixel centres.
    np.testing.assert_allclose(fd, analytic_ellipse_descriptors(a + 0.5, b + 0.5), atol=0.01)
    assert fd[0] > 0.2 and fd[0] > 5 * max(fd[1], fd[2])
    # Invariant to rotation by 90 degrees, mirroring and scale.
    np.testing.assert_allclose(fourier_descriptors(ellipse.T, 3), fd, atol=0.01)
    np.testing.assert_allclose(fourier_descriptors(ellipse[::-1], 3), fd, atol=0.01)
    small = ((xx - 50) / (a / 2)) ** 2 + ((yy - 40) / (b / 2)) ** 2 <= 1
    np.testing.assert_allclose(fourier_descriptors(small, 3), fd, atol=0.03)


def test_several_nuclei_and_concave_shape():
    mask = np.zeros((40, 40), bool)
    mask[2:12, 2:12] = True  # small square, 100 px
    mask[20:36, 20:36] = True
    mask[24:32, 28:36] = False  # a notch: 256 - 64 = 192 px, concave
    mask[38, 0] = True  # a speck below min_area
    f = features(with_mask(mask))
    assert f["morph_n_nuclei"] == 2 and f["morph_mean_area"] == (100 + 192) / 2
    assert f["morph_area"] == 192 and f["morph_extent"] == pytest.approx(192 / 256)
    assert f["morph_solidity"] < 1.0 and f["morph_convexity"] < 1.0


def test_nucleus_to_cell_ratio():
    rgb = np.full((64, 64, 3), 240, np.uint8)  # pale background
    cell = disc(64, (32, 32), 20)
    nucleus = disc(64, (32, 32), 10)
    rgb[cell] = 170  # cytoplasm
    rgb[nucleus] = 60
    f = features(with_mask(nucleus, rgb))
    assert f["morph_cell_area"] == cell.sum()
    assert f["morph_nucleus_cell_ratio"] == pytest.approx(nucleus.sum() / cell.sum())
    np.testing.assert_array_equal(estimate_cell(rgb[..., 0], nucleus), cell)


def test_without_mask_uses_otsu_dark_side():
    rgb = np.full((48, 48, 3), 230, np.uint8)
    nucleus = disc(48, (20, 25), 9)
    rgb[nucleus] = 50
    f = features(rgb)
    assert f["morph_area"] == nucleus.sum() and f["morph_n_nuclei"] == 1


def test_only_specks_count_as_empty():
    mask = np.zeros((20, 20), bool)
    mask[3, 3] = mask[10, 10] = True
    f = features(with_mask(mask))
    assert f["morph_mask_empty"] == 1.0 and f["morph_area"] == 0.0
    f = features(with_mask(mask), min_area=1)
    assert f["morph_mask_empty"] == 0.0 and f["morph_n_nuclei"] == 2
    assert f["morph_perimeter"] == 0.0 and f["morph_circularity"] == 0.0  # one pixel: no perimeter


def test_names():
    est = MorphologyFeatures(n_fourier=3).fit(np.zeros((1, 8, 8, 3), np.uint8))
    assert est.get_feature_names_out()[-4:].tolist() == [
        "morph_fourier_neg1", "morph_fourier_pos2", "morph_fourier_neg2", "morph_mask_empty"]
