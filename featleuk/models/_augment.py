"""Training-time augmentation of image batches, one random draw per image.

torchvision's ``transforms.v2`` draw one set of random parameters per call,
so applied to a batch tensor they rotate every image by the same angle; run
image by image they cost ~1 ms each on this CPU. :class:`SmearAugment`
draws per-image parameters and applies them to the whole batch with one
``affine_grid`` / ``grid_sample`` call. Reflection padding fills the corners
a rotation uncovers with nearby background instead of black wedges a
network could learn from.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["SmearAugment", "make_augment"]


class SmearAugment:
    """Random right-angle rotation + small rotation, flip, zoom, brightness and contrast.

    Parameters
    ----------
    degrees : float
        Extra rotation drawn from ``[-degrees, degrees]`` on top of a random
        multiple of 90 degrees (smear fields have no "up").
    flip : bool
        Mirror half of the images (with the right-angle rotations this
        covers all eight symmetries of the square).
    scale : (float, float)
        Zoom factor range (> 1 zooms in).
    brightness, contrast : float
        Multiply intensities by ``1 + U(-b, b)``; stretch around the image
        mean by ``1 + U(-c, c)``.

    See Also
    --------
    DeepClassifier : its default ``augment``.

    Examples
    --------
    Called on an ``(N, 3, H, W)`` uint8 batch, it returns floats in [0, 1];
    the random draws come from torch's generator:

    >>> import torch
    >>> from featleuk.models import SmearAugment
    >>> augment = SmearAugment(degrees=10.0, brightness=0.0, contrast=0.0)
    >>> augment
    SmearAugment(degrees=10.0, flip=True, scale=(0.9, 1.1), brightness=0.0, contrast=0.0)
    >>> _ = torch.manual_seed(0)
    >>> batch = torch.full((4, 3, 16, 16), 128, dtype=torch.uint8)
    >>> out = augment(batch)
    >>> out.shape, out.dtype
    (torch.Size([4, 3, 16, 16]), torch.float32)
    >>> bool(torch.allclose(out, torch.tensor(128 / 255)))  # a flat image stays flat
    True
    """

    def __init__(self, degrees=15.0, *, flip=True, scale=(0.9, 1.1), brightness=0.15, contrast=0.15):
        self.degrees = degrees
        self.flip = flip
        self.scale = scale
        self.brightness = brightness
        self.contrast = contrast

    def __repr__(self):
        return (f"SmearAugment(degrees={self.degrees}, flip={self.flip}, scale={self.scale}, "
                f"brightness={self.brightness}, contrast={self.contrast})")

    @staticmethod
    def _uniform(n, low, high):
        return torch.rand(n) * (high - low) + low

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` uint8 -> augmented float in [0, 1]."""
        x = batch.float().div(255.0) if batch.dtype == torch.uint8 else batch.float()
        n = x.shape[0]
        quarter = torch.randint(0, 4, (n,)).float() * (math.pi / 2)
        angle = quarter + self._uniform(n, -1.0, 1.0) * math.radians(self.degrees)
        zoom = self._uniform(n, *self.scale)
        mirror = torch.where(torch.rand(n) < 0.5, -1.0, 1.0) if self.flip else torch.ones(n)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        zeros = torch.zeros(n)
        theta = torch.stack([
            torch.stack([cos * mirror, -sin, zeros], dim=1),
            torch.stack([sin * mirror, cos, zeros], dim=1),
        ], dim=1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        gain = 1.0 + self._uniform(n, -self.brightness, self.brightness).view(n, 1, 1, 1)
        stretch = 1.0 + self._uniform(n, -self.contrast, self.contrast).view(n, 1, 1, 1)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) * stretch + mean
        return (x * gain).clamp_(0.0, 1.0)


class _PerImage:
    """Apply a per-image transform (e.g. a ``transforms.v2.Compose``) to each image of a batch."""

    def __init__(self, transform):
        self.transform = transform

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        return torch.stack([self.transform(image) for image in batch])


def make_augment(augment):
    """The batch function for ``DeepClassifier(augment=...)``, or ``None`` for no augmentation."""
    if augment is None or augment == "none":
        return None
    if augment == "default":
        return SmearAugment()
    if callable(augment):
        # A SmearAugment-like object already works on batches; anything else
        # (torchvision transforms) is applied image by image.
        return augment if isinstance(augment, SmearAugment) else _PerImage(augment)
    raise ValueError(f"augment must be 'default', None or a callable, got {augment!r}")
