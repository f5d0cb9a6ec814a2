"""The machinery shared by the handcrafted feature families.

Every family (GLCM, GLRLM, morphology, colour, LBP) turns *one* RGB image and
its nucleus mask into one feature vector. :class:`HandcraftedFeatures` does
the rest once: input validation, batch decoding, mask splitting, the blanked
background of a segmenter's ``"blank"`` output mode, the empty-mask policy,
per-image parallelism, the progress bar and the feature names.

Empty-mask policy
-----------------
A downstream SVC cannot take NaN, so an image whose mask holds no nucleus
pixel (no nucleus found, all-background image) gets a row of ``0.0`` and the
indicator column ``<prefix>_mask_empty`` set to ``1.0``; otherwise that
column is ``0.0``. Families also return finite values on tiny or constant
images (documented per family).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from numbers import Integral

import cv2
import numpy as np

from ..base import ImageToFeaturesStep
from ..images import split_mask
from ..utils._sklearn_compat import Interval

__all__ = ["HandcraftedFeatures", "to_channel", "quantize", "blank_mask", "aggregate_angles",
           "aggregated_names", "CHANNELS"]

#: Single channels a texture family can be computed on. ``"gray"`` is the
#: ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B rounded to uint8 (OpenCV's
#: and Pillow's "L"); a grey pixel (R = G = B = v) stays v.
CHANNELS = ("gray", "red", "green", "blue")


def to_channel(rgb: np.ndarray, channel: str) -> np.ndarray:
    """One uint8 channel of an ``(H, W, 3)`` uint8 image."""
    if channel == "gray":
        return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(rgb[..., CHANNELS.index(channel) - 1])


def quantize(values: np.ndarray, levels: int) -> np.ndarray:
    """Map uint8 values to ``levels`` (<= 256) equal-width bins: ``floor(v * levels / 256)``."""
    if levels == 256:
        return values
    return ((values.astype(np.intp) * levels) >> 8).astype(np.uint8)


def blank_mask(rgb: np.ndarray, blank_color) -> np.ndarray:
    """Pixels not exactly equal to ``blank_color`` (the blanked background)."""
    color = np.broadcast_to(np.asarray(blank_color, dtype=np.int64), (3,))
    return np.any(rgb != color.astype(np.uint8), axis=2)


def aggregate_angles(values: np.ndarray, how: str) -> np.ndarray:
    """Combine per-direction values ``(n_features, n_angles)`` into one flat row.

    ``"mean"``: the mean over directions (rotation-invariant, pyradiomics'
    default); ``"mean_range"``: mean and range (max - min) per feature, as
    Haralick et al. (1973) proposed; anything else keeps every direction.
    The order matches :func:`aggregated_names`.
    """
    if how == "mean":
        return values.mean(axis=1)
    if how == "mean_range":
        return np.column_stack([values.mean(axis=1), np.ptp(values, axis=1)]).ravel()
    return values.ravel()


def aggregated_names(names, angle_labels, how: str) -> list[str]:
    """Column names for :func:`aggregate_angles`: ``<name>``, ``<name>_mean`` /
    ``<name>_range``, or ``<name>_a<angle label>``."""
    if how == "mean":
        return list(names)
    suffixes = ("mean", "range") if how == "mean_range" else [f"a{label}" for label in angle_labels]
    return [f"{name}_{suffix}" for name in names for suffix in suffixes]


#: Parameters every family shares, spliced into the family docstrings at
#: ``%(common_parameters)s`` (and the attributes at ``%(common_attributes)s``).
COMMON_PARAMETERS_DOC = """\
blank_color : int, RGB triple or None, default=None
    For 3-channel images whose background a segmenter blanked (its
    ``"masked_rgb"`` output, same ``blank_color``): pixels of exactly this
    colour are background and the rest is the region. None: a 3-channel
    image has no mask.
%(batch_size)s
%(n_jobs)s
%(show_progress)s"""

COMMON_ATTRIBUTES_DOC = """\
feature_names_out_ : ndarray of str
    Output column names; the last is ``<prefix>_mask_empty``.
n_features_out_ : int
    Number of output columns.
%(n_images_seen_)s"""


class HandcraftedFeatures(ImageToFeaturesStep, metaclass=ABCMeta):
    """Base class: one feature vector per image, computed by ``_image_features``.

    Subclasses set ``_prefix`` (the feature-name prefix), extend
    ``_parameter_constraints``, and implement

    * ``_feature_names(self) -> list[str]`` (without the prefix and without
      ``mask_empty``), called in ``fit`` after validation, and
    * ``_image_features(self, rgb, mask) -> 1-D float array`` for one
      ``(H, W, 3)`` uint8 image and a boolean ``(H, W)`` mask, or ``mask=None``
      when the input carried no mask (the family then uses its documented
      default, usually the whole image). It is only called with masks that
      hold at least one pixel, and may return None when it finds nothing to
      describe (e.g. only specks below a minimum size): the row is then the
      empty-mask row.

    Common parameters (documented in each family by ``%(common_parameters)s``):
    ``blank_color``, ``batch_size``, ``n_jobs`` and ``show_progress``.
    ``fit`` learns nothing from the images.
    """

    _prefix = "handcrafted"

    _parameter_constraints = {
        **ImageToFeaturesStep._parameter_constraints,
        "blank_color": [None, Interval(Integral, 0, 255, closed="both"), "array-like"],
    }
    _learns_from_data = False
    _family_docs = {"common_parameters": COMMON_PARAMETERS_DOC,
                    "common_attributes": COMMON_ATTRIBUTES_DOC}

    # -- subclass hooks ------------------------------------------------------------

    def _check_params(self):
        """Family-specific checks beyond ``_parameter_constraints`` (raise ValueError)."""

    @abstractmethod
    def _feature_names(self) -> list[str]:
        """Feature names without the prefix and without ``mask_empty``."""

    @abstractmethod
    def _image_features(self, rgb, mask):
        """The feature vector of one image (``mask`` is None or non-empty)."""

    # -- the image step hooks ------------------------------------------------------

    def _fit_images(self, X):
        if self.blank_color is not None:
            color = np.asarray(self.blank_color)
            if color.size not in (1, 3) or not np.all((color >= 0) & (color <= 255)):
                raise ValueError(f"blank_color must be an int or an RGB triple in 0..255, "
                                 f"got {self.blank_color!r}")
        self._check_params()
        names = [f"{self._prefix}_{name}" for name in self._feature_names()]
        self.feature_names_out_ = np.asarray(names + [f"{self._prefix}_mask_empty"], dtype=object)
        self.n_features_out_ = len(self.feature_names_out_)

    def _transform_image(self, image: np.ndarray) -> np.ndarray:
        """The feature row of one image, mask policy applied (runs in workers)."""
        rgb, mask = split_mask(image)
        if mask is None and self.blank_color is not None:
            mask = blank_mask(rgb, self.blank_color)
        row = np.zeros(self.n_features_out_, dtype=np.float64)
        if mask is not None and not mask.any():
            row[-1] = 1.0
            return row
        values = self._image_features(rgb, mask)
        if values is None:
            row[-1] = 1.0
            return row
        # Degenerate regions must never hand NaN/inf to a classifier.
        row[:-1] = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        return row
