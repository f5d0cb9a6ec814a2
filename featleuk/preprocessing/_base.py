"""The base class of featleuk's image -> image transformers."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from ..utils._sklearn_compat import Interval, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..images import check_images, split_mask
from ._image_map import map_images, stack_images

__all__ = ["BaseImageTransformer"]


class BaseImageTransformer(TransformerMixin, BaseEstimator):
    """Shared machinery of image -> image steps.

    Subclasses implement ``_transform_rgb(rgb) -> rgb`` (uint8 in, uint8 out,
    same height and width) and, when they learn from reference images,
    ``_fit_images(X)``. This class validates parameters and input, runs the
    per-image function over batches (paths decoded lazily, ``n_jobs``
    workers, one progress bar) and carries a 4th mask channel through
    untouched, so a stain step may sit after a segmenter.

    The output is an ``(N, H, W, C)`` uint8 array, or a list of arrays when
    the input images differ in size.
    """

    _parameter_constraints: dict = {
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "show_progress": ["boolean"],
    }

    def _fit_images(self, X):
        """Learn from reference images; stateless steps keep this no-op."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and learn from ``X`` where the step has something to learn.

        Parameters
        ----------
        X : paths, (N, H, W, 3|4) uint8 array or list of arrays
        y : ignored

        Returns
        -------
        self
        """
        X = check_images(X, caller=type(self).__name__)
        self._fit_images(X)
        self.n_images_seen_ = len(X)
        return self

    def _transform_one(self, image):
        rgb, _ = split_mask(image)
        out = self._transform_rgb(np.ascontiguousarray(rgb))
        if image.shape[2] == 4:
            # Keep the segmenter's mask values exactly (not re-binarised).
            out = np.concatenate([out, image[..., 3:]], axis=2)
        return out

    def transform(self, X):
        """Apply the step to every image.

        Parameters
        ----------
        X : paths, (N, H, W, 3|4) uint8 array or list of arrays

        Returns
        -------
        ndarray of shape (N, H, W, C) uint8, or list of arrays
            ``C`` is 3, or 4 when the input carried a mask channel.
        """
        check_is_fitted(self, "n_images_seen_")
        X = check_images(X, caller=type(self).__name__)
        out = map_images(self._transform_one, X, batch_size=self.batch_size, n_jobs=self.n_jobs,
                         show_progress=self.show_progress, desc=type(self).__name__)
        return stack_images(out)
