"""The base class of featleuk's nucleus segmenters."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..base import ImageToImageStep
from ..images import split_mask, stack_images
from ..utils._deprecation import deprecated_constraint, renamed_value, warn_renamed
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ._channels import CHANNEL_OPTIONS, nucleus_channel, resolve_channel
from ._outputs import CROP_MODES, OUTPUT_MODES, compose_output
from ._postprocess import MaskPostprocessor

__all__ = ["BaseSegmenter"]

_COLOR = [Interval(Integral, 0, 255, closed="both"), tuple, list]

#: The parameters every segmenter shares, documented once (``%(segmenter_parameters)s``).
SEGMENTER_PARAMETERS_DOC = """\
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
blank_color : int or tuple of 3 ints, default=0
    Colour the background is blanked to in the ``"masked_rgb"`` output;
    give feature steps after it the same ``blank_color``.
background : int or tuple of 3 ints
    Deprecated old name of ``blank_color``.
%(batch_size)s
%(n_jobs)s
%(show_progress)s"""

SEGMENTER_ATTRIBUTES_DOC = """\
%(n_images_seen_)s
empty_indices_ : ndarray of int
    Positions, in the ``X`` of ``fit`` or ``fit_transform``, of the images
    in which no nucleus was found. ``transform`` does not change it; use
    :meth:`empty_indices` for other images."""


def _stain_contrast(values, mask):
    """How far the mask stands above the rest of a nucleus-high channel, in robust noise units.

    ``(median_in - median_out) / (1.4826 * MAD_out)``: the gap between the
    channel's medians inside and outside the mask, over a robust standard
    deviation of the outside (background, red cells). A Wright/Giemsa
    nucleus scores well above 3; a split of pure noise about 2.
    """
    inside, outside = values[mask], values[~mask]
    centre = np.median(outside)
    spread = 1.4826 * np.median(np.abs(outside - centre))
    return (np.median(inside) - centre) / max(spread, 1e-6)


class BaseSegmenter(ImageToImageStep, metaclass=ABCMeta):
    """Shared machinery of the segmenters: clean-up, output modes, empty masks.

    A subclass implements only ``_raw_mask(rgb) -> bool (H, W)`` (its
    thresholding or clustering) and has a ``channel`` parameter (the
    nucleus-high channel of :func:`nucleus_channel` it works on). This class

    * validates parameters and images (paths or uint8 arrays; a 4th channel
      of the input is ignored and replaced) and runs the per-image loop of
      :class:`featleuk.base.ImageToImageStep`;
    * runs ``_raw_mask`` then the shared :class:`MaskPostprocessor` on each
      image;
    * treats a uniform image (every pixel the same colour) as having no
      nucleus without calling ``_raw_mask``, since a clustering of a single
      colour is meaningless;
    * rejects a mask whose pixels do not clearly stand out in ``channel``
      (``min_contrast``): thresholds and clusterings always split
      *something*, so a field with no nucleus would otherwise come back with
      its noise or red cells as "nucleus";
    * builds the output image of the chosen ``output`` mode;
    * records in ``empty_indices_`` which images of ``fit`` /
      ``fit_transform`` came out with an empty mask. Their outputs are still
      produced: an all-zero mask channel, an all-``blank_color`` image, or the
      whole image resized for ``"crop"``, so feature steps downstream
      receive them like any other image.

    The segmenters learn nothing across images (each image is segmented on
    its own), so using them before cross-validation cannot leak labels.

    Subclasses document the shared parameters with
    ``%(segmenter_parameters)s`` and the fitted attributes with
    ``%(segmenter_attributes)s``.

    See Also
    --------
    OtsuSegmenter, KMeansSegmenter, FuzzyCMeansSegmenter : the segmenters built on it.

    Examples
    --------
    A segmenter whose nucleus is the pixels darker than a fixed grey level:

    >>> import numpy as np
    >>> from featleuk.segmentation import BaseSegmenter
    >>> class DarkSegmenter(BaseSegmenter):
    ...     def __init__(self, channel="darkness", *, postprocess=None, min_contrast=2.0,
    ...                  output="mask_channel", crop_size=128, crop_mode="largest",
    ...                  crop_margin=0.15, blank_color=0, background="deprecated",
    ...                  batch_size=32, n_jobs=None, show_progress=True):
    ...         self.channel, self.postprocess, self.min_contrast = channel, postprocess, min_contrast
    ...         self.output, self.crop_size, self.crop_mode = output, crop_size, crop_mode
    ...         self.crop_margin, self.blank_color, self.background = crop_margin, blank_color, background
    ...         self.batch_size, self.n_jobs, self.show_progress = batch_size, n_jobs, show_progress
    ...     def _raw_mask(self, rgb):
    ...         return self._channel_values(rgb) > 0.5
    >>> field = np.full((1, 16, 16, 3), 230, np.uint8)
    >>> field[0, 4:10, 4:10] = (90, 40, 120)  # a dark purple nucleus
    >>> out = DarkSegmenter(show_progress=False).fit_transform(field)
    >>> out.shape, int((out[0, ..., 3] > 0).sum())
    ((1, 16, 16, 4), 36)
    """

    _parameter_constraints: dict = {
        **ImageToImageStep._parameter_constraints,
        "channel": [StrOptions(CHANNEL_OPTIONS, deprecated={"gray"})],
        "postprocess": [HasMethods(["__call__", "get_params"]), None],
        "min_contrast": [Interval(Real, 0, None, closed="left")],
        "output": [StrOptions(set(OUTPUT_MODES))],
        "crop_size": [Interval(Integral, 8, None, closed="left")],
        "crop_mode": [StrOptions(set(CROP_MODES))],
        "crop_margin": [Interval(Real, 0, None, closed="left")],
        "blank_color": _COLOR,
        "background": deprecated_constraint(*_COLOR),
    }
    _learns_from_data = False
    _family_docs = {"segmenter_parameters": SEGMENTER_PARAMETERS_DOC,
                    "segmenter_attributes": SEGMENTER_ATTRIBUTES_DOC}

    @abstractmethod
    def _raw_mask(self, rgb):
        """The segmenter's own boolean ``(H, W)`` nucleus mask of a uint8 RGB image."""

    def _check_segmenter_params(self):
        """Extra checks of a subclass's parameters (called by ``fit``)."""

    def _channel(self):
        """The nucleus-high channel in force (current name, no warning)."""
        return resolve_channel(self.channel, warn=False)

    def _blank_color(self):
        return renamed_value(self, "background", "blank_color")

    def _channel_values(self, rgb):
        return nucleus_channel(rgb, self._channel())

    def segment(self, rgb):
        """The cleaned boolean nucleus mask of one ``(H, W, 3)`` uint8 image.

        Usable after ``fit``; no output mode is applied.

        Parameters
        ----------
        rgb : ndarray of shape (H, W, 3), uint8
            One RGB image (no mask channel).

        Returns
        -------
        ndarray of shape (H, W), bool
            True on nucleus pixels; all False when no nucleus is found
            (uniform image, or a mask below ``min_contrast``).
        """
        empty = np.zeros(rgb.shape[:2], bool)
        if (rgb == rgb[0, 0]).all():
            return empty
        mask = self._postprocess_(self._raw_mask(rgb))
        if self.min_contrast > 0 and mask.any() and not mask.all():
            if _stain_contrast(self._channel_values(rgb), mask) < self.min_contrast:
                return empty
        return mask

    # -- per image ---------------------------------------------------------------------

    def _rgb_and_mask(self, image):
        rgb = np.ascontiguousarray(split_mask(image)[0])
        return rgb, self.segment(rgb)

    def _compose(self, rgb, mask):
        return compose_output(rgb, mask, output=self.output, crop_size=self.crop_size,
                              crop_mode=self.crop_mode, crop_margin=self.crop_margin,
                              blank_color=self._blank_color())

    def _transform_image(self, image):
        return self._compose(*self._rgb_and_mask(image))

    def _output_and_flag(self, image):
        rgb, mask = self._rgb_and_mask(image)
        return self._compose(rgb, mask), not mask.any()

    def _mask_image(self, image):
        return self._rgb_and_mask(image)[1]

    def _is_empty(self, image):
        return not self._mask_image(image).any()

    # -- estimator API -----------------------------------------------------------------

    def _fit_setup(self):
        resolve_channel(self.channel)  # FutureWarning for an old channel name
        warn_renamed(self, "background", "blank_color")
        self._check_segmenter_params()
        postprocess = MaskPostprocessor() if self.postprocess is None else clone(self.postprocess)
        if isinstance(postprocess, MaskPostprocessor):
            postprocess.validate()
        self._postprocess_ = postprocess

    def _fit_images(self, X):
        self._fit_setup()
        self.empty_indices_ = np.flatnonzero(self._map_images(self._is_empty, X))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)`` with one segmentation pass.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images (uint8 RGB); a 4th channel is ignored and replaced.
        y : ignored
            Not used; present for pipeline compatibility.

        Returns
        -------
        ndarray of uint8, or list of arrays
            As :meth:`transform`; ``empty_indices_`` lists the images with no nucleus.
        """
        X = self._check_images(X)
        self._fit_setup()
        results = self._map_images(self._output_and_flag, X)
        self.empty_indices_ = np.flatnonzero([empty for _, empty in results])
        self.n_images_seen_ = len(X)
        return stack_images([image for image, _ in results])

    def transform(self, X):
        """Segment every image and return the images of the chosen ``output`` mode.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images (uint8 RGB); a 4th channel is ignored and replaced.

        Returns
        -------
        ndarray of uint8, or list of arrays
            ``(N, H, W, 4)`` for ``"mask_channel"``, ``(N, H, W, 3)`` for
            ``"masked_rgb"``, ``(N, crop_size, crop_size, 4)`` for
            ``"crop"``; a list when input images differ in size (except
            ``"crop"``). Fitted attributes are left alone: the images with
            no nucleus are :meth:`empty_indices` of ``X``.
        """
        return super().transform(X)

    def empty_indices(self, X):
        """Positions of the images of ``X`` in which no nucleus is found.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images (uint8 RGB); a 4th channel is ignored.

        Returns
        -------
        ndarray of int
            Positions in ``X``, ascending.
        """
        check_is_fitted(self, "n_images_seen_")
        return np.flatnonzero(self._map_images(self._is_empty, self._check_images(X)))

    def predict_masks(self, X):
        """Boolean nucleus masks, for scoring against ground truth.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images (uint8 RGB); a 4th channel is ignored.

        Returns
        -------
        ndarray of shape (N, H, W), bool, or list of arrays when sizes differ
            The cleaned mask of each image (:meth:`segment`), whatever
            ``output`` is.
        """
        check_is_fitted(self, "n_images_seen_")
        return stack_images(self._map_images(self._mask_image, self._check_images(X)))
