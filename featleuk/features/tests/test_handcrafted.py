"""What every handcrafted feature family must do: conventions, input forms, bad input."""

import joblib
import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import make_union

from featleuk.datasets import make_synthetic_smears
from featleuk.features._color import ColorFeatures
from featleuk.features._glcm import GLCMFeatures
from featleuk.features._glrlm import GLRLMFeatures
from featleuk.features._lbp import LBPFeatures
from featleuk.features._morphology import MorphologyFeatures
from featleuk.utils.estimator_checks import check_image_transformer

FAMILIES = [
    pytest.param(lambda **kw: GLCMFeatures(levels=32, **kw), id="glcm"),
    pytest.param(lambda **kw: GLRLMFeatures(**kw), id="glrlm"),
    pytest.param(lambda **kw: MorphologyFeatures(n_fourier=4, **kw), id="morphology"),
    pytest.param(lambda **kw: ColorFeatures(bins=4, **kw), id="color"),
    pytest.param(lambda **kw: LBPFeatures(**kw), id="lbp"),
]


def make(family, **params):
    params.setdefault("show_progress", False)
    return family(**params)


@pytest.fixture(scope="module")
def smears():
    X, y, masks = make_synthetic_smears(4, image_size=40, random_state=0, return_masks=True)
    return X, y, masks.astype(bool)


# The three output modes of a segmenter, built by hand from the true masks.

def mask_channel(X, masks):
    return np.concatenate([X, (masks * 255).astype(np.uint8)[..., None]], axis=3)


def blanked(X, masks, color=0):
    out = X.copy()
    out[~masks] = color
    return out


def crops(X, masks, margin=2):
    """A 4-channel box around each nucleus; boxes differ in size, so a list."""
    out = []
    for image, mask in zip(mask_channel(X, masks), masks):
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        out.append(image[max(rows[0] - margin, 0):rows[-1] + margin + 1,
                         max(cols[0] - margin, 0):cols[-1] + margin + 1])
    return out


@pytest.mark.parametrize("family", FAMILIES)
def test_estimator_conventions(family, smears):
    check_image_transformer(make(family), mask_channel(smears[0], smears[2]))


@pytest.mark.parametrize("family", FAMILIES)
def test_every_segmenter_output_mode(family, smears):
    X, _, masks = smears
    est = make(family).fit(X)
    with_mask = est.transform(mask_channel(X, masks))
    assert with_mask.shape == (4, est.n_features_out_) and with_mask.dtype == np.float64
    assert np.isfinite(with_mask).all() and not with_mask[:, -1].any()
    # A blanked background read with blank_color is the same region as the mask channel
    # (up to nucleus pixels that happen to be pure black, which synthetic smears have none of).
    blank = make(family, blank_color=0).fit(X).transform(blanked(X, masks))
    if not isinstance(est, (MorphologyFeatures, LBPFeatures)):  # these also look outside the mask
        np.testing.assert_allclose(blank, with_mask, rtol=1e-9, atol=1e-9)
    assert np.isfinite(blank).all()
    cropped = est.transform(crops(X, masks))
    assert cropped.shape == with_mask.shape and np.isfinite(cropped).all()
    if isinstance(est, (GLCMFeatures, GLRLMFeatures, ColorFeatures)):  # region-only families
        np.testing.assert_allclose(cropped, with_mask, rtol=1e-9, atol=1e-9)
    unmasked = est.transform(X)
    assert not np.allclose(unmasked, with_mask)  # the mask changes what is measured


@pytest.mark.parametrize("family", FAMILIES)
def test_bad_input_gives_finite_rows(family):
    rng = np.random.default_rng(0)
    images = [
        np.concatenate([rng.integers(0, 256, (12, 12, 3), dtype=np.uint8),
                        np.zeros((12, 12, 1), np.uint8)], axis=2),  # empty mask
        np.full((12, 12, 4), 255, np.uint8),  # all white, mask everywhere (touches the border)
        np.full((12, 12, 3), 240, np.uint8),  # all background, no mask
        np.zeros((1, 1, 4), np.uint8) + 255,  # a one-pixel image
        rng.integers(0, 256, (2, 3, 3), dtype=np.uint8),  # tiny
    ]
    est = make(family).fit(images)
    out = est.transform(images)
    assert out.shape == (5, est.n_features_out_) and np.isfinite(out).all()
    assert out[0, -1] == 1.0 and not out[0, :-1].any()  # documented empty-mask row
    blank = make(family, blank_color=240).fit(images).transform(images[2:3])
    assert blank[0, -1] == 1.0 and not blank[0, :-1].any()


@pytest.mark.parametrize("family", FAMILIES)
def test_paths_arrays_and_jobs_agree(family, smears, tmp_path):
    X = smears[0]
    paths = []
    for i, image in enumerate(X):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    est = make(family).fit(X)
    expected = est.transform(X)
    np.testing.assert_array_equal(est.transform(paths), expected)
    with joblib.parallel_config(backend="threading"):  # process workers take seconds to start
        parallel = make(family, n_jobs=2, batch_size=3).fit(X).transform(X)
    np.testing.assert_array_equal(parallel, expected)


@pytest.mark.slow
def test_process_workers(smears):
    X = mask_channel(smears[0], smears[2])
    est = GLCMFeatures(levels=32, show_progress=False).fit(X)
    np.testing.assert_array_equal(GLCMFeatures(levels=32, n_jobs=2, show_progress=False).fit(X).transform(X),
                                  est.transform(X))


def test_families_union_into_one_pandas_frame(smears):
    X = mask_channel(smears[0], smears[2])
    union = make_union(*(make(p.values[0]) for p in FAMILIES)).set_output(transform="pandas")
    frame = union.fit_transform(X)
    assert frame.shape[0] == 4 and frame.columns.is_unique
    assert "glcmfeatures__glcm_contrast_d1" in frame.columns


@pytest.mark.parametrize("color", [(0, 0), 300, (0, 0, -1)])
def test_bad_blank_color(color):
    with pytest.raises(ValueError, match="blank_color"):
        ColorFeatures(blank_color=color).fit(np.zeros((1, 4, 4, 3), np.uint8))


@pytest.mark.parametrize("output", ["mask_channel", "masked_rgb", "crop"])
def test_real_segmenter_outputs_flow_into_every_family(output, smears):
    """The hand-built modes above, now from an actual segmenter (background blanked to 0)."""
    from featleuk.segmentation import OtsuSegmenter

    segmented = OtsuSegmenter(output=output).fit_transform(smears[0])
    blank_color = 0 if output == "masked_rgb" else None
    for param in FAMILIES:
        out = make(param.values[0], blank_color=blank_color).fit_transform(segmented)
        assert out.shape[0] == 4 and np.isfinite(out).all()
        assert not out[:, -1].any()  # the segmenter found a nucleus in every synthetic smear
