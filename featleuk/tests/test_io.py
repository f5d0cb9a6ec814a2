import pickle
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from featleuk.io import DEFAULT_MAX_PIXELS, ImageReadError, read_image


def _save(path, array, **kw):
    Image.fromarray(array).save(path, **kw)
    return path


@pytest.fixture
def rgb():
    return np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", ["png", "bmp", "tif"])
def test_lossless_formats_round_trip(tmp_path, rgb, suffix):
    out = read_image(_save(tmp_path / f"a.{suffix}", rgb))
    np.testing.assert_array_equal(out, rgb)


def test_jpeg(tmp_path, rgb):
    out = read_image(_save(tmp_path / "a.jpg", rgb, quality=95))
    assert out.shape == (20, 30, 3) and out.dtype == np.uint8


def test_grayscale_becomes_rgb(tmp_path):
    grey = np.arange(200, dtype=np.uint8).reshape(10, 20)
    out = read_image(_save(tmp_path / "g.png", grey))
    assert out.shape == (10, 20, 3)
    np.testing.assert_array_equal(out[..., 0], grey)
    np.testing.assert_array_equal(out[..., 2], grey)


def test_8_bit_tiff_and_bmp_grey(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    for name in ("g.tif", "g.bmp"):
        out = read_image(_save(tmp_path / name, grey))
        assert out.shape == (3, 4, 3) and out.dtype == np.uint8
        np.testing.assert_array_equal(out[..., 1], grey)


def test_16_bit_rgb_tiff_keeps_the_high_byte(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    rgb16 = np.array([[[0, 65535, 32896]]], dtype=np.uint16)
    tifffile.imwrite(tmp_path / "rgb16.tif", rgb16)
    np.testing.assert_array_equal(read_image(tmp_path / "rgb16.tif")[0, 0], [0, 255, 128])


def test_16_bit_tiff_is_scaled_not_truncated(tmp_path):
    grey = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    Image.fromarray(grey).save(tmp_path / "g16.tif")
    out = read_image(tmp_path / "g16.tif")
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    assert out[0, 0, 0] == 0 and out[0, 1, 0] == 255 and out[1, 0, 0] == 128 and out[1, 1, 0] == 4


def test_rgba_composites_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:2, :, 3] = 255  # top half opaque red, bottom transparent
    out = read_image(_save(tmp_path / "a.png", rgba))
    np.testing.assert_array_equal(out[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(out[3, 3], [255, 255, 255])


def test_palette_with_transparency(tmp_path):
    img = Image.new("P", (4, 4), 0)
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.putpixel((0, 0), 1)
    img.info["transparency"] = 0
    img.save(tmp_path / "p.png", transparency=0)
    out = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(out[0, 0], [200, 100, 50])
    np.testing.assert_array_equal(out[3, 3], [255, 255, 255])


def test_palette_without_transparency(tmp_path):
    img = Image.new("P", (3, 3), 1)
    img.putpalette([0, 0, 0, 90, 40, 140] + [0] * 762)
    img.save(tmp_path / "p.bmp")
    np.testing.assert_array_equal(read_image(tmp_path / "p.bmp")[1, 1], [90, 40, 140])


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("this is not a picture"), "not a recognised image"),
    (lambda p: None, "not found"),
])
def test_unreadable_files_name_the_file(tmp_path, make, reason):
    path = tmp_path / "bad image.jpg"
    make(path)
    with pytest.raises(ImageReadError, match=reason) as info:
        read_image(path)
    assert "bad image.jpg" in str(info.value) and info.value.path == str(path)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("suffix", ["jpg", "png"])
def test_truncated_files(tmp_path, rgb, suffix):
    big = np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    full = _save(tmp_path / f"full.{suffix}", big).read_bytes()
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(ImageReadError, match="cut"):
        read_image(cut)


def _png_bomb(path, side):
    """A valid 1-bit ``side x side`` PNG written without decoding it: tiny on disk, huge in memory."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    rows_per_block = max(1, 1_000_000 // len(row))
    idat = b"".join(packer.compress(row * min(rows_per_block, side - start))
                    for start in range(0, side, rows_per_block)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [12_000, 20_000])
def test_decompression_bomb_is_refused(tmp_path, side):
    # 144 Mpx is over featleuk's limit only; 400 Mpx is over Pillow's own limit too.
    bomb = _png_bomb(tmp_path / "bomb.png", side)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ImageReadError, match=f"bomb.png.*max_pixels={DEFAULT_MAX_PIXELS:,}"):
        read_image(bomb)


def test_max_pixels_argument(tmp_path):
    small = _save(tmp_path / "small.png", np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ImageReadError, match="100 pixels, more than max_pixels=50.*decompression bomb"):
        read_image(small, max_pixels=50)
    assert read_image(small, max_pixels=None).shape == (10, 10, 3)
    assert read_image(small, max_pixels=100).shape == (10, 10, 3)


def test_pillow_limit_is_lifted_only_when_needed_and_restored(tmp_path, monkeypatch):
    small = _save(tmp_path / "small.png", np.zeros((10, 10, 3), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # Pillow now refuses > 20 px
    with pytest.raises(ImageReadError, match="small.png.*max_pixels=15"):
        read_image(small, max_pixels=15)
    for limit in (1000, None):  # larger than Pillow's: lifted for the read, then restored
        assert read_image(small, max_pixels=limit).shape == (10, 10, 3)
        assert Image.MAX_IMAGE_PIXELS == 10


def test_folder_and_pickled_errors(tmp_path):
    with pytest.raises(ImageReadError, match="not a regular file"):
        read_image(tmp_path)
    with pytest.raises(ImageReadError) as info:
        read_image(tmp_path / "missing.png")
    # Errors raised in joblib workers are pickled back to the parent process.
    restored = pickle.loads(pickle.dumps(info.value))
    assert restored.path == str(tmp_path / "missing.png") and restored.reason == info.value.reason
    assert str(restored) == str(info.value)


def test_grey_alpha_and_cmyk(tmp_path):
    la = Image.new("LA", (3, 2), (100, 0))
    la.putpixel((0, 0), (100, 255))
    la.save(tmp_path / "la.png")
    out = read_image(tmp_path / "la.png")
    np.testing.assert_array_equal(out[0, 0], [100, 100, 100])
    np.testing.assert_array_equal(out[1, 2], [255, 255, 255])
    Image.new("CMYK", (2, 2), (0, 0, 0, 0)).save(tmp_path / "c.tif")
    np.testing.assert_array_equal(read_image(tmp_path / "c.tif")[0, 0], [255, 255, 255])
