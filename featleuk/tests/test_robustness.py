"""Bad input, faults and untrusted files: nothing lost, nothing silent, nothing executed.

The corpus of featleuk.utils.bad_inputs is replayed case by case; the other
tests check what a table row cannot (pixel values, caching, the folder loader).
"""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from featleuk import io as fio
from featleuk import weights as fw
from featleuk._torch_preprocess import to_tensor_batch, to_uint8_batch
from featleuk.datasets import load_image_folder
from featleuk.io import ImageReadError, ImageReadWarning, read_image
from featleuk.utils._testing import requires_weights
from featleuk.utils.bad_inputs import _jpeg_bytes, _textured, check_bad_input, write_bad_inputs

MOBILENET_FILE = "mobilenet_v2-b0353104.pth"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_bad_inputs(tmp_path_factory.mktemp("bad_inputs"))


CASES = sorted([
    "empty", "truncated", "not_an_image", "huge_declared", "strip_30000x1", "strip_5000x1",
    "damaged_scan", "damaged_scan_zeros", "lost_segment", "exif_orientation_6", "two_pages",
    "twelve_bit_in_16", "twelve_bit_smax", "sixteen_bit_full", "float_unit", "float_over_one",
    "broken_link", "link_loop", "planted_pickle", "random", "empty_pth", "truncated_pth",
    "nan_weights",
])


def test_corpus_lists_every_case(corpus):
    assert sorted(corpus) == CASES


@pytest.mark.parametrize("name", CASES)
def test_corpus_case_behaves_as_documented(corpus, name):
    case = corpus[name]
    if case.requires and importlib.util.find_spec(case.requires) is None:
        pytest.skip(f"needs {case.requires}")
    assert check_bad_input(case) is None


# -- 1, 2: checkpoints -----------------------------------------------------------------


@pytest.fixture
def private_torch_home(tmp_path, monkeypatch):
    """A TORCH_HOME of our own: torch.hub.get_dir() follows the variable."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    assert fw.hub_checkpoint_dir() == checkpoints
    return checkpoints


def test_planted_pickle_in_the_hub_cache_does_not_run(corpus, private_torch_home):
    planted = corpus["planted_pickle"]
    shutil.copyfile(planted.path, private_torch_home / MOBILENET_FILE)
    with pytest.raises(fw.WeightsUnavailableError) as info:
        fw.build_backbone("mobilenet_v2", "IMAGENET1K_V1")
    message = str(info.value)
    assert MOBILENET_FILE in message and "sha256" in message and "weights_only" not in message
    with pytest.raises(fw.WeightsUnavailableError, match="Python objects other than tensors") as info:
        fw.build_backbone("mobilenet_v2", str(planted.path))
    assert "weights_only" not in str(info.value)
    assert not planted.marker.exists()
    # The file really is hostile: torchvision's way of loading it runs the payload.
    torch.load(planted.path, weights_only=False)
    assert planted.marker.exists()
    planted.marker.unlink()


@pytest.mark.parametrize("name", ["random", "empty_pth", "truncated_pth", "nan_weights"])
def test_bad_local_checkpoints_name_the_file(corpus, name):
    path = corpus[name].path
    with pytest.raises(fw.WeightsUnavailableError) as info:
        fw.build_backbone("mobilenet_v2", str(path))
    assert str(path) in str(info.value) and "weights_only" not in str(info.value)


def test_a_state_dict_with_nan_is_refused_before_it_gives_nan_features(tmp_path):
    model, _ = fw.build_backbone("mobilenet_v2", None)
    state = model.state_dict()
    state["classifier.1.bias"] = state["classifier.1.bias"].clone()
    state["classifier.1.bias"][3] = float("inf")
    torch.save(state, tmp_path / "diverged.pth")
    with pytest.raises(fw.WeightsUnavailableError, match=r"diverged.pth.*classifier\.1\.bias"):
        fw.build_backbone("mobilenet_v2", str(tmp_path / "diverged.pth"))


def test_a_tampered_torchvision_file_is_not_reported_as_genuine(private_torch_home):
    model, _ = fw.build_backbone("mobilenet_v2", None)
    torch.save(model.state_dict(), private_torch_home / MOBILENET_FILE)  # right name, other bytes
    resolved = fw.resolve_weights("mobilenet_v2", "IMAGENET1K_V1")
    assert resolved.source == "hub-cache"
    with pytest.raises(fw.WeightsUnavailableError, match=f"{MOBILENET_FILE}.*b0353104"):
        fw.build_backbone("mobilenet_v2", "IMAGENET1K_V1")


@requires_weights()
def test_genuine_weights_load_through_the_one_safe_loader(monkeypatch):
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    model, resolved = fw.build_backbone("mobilenet_v2", "IMAGENET1K_V1")
    assert calls == [True] and resolved.name == "MobileNet_V2_Weights.IMAGENET1K_V1"
    assert model.classifier[1].out_features == 1000
    # The torchvision member is left as it was.
    assert "get_state_dict" not in vars(resolved.enum)


def test_sha256_is_computed_once_per_file_version(tmp_path, monkeypatch):
    path = tmp_path / "w-00000000.pth"
    path.write_bytes(b"abc" * 1000)
    opened = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(fw.hashlib, "sha256", lambda: opened.append(1) or real_sha256())
    first = fw._sha256(path)
    assert fw._sha256(path) == first and len(opened) == 1
    os.utime(path, ns=(0, 12_345))  # a new version of the file is hashed again
    assert fw._sha256(path) == first and len(opened) == 2


# -- 4, 5: size and shape --------------------------------------------------------------


def test_an_all_idb1_sized_field_is_read_under_the_default_limit(tmp_path):
    path = tmp_path / "Im001_1.png"
    Image.new("L", (2592, 1944), 200).save(path)
    assert read_image(path).shape == (1944, 2592, 3)


def test_pixel_limit_is_set_by_environment_variable():
    code = "import featleuk.io as f; print(f.DEFAULT_MAX_PIXELS)"
    env = {**os.environ, "FEATLEUK_MAX_PIXELS": "1_000"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1000"
    env["FEATLEUK_MAX_PIXELS"] = "lots"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "FEATLEUK_MAX_PIXELS must be a positive integer" in out.stderr


def test_reduce_to_decodes_large_jpegs_at_reduced_size(tmp_path, corpus):
    field = np.tile(_textured(100, 100), (12, 16, 1))  # 1600 x 1200
    path = tmp_path / "field.jpg"
    path.write_bytes(_jpeg_bytes(field, quality=90))
    full = read_image(path)
    small = read_image(path, reduce_to=256)
    assert small.shape == (300, 400, 3)  # 1/4 scale: the smallest with both sides >= 256
    reference = np.asarray(Image.fromarray(full).resize((400, 300), Image.Resampling.BOX))
    assert np.abs(small.astype(int) - reference).mean() < 8
    assert read_image(path, reduce_to=2000).shape == full.shape
    png = tmp_path / "field.png"
    Image.fromarray(field).save(png)
    np.testing.assert_array_equal(read_image(png, reduce_to=256), field)
    # A declared 9000x9000 JPEG within the limit once reduced: decoded small, damage reported.
    with pytest.raises(ImageReadError, match="huge_declared.jpg.*damaged JPEG data"):
        read_image(corpus["huge_declared"].path, reduce_to=256)


def test_elongated_arrays_are_refused_before_resizing():
    prep = fw.Preprocessing()
    strip = np.zeros((1, 5000, 3), np.uint8)
    for convert in (to_tensor_batch, to_uint8_batch):
        with pytest.raises(ValueError, match="5000x1 pixels.*aspect ratio of 5,000:1"):
            convert([strip], prep)
        assert convert([strip], prep, mode="resize").shape == (1, 3, 224, 224)
    assert to_tensor_batch([np.zeros((100, 1900, 3), np.uint8)], prep).shape == (1, 3, 224, 224)


def test_aspect_ratio_argument(corpus):
    assert read_image(corpus["strip_5000x1"].path, max_aspect_ratio=None).shape == (1, 5000, 3)


# -- 7, 8, 9: what the pixels mean -----------------------------------------------------


def test_exif_orientation_6_is_turned_upright(corpus):
    out = read_image(corpus["exif_orientation_6"].path)
    assert out.shape == (32, 64, 3)
    assert (out[:, -1, 0] > 200).all() and (out[:, 0, 0] < 50).all()  # stored top -> right


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow(tmp_path, orientation):
    stored = _textured(24, 40)
    exif = Image.Exif()
    exif[274] = orientation
    path = tmp_path / f"o{orientation}.png"
    Image.fromarray(stored).save(path, exif=exif)
    with Image.open(path) as img:
        expected = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    np.testing.assert_array_equal(read_image(path), expected)


def test_multi_page_tiff_reads_page_zero_with_a_warning(corpus):
    with pytest.warns(ImageReadWarning, match="two_pages.tif.*2 pages/frames; only the first"):
        out = read_image(corpus["two_pages"].path)
    assert (out == 10).all()


def _read_quietly(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImageReadWarning)
        return read_image(path)[..., 0]


def test_integer_scaling_rules(corpus, tmp_path):
    # 12-bit data: by SMaxSampleValue when the file says so, by the data's depth otherwise.
    for name in ("twelve_bit_in_16", "twelve_bit_smax"):
        np.testing.assert_array_equal(_read_quietly(corpus[name].path), [[0, 64], [128, 255]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageReadWarning)
        read_image(corpus["twelve_bit_smax"].path)
        np.testing.assert_array_equal(read_image(corpus["sixteen_bit_full"].path)[..., 0],
                                      [[0, 255], [128, 4]])
    # A BitsPerSample smaller than the storage (12 of 16) is the depth, with no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageReadWarning)
        out = fio._integer_to_uint8(np.array([[7, 4095]], np.uint16), "x.tif", {258: (12,)}, 16)
    np.testing.assert_array_equal(out, [[0, 255]])
    # 16-bit RGB TIFFs are read at full depth, not by their high byte.
    rgb12 = np.zeros((2, 2, 3), np.uint16)
    rgb12[0, 0] = (4095, 2048, 0)
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "rgb12.tif", rgb12)
    with pytest.warns(ImageReadWarning, match="12-bit"):
        np.testing.assert_array_equal(read_image(tmp_path / "rgb12.tif")[0, 0], [255, 128, 0])


def test_float_scaling_rules(corpus, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageReadWarning)
        np.testing.assert_array_equal(read_image(corpus["float_unit"].path)[..., 0],
                                      [[0, 128], [255, 64]])
    with pytest.warns(ImageReadWarning, match="0..2.5, not 0..1; scaled by that range"):
        out = read_image(corpus["float_over_one"].path)[..., 0]
    np.testing.assert_array_equal(out, [[0, 102], [255, 51]])  # 1.0 is not clipped to white
    Image.fromarray(np.array([[np.nan, 0.5]], np.float32)).save(tmp_path / "nan.tif")
    with pytest.warns(ImageReadWarning, match="1 NaN or infinite"):
        np.testing.assert_array_equal(read_image(tmp_path / "nan.tif")[..., 0], [[0, 128]])


# -- 10: damaged JPEG data -------------------------------------------------------------


def test_damage_is_found_by_the_marker_check_without_simplejpeg(corpus, monkeypatch, tmp_path):
    monkeypatch.setattr(fio, "_simplejpeg", None)
    with pytest.raises(ImageReadError, match="lost_segment.jpg.*restart marker"):
        read_image(corpus["lost_segment"].path)
    clean = tmp_path / "clean.jpg"
    for options in ({}, {"progressive": True}, {"restart_marker_rows": 1}):
        clean.write_bytes(_jpeg_bytes(_textured(64, 80), **options))
        assert read_image(clean).shape == (64, 80, 3)


def test_normal_images_decode_exactly_as_pillow_does(tmp_path):
    field = _textured(60, 90)
    for name, options in (("a.jpg", {"quality": 85}), ("a.png", {}), ("a.bmp", {})):
        Image.fromarray(field).save(tmp_path / name, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = read_image(tmp_path / name)
        with Image.open(tmp_path / name) as img:
            np.testing.assert_array_equal(out, np.asarray(img.convert("RGB")))


# -- 6: the folder loader --------------------------------------------------------------


def test_folder_loader_reports_every_entry_that_looks_like_an_image(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        Image.new("RGB", (8, 8), (200, 10, 10)).save(tmp_path / label / "good.png")
    (tmp_path / "a" / "broken.png").symlink_to(tmp_path / "a" / "gone.png")
    (tmp_path / "a" / "loop.png").symlink_to(tmp_path / "a" / "loop.png")
    (tmp_path / "b" / "alias.png").symlink_to(tmp_path / "b" / "good.png")
    (tmp_path / "b" / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match="broken.png.*broken symbolic link"):
        load_image_folder(tmp_path, layout="class_folders", show_progress=False)
    with pytest.warns(UserWarning, match="skipped 3"):
        data = load_image_folder(tmp_path, layout="class_folders", on_error="skip", show_progress=False)
    assert sorted(os.path.basename(f) for f in data.filenames) == ["alias.png", "good.png", "good.png"]
    reasons = {os.path.basename(path): reason for path, reason in data.skipped}
    assert reasons == {
        "broken.png": f"broken symbolic link (its target {str(tmp_path / 'a' / 'gone.png')!r} does not exist)",
        "loop.png": "symbolic link loop (the link points back to itself)",
        "empty.png": "file is empty (0 bytes)",
    }
