"""uint8 images -> the tensors a pretrained CNN expects.

Shared by ``DeepFeatures`` (frozen features) and ``DeepClassifier``
(end-to-end training) so that both feed a backbone exactly what its weights
were trained with (``featleuk.weights.Preprocessing``).

:func:`to_tensor_batch` returns normalised float tensors (inference);
:func:`to_uint8_batch` stops before normalising, so a training set can be
decoded and resized once and kept as compact ``uint8`` (a 2,600-image set
at 224 px is 390 MB instead of 1.6 GB), then augmented and normalised one
batch at a time with :func:`normalize_batch`.

Resizing and cropping are torchvision's ``transforms.v2.functional.resize``
and ``center_crop`` for tensors, restated with torch's own ``interpolate``
and ``pad`` (the same calls with the same arguments, so the same pixels,
which ``featleuk/tests/test_torch_preprocess.py`` checks against torchvision):
importing torchvision imports ``torch._dynamo``, about a second that a
process loading a saved model and predicting a few images would otherwise
spend before its first image.
"""

from __future__ import annotations

import platform

import numpy as np
import torch
from torch.nn.functional import interpolate
from torch.nn.functional import pad as torch_pad

from .io import DEFAULT_MAX_ASPECT_RATIO
from .weights import Preprocessing

__all__ = ["to_tensor_batch", "to_uint8_batch", "normalize_batch", "prepare_image", "normalize_prepared",
           "PREPROCESS_MODES"]

#: "weights": resize the shorter side to ``resize_size`` then centre-crop
#: ``crop_size`` (torchvision's ``weights.transforms()``);
#: "resize": resize the whole image to ``crop_size`` x ``crop_size`` (keeps the
#: field's borders, where cells near the edge would otherwise be cut).
PREPROCESS_MODES = ("weights", "resize")


def _check_aspect_ratio(shape, prep: Preprocessing) -> None:
    """Refuse arrays whose short-side resize would take gigabytes.

    Files are refused earlier, by name, in ``featleuk.io.read_image``; this
    catches arrays passed directly, which have no name.
    """
    height, width = shape[-2:]
    ratio = max(height, width) / max(1, min(height, width))
    if ratio > DEFAULT_MAX_ASPECT_RATIO:
        long_side = round(prep.resize_size * ratio)
        raise ValueError(
            f"an image of {width}x{height} pixels has an aspect ratio of {ratio:,.0f}:1, more than "
            f"featleuk.io.DEFAULT_MAX_ASPECT_RATIO={DEFAULT_MAX_ASPECT_RATIO}: resizing its short "
            f"side to {prep.resize_size} (preprocess='weights') would make it {long_side:,} pixels "
            f"long ({3 * prep.resize_size * long_side * 4 / 1e9:.1f} GB as floats). Crop it into "
            "tiles, or use preprocess='resize'"
        )


#: The interpolation modes torchvision's tensor ``resize`` offers that featleuk's weights use.
_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


def _short_side_size(height: int, width: int, short_side: int) -> tuple[int, int]:
    """torchvision's ``_compute_resized_output_size`` for ``size=[short_side]``."""
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = short_side, int(short_side * long / short)
    new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
    return new_h, new_w


def _native_uint8(interpolation: str) -> bool:
    """Whether torchvision resizes a uint8 CPU tensor without casting it to float."""
    if interpolation == "nearest":
        return True
    if interpolation == "bilinear":
        return (torch.compiler.is_compiling() or torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")
                or platform.machine() in ("aarch64", "arm64"))
    return interpolation == "bicubic"


def _resize(image: torch.Tensor, size: tuple[int, int], interpolation: str) -> torch.Tensor:
    """``(C, H, W)`` -> ``(C, *size)`` as torchvision's ``resize_image`` (antialias=True) does on a CPU."""
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {_INTERPOLATIONS}; got {interpolation!r}")
    num_channels, old_height, old_width = image.shape[-3:]
    new_height, new_width = size
    if (new_height, new_width) == (old_height, old_width):
        return image
    if image.numel() == 0:
        return image.reshape(image.shape[:-2] + (new_height, new_width))
    smooth = interpolation != "nearest"
    dtype, numel, shape = image.dtype, image.numel(), image.shape
    x = image.reshape(-1, num_channels, old_height, old_width)
    strides = x.stride()
    if x.is_contiguous(memory_format=torch.channels_last) and x.shape[0] == 1 and numel != strides[0]:
        # torchvision restrides single channels-last images so interpolate keeps the layout.
        x = x.as_strided((1, num_channels, old_height, old_width), [numel, *strides[1:]])
    need_cast = dtype not in (torch.float32, torch.float64) and not (dtype == torch.uint8 and _native_uint8(interpolation))
    if need_cast:
        x = x.to(dtype=torch.float32)
    x = interpolate(x, size=[new_height, new_width], mode=interpolation,
                    align_corners=False if smooth else None, antialias=smooth)
    if need_cast:
        if interpolation == "bicubic" and dtype == torch.uint8:
            x = x.clamp_(min=0, max=255)
        if dtype in (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64):
            x = x.round_()
        x = x.to(dtype=dtype)
    return x.reshape(shape[:-3] + (num_channels, new_height, new_width))


def _center_crop(image: torch.Tensor, crop: int) -> torch.Tensor:
    """torchvision's ``center_crop_image`` to ``crop`` x ``crop`` (zero padding when smaller)."""
    height, width = image.shape[-2:]
    if crop > height or crop > width:
        pad_w, pad_h = max(crop - width, 0), max(crop - height, 0)
        image = torch_pad(image, [pad_w // 2, (pad_w + 1) // 2, pad_h // 2, (pad_h + 1) // 2], value=0.0)
        height, width = image.shape[-2:]
        if (height, width) == (crop, crop):
            return image
    top, left = int(round((height - crop) / 2.0)), int(round((width - crop) / 2.0))
    return image[..., top:top + crop, left:left + crop]


def _resize_crop(image: torch.Tensor, prep: Preprocessing, mode: str) -> torch.Tensor:
    if mode == "resize":
        return _resize(image, (prep.crop_size, prep.crop_size), prep.interpolation)
    _check_aspect_ratio(image.shape, prep)
    image = _resize(image, _short_side_size(*image.shape[-2:], prep.resize_size), prep.interpolation)
    return _center_crop(image, prep.crop_size)


def _check_mode(mode: str) -> None:
    if mode not in PREPROCESS_MODES:
        raise ValueError(f"preprocess mode must be one of {PREPROCESS_MODES}, got {mode!r}")


def _resized_rgb_and_mask(img, prep: Preprocessing, mode: str, fill_mask: bool):
    """One ``(H, W, 3|4)`` uint8 image -> resized ``(3, S, S)`` uint8 and a mask or ``None``."""
    img = np.asarray(img)
    chw = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
    rgb = _resize_crop(chw[:3], prep, mode)
    mask = None
    if fill_mask and chw.shape[0] == 4:
        nearest = Preprocessing(resize_size=prep.resize_size, crop_size=prep.crop_size,
                                interpolation="nearest")
        mask = _resize_crop(chw[3:4], nearest, mode) > 0
    return rgb, mask


def normalize_batch(batch: torch.Tensor, preprocessing: Preprocessing) -> torch.Tensor:
    """``(N, 3, S, S)`` uint8 (or float in [0, 1]) -> float normalised with the weights' mean/std."""
    mean = torch.tensor(preprocessing.mean).view(1, 3, 1, 1)
    std = torch.tensor(preprocessing.std).view(1, 3, 1, 1)
    x = batch.float().div(255.0) if batch.dtype == torch.uint8 else batch.float()
    return (x - mean) / std


def prepare_image(img, preprocessing: Preprocessing, *, mode: str = "weights", fill_mask=False):
    """The per-image half of :func:`to_tensor_batch`: resize and crop one image, keep uint8.

    Run in worker threads while the network works on the previous batch
    (torch's resize releases the GIL); :func:`normalize_prepared` finishes a
    batch of them.

    Parameters
    ----------
    img : ndarray of shape (H, W, 3 or 4), uint8
    preprocessing : Preprocessing
    mode : {"weights", "resize"}
    fill_mask : bool
        See :func:`to_tensor_batch`.

    Returns
    -------
    rgb : Tensor of shape (3, S, S), uint8
    mask : Tensor of shape (1, S, S), bool, or None
    """
    _check_mode(mode)
    return _resized_rgb_and_mask(img, preprocessing, mode, fill_mask)


def normalize_prepared(prepared, preprocessing: Preprocessing) -> torch.Tensor:
    """Stack :func:`prepare_image` outputs into one normalised ``(N, 3, S, S)`` float tensor.

    The same element-wise operations as :func:`to_tensor_batch`, so the
    result is identical bit for bit.
    """
    mean = torch.tensor(preprocessing.mean).view(1, 3, 1, 1)
    std = torch.tensor(preprocessing.std).view(1, 3, 1, 1)
    batch = (torch.stack([rgb for rgb, _ in prepared]).float().div_(255.0) - mean) / std
    for i, (_, mask) in enumerate(prepared):
        if mask is not None:
            batch[i] *= mask
    return batch


def to_tensor_batch(
    images,
    preprocessing: Preprocessing,
    *,
    mode: str = "weights",
    fill_mask=False,
) -> torch.Tensor:
    """Turn ``(H, W, 3|4)`` uint8 arrays into one normalised ``(N, 3, S, S)`` float tensor.

    Parameters
    ----------
    images : list of ndarray
        uint8 RGB or RGB+mask images, possibly of different sizes.
    preprocessing : Preprocessing
        Resize, crop and normalisation of the backbone's weights.
    mode : {"weights", "resize"}
        See :data:`PREPROCESS_MODES`.
    fill_mask : bool
        With a 4-channel image, set background pixels (mask == 0) to the
        normalisation mean, i.e. 0 after normalising: a neutral grey for
        the network rather than a colour it would read as content.
    """
    _check_mode(mode)
    return normalize_prepared([_resized_rgb_and_mask(img, preprocessing, mode, fill_mask) for img in images],
                              preprocessing)


def to_uint8_batch(
    images,
    preprocessing: Preprocessing,
    *,
    mode: str = "weights",
    fill_mask=False,
) -> torch.Tensor:
    """Like :func:`to_tensor_batch` but stop before normalising: ``(N, 3, S, S)`` uint8.

    With ``fill_mask``, background pixels take the normalisation mean colour
    (rounded to uint8), so ``normalize_batch(to_uint8_batch(...))`` matches
    :func:`to_tensor_batch` to within one grey level.
    """
    _check_mode(mode)
    mean_colour = torch.tensor([round(255.0 * m) for m in preprocessing.mean], dtype=torch.uint8)
    out = []
    for img in images:
        rgb, mask = _resized_rgb_and_mask(img, preprocessing, mode, fill_mask)
        if mask is not None:
            rgb = torch.where(mask, rgb, mean_colour.view(3, 1, 1))
        out.append(rgb)
    return torch.stack(out)
