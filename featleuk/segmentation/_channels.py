"""Grey-level views of a smear in which the stained nucleus is the bright side.

Thresholding and clustering segmenters work on one of these channels. Each
is oriented ("polarity") so that larger values mean "more like a nucleus":
Wright/Giemsa-stained nuclei are dark, purple-blue and strongly
haematoxylin-stained against a pale pink background and pink red cells.
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np
from skimage.color import rgb2gray, rgb2hsv, rgb2lab

from ..utils import stain_concentrations

__all__ = ["NUCLEUS_CHANNELS", "CHANNEL_OPTIONS", "PURPLE_HUE_BAND", "nucleus_channel",
           "resolve_channel"]


def _lab_a(rgb):
    return rgb2lab(rgb)[..., 1]  # purple nuclei are far on the magenta (+a*) side


def _lab_b(rgb):
    return -rgb2lab(rgb)[..., 2]  # and on the blue (-b*) side, unlike pink red cells


def _purple(rgb):
    lab = rgb2lab(rgb)
    # Projection on the magenta-blue diagonal of the a*b* plane: Giemsa
    # chromatin is purple (a* > 0 and b* < 0); pink red cells have b* >= 0 and
    # grey-blue red cells a* ~ 0, so both score well below the nucleus.
    return lab[..., 1] - lab[..., 2]


def _hsv_s(rgb):
    return rgb2hsv(rgb)[..., 1]  # stained nuclei are the most saturated pixels


#: Hue band (degrees) of Wright/Giemsa-stained nuclei in the ``"hsv_purple"`` channel.
#: The upper edge was tuned on half of the Benign and Early fields of Aria et
#: al. (2021) against their reference masks (266 scored best of 262-270 on Benign
#: and tied on Early); the lower edge is where blue-grey red cells start.
PURPLE_HUE_BAND = (239.4, 266.0)


def _hsv_purple(rgb):
    # Saturation inside the violet hue band, 0 outside. Lab a* also rises for
    # pink red cells and a* - b* for grey-blue ones; neither is violet, so the
    # band drops both and the saturation keeps pale cytoplasm apart from the
    # white background. OpenCV: about 10x faster than skimage's rgb2hsv.
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32) / 255.0, cv2.COLOR_RGB2HSV)
    low, high = PURPLE_HUE_BAND
    return hsv[..., 1] * ((hsv[..., 0] > low) & (hsv[..., 0] < high))


def _hed_h(rgb):
    return stain_concentrations(rgb)[..., 0]  # haematoxylin binds nuclear chromatin


def _darkness(rgb):
    return 1.0 - rgb2gray(rgb)  # nuclei are the darkest pixels


#: Channel name -> function ``uint8 RGB -> float (H, W)``, nucleus high.
NUCLEUS_CHANNELS = {
    "lab_a": _lab_a,
    "lab_b": _lab_b,
    "purple": _purple,
    "hsv_s": _hsv_s,
    "hsv_purple": _hsv_purple,
    "hed_h": _hed_h,
    "darkness": _darkness,
}

#: Old channel names still accepted (with a FutureWarning) -> current name.
#: "gray" was renamed because the feature families' ``channel="gray"`` is a
#: different thing (the BT.601 luma itself, dark nuclei low).
_RENAMED_CHANNELS = {"gray": "darkness"}

#: What a segmenter's ``channel`` accepts: the channels and their old names.
CHANNEL_OPTIONS = set(NUCLEUS_CHANNELS) | set(_RENAMED_CHANNELS)


def resolve_channel(channel, *, warn=True):
    """The current name of ``channel`` (FutureWarning for an old name when ``warn``)."""
    if channel in _RENAMED_CHANNELS:
        new = _RENAMED_CHANNELS[channel]
        if warn:
            warnings.warn(f"channel={channel!r} was renamed channel={new!r} (the feature families' "
                          f"'gray' is the luma, not its inverse); {channel!r} will be removed in a "
                          "future release", FutureWarning, stacklevel=3)
        return new
    return channel


def nucleus_channel(rgb, channel):
    """The ``channel`` view of a uint8 RGB image, float64, oriented nucleus-high.

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3), uint8
        One RGB image.
    channel : {"hsv_purple", "lab_a", "lab_b", "purple", "hsv_s", "hed_h", "darkness"}
        HSV saturation inside the violet hue band ``PURPLE_HUE_BAND``
        (239.4-266 degrees; 0 outside), CIE Lab a* (magenta), minus Lab b*
        (blue), a* - b* (purple), HSV saturation, haematoxylin amount from HED colour deconvolution, or one minus the
        luminance of ``skimage.color.rgb2gray`` (``"gray"``, its old name,
        still works with a FutureWarning).

    Returns
    -------
    ndarray of shape (H, W), float64
        Larger values are more nucleus-like; the range depends on the
        channel (e.g. [0, 1] for ``"hsv_purple"`` and ``"darkness"``).

    See Also
    --------
    NUCLEUS_CHANNELS : the channel functions by name.

    Examples
    --------
    A purple nucleus pixel against a pale pink background pixel:

    >>> import numpy as np
    >>> from featleuk.segmentation import nucleus_channel
    >>> rgb = np.array([[[100, 60, 170], [235, 215, 220]]], np.uint8)
    >>> nucleus_channel(rgb, "hsv_purple").round(3)
    array([[0.647, 0.   ]])
    >>> nucleus_channel(rgb, "darkness").round(3)
    array([[0.7  , 0.139]])
    """
    return np.asarray(NUCLEUS_CHANNELS[resolve_channel(channel)](rgb), dtype=np.float64)
