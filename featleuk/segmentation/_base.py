"""The base class of featleuk's nucleus segmenters."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..images import check_images, split_mask
from ..preprocessing import map_images, stack_images
from ._channels import nucleus_channel
from ._outputs import CROP_MODES, OUTPUT_MODES, compose_output
from ._postprocess import MaskPostprocessor

__all__ = ["BaseSegmenter"]


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


class BaseSegmenter(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of the segmenters: batches, clean-up, output modes, empty masks.

    A subclass implements only ``_raw_mask(rgb) -> bool (H, W)`` (its
    thresholding or clustering). This class

    * validates parameters and images (paths or uint8 arrays, a 4th channel
      of the input is ignored and replaced);
    * runs ``_raw_mask`` then the shared :class:`MaskPostprocessor` on each
      image, over batches, with ``n_jobs`` joblib workers and one progress
      bar;
    * treats a uniform image (every pixel the same colour) as having no
      nucleus without calling ``_raw_mask``, since a clustering of a single
      colour is meaningless;
    * rejects a mask whose pixels do not clearly stand out in the
      segmenter's own stain channel (``min_contrast``, measured on
      ``_contrast_channel``): thresholds and clusterings always
      split *something*, so a field with no nucleus would otherwise come
      back with its noise or red cells as "nucleus";
    * builds the output image of the chosen ``output`` mode;
    * records which images came out with an empty mask in ``empty_indices_``.

    The segmenters learn nothing across images (each image is segmented on
    its own), so using them before cross-validation cannot leak labels.

    Attributes set by ``fit`` (and ``empty_indices_`` also by every
    ``transform``):

    n_images_seen_ : int
        Number of images passed to ``fit``.
    empty_indices_ : ndarray of int
        Positions, in the ``X`` of the most recent ``fit``, ``transform`` or
        ``fit_transform`` call, of the images in which no nucleus was found
        (empty mask after post-processing). Their outputs are still
        produced: an all-zero mask channel, an all-``background`` image, or
        the whole image resized for ``"crop"``. Feature steps downstream
        receive them like any other image.
    """

    _parameter_constraints: dict = {
        "postprocess": [HasMethods(["__call__", "get_params"]), None],
        "min_contrast": [Interval(Real, 0, None, closed="left")],
        "output": [StrOptions(set(OUTPUT_MODES))],
        "crop_size": [Interval(Integral, 8, None, closed="left")],
        "crop_mode": [StrOptions(set(CROP_MODES))],
        "crop_margin": [Interval(Real, 0, None, closed="left")],
        "background": [Interval(Integral, 0, 255, closed="both"), tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "show_progress": ["boolean"],
    }

    #: Name of the parameter holding the nucleus-high channel the
    #: ``min_contrast`` check is measured on (see :func:`nucleus_channel`).
    _contrast_channel_param = "channel"

    @abstractmethod
    def _raw_mask(self, rgb):
        """The segmenter's own boolean ``(H, W)`` nucleus mask of a uint8 RGB image."""

    def _check_segmenter_params(self):
        """Extra checks of a subclass's parameters (called by ``fit``)."""

    def segment(self, rgb):
        """The cleaned boolean nucleus mask of one ``(H, W, 3)`` uint8 image.

        Usable after ``fit``; no output mode is applied.
        """
        empty = np.zeros(rgb.shape[:2], bool)
        if (rgb == rgb[0, 0]).all():
            return empty
        mask = self._postprocess_(self._raw_mask(rgb))
        if self.min_contrast > 0 and mask.any() and not mask.all():
            values = nucleus_channel(rgb, getattr(self, self._contrast_channel_param))
            if _stain_contrast(values, mask) < self.min_contrast:
                return empty
        return mask

    def _process_one(self, image):
        rgb, _ = split_mask(image)
        rgb = np.ascontiguousarray(rgb)
        mask = self.segment(rgb)
        out = compose_output(rgb, mask, output=self.output, crop_size=self.crop_size,
                             crop_mode=self.crop_mode, crop_margin=self.crop_margin,
                             background=self.background)
        return out, not mask.any()

    def _run(self, X, images_out):
        X = check_images(X, caller=type(self).__name__)
        step = self._process_one if images_out else self._is_empty
        results = map_images(step, X, batch_size=self.batch_size, n_jobs=self.n_jobs,
                             show_progress=self.show_progress, desc=type(self).__name__)
        if images_out:
            empty = [flag for _, flag in results]
            outputs = stack_images([image for image, _ in results])
        else:
            empty, outputs = results, None
        self.empty_indices_ = np.flatnonzero(np.asarray(empty, dtype=bool))
        return X, outputs

    def _mask_one(self, image):
        return self.segment(np.ascontiguousarray(split_mask(image)[0]))

    def _is_empty(self, image):
        return not self._mask_one(image).any()

    def _fit_setup(self):
        self._check_segmenter_params()
        postprocess = MaskPostprocessor() if self.postprocess is None else clone(self.postprocess)
        if isinstance(postprocess, MaskPostprocessor):
            postprocess.validate()
        self._postprocess_ = postprocess

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate parameters and segment ``X`` once to record ``empty_indices_``.

        Parameters
        ----------
        X : paths, (N, H, W, 3|4) uint8 array or list of arrays
        y : ignored

        Returns
        -------
        self
        """
        self._fit_setup()
        X, _ = self._run(X, images_out=False)
        self.n_images_seen_ = len(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)`` with one segmentation pass."""
        self._fit_setup()
        X, outputs = self._run(X, images_out=True)
        self.n_images_seen_ = len(X)
        return outputs

    def transform(self, X):
        """Segment every image and return the images of the chosen ``output`` mode.

        Parameters
        ----------
        X : paths, (N, H, W, 3|4) uint8 array or list of arrays

        Returns
        -------
        ndarray of uint8, or list of arrays
            ``(N, H, W, 4)`` for ``"mask_channel"``, ``(N, H, W, 3)`` for
            ``"masked_rgb"``, ``(N, crop_size, crop_size, 4)`` for
            ``"crop"``; a list when input images differ in size (except
            ``"crop"``). Updates ``empty_indices_``.
        """
        check_is_fitted(self, "n_images_seen_")
        return self._run(X, images_out=True)[1]

    def predict_masks(self, X):
        """Boolean nucleus masks ``(N, H, W)`` (a list if sizes differ), for scoring."""
        check_is_fitted(self, "n_images_seen_")
        X = check_images(X, caller=type(self).__name__)
        masks = map_images(self._mask_one, X, batch_size=self.batch_size, n_jobs=self.n_jobs,
                           show_progress=self.show_progress, desc=type(self).__name__)
        return stack_images(masks)
