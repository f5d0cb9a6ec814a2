"""Synthetic blood-smear fields: the built-in data for demos and tests.

featleuk ships no real images. ``make_synthetic_smears`` draws plausible
peripheral-smear fields - a pale pink background with uneven illumination,
red cells with pale centres, and a purple-stained lymphocyte / blast nucleus
with a thin cytoplasm rim - where the class changes the nucleus's size,
outline irregularity, chromatin texture and rim width. The class
distributions overlap, so a model has to learn something, and the true
nucleus masks are returned for testing segmenters.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

__all__ = ["SYNTHETIC_CLASS_NAMES", "make_synthetic_smears", "write_synthetic_smears"]

#: Class names, in target order, named after the Aria ALL classes they imitate.
SYNTHETIC_CLASS_NAMES = ("Benign", "Early", "Pre", "Pro", "Class4", "Class5", "Class6", "Class7")

_BACKGROUND = np.array([232.0, 212.0, 214.0])
_RED_CELL = np.array([214.0, 142.0, 150.0])
_NUCLEUS = np.array([92.0, 48.0, 138.0])
_CYTOPLASM = np.array([182.0, 176.0, 218.0])


def _smooth_noise(rng, size, cells, amplitude):
    """A smooth random field: coarse Gaussian noise upsampled (``cells`` per side)."""
    coarse = rng.standard_normal((cells, cells), dtype=np.float32)
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC) * amplitude


def _class_params(label, n_classes):
    """Nucleus parameters move monotonically with the class index (t in [0, 1])."""
    t = label / max(n_classes - 1, 1)
    return {
        "radius": 0.115 + 0.06 * t,  # fraction of the image size
        "irregularity": 0.03 + 0.10 * t,
        "texture_cells": int(round(6 + 14 * t)),  # finer chromatin for later classes
        "texture_contrast": 0.10 + 0.12 * (1 - t),
        "rim": 0.035 - 0.02 * t,  # blasts have a scant cytoplasm rim
    }


def _window(size, cx, cy, extent):
    """Slices of the square around (cx, cy) that a shape of half-width ``extent`` touches."""
    x0, x1 = int(max(cx - extent - 2, 0)), int(min(cx + extent + 3, size))
    y0, y1 = int(max(cy - extent - 2, 0)), int(min(cy + extent + 3, size))
    return slice(y0, y1), slice(x0, x1)


def _blend(image, window, alpha, colour):
    """Paint ``colour`` over ``image[window]`` with per-pixel opacity ``alpha`` (in place)."""
    patch = image[window]
    patch += alpha[..., None] * (colour - patch)


def _draw_one(rng, label, n_classes, size, yy, xx):
    # Background with uneven illumination (vignetting) and sensor noise.
    light = 1.0 + _smooth_noise(rng, size, 3, 0.03)[..., None]
    image = _BACKGROUND.astype(np.float32) * light + 3.0 * rng.standard_normal((size, size, 3), dtype=np.float32)

    p = _class_params(label, n_classes)
    radius = max(size * rng.normal(p["radius"], 0.018), size * 0.06)
    cx, cy = size / 2 + rng.normal(0, size * 0.06, 2)

    # Red cells: discs with a pale centre, placed away from the nucleus.
    for _ in range(rng.integers(5, 11)):
        r = size * rng.uniform(0.07, 0.095)
        for _try in range(10):
            x, y = rng.uniform(0, size, 2)
            if np.hypot(x - cx, y - cy) > radius + r + 4:
                break
        win = _window(size, x, y, r)
        d = np.hypot(xx[win] - x, yy[win] - y)
        _blend(image, win, np.clip((r - d) / 1.5, 0, 1), _RED_CELL * rng.uniform(0.94, 1.05))
        _blend(image, win, np.clip(1 - d / (0.55 * r), 0, 1) * 0.45, _BACKGROUND)

    masks = np.zeros((size, size), bool)
    chromatin = 1 + _smooth_noise(rng, size, p["texture_cells"], p["texture_contrast"])
    n_nuclei = 2 if rng.random() < 0.1 else 1
    for k in range(n_nuclei):
        if k == 1:  # a smaller second nucleus elsewhere in the field
            radius *= 0.6
            angle = rng.uniform(0, 2 * np.pi)
            cx, cy = np.clip([cx + np.cos(angle) * size * 0.33, cy + np.sin(angle) * size * 0.33],
                             radius + 2, size - radius - 2)
        rim = radius * (1 + p["rim"] * rng.uniform(3, 6))
        win = _window(size, cx, cy, rim * 1.4)
        theta = np.arctan2(yy[win] - cy, xx[win] - cx)
        outline = np.ones_like(theta)
        for harmonic in (2, 3, 5):
            amplitude = p["irregularity"] / harmonic ** 0.5 * rng.normal()
            outline += amplitude * np.sin(harmonic * theta + rng.uniform(0, 2 * np.pi))
        d = np.hypot(xx[win] - cx, yy[win] - cy) / outline
        _blend(image, win, np.clip((rim - d) / 1.5, 0, 1), _CYTOPLASM)
        nucleus = np.clip((radius - d) / 1.2, 0, 1)
        colour = _NUCLEUS * rng.uniform(0.9, 1.1) * chromatin[win][..., None]
        image[win] += nucleus[..., None] * (colour - image[win])
        masks[win] |= d < radius
    return np.clip(image, 0, 255).astype(np.uint8), masks


def make_synthetic_smears(n_samples, *, n_classes=4, image_size=224, random_state=None, return_masks=False):
    """Generate labelled synthetic smear fields.

    Parameters
    ----------
    n_samples : int
        Number of images; classes are balanced (``i % n_classes``), then shuffled.
    n_classes : int, default=4
        2 to 8 classes; the nucleus grows, gets more irregular and finer
        textured with the class index. Names: ``SYNTHETIC_CLASS_NAMES``.
    image_size : int, default=224
    random_state : int, Generator or None
        Same value, same images.
    return_masks : bool, default=False
        Also return the true nucleus masks.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size, image_size, 3), uint8
    y : ndarray of shape (n_samples,), int
    masks : ndarray of shape (n_samples, image_size, image_size), bool
        Only when ``return_masks=True``.
    """
    if not 2 <= n_classes <= len(SYNTHETIC_CLASS_NAMES):
        raise ValueError(f"n_classes must be between 2 and {len(SYNTHETIC_CLASS_NAMES)}, got {n_classes}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if image_size < 16:
        raise ValueError(f"image_size must be >= 16, got {image_size}")
    rng = np.random.default_rng(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    X = np.empty((n_samples, image_size, image_size, 3), np.uint8)
    masks = np.empty((n_samples, image_size, image_size), bool)
    yy, xx = np.mgrid[0:image_size, 0:image_size].astype(np.float32)
    for i, label in enumerate(y):
        X[i], masks[i] = _draw_one(rng, int(label), n_classes, image_size, yy, xx)
    return (X, y, masks) if return_masks else (X, y)


def write_synthetic_smears(folder, n_samples, *, n_classes=4, image_size=224, random_state=None, format="png"):
    """Write synthetic smears as a class-per-folder tree and load it back.

    Returns the ``Bunch`` of :func:`featleuk.datasets.load_image_folder` for
    the written folder, so path-based pipelines can be exercised.
    """
    from ._folders import load_image_folder

    X, y = make_synthetic_smears(n_samples, n_classes=n_classes, image_size=image_size, random_state=random_state)
    root = Path(folder)
    for i, (image, label) in enumerate(zip(X, y)):
        class_dir = root / SYNTHETIC_CLASS_NAMES[label]
        class_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(class_dir / f"smear-{i:05d}.{format}")
    return load_image_folder(root, layout="class_folders")
