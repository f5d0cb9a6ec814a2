import numpy as np

from featleuk.segmentation import FuzzyCMeansSegmenter, dice_score, fuzzy_cmeans
from featleuk.segmentation._kmeans import kmeans_centres


def test_fcm_finds_separated_groups():
    rng = np.random.RandomState(0)
    values = np.concatenate([rng.normal(0.1, 0.01, 300), rng.normal(0.5, 0.01, 200),
                             rng.normal(0.9, 0.01, 100)])
    centres, u, n_iter = fuzzy_cmeans(values, 3)
    np.testing.assert_allclose(centres, [0.1, 0.5, 0.9], atol=0.01)
    np.testing.assert_allclose(u.sum(axis=1), 1.0)
    assert (u.argmax(axis=1) == np.repeat([0, 1, 2], [300, 200, 100])).all()
    assert 1 <= n_iter < 100


def test_histogram_weights_equal_repeated_pixels():
    # EnFCM's premise: FCM on a weighted histogram == FCM on the pixels it counts.
    rng = np.random.RandomState(1)
    pixels = rng.randint(0, 16, 500) / 15.0
    levels, counts = np.unique(pixels, return_counts=True)
    by_pixel, _, _ = fuzzy_cmeans(pixels, 3, tol=1e-12, max_iter=500)
    by_histogram, _, _ = fuzzy_cmeans(levels, 3, weights=counts, tol=1e-12, max_iter=500)
    np.testing.assert_allclose(by_histogram, by_pixel, atol=1e-8)


def test_fcm_centres_satisfy_the_update_equation():
    # At convergence v_i = sum_k u_ik^m x_k / sum_k u_ik^m (m = 2).
    values = np.array([0.0, 0.1, 0.2, 0.8, 0.9, 1.0])
    centres, u, _ = fuzzy_cmeans(values, 2, tol=1e-12, max_iter=1000)
    expected = (u ** 2 * values[:, None]).sum(axis=0) / (u ** 2).sum(axis=0)
    np.testing.assert_allclose(centres, expected, atol=1e-9)
    np.testing.assert_allclose(centres, [0.1, 0.9], atol=0.02)


def test_kmeans_centres_and_degenerate_input():
    rng = np.random.RandomState(0)
    points = np.concatenate([rng.normal(0, 0.05, (50, 3)), rng.normal(1, 0.05, (50, 3))])
    centres = kmeans_centres(points, 2, rng=np.random.RandomState(0))
    np.testing.assert_allclose(np.sort(centres[:, 0]), [0, 1], atol=0.05)
    # One distinct colour: k-means++ cannot seed a second centre.
    assert len(kmeans_centres(np.ones((10, 3)), 3, rng=np.random.RandomState(0))) == 1


def test_two_tone_background_needs_four_clusters():
    # Pale field, its right half darker and pinker (uneven illumination),
    # six pink red cells and one purple nucleus.
    image = np.full((64, 64, 3), (238, 230, 232), np.uint8)
    image[:, 32:] = (225, 205, 215)
    yy, xx = np.mgrid[:64, :64]
    for cy, cx in [(10, 10), (10, 50), (50, 10), (52, 50), (30, 54), (30, 8)]:
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < 36] = (214, 142, 150)
    nucleus = (yy - 32) ** 2 + (xx - 30) ** 2 < 30
    image[nucleus] = (92, 48, 138)
    X = image[None]

    def dice(n_clusters, channel):
        seg = FuzzyCMeansSegmenter(n_clusters, channel=channel, show_progress=False).fit(X)
        return dice_score(nucleus, seg.predict_masks(X)[0])

    # On Lab a* - b* the background tones are clusters of their own.
    assert dice(3, "purple") < 0.5  # background x2, then red cells + nucleus together
    assert dice(4, "purple") > 0.95
    # The violet hue band is 0 on every tone that is not violet: two clusters do,
    # for a nucleus of the hue of Aria et al. (2021)'s (about 255 degrees; this
    # one's 269 degrees is outside the band).
    X[0][nucleus] = (88, 60, 170)
    assert dice(2, "hsv_purple") > 0.95
    assert dice(2, "purple") < 0.5
