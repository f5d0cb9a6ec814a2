"""A corpus of bad and awkward input files, and what featleuk must do with each.

:func:`write_bad_inputs` writes small files that once made featleuk crash,
hang, run code, run out of memory or give wrong results silently: empty,
truncated and damaged images, decompression bombs, absurd aspect ratios,
rotated, multi-page and wide-sample images, broken symbolic links, and
checkpoint files that are planted pickles, garbage or full of NaN.
:func:`check_bad_input` replays one case and says whether featleuk still
behaves as documented (docs/robustness.md has the table).

Examples
--------
>>> from featleuk.utils.bad_inputs import check_bad_input, write_bad_inputs
>>> cases = write_bad_inputs(getfixture("tmp_path"))  # doctest: +SKIP
>>> [name for name, case in cases.items() if check_bad_input(case)]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import io
import os
import re
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["BadInput", "check_bad_input", "write_bad_inputs"]


@dataclass(frozen=True)
class BadInput:
    """One corpus file and the behaviour featleuk promises for it.

    Attributes
    ----------
    path : Path
        The file (or symbolic link).
    reader : {"image", "weights"}
        ``featleuk.io.read_image`` or ``featleuk.weights.load_checkpoint``.
    outcome : {"error", "warning", "ok"}
        An exception (``ImageReadError`` / ``WeightsUnavailableError``), an
        ``ImageReadWarning`` with a result, or a result without warning.
    match : str or None
        Regular expression the error or warning message must match.
    shape : tuple or None
        Shape of the image read, when there is one.
    kwargs : dict
        Extra keyword arguments for the reader.
    requires : str or None
        A module the promise depends on (skipped without it).
    marker : Path or None
        A file that must not exist after reading (planted code would create it).
    description : str
        What the file is.
    """

    path: Path
    reader: str
    outcome: str
    match: str | None = None
    shape: tuple | None = None
    kwargs: dict = field(default_factory=dict)
    requires: str | None = None
    marker: Path | None = None
    description: str = ""


def _jpeg_bytes(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def _textured(height, width, seed=0) -> np.ndarray:
    """A smooth gradient plus noise: compresses like a photograph, not like a flat field."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x + y) % 256, (2 * x) % 256, (3 * y) % 256], axis=-1)
    noise = np.random.default_rng(seed).integers(0, 30, base.shape)
    return ((base + noise) % 256).astype(np.uint8)


def _scan_bounds(data: bytes) -> tuple[int, int]:
    """Byte range of the first scan's compressed data (after the SOS header, before EOI)."""
    sos = data.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
    return start, data.rindex(b"\xff\xd9")


def _declared_size_jpeg(width: int, height: int) -> bytes:
    """A tiny valid-looking JPEG whose header declares ``width x height`` (its data cover 16x16)."""
    data = bytearray(_jpeg_bytes(np.full((16, 16), 128, np.uint8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _png_1bit(width: int, height: int) -> bytes:
    """A 1-bit PNG of ``width x height`` written row by row (a few hundred bytes for a strip)."""
    import zlib

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


class _Planted:
    """Unpickling this runs ``open(marker, "a")``: harmless, but visible."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "a")


def _image_cases(folder: Path) -> dict:
    cases = {}

    def add(name, data, **expected):
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            data(path)
        cases[path.stem] = BadInput(path=path, reader="image", **expected)

    field_ = _textured(96, 128)
    full = _jpeg_bytes(field_, quality=90)
    start, end = _scan_bounds(full)
    middle = (start + end) // 2

    add("empty.jpg", b"", outcome="error", match="empty", description="0 bytes")
    add("truncated.jpg", full[: len(full) // 2], outcome="error", match="truncated",
        description="a JPEG cut in half")
    add("not_an_image.png", b"this is a text file, not a picture\n", outcome="error",
        match="not a recognised image", description="text with an image suffix")
    add("huge_declared.jpg", _declared_size_jpeg(9000, 9000), outcome="error", match="max_pixels",
        description="a 2 KB JPEG declaring 9000x9000 (81 Mpx): refused before decoding")
    add("strip_30000x1.png", _png_1bit(30000, 1), outcome="error", match="aspect ratio",
        description="a 30000x1 PNG: resizing its short side for a CNN would need ~6 GB")
    add("strip_5000x1.png", _png_1bit(5000, 1), outcome="error", match="aspect ratio",
        description="a 5000x1 PNG")

    rng = np.random.default_rng(0)
    damaged = bytearray(full)
    damaged[middle:middle + 200] = rng.integers(0, 256, 200, dtype=np.uint8).tobytes()
    add("damaged_scan.jpg", bytes(damaged), outcome="error", match="damaged JPEG data",
        requires="simplejpeg",
        description="200 random bytes written over the middle of the compressed data")
    with_restarts = _jpeg_bytes(field_, quality=90, restart_marker_rows=1)
    start, end = _scan_bounds(with_restarts)
    third = (end - start) // 3
    add("lost_segment.jpg", with_restarts[:start + third] + with_restarts[start + 2 * third:],
        outcome="error", match="damaged JPEG data",
        description="a JPEG with restart markers missing a third of its compressed data (a lost "
                    "block): seen in the restart-marker sequence even without simplejpeg")
    zeroed = bytearray(full)
    zeroed[middle:middle + 200] = bytes(200)
    add("damaged_scan_zeros.jpg", bytes(zeroed), outcome="error", match="damaged JPEG data",
        requires="simplejpeg",
        description="200 zero bytes over the middle of the compressed data: no trace in the "
                    "markers, so only libjpeg's entropy decoder (through simplejpeg) sees it")

    def rotated(path):
        stored = np.zeros((64, 32, 3), np.uint8)  # 32 wide, 64 tall as stored
        stored[:8] = (255, 0, 0)  # top rows red: after a 90-degree clockwise turn, the right columns
        exif = Image.Exif()
        exif[274] = 6
        Image.fromarray(stored).save(path, quality=95, exif=exif)

    add("exif_orientation_6.jpg", rotated, outcome="ok", shape=(32, 64, 3),
        description="stored 32x64 with EXIF orientation 6: displayed (and read) 64x32")

    def two_pages(path):
        pages = [Image.fromarray(np.full((8, 8), v, np.uint8)) for v in (10, 200)]
        pages[0].save(path, save_all=True, append_images=pages[1:])

    add("two_pages.tif", two_pages, outcome="warning", match="2 pages", shape=(8, 8, 3),
        description="a two-page TIFF: page 0 is read, with a warning")

    def grey16(values, tags=None):
        def write(path):
            options = {"tiffinfo": tags} if tags else {}
            Image.fromarray(np.asarray(values, np.uint16)).save(path, **options)
        return write

    ramp12 = np.array([[0, 1024], [2048, 4095]], np.uint16)
    add("twelve_bit_in_16.tif", grey16(ramp12), outcome="warning", match="12-bit", shape=(2, 2, 3),
        description="12-bit data (max 4095) in 16-bit samples, no range tag: scaled as 12-bit")
    add("twelve_bit_smax.tif", grey16(ramp12, {340: 0, 341: 4095}), outcome="ok", shape=(2, 2, 3),
        description="12-bit data with SMinSampleValue=0 / SMaxSampleValue=4095: scaled by the tags")
    add("sixteen_bit_full.tif", grey16([[0, 65535], [32768, 1000]]), outcome="ok", shape=(2, 2, 3),
        description="16-bit data using the full range: scaled by 65535")

    def grey_float(values):
        def write(path):
            Image.fromarray(np.asarray(values, np.float32)).save(path)
        return write

    add("float_unit.tif", grey_float([[0.0, 0.5], [1.0, 0.25]]), outcome="ok", shape=(2, 2, 3),
        description="float samples in [0, 1]: scaled by 1")
    add("float_over_one.tif", grey_float([[0.0, 1.0], [2.5, 0.5]]), outcome="warning",
        match="not 0..1", shape=(2, 2, 3),
        description="float samples up to 2.5: scaled by their range, not clipped")

    def link(target):
        def make(path):
            os.symlink(target, path)
        return make

    add("broken_link.jpg", link("no_such_file.jpg"), outcome="error", match="not found",
        description="a symbolic link to a missing file")
    add("link_loop.jpg", link("link_loop.jpg"), outcome="error", match="symbolic links",
        description="a symbolic link to itself")
    return cases


def _weights_cases(folder: Path) -> dict:
    import torch

    cases = {}
    marker = folder / "PLANTED_CODE_RAN"
    state = {"layer.weight": torch.ones(2, 2), "layer.bias": torch.zeros(2)}

    def add(name, write, **expected):
        path = folder / name
        write(path)
        cases[path.stem] = BadInput(path=path, reader="weights", outcome="error", **expected)

    add("planted_pickle.pth", lambda p: torch.save({"layer.weight": _Planted(marker)}, p),
        match="Python objects other than tensors", marker=marker,
        description="a checkpoint whose pickle opens a file when unpickled")
    add("random.pth", lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)),
        match="not a PyTorch checkpoint", description="4 KB of random bytes")
    add("empty.pth", lambda p: p.write_bytes(b""), match="empty", description="0 bytes")

    def truncated(path):
        buffer = io.BytesIO()
        torch.save(state, buffer)
        path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])

    add("truncated.pth", truncated, match="truncated", description="a checkpoint cut in half")
    add("nan_weights.pth",
        lambda p: torch.save({**state, "layer.weight": torch.full((2, 2), float("nan"))}, p),
        match="NaN or infinite", description="a state dict with a NaN tensor")
    return cases


def write_bad_inputs(folder) -> dict:
    """Write the corpus of bad inputs into ``folder``.

    Parameters
    ----------
    folder : str or path-like
        Created if missing; files of the same names are overwritten.

    Returns
    -------
    cases : dict of str -> BadInput
        Keyed by file stem, in the order written; each says which reader
        takes it and what must happen (see :class:`BadInput`). Image cases
        and checkpoint cases share no stem except ``empty`` and
        ``truncated``, whose checkpoint versions are keyed ``empty_pth`` and
        ``truncated_pth``.
    """
    folder = Path(os.fspath(folder))
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("broken_link.jpg", "link_loop.jpg"):
        if (folder / name).is_symlink():
            (folder / name).unlink()
    cases = _image_cases(folder)
    for name, case in _weights_cases(folder).items():
        cases[name if name not in cases else f"{name}_pth"] = case
    return cases


def _outcome(case: BadInput):
    """Run the case's reader: ``(kind, message, result)``."""
    from ..io import ImageReadError, ImageReadWarning, read_image
    from ..weights import WeightsUnavailableError, load_checkpoint

    reader = read_image if case.reader == "image" else load_checkpoint
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImageReadWarning)
        try:
            result = reader(case.path, **case.kwargs)
        except (ImageReadError, WeightsUnavailableError) as exc:
            return "error", str(exc), None
    ours = [str(w.message) for w in caught if issubclass(w.category, ImageReadWarning)]
    return ("warning", " | ".join(ours), result) if ours else ("ok", "", result)


def check_bad_input(case: BadInput) -> str | None:
    """Replay one case; ``None`` if featleuk behaves as promised, else what differs.

    Parameters
    ----------
    case : BadInput
        From :func:`write_bad_inputs`.

    Returns
    -------
    problem : str or None
    """
    import importlib.util

    if case.requires is not None and importlib.util.find_spec(case.requires) is None:
        return None
    kind, message, result = _outcome(case)
    problems = []
    if kind != case.outcome:
        problems.append(f"expected {case.outcome}, got {kind} ({message or 'no message'})")
    elif case.match is not None and not re.search(case.match, message):
        problems.append(f"message {message!r} does not match {case.match!r}")
    if kind == "error" and case.path.name not in message:
        problems.append(f"the message does not name the file: {message!r}")
    if case.shape is not None and result is not None and tuple(result.shape) != tuple(case.shape):
        problems.append(f"shape {tuple(result.shape)}, expected {tuple(case.shape)}")
    if case.marker is not None and case.marker.exists():
        problems.append(f"planted code ran: {case.marker} exists")
    return "; ".join(problems) or None
