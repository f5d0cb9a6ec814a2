import numpy as np
import pytest

from featleuk.features._color import ColorFeatures, moments


def features(image, **params):
    est = ColorFeatures(show_progress=False, **params).fit(image[None])
    return dict(zip(est.get_feature_names_out(), est.transform(image[None])[0]))


def red_and_blue():
    """Two pure red and two pure blue nucleus pixels; the background is green."""
    rgb = np.zeros((3, 3, 3), np.uint8)
    rgb[...] = (0, 255, 0)
    rgb[0, :2] = (255, 0, 0)
    rgb[2, 1:] = (0, 0, 255)
    mask = np.zeros((3, 3, 1), np.uint8)
    mask[0, :2] = mask[2, 1:] = 255
    return np.concatenate([rgb, mask], axis=2)


def test_rgb_and_hsv_moments_hand_computed():
    f = features(red_and_blue(), bins=2)
    # R over the nucleus is [255, 255, 0, 0]: mean 127.5, std 127.5, symmetric, two-point kurtosis 1 - 3.
    assert f["color_rgb_r_mean"] == 127.5 and f["color_rgb_r_std"] == 127.5
    assert f["color_rgb_r_skewness"] == 0.0 and f["color_rgb_r_kurtosis"] == pytest.approx(-2.0)
    assert f["color_rgb_g_mean"] == 0.0 and f["color_rgb_g_std"] == 0.0  # background green ignored
    assert f["color_rgb_g_skewness"] == 0.0 and f["color_rgb_g_kurtosis"] == 0.0  # constant: defined 0
    assert f["color_rgb_r_hist0"] == 0.5 and f["color_rgb_r_hist1"] == 0.5
    assert f["color_rgb_g_hist0"] == 1.0
    # Hue of red is 0 and of blue 2/3; saturation and value are 1 for both.
    assert f["color_hsv_h_mean"] == pytest.approx(1 / 3) and f["color_hsv_h_std"] == pytest.approx(1 / 3)
    assert f["color_hsv_s_mean"] == 1.0 and f["color_hsv_v_std"] == 0.0
    assert f["color_hsv_s_hist1"] == 1.0  # the last bin includes 1.0


def test_lab_of_black_and_white():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0] = 255
    f = features(rgb, color_spaces=["lab"], bins=4)
    assert f["color_lab_l_mean"] == pytest.approx(50.0, abs=1e-6)  # L: 0 and 100
    assert f["color_lab_l_std"] == pytest.approx(50.0, abs=1e-6)
    assert abs(f["color_lab_a_mean"]) < 0.01 and abs(f["color_lab_b_mean"]) < 0.01  # achromatic
    assert f["color_lab_l_hist0"] == 0.5 and f["color_lab_l_hist3"] == 0.5
    assert f["color_lab_a_hist2"] == 1.0  # a = 0 falls in [-0.5, 63.25)


def test_moments_against_scipy():
    from scipy import stats

    values = np.random.default_rng(0).gamma(2.0, size=(200, 3))
    got = moments(values)
    # Weighted by counts equals repeating the rows.
    counts = np.arange(1, 201)
    np.testing.assert_allclose(moments(values, counts), moments(np.repeat(values, counts, axis=0)))
    np.testing.assert_allclose(got[:, 0], values.mean(0))
    np.testing.assert_allclose(got[:, 1], values.std(0))
    np.testing.assert_allclose(got[:, 2], stats.skew(values, axis=0))
    np.testing.assert_allclose(got[:, 3], stats.kurtosis(values, axis=0))


def test_names_and_sizes():
    est = ColorFeatures(bins=0).fit(np.zeros((1, 4, 4, 3), np.uint8))
    assert est.n_features_out_ == 3 * 3 * 4 + 1
    assert est.get_feature_names_out()[:2].tolist() == ["color_rgb_r_mean", "color_rgb_r_std"]
    with pytest.raises(ValueError, match="color_spaces"):
        ColorFeatures(color_spaces=["xyz"]).fit(np.zeros((1, 4, 4, 3), np.uint8))
