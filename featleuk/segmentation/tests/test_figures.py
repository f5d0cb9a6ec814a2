import numpy as np
import pytest
from matplotlib.figure import Figure

from featleuk.segmentation import (
    OtsuSegmenter,
    dice_score,
    evaluate_segmentation,
    segmentation_figure,
)


def _titles(fig, n_columns):
    return [ax.get_title() for ax in fig.axes[:n_columns]]


def test_best_then_worst_columns_with_their_dice(smears):
    X, _, masks = smears
    # Make fields 2 and 5 bad: reference masks that miss half of the nucleus.
    masks = masks.copy()
    for i in (2, 5):
        masks[i, : masks.shape[1] // 2 + 6] = False
    segmenter = OtsuSegmenter(show_progress=False)
    names = [f"/data/field-{i}.jpg" for i in range(len(X))]
    fig = segmentation_figure(segmenter, X, masks, n_best=2, n_worst=2, names=names, title="Otsu")
    assert isinstance(fig, Figure) and len(fig.axes) == 8  # 4 fields x (image, reference)
    titles = _titles(fig, 4)
    assert [t.split(":")[0] for t in titles] == ["best", "best", "worst", "worst"]
    shown = [float(t.split("Dice ")[1].split()[0]) for t in titles]
    assert shown[0] >= shown[1] > shown[2] >= shown[3]
    dice = dice_score(masks, segmenter.fit(X).predict_masks(X), average=False)
    assert shown[0] == pytest.approx(dice.max(), abs=5e-4)
    assert shown[3] == pytest.approx(dice.min(), abs=5e-4)
    assert {t.split("\n")[1] for t in titles[2:]} == {"field-2.jpg", "field-5.jpg"}
    # The predicted outline is drawn on both rows of every column.
    assert all(ax.collections for ax in fig.axes)
    assert fig.get_suptitle() == "Otsu"


def test_a_result_draws_the_same_figure(smears):
    X, _, masks = smears
    result = evaluate_segmentation(OtsuSegmenter(show_progress=False), X, masks)
    from_result = segmentation_figure(result, X, masks, n_best=1, n_worst=1)
    direct = segmentation_figure(OtsuSegmenter(show_progress=False), X, masks, n_best=1, n_worst=1)
    assert _titles(from_result, 2) == _titles(direct, 2)


def test_baseline_callable_and_fewer_fields_than_asked(smears):
    X, _, masks = smears
    fig = segmentation_figure(lambda rgb: rgb[..., 2] > rgb[..., 1] + 40, X[:3], masks[:3],
                              n_best=3, n_worst=3)
    assert len(fig.axes) == 6  # each of the three fields drawn once


def test_bad_arguments(smears):
    X, _, masks = smears
    segmenter = OtsuSegmenter(show_progress=False)
    with pytest.raises(ValueError, match="nothing to draw"):
        segmentation_figure(segmenter, X, masks, n_best=0, n_worst=0)
    with pytest.raises(ValueError, match="n_best must be an int"):
        segmentation_figure(segmenter, X, masks, n_best=-1)
    with pytest.raises(ValueError, match="8 images but 7 masks"):
        segmentation_figure(segmenter, X, masks[:7])
    result = evaluate_segmentation(segmenter, X[:4], masks[:4])
    with pytest.raises(ValueError, match="scored 4 images, not the 8"):
        segmentation_figure(result, X, masks)
