from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from featleuk.segmentation import (
    OtsuSegmenter,
    SegmentationEvaluation,
    dice_score,
    evaluate_segmentation,
    lab_a_otsu_baseline,
    load_mask,
)

ARIA = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "aria_all"


def _constant_prediction(masks):
    """A baseline that ignores the image and returns ``masks[i]`` for the i-th call."""
    calls = iter(masks)
    return lambda rgb: next(calls)


def test_hand_computed_dice_and_iou():
    # 3 x 3 masks. Image 0: truth 4 px, prediction 2 of them + 1 extra,
    # |T&P| = 2, Dice = 4 / 7, IoU = 2 / 5. Image 1: identical, 1 and 1.
    # Image 2: disjoint, 0 and 0.
    truth = np.zeros((3, 3, 3), bool)
    pred = np.zeros((3, 3, 3), bool)
    truth[0, :2, :2] = True
    pred[0, 0, :3] = True
    truth[1, 1, 1] = pred[1, 1, 1] = True
    truth[2, 0, 0] = pred[2, 2, 2] = True
    images = np.zeros((3, 3, 3, 3), np.uint8)
    result = evaluate_segmentation(_constant_prediction(pred), images, truth)
    assert isinstance(result, SegmentationEvaluation)
    np.testing.assert_allclose(result.dice, [4 / 7, 1.0, 0.0])
    np.testing.assert_allclose(result.iou, [2 / 5, 1.0, 0.0])
    assert result.dice_mean == pytest.approx((4 / 7 + 1) / 3)
    assert result.iou_mean == pytest.approx((2 / 5 + 1) / 3)
    assert result.n_images == 3 and result.seconds >= 0


def test_empty_masks_follow_dice_score_convention():
    truth = np.zeros((2, 4, 4), bool)
    truth[1, 0, 0] = True
    pred = np.zeros((2, 4, 4), bool)
    result = evaluate_segmentation(_constant_prediction(pred), np.zeros((2, 4, 4, 3), np.uint8), truth)
    np.testing.assert_allclose(result.dice, [1.0, 0.0])
    np.testing.assert_allclose(result.dice, dice_score(truth, pred, average=False))


def test_segmenter_scores_match_its_own_masks(smears):
    images, _, truth = smears
    segmenter = OtsuSegmenter(show_progress=False)
    result = evaluate_segmentation(segmenter, images, truth)
    predicted = OtsuSegmenter(show_progress=False).fit(images).predict_masks(images)
    np.testing.assert_allclose(result.dice, dice_score(truth, predicted, average=False))
    assert result.dice_mean > 0.8
    assert not hasattr(segmenter, "n_images_seen_")  # the caller's estimator is not fitted


def _noisy_scores(n, seed):
    rng = np.random.RandomState(seed)
    size = 16
    truth = np.zeros((n, size, size), bool)
    truth[:, 4:12, 4:12] = True
    pred = truth ^ (rng.rand(n, size, size) < rng.uniform(0.02, 0.3, size=(n, 1, 1)))
    return np.zeros((n, size, size, 3), np.uint8), truth, pred


def test_bootstrap_interval_contains_mean_and_narrows():
    widths = []
    for n in (10, 160):
        images, truth, pred = _noisy_scores(n, seed=n)
        result = evaluate_segmentation(_constant_prediction(pred), images, truth, n_resamples=500)
        for mean, (low, high) in [(result.dice_mean, result.dice_ci), (result.iou_mean, result.iou_ci)]:
            assert low < mean < high
        widths.append(result.dice_ci[1] - result.dice_ci[0])
    assert widths[1] < widths[0] / 2  # about 1 / sqrt(16) = 1/4 in theory


def test_bootstrap_is_seeded_and_confidence_widens():
    images, truth, pred = _noisy_scores(30, seed=1)
    first = evaluate_segmentation(_constant_prediction(pred), images, truth, random_state=3)
    again = evaluate_segmentation(_constant_prediction(pred), images, truth, random_state=3)
    wider = evaluate_segmentation(_constant_prediction(pred), images, truth, random_state=3,
                                  confidence=0.99)
    assert first.dice_ci == again.dice_ci
    assert wider.dice_ci[0] < first.dice_ci[0] and wider.dice_ci[1] > first.dice_ci[1]
    assert first.summary() == (f"{first.dice_mean:.3f} [{first.dice_ci[0]:.3f}, "
                               f"{first.dice_ci[1]:.3f}]")


def test_bad_arguments():
    images = np.zeros((2, 4, 4, 3), np.uint8)
    masks = np.zeros((2, 4, 4), bool)
    with pytest.raises(ValueError, match="3 masks"):
        evaluate_segmentation(lambda rgb: rgb[..., 0] > 0, images, np.zeros((3, 4, 4), bool))
    with pytest.raises(ValueError, match="n_resamples"):
        evaluate_segmentation(lambda rgb: rgb[..., 0] > 0, images, masks, n_resamples=0)
    with pytest.raises(ValueError, match="confidence"):
        evaluate_segmentation(lambda rgb: rgb[..., 0] > 0, images, masks, confidence=95)
    with pytest.raises(TypeError, match="callable"):
        evaluate_segmentation("otsu", images, masks)
    with pytest.raises(ValueError, match=r"\(H, W\) mask"):
        evaluate_segmentation(lambda rgb: rgb[:2, :2, 0] > 0, images, masks)


def test_load_mask_threshold(tmp_path):
    image = np.zeros((3, 4, 3), np.uint8)
    image[0, 0] = (30, 30, 30)     # luma 30 > 20: kept
    image[0, 1] = (60, 0, 0)       # luma 17.9: black
    image[1, 1] = (200, 90, 160)   # a stained pixel
    path = tmp_path / "m.png"
    Image.fromarray(image).save(path)
    mask = load_mask(path)
    assert mask.shape == (3, 4) and mask.dtype == bool
    assert np.flatnonzero(mask).tolist() == [0, 5]
    assert np.flatnonzero(load_mask(path, threshold=10)).tolist() == [0, 1, 5]


@pytest.mark.realdata
def test_baseline_on_real_early_fields():
    from featleuk.io import read_image

    masks_dir = ARIA / "Segmented" / "Early"
    if not masks_dir.is_dir():
        pytest.skip(f"{masks_dir} is absent")
    names = sorted(p.name for p in masks_dir.glob("*.jpg"))[::24][:40]
    images = np.stack([read_image(ARIA / "Original" / "Early" / name) for name in names])
    masks = np.stack([load_mask(masks_dir / name) for name in names])
    result = evaluate_segmentation(lab_a_otsu_baseline, images, masks)
    # The dataset README measures 0.88 on all 985 Early fields.
    assert 0.84 < result.dice_mean < 0.92
    assert result.dice_ci[0] < result.dice_mean < result.dice_ci[1]


@pytest.mark.realdata
@pytest.mark.parametrize("cls, step", [("Benign", 12), ("Early", 24)])
def test_default_otsu_beats_the_baseline_on_real_fields(cls, step):
    from featleuk.datasets import load_image_folder
    from featleuk.io import read_image

    if not (ARIA / "Segmented" / cls).is_dir():
        pytest.skip(f"{ARIA / 'Segmented' / cls} is absent")
    data = load_image_folder(ARIA, masks=True, show_progress=False)
    fields = [(f, m) for f, m, t in zip(data.filenames, data.masks, data.target)
              if m is not None and data.target_names[t] == cls][::step][:40]
    assert len(fields) == 40
    images = np.stack([read_image(f) for f, _ in fields])
    masks = np.stack([load_mask(m) for _, m in fields])
    otsu = evaluate_segmentation(OtsuSegmenter(show_progress=False), images, masks)
    baseline = evaluate_segmentation(lab_a_otsu_baseline, images, masks)
    assert otsu.dice_mean > baseline.dice_mean + 0.005, (otsu.summary(), baseline.summary())
