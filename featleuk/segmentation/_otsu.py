"""Otsu thresholding of a stain channel."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from skimage.filters import threshold_multiotsu, threshold_otsu
from ..utils._sklearn_compat import Interval, StrOptions

from ._base import BaseSegmenter
from ._channels import NUCLEUS_CHANNELS, nucleus_channel

__all__ = ["OtsuSegmenter"]


class OtsuSegmenter(BaseSegmenter):
    """Nucleus mask by Otsu's threshold on one colour channel.

    The channel is oriented so the nucleus is its high side (see
    :func:`featleuk.segmentation.nucleus_channel`): Otsu's threshold (the
    grey level that maximises the between-class variance of the image's
    histogram) splits it, and pixels above the threshold are the nucleus.
    With ``n_classes > 2`` the multi-level Otsu thresholds are computed and
    only the top class is kept, for fields where the red cells form a third
    mode between the background and the nuclei. The mask is then cleaned by
    the shared :class:`MaskPostprocessor`.

    This is the segmentation of seed 001 ref [9] (Otsu's threshold on an
    enhanced image, then a KNN classifier).

    Parameters
    ----------
    channel : {"purple", "hed_h", "lab_a", "lab_b", "hsv_s", "gray"}, default="purple"
        Lab a* - b* (purple: the default, because on Aria-style fields the
        grey-blue red cells are as haematoxylin-dense as the nuclei but not
        magenta), haematoxylin (colour deconvolution), Lab a*, minus Lab b*,
        HSV saturation, or inverted grey level.
    n_classes : int, default=2
        Number of Otsu classes (2 = classic Otsu).
    postprocess : MaskPostprocessor or None, default=None
        Clean-up settings; ``None`` means ``MaskPostprocessor()``. Routed
        parameters work: ``set_params(postprocess__min_size=0.01)`` after
        passing a ``MaskPostprocessor`` instance.
    min_contrast : float, default=2.0
        A mask is kept only if its median ``channel`` value exceeds the
        rest of the image's by ``min_contrast`` robust standard deviations
        (``(median_in - median_out) / (1.4826 MAD_out)``); otherwise the
        image counts as having no nucleus. 0 disables the check.
    output : {"mask_channel", "masked_rgb", "crop"}, default="mask_channel"
        See :func:`featleuk.segmentation.compose_output`.
    crop_size : int, default=128
        Side of the ``"crop"`` output.
    crop_mode : {"largest", "all"}, default="largest"
        Centre the ``"crop"`` on the largest nucleus, or cover every
        nucleus of the image; one crop per image either way.
    crop_margin : float, default=0.15
        Margin around the nucleus bounding box for ``"crop"``, as a fraction
        of its side on each side.
    background : int or tuple of 3 ints, default=0
        Fill colour of the background for ``"masked_rgb"``.
    batch_size : int, default=32
    n_jobs : int or None, default=None
        joblib workers (per image).
    show_progress : bool, default=True

    Attributes
    ----------
    n_images_seen_ : int
    empty_indices_ : ndarray of int
        Images of the last ``fit`` / ``transform`` input with no nucleus.

    See Also
    --------
    KMeansSegmenter, FuzzyCMeansSegmenter
    """

    _parameter_constraints = {
        **BaseSegmenter._parameter_constraints,
        "channel": [StrOptions(set(NUCLEUS_CHANNELS))],
        "n_classes": [Interval(Integral, 2, 5, closed="both")],
    }

    def __init__(self, channel="purple", *, n_classes=2, postprocess=None, min_contrast=2.0,
                 output="mask_channel", crop_size=128, crop_mode="largest", crop_margin=0.15,
                 background=0, batch_size=32, n_jobs=None, show_progress=True):
        self.channel = channel
        self.n_classes = n_classes
        self.postprocess = postprocess
        self.min_contrast = min_contrast
        self.output = output
        self.crop_size = crop_size
        self.crop_mode = crop_mode
        self.crop_margin = crop_margin
        self.background = background
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.show_progress = show_progress

    def _raw_mask(self, rgb):
        values = nucleus_channel(rgb, self.channel)
        levels = np.unique(values)
        if len(levels) <= self.n_classes:
            # Too few grey levels to threshold: the top level is the nucleus
            # side, unless the channel is flat.
            return values == levels[-1] if len(levels) > 1 else np.zeros(values.shape, bool)
        if self.n_classes == 2:
            return values > threshold_otsu(values)
        return values > threshold_multiotsu(values, classes=self.n_classes)[-1]
