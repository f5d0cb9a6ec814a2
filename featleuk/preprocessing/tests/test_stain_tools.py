import numpy as np
import pytest
from skimage.color import lab2rgb, rgb2lab
from ...utils._sklearn_compat import InvalidParameterError

from featleuk.base import map_images
from featleuk.datasets import make_synthetic_smears
from featleuk.preprocessing import (
    ColorDeconvolution,
    Denoiser,
    MacenkoNormalizer,
    ReinhardNormalizer,
    estimate_stain_matrix,
    stain_concentrations,
)
from featleuk.utils.estimator_checks import check_image_transformer

TOOLS = [
    ColorDeconvolution(show_progress=False),
    ReinhardNormalizer(show_progress=False),
    MacenkoNormalizer(show_progress=False),
    Denoiser("gaussian", show_progress=False),
    Denoiser("median", show_progress=False),
    Denoiser("wavelet", show_progress=False),
]
IDS = ["deconvolution", "reinhard", "macenko", "gaussian", "median", "wavelet"]


@pytest.fixture(scope="module")
def smears():
    X, _ = make_synthetic_smears(4, image_size=40, random_state=0)
    return X


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_image_transformer_conventions(tool, smears):
    check_image_transformer(tool, smears[:2])


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_mask_channel_passes_through(tool, smears):
    mask = np.zeros(smears.shape[:3] + (1,), np.uint8)
    mask[:, 10:20, 10:20] = 255
    with_mask = np.concatenate([smears, mask], axis=3)
    fitted = tool.fit(smears)
    out = fitted.transform(with_mask)
    assert out.shape == with_mask.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 3], mask[..., 0])
    np.testing.assert_array_equal(out[..., :3], fitted.transform(smears))


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_flat_and_tiny_images(tool, smears):
    fitted = tool.fit(smears)
    flat = np.full((1, 8, 8, 3), 200, np.uint8)
    tiny = np.random.RandomState(0).randint(0, 256, (2, 8, 8, 3)).astype(np.uint8)
    assert fitted.transform(flat).shape == flat.shape
    assert fitted.transform(tiny).shape == tiny.shape


def test_reinhard_matches_reference_statistics(smears):
    reference = smears[:2]
    normalizer = ReinhardNormalizer(show_progress=False).fit(reference)
    lab = rgb2lab(reference).reshape(-1, 3)
    np.testing.assert_allclose(normalizer.target_means_, lab.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(normalizer.target_stds_, lab.std(axis=0), rtol=1e-6)


@pytest.mark.parametrize("random_state", range(4))
def test_reinhard_undoes_a_lab_colour_shift(random_state):
    # A per-channel affine change of Lab (contrast compressed towards the
    # mean, then shifted) stays in gamut, so Reinhard's inverse affine map
    # must give the reference image back up to uint8 rounding. (Mapping an
    # arbitrary image to the statistics can leave the RGB gamut and be
    # clipped, which is why the statistics are not tested on one.)
    reference, _ = make_synthetic_smears(1, image_size=40, random_state=random_state)
    lab = rgb2lab(reference[0])
    means = lab.reshape(-1, 3).mean(axis=0)
    shifted = (lab - means) * np.array([0.8, 0.7, 0.75]) + means + np.array([3.0, -4.0, 5.0])
    moved = np.clip(np.rint(lab2rgb(shifted) * 255), 0, 255).astype(np.uint8)[None]
    normalizer = ReinhardNormalizer(show_progress=False).fit(reference)
    out = normalizer.transform(moved)
    assert np.abs(out.astype(int) - reference).mean() < 1.5
    out_lab = rgb2lab(out[0]).reshape(-1, 3)
    np.testing.assert_allclose(out_lab.mean(axis=0), normalizer.target_means_, atol=0.5)
    np.testing.assert_allclose(out_lab.std(axis=0), normalizer.target_stds_, rtol=0.03)


def _stained_image(stains, rng, size=48, intensity=240.0):
    """An image made of two known stains: I = Io exp(-C @ S), with a clear background."""
    concentrations = rng.gamma(2.0, 0.35, (size * size, 2))
    concentrations[rng.rand(size * size) < 0.3] = 0.0  # background pixels
    only_one = rng.rand(size * size)
    concentrations[only_one < 0.25, 1] = 0.0  # pure haematoxylin pixels
    concentrations[(only_one >= 0.25) & (only_one < 0.5), 0] = 0.0  # pure eosin pixels
    od = concentrations @ stains
    return np.clip(intensity * np.exp(-od) - 1.0, 0, 255).reshape(size, size, 3).astype(np.uint8)


def test_macenko_recovers_known_stain_matrix():
    rng = np.random.RandomState(0)
    stains = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11]])
    stains /= np.linalg.norm(stains, axis=1, keepdims=True)
    images = np.stack([_stained_image(stains, rng) for _ in range(2)])
    normalizer = MacenkoNormalizer(show_progress=False).fit(images)
    cosines = (normalizer.stain_matrix_ * stains).sum(axis=1)
    assert (cosines > 0.99).all(), cosines
    # Normalising an image to its own statistics changes it little.
    out = normalizer.transform(images[:1]).astype(int)
    assert np.abs(out - images[:1]).mean() < 6


def test_macenko_maps_a_differently_stained_image_to_the_reference():
    rng = np.random.RandomState(1)
    reference_stains = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11]])
    other_stains = np.array([[0.45, 0.80, 0.40], [0.20, 0.95, 0.20]])
    for s in (reference_stains, other_stains):
        s /= np.linalg.norm(s, axis=1, keepdims=True)
    reference = _stained_image(reference_stains, rng)[None]
    moved = _stained_image(other_stains, rng)[None]
    normalizer = MacenkoNormalizer(show_progress=False).fit(reference)
    out = normalizer.transform(moved)
    od = -np.log((out.reshape(-1, 3) + 1.0) / 240.0)
    estimated, _ = estimate_stain_matrix(od)
    assert ((estimated * reference_stains).sum(axis=1) > 0.98).all()


def test_macenko_rejects_blank_references():
    with pytest.raises(ValueError, match="no stained pixels"):
        MacenkoNormalizer(show_progress=False).fit(np.full((1, 8, 8, 3), 240, np.uint8))


def test_deconvolution_sanity(smears):
    purple = np.full((1, 4, 4, 3), (92, 48, 138), np.uint8)
    pink = np.full((1, 4, 4, 3), (214, 142, 150), np.uint8)
    h_purple, e_purple = stain_concentrations(purple[0])[0, 0, :2]
    h_pink, e_pink = stain_concentrations(pink[0])[0, 0, :2]
    assert h_purple > h_pink and e_pink > h_pink  # nuclei: haematoxylin; red cells: eosin
    every = ColorDeconvolution(("hematoxylin", "eosin", "dab"), show_progress=False).fit(smears)
    # Keeping every stain nearly reproduces the image (rgb2hed clips negative
    # amounts, so a few out-of-model pixels change).
    error = np.abs(every.transform(smears).astype(int) - smears)
    assert error.mean() < 0.5 and (error > 2).mean() < 0.1
    h_only = ColorDeconvolution(show_progress=False).fit(smears).transform(purple)
    assert (h_only >= purple).all()  # removing eosin and DAB lightens


def test_concentrations_are_a_function_not_a_step_output(smears):
    with pytest.raises(ValueError, match="stain_concentrations"):
        ColorDeconvolution(output="concentration").fit(smears)
    amounts = map_images(stain_concentrations, smears, show_progress=False)
    assert len(amounts) == len(smears) and amounts[0].shape == smears.shape[1:] and amounts[0].dtype == np.float64
    np.testing.assert_array_equal(amounts[1], stain_concentrations(smears[1]))


def test_deconvolution_rejects_unknown_stain(smears):
    with pytest.raises(ValueError, match="channels"):
        ColorDeconvolution(("hematoxylin", "dapi")).fit(smears)


@pytest.mark.parametrize("method", ["gaussian", "median", "wavelet"])
def test_denoising_reduces_noise(method):
    clean = np.zeros((1, 32, 32, 3), np.uint8)
    clean[..., :] = np.linspace(60, 200, 32)[None, None, :, None].astype(np.uint8)
    noisy = np.clip(clean + np.random.RandomState(0).normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
    out = Denoiser(method, show_progress=False).fit(noisy).transform(noisy)
    error_before = np.abs(noisy.astype(float) - clean).mean()
    error_after = np.abs(out.astype(float) - clean).mean()
    assert error_after < 0.7 * error_before


def test_denoiser_validation(smears):
    with pytest.raises(ValueError, match="odd"):
        Denoiser("median", kernel_size=4).fit(smears)
    with pytest.raises(InvalidParameterError):
        Denoiser("bilateral").fit(smears)
