"""Synthetic blood-smear fields: the built-in data for demos and tests.

featleuk ships no real images. ``make_synthetic_smears`` draws plausible
peripheral-smear fields - a pale pink background with uneven illumination,
vignetting and sensor noise, red cells with pale centres, and a
purple-stained lymphocyte / blast nucleus in a thin pale-blue cytoplasm rim -
where the class changes the nucleus's size, outline irregularity, chromatin
texture, nucleoli and rim width. The class distributions overlap, so a model
has to learn something, and the true nucleus masks are returned for testing
segmenters.

Stains are drawn as transmission (Beer-Lambert-like): each object multiplies
the light under it by its colour, so overlapping cells darken and the
illumination shows through the stain, as in a bright-field image.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..io import IMAGE_SUFFIXES

__all__ = ["SYNTHETIC_CLASS_NAMES", "make_synthetic_smears", "write_synthetic_smears"]

#: Class names, in target order. The first four imitate the Aria ALL classes;
#: the others sort after them, so a class-per-folder tree keeps the order.
SYNTHETIC_CLASS_NAMES = ("Benign", "Early", "Pre", "Pro", "Stage4", "Stage5", "Stage6", "Stage7")

#: Pale pink background (RGB, 0-255) and the fraction of light each stain lets through.
_BACKGROUND = np.array([236.0, 214.0, 218.0], np.float32)
_RED_CELL = np.array([0.92, 0.64, 0.68], np.float32)
_CYTOPLASM = np.array([0.78, 0.80, 0.97], np.float32)
_NUCLEUS = np.array([0.45, 0.27, 0.70], np.float32)
#: Harmonics of the nucleus outline (2 = oval, 3 and 5 = lobes / notches).
_HARMONICS = (2, 3, 5)
#: Spread of the nucleus radius within a class: 2 SDs between the first and
#: last class's means, so neighbouring classes overlap heavily.
_RADIUS_SD = 0.025
#: Nucleus radius range (fraction of the image side), the largest cytoplasm
#: rim (radius factor, see ``_class_params``) and outline bulge: they bound
#: the window a cell is drawn in.
_MIN_RADIUS, _MAX_RADIUS = 0.06, 0.22
_MAX_RIM = 1 + 0.035 * 6
_MAX_REACH = 1.6
#: Sensor-noise standard deviation, in grey levels.
_NOISE_SIGMA = 3.0


def _class_params(label, n_classes):
    """Nucleus parameters move monotonically with the class index (t in [0, 1])."""
    t = label / max(n_classes - 1, 1)
    return {
        "radius": 0.12 + 0.05 * t,  # mean nucleus radius, fraction of the image size
        "irregularity": 0.03 + 0.10 * t,  # amplitude of the outline's harmonics
        "texture_cells": 6 + 14 * t,  # chromatin blobs per image side: finer in blasts
        "texture_contrast": 0.12 + 0.14 * (1 - t),  # clumped chromatin in benign cells
        "rim": 0.035 - 0.02 * t,  # blasts have a scant cytoplasm rim
        "nucleoli": 0.6 * t,  # probability of visible nucleoli
    }


def _upsample(coarse, shape):
    """Smoothly enlarge a small field to ``shape`` (rows, cols).

    Bicubic to 4x first (cheap on a small grid, no visible facets), then
    bilinear: OpenCV's bicubic is several times slower than bilinear at a
    large zoom factor, and the difference no longer shows.
    """
    rows, cols = coarse.shape[:2]
    mid = (min(4 * cols, shape[1]), min(4 * rows, shape[0]))
    coarse = cv2.resize(coarse, mid, interpolation=cv2.INTER_CUBIC)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _smooth_noise(rng, shape, cells, amplitude):
    """A smooth random field: coarse Gaussian noise (``cells`` per side) upsampled to ``shape``."""
    cells = max(int(round(cells)), 2)
    return _upsample(rng.standard_normal((cells, cells), dtype=np.float32), shape) * amplitude


def _illumination(rng, size):
    """Background colour with uneven light and vignetting, as an (S, S, 3) float32 image.

    Built on an 8x8 grid and upsampled: illumination varies slowly, and
    computing it per pixel would dominate the cost of a field.
    """
    grid = np.linspace(-1.0, 1.0, 8, dtype=np.float32)
    r2 = grid[:, None] ** 2 + grid[None, :] ** 2
    light = 1.0 - rng.uniform(0.03, 0.12) * r2 / 2 + 0.015 * rng.standard_normal((8, 8), dtype=np.float32)
    tint = _BACKGROUND * np.float32(rng.uniform(0.95, 1.02)) * rng.uniform(0.985, 1.015, 3).astype(np.float32)
    coarse = light[..., None] * tint
    return _upsample(coarse, (size, size))


def _window(size, cx, cy, extent):
    """Slices of the square around (cx, cy) that a shape of half-width ``extent`` touches."""
    x0, x1 = int(max(cx - extent - 2, 0)), int(min(cx + extent + 3, size))
    y0, y1 = int(max(cy - extent - 2, 0)), int(min(cy + extent + 3, size))
    return slice(y0, y1), slice(x0, x1)


def _absorb(image, window, alpha, transmission):
    """Multiply the light in ``image[window]`` by ``transmission`` where ``alpha`` is 1 (in place)."""
    image[window] *= 1.0 - alpha[..., None] * (1.0 - transmission)


def _red_cell_sprites(size):
    """Pre-drawn red cells (light factors, (h, w, 3)) at a few sizes and elongations.

    A field has 5-10 red cells; drawing each from scratch was a large share
    of the time per field, so a call draws these once and every field pastes them.
    """
    sprites = []
    for r in size * np.linspace(0.07, 0.095, 5):
        half = int(np.ceil(r * 1.1)) + 2
        coords = np.arange(-half, half + 1, dtype=np.float32)
        for stretch in (1.0, 1.05, 1.1):  # slightly oval
            d = np.sqrt((coords[None, :] * stretch) ** 2 + (coords[:, None] / stretch) ** 2)
            edge = np.clip((r - d) / 1.5, 0, 1)
            # Biconcave disc: less haemoglobin (paler) towards the centre.
            density = edge * (0.55 + 0.45 * np.minimum(d / r, 1.0) ** 2)
            sprites.append((r, 1.0 - density[..., None] * (1.0 - _RED_CELL)))
    return sprites


def _paste(image, factor, x, y):
    """Multiply ``image`` by ``factor`` centred on pixel (x, y), clipped to the image."""
    half_h, half_w = factor.shape[0] // 2, factor.shape[1] // 2
    rows, cols = image.shape[:2]
    y0, x0 = max(y - half_h, 0), max(x - half_w, 0)
    y1, x1 = min(y + half_h + 1, rows), min(x + half_w + 1, cols)
    if y1 > y0 and x1 > x0:
        image[y0:y1, x0:x1] *= factor[y0 - (y - half_h):y1 - (y - half_h), x0 - (x - half_w):x1 - (x - half_w)]


def _draw_red_cells(rng, image, size, sprites, avoid):
    cx, cy, keep_out = avoid
    for _ in range(rng.integers(5, 11)):
        r, factor = sprites[rng.integers(len(sprites))]
        for _try in range(10):
            x, y = rng.uniform(0, size, 2)
            if np.hypot(x - cx, y - cy) > keep_out + r + 4:
                break
        if rng.random() < 0.5:
            factor = factor.transpose(1, 0, 2)  # elongated the other way
        _paste(image, factor, int(x), int(y))


def _outline(rng, irregularity):
    """Random harmonics of an irregular outline: (amplitudes, phases), and the largest radius factor."""
    amplitudes = irregularity / np.sqrt(_HARMONICS) * rng.normal(size=len(_HARMONICS))
    total = np.abs(amplitudes).sum()
    if total > _MAX_REACH - 1:  # keep the radius positive in every direction (a star-shaped blob)
        amplitudes *= (_MAX_REACH - 1) / total
    phases = rng.uniform(0, 2 * np.pi, len(_HARMONICS))
    return amplitudes, phases, 1.0 + min(total, _MAX_REACH - 1)


def _polar_table(size):
    """Offsets, radius and the outline harmonics' sin/cos around a centre pixel.

    Computed once per call for the largest cell; each nucleus slices it, so
    no field pays for arctan2 / sin / sqrt over its window.
    """
    half = int(np.ceil(_MAX_RADIUS * _MAX_RIM * _MAX_REACH * size)) + 3
    coords = np.arange(-half, half + 1, dtype=np.float32)
    dx, dy = coords[None, :], coords[:, None]
    theta = np.arctan2(dy, dx)
    return {
        "half": half,
        "dx": dx,
        "dy": dy,
        "r": np.sqrt(dx * dx + dy * dy),
        "sin": [np.sin(h * theta) for h in _HARMONICS],
        "cos": [np.cos(h * theta) for h in _HARMONICS],
    }


def _draw_white_cell(rng, image, mask, size, polar, centre, radius, p):
    """A lymphocyte / blast: cytoplasm rim, then the nucleus with chromatin and nucleoli."""
    cx, cy = (int(round(c)) for c in centre)
    rim = radius * (1 + p["rim"] * rng.uniform(3, 6))
    amplitudes, phases, reach = _outline(rng, p["irregularity"])
    win = _window(size, cx, cy, rim * reach)
    half = polar["half"]
    local = (slice(win[0].start - cy + half, win[0].stop - cy + half),
             slice(win[1].start - cx + half, win[1].stop - cx + half))
    outline = np.ones_like(polar["r"][local])
    for sin, cos, amplitude, phase in zip(polar["sin"], polar["cos"], amplitudes, phases):
        # sin(h theta + phase), expanded so the table's sin / cos can be reused.
        outline += (amplitude * np.cos(phase)) * sin[local] + (amplitude * np.sin(phase)) * cos[local]
    d = polar["r"][local] / outline  # scaled so the outline of a cell of radius R sits at d = R
    _absorb(image, win, np.clip((rim - d) / 1.5, 0, 1), _CYTOPLASM)

    # The nucleus only needs the inner part of the window.
    inner = _window(size, cx, cy, radius * reach)
    sub = tuple(slice(i.start - w.start, i.stop - w.start) for i, w in zip(inner, win))
    d = d[sub]
    dx, dy = polar["dx"][:, local[1]][:, sub[1]], polar["dy"][local[0]][sub[0]]
    texture_cells = p["texture_cells"] * d.shape[0] / size
    chromatin = 1.0 + _smooth_noise(rng, d.shape, texture_cells, p["texture_contrast"])
    if rng.random() < p["nucleoli"]:
        for _ in range(rng.integers(1, 3)):
            angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.5 * radius)
            nx, ny = dist * np.cos(angle), dist * np.sin(angle)
            spot = np.exp(-((dx - nx) ** 2 + (dy - ny) ** 2) / (2 * (0.1 * radius) ** 2))
            chromatin += 0.5 * spot  # a nucleolus: a paler, less stained spot
    alpha = np.clip((radius - d) / 1.2, 0, 1)
    transmission = np.clip(_NUCLEUS * rng.uniform(0.9, 1.1) * chromatin[..., None], 0, 1)
    _absorb(image, inner, alpha, transmission)
    mask[inner] |= d < radius


def _draw_one(rng, label, n_classes, size, kit):
    image = _illumination(rng, size)
    p = _class_params(label, n_classes)
    radius = size * np.clip(rng.normal(p["radius"], _RADIUS_SD), _MIN_RADIUS, _MAX_RADIUS)
    centre = size / 2 + rng.normal(0, size * 0.06, 2)
    cells = [(centre, radius)]
    if rng.random() < 0.1:  # a smaller second nucleus elsewhere in the field
        angle = rng.uniform(0, 2 * np.pi)
        second = np.clip(centre + size * 0.33 * np.array([np.cos(angle), np.sin(angle)]),
                         0.6 * radius + 2, size - 0.6 * radius - 2)
        cells.append((second, 0.6 * radius))

    _draw_red_cells(rng, image, size, kit["red_cells"], (centre[0], centre[1], radius))
    mask = np.zeros((size, size), bool)
    for cell_centre, cell_radius in cells:
        _draw_white_cell(rng, image, mask, size, kit["polar"], cell_centre, cell_radius, p)

    # Sensor noise: a random crop of one noise field drawn per call, flipped at
    # random - fresh Gaussian noise per pixel costs about as much as the rest of a field.
    noise = kit["noise"]
    oy, ox = rng.integers(0, noise.shape[0] - size + 1, 2)
    crop = noise[oy:oy + size, ox:ox + size]
    if rng.random() < 0.5:
        crop = crop[::-1]
    image += crop
    np.clip(image, 0, 255, out=image)
    return image, mask


def _as_generator(random_state):
    if isinstance(random_state, np.random.RandomState):
        # scikit-learn style RandomState: draw a seed from it, as sklearn would consume it.
        random_state = random_state.randint(np.iinfo(np.int32).max)
    return np.random.default_rng(random_state)


def _check_int(value, name, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def make_synthetic_smears(n_samples, *, n_classes=4, image_size=224, random_state=None, return_masks=False):
    """Generate labelled synthetic smear fields.

    Parameters
    ----------
    n_samples : int
        Number of images; classes are balanced (``i % n_classes``), then shuffled.
    n_classes : int, default=4
        2 to 8 classes; the nucleus grows, gets more irregular, finer
        textured, more often nucleolated and loses cytoplasm with the class
        index. Names: ``SYNTHETIC_CLASS_NAMES[:n_classes]``.
    image_size : int, default=224
        Side of the square images, at least 16.
    random_state : int, numpy Generator, RandomState or None
        Same value, same images (``numpy.random.default_rng``).
    return_masks : bool, default=False
        Also return the true nucleus masks.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size, image_size, 3), uint8
    y : ndarray of shape (n_samples,), int
    masks : ndarray of shape (n_samples, image_size, image_size), bool
        Only when ``return_masks=True``.

    Examples
    --------
    >>> from featleuk.datasets import make_synthetic_smears
    >>> X, y = make_synthetic_smears(8, image_size=64, random_state=0)
    >>> X.shape, X.dtype.name, sorted(set(y.tolist()))
    ((8, 64, 64, 3), 'uint8', [0, 1, 2, 3])
    """
    _check_int(n_samples, "n_samples", 1)
    _check_int(image_size, "image_size", 16)
    if not isinstance(n_classes, numbers.Integral) or not 2 <= n_classes <= len(SYNTHETIC_CLASS_NAMES):
        raise ValueError(f"n_classes must be between 2 and {len(SYNTHETIC_CLASS_NAMES)}, got {n_classes!r}")
    rng = _as_generator(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    X = np.empty((n_samples, image_size, image_size, 3), np.uint8)
    masks = np.empty((n_samples, image_size, image_size), bool)
    pad = image_size // 2
    kit = {
        "polar": _polar_table(image_size),
        "noise": rng.standard_normal((image_size + pad, image_size + pad, 3), dtype=np.float32) * _NOISE_SIGMA,
        "red_cells": _red_cell_sprites(image_size),
    }
    for i, label in enumerate(y):
        X[i], masks[i] = _draw_one(rng, int(label), n_classes, image_size, kit)
    return (X, y, masks) if return_masks else (X, y)


def write_synthetic_smears(folder, n_samples, *, n_classes=4, image_size=224, random_state=None, format="png"):
    """Write synthetic smears as a class-per-folder tree and load it back.

    Image ``i`` of ``make_synthetic_smears(n_samples, ...)`` with the same
    arguments goes to ``folder/<class name>/smear-<i>.<format>``.

    Parameters
    ----------
    folder : str or path-like
        Created if missing. Other class folders already in it are loaded too.
    n_samples, n_classes, image_size, random_state
        As in :func:`make_synthetic_smears`.
    format : {"png", "bmp", "tif", "tiff", "jpg", "jpeg"}, default="png"
        File format (JPEG is lossy: the files then differ from the arrays).

    Returns
    -------
    sklearn.utils.Bunch
        ``load_image_folder(folder, layout="class_folders")``; its
        ``target_names`` are ``SYNTHETIC_CLASS_NAMES[:n_classes]`` and its
        ``target`` the generated labels.

    See Also
    --------
    make_synthetic_smears : the same images as arrays, without files.
    load_image_folder : reads the tree back (and any real dataset folder).

    Examples
    --------
    >>> import tempfile
    >>> from featleuk.datasets import write_synthetic_smears
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = write_synthetic_smears(folder, 4, image_size=32, random_state=0)
    ...     print(len(data.filenames), data.target_names)
    4 ['Benign', 'Early', 'Pre', 'Pro']
    """
    from ._folders import load_image_folder

    suffix = "." + str(format).lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"format must be one of {sorted(s[1:] for s in IMAGE_SUFFIXES)}, got {format!r}")
    X, y = make_synthetic_smears(n_samples, n_classes=n_classes, image_size=image_size, random_state=random_state)
    root = Path(folder)
    for i, (image, label) in enumerate(zip(X, y)):
        class_dir = root / SYNTHETIC_CLASS_NAMES[label]
        class_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(class_dir / f"smear-{i:05d}{suffix}")
    return load_image_folder(root, layout="class_folders", show_progress=False)
