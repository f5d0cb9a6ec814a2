"""What every featleuk image step shares: the per-image loop, its parameters and tags.

An image step takes an image collection (paths, ``(N, H, W, 3|4)`` uint8
arrays or lists of them; see :mod:`featleuk.images`) and returns images
(stain tools, segmenters: :class:`ImageToImageStep`) or one feature row per
image (feature families, CNN features: :class:`ImageToFeaturesStep`). Both
run through one loop (:func:`map_image_batches`): validate, decode paths a
batch at a time, optionally spread each batch over joblib workers, drive
one progress bar, and set ``n_images_seen_`` in ``fit``. A concrete step
implements one hook: ``_transform_image`` (one image) or
``_transform_batch`` (a whole batch, for a CNN).

A step that learns nothing from its training data (a frozen CNN, a
segmenter that thresholds each image on its own, a texture family) gives an
image the same output whichever fold the image is in. Experiments read the
``learns_from_data`` tag to compute such steps once per image and
cross-validate only the rest of a pipeline (:func:`frozen_prefix_length`);
nothing hard-codes which steps those are.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from functools import partial
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from .images import check_images, iter_image_batches, stack_images
from .utils import parallel_map, progress
from .utils._docstring import substitute
from .utils._sklearn_compat import Interval, StrOptions, Tags, _fit_context, get_tags

__all__ = [
    "FeatleukTags",
    "learns_from_data",
    "frozen_prefix_length",
    "map_image_batches",
    "map_images",
    "BaseImageStep",
    "ImageToImageStep",
    "ImageToFeaturesStep",
    "SHARED_DOCS",
]


@dataclass
class FeatleukTags(Tags):
    """scikit-learn's :class:`~sklearn.utils.Tags` plus featleuk's own.

    Attributes
    ----------
    learns_from_data : bool, default=True
        False when ``fit`` learns nothing from ``X`` or ``y`` (it may still
        load a model or validate parameters), so ``transform`` of an image
        does not depend on the training set.

    See Also
    --------
    learns_from_data : Reads the tag of an estimator or pipeline.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> tags = FeatleukTags.from_tags(StandardScaler().__sklearn_tags__(), learns_from_data=False)
    >>> tags.learns_from_data, tags.transformer_tags is not None
    (False, True)
    """

    learns_from_data: bool = True

    @classmethod
    def from_tags(cls, tags: Tags, **extra) -> "FeatleukTags":
        """Copy scikit-learn tags into a :class:`FeatleukTags` with ``extra`` set.

        Parameters
        ----------
        tags : sklearn.utils.Tags
            Tags to copy, typically ``super().__sklearn_tags__()``.
        **extra
            featleuk's own tags to set, e.g. ``learns_from_data=False``.

        Returns
        -------
        FeatleukTags
            Every field of ``tags``, plus ``extra``.
        """
        return cls(**{f.name: getattr(tags, f.name) for f in fields(tags)}, **extra)


def learns_from_data(estimator) -> bool:
    """Whether fitting ``estimator`` learns anything from the data.

    Pipelines and feature unions learn from data when any of their steps
    does; an estimator without featleuk's tag is assumed to learn.

    Parameters
    ----------
    estimator : estimator, Pipeline, FeatureUnion, "passthrough" or None
        The step to ask about; ``"passthrough"``, ``"drop"`` and ``None``
        (an empty pipeline step) learn nothing.

    Returns
    -------
    bool
        The ``learns_from_data`` tag (:class:`FeatleukTags`), True when the
        estimator does not declare it.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from featleuk.features import ColorFeatures
    >>> learns_from_data(SVC()), learns_from_data(ColorFeatures())
    (True, False)
    >>> learns_from_data(make_pipeline(ColorFeatures(), SVC()))
    True
    """
    if estimator is None or (isinstance(estimator, str) and estimator in ("passthrough", "drop")):
        return False
    if isinstance(estimator, Pipeline):
        return any(learns_from_data(step) for _, step in estimator.steps)
    if isinstance(estimator, FeatureUnion):
        return any(learns_from_data(part) for _, part in estimator.transformer_list)
    return getattr(get_tags(estimator), "learns_from_data", True)


def frozen_prefix_length(pipeline: Pipeline) -> int:
    """Number of leading steps of ``pipeline`` that learn nothing from the data.

    Those steps can be run once on every image before cross-validation;
    the steps after them must be fitted inside each training fold.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The pipeline whose steps are read, in order, with
        :func:`learns_from_data`.

    Returns
    -------
    int
        Between 0 and ``len(pipeline) - 1``: the final estimator is never
        part of the frozen prefix.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from featleuk.features import ColorFeatures
    >>> frozen_prefix_length(make_pipeline(ColorFeatures(), StandardScaler(), SVC()))
    1
    """
    n = 0
    for _, step in pipeline.steps[:-1]:
        if learns_from_data(step):
            break
        n += 1
    return n


# -- the one per-image loop ----------------------------------------------------------


def map_image_batches(func, X, *, batch_size=32, show_progress=True, desc=None, n_skipped=0,
                      reduce_to=None, prepare=None, prefetch=False):
    """``[func(batch) for batch in X]`` over batches of decoded images, with one progress bar.

    Parameters
    ----------
    func : callable
        Takes a list of ``(H, W, C)`` uint8 arrays (one batch).
    X : paths, (N, H, W, 3|4) uint8 array or list of arrays
        Paths are decoded only when their batch is reached, so peak memory
        is one batch of decoded images.
    batch_size : int, default=32
        Images per call of ``func``; the last batch may be smaller.
    show_progress : bool, default=True
        Show a progress bar over the images (``FEATLEUK_PROGRESS=0`` turns
        every bar off).
    desc : str or None, default=None
        Progress-bar label.
    n_skipped : int, default=0
        Images of the same job done elsewhere (e.g. found in a cache); the
        bar counts them as done.
    reduce_to, prepare, prefetch
        Passed to :func:`featleuk.images.iter_image_batches`: decode large
        JPEGs at reduced scale, transform each image as it is decoded, and
        decode the next batch in threads while ``func`` runs on this one.

    Returns
    -------
    list
        One result per batch, in input order.

    Examples
    --------
    >>> import numpy as np
    >>> map_image_batches(len, np.zeros((5, 4, 4, 3), np.uint8), batch_size=2, show_progress=False)
    [2, 2, 1]
    """
    results = []
    with progress(total=len(X) + n_skipped, initial=n_skipped, desc=desc, enabled=show_progress) as bar:
        for _, batch in iter_image_batches(X, batch_size, reduce_to=reduce_to, prepare=prepare,
                                           prefetch=prefetch):
            results.append(func(batch))
            bar.update(len(batch))
    return results


def _per_image(func, n_jobs):
    # The batch-level function of a per-image one; the bar is map_image_batches's.
    return partial(parallel_map, func, n_jobs=n_jobs, show_progress=False)


def _flatten(batches):
    return [result for batch in batches for result in batch]


def map_images(func, X, *, batch_size=32, n_jobs=None, show_progress=True, desc=None):
    """``[func(image) for image in X]``: batches decoded lazily, ``n_jobs`` workers, one bar.

    The function behind every featleuk image step, for per-image work that is
    not an estimator (e.g. ``map_images(stain_concentrations, paths)``).

    Parameters
    ----------
    func : callable
        Takes one ``(H, W, C)`` uint8 array; must be picklable for ``n_jobs > 1``.
    X : paths, (N, H, W, 3|4) uint8 array or list of arrays
        Images; paths are decoded a batch at a time.
    batch_size : int, default=32
        Images decoded (and dispatched to joblib) at a time.
    n_jobs : int or None, default=None
        joblib workers per batch; ``None`` or 1 runs in-process. Any joblib
        backend in force (``joblib.parallel_config``) is used.
    show_progress : bool, default=True
        Show a progress bar over the images (``FEATLEUK_PROGRESS=0`` turns
        every bar off).
    desc : str or None, default=None
        Progress-bar label.

    Returns
    -------
    list
        One result per image, in input order.

    Examples
    --------
    >>> import numpy as np
    >>> map_images(lambda image: image.shape, [np.ones((6, 5, 3), np.uint8)] * 2, show_progress=False)
    [(6, 5, 3), (6, 5, 3)]
    """
    return _flatten(map_image_batches(_per_image(func, n_jobs), X, batch_size=batch_size,
                                      show_progress=show_progress, desc=desc))


# -- shared parameters and their documentation ------------------------------------------

#: Numpydoc entries shared by image steps, spliced into their docstrings at
#: ``%(name)s`` lines (see :func:`featleuk.utils.Substitution`). ``{default}``
#: is filled with the class's own default, so the text cannot go stale.
SHARED_DOCS = {
    "batch_size": """\
batch_size : int, default={default}
    Images decoded at a time: path input is read one batch at a time, so
    this bounds memory. It does not change the results.""",
    "n_jobs": """\
n_jobs : int or None, default={default}
    joblib workers over the images of a batch; ``None`` or 1 runs
    in-process. Any joblib backend in force (``joblib.parallel_config``)
    is used.""",
    "show_progress": """\
show_progress : bool, default={default}
    Show one progress bar over the images (``FEATLEUK_PROGRESS=0`` turns
    every bar off).""",
    "random_state": """\
random_state : int, RandomState instance or None, default={default}
    scikit-learn's convention: an int gives repeatable results, ``None``
    or a ``RandomState`` instance do not.""",
    "n_images_seen_": """\
n_images_seen_ : int
    Number of images passed to ``fit``.""",
}


def _class_docs(cls) -> dict:
    """:data:`SHARED_DOCS` with ``cls``'s defaults filled in, plus its bases' ``_family_docs``."""
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    docs = {}
    for name, text in SHARED_DOCS.items():
        default = params[name].default if name in params else inspect.Parameter.empty
        docs[name] = text if default is inspect.Parameter.empty else text.replace("{default}", repr(default))
    for klass in reversed(cls.__mro__):
        docs.update(vars(klass).get("_family_docs", {}))
    return docs


class BaseImageStep(TransformerMixin, BaseEstimator):
    """Base of featleuk's image steps: the shared parameters, ``fit`` and the per-image loop.

    Subclasses store ``batch_size``, ``show_progress`` and (for per-image
    work) ``n_jobs`` in ``__init__``, extend ``_parameter_constraints``
    and implement the hooks

    * ``_fit_images(X)``: family checks and whatever ``fit`` learns from
      the validated ``X`` (nothing, for most steps);
    * ``_transform_image(image)``: the output of one ``(H, W, C)`` uint8
      image, run over batches with ``n_jobs`` workers; or
      ``_transform_batch(images)`` for work done on a whole batch at once.

    Docstrings may use the ``%(name)s`` lines of :data:`SHARED_DOCS` and of
    the ``_family_docs`` dict a family base class defines.
    ``_learns_from_data = False`` marks a step whose ``fit`` learns nothing
    from the data (tag :class:`FeatleukTags`).

    Attributes
    ----------
    n_images_seen_ : int
        Number of images passed to ``fit``.

    See Also
    --------
    ImageToImageStep : Base of steps whose ``transform`` returns images.
    ImageToFeaturesStep : Base of steps whose ``transform`` returns features.

    Examples
    --------
    A step that only validates its input:

    >>> import numpy as np
    >>> class CountImages(BaseImageStep):
    ...     def __init__(self, batch_size=32, n_jobs=None, show_progress=False):
    ...         self.batch_size = batch_size
    ...         self.n_jobs = n_jobs
    ...         self.show_progress = show_progress
    >>> CountImages().fit(np.zeros((3, 4, 4, 3), np.uint8)).n_images_seen_
    3
    """

    _parameter_constraints: dict = {
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "show_progress": ["boolean"],
    }

    #: Whether ``fit`` learns from ``X`` (read by :func:`learns_from_data`).
    _learns_from_data = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and "%(" in cls.__doc__:
            docs = _class_docs(cls)
            for _ in range(3):  # family fragments may hold shared ones
                cls.__doc__ = substitute(cls.__doc__, docs)

    def __sklearn_tags__(self):
        return FeatleukTags.from_tags(super().__sklearn_tags__(), learns_from_data=self._learns_from_data)

    # -- hooks ---------------------------------------------------------------------

    def _fit_images(self, X):
        """Family checks and learning from the validated ``X``; nothing by default."""

    def _transform_image(self, image):
        raise NotImplementedError(f"{type(self).__name__} implements neither _transform_image "
                                  "nor _transform_batch")

    def _transform_batch(self, images):
        """Outputs of one batch of decoded images (a list or an array)."""
        return _per_image(self._transform_image, self.n_jobs)(images)

    # -- the loop ------------------------------------------------------------------

    def _check_images(self, X):
        return check_images(X, caller=type(self).__name__)

    def _map_batches(self, X, func=None, *, n_skipped=0):
        """``func`` (default ``_transform_batch``) over the batches of ``X``: a list per batch."""
        return map_image_batches(func or self._transform_batch, X, batch_size=self.batch_size,
                                 show_progress=self.show_progress, desc=type(self).__name__,
                                 n_skipped=n_skipped)

    def _map_images(self, func, X):
        """``func`` over the images of ``X`` with this step's ``n_jobs``: one result per image."""
        return _flatten(self._map_batches(X, _per_image(func, self.n_jobs)))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and ``X``, and learn from ``X`` if the step learns anything.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images; a 4th channel is a nucleus mask (non-zero = nucleus).
        y : None
            Ignored; present for the scikit-learn API (labels of a pipeline
            go to its later steps).

        Returns
        -------
        self
            The fitted step.
        """
        X = self._check_images(X)
        self._fit_images(X)
        self.n_images_seen_ = len(X)
        return self


_SET_OUTPUT_OPTIONS = StrOptions({"default", "pandas", "polars"})


class ImageToImageStep(BaseImageStep, auto_wrap_output_keys=None):
    """Base of image -> image steps: ``transform`` returns images.

    The output is an ``(N, H, W, C)`` uint8 array, or a list of arrays when
    the output images differ in size.

    Attributes
    ----------
    n_images_seen_ : int
        Number of images passed to ``fit``.

    Examples
    --------
    A step that inverts the colours of each image:

    >>> import numpy as np
    >>> class Invert(ImageToImageStep):
    ...     def __init__(self, batch_size=32, n_jobs=None, show_progress=False):
    ...         self.batch_size = batch_size
    ...         self.n_jobs = n_jobs
    ...         self.show_progress = show_progress
    ...     def _transform_image(self, image):
    ...         return 255 - image
    >>> Invert().fit_transform(np.zeros((2, 4, 4, 3), np.uint8))[0, 0, 0]
    array([255, 255, 255], dtype=uint8)
    """

    def __init_subclass__(cls, **kwargs):
        # Images are not tables: scikit-learn must never wrap their output in a DataFrame.
        kwargs["auto_wrap_output_keys"] = None
        super().__init_subclass__(**kwargs)

    def transform(self, X):
        """Apply the step to every image.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images; a 4th channel is a nucleus mask (non-zero = nucleus).

        Returns
        -------
        ndarray of shape (N, H', W', C), uint8, or list of arrays
            The output images, in input order; a list when their shapes
            differ.
        """
        check_is_fitted(self, "n_images_seen_")
        return stack_images(_flatten(self._map_batches(self._check_images(X))))

    def set_output(self, *, transform=None):
        """Accept a pipeline's output configuration and keep returning images.

        ``Pipeline.set_output(transform="pandas")`` configures every step; an
        image cannot be a table, so this step leaves its output alone and the
        feature steps after it return the DataFrames.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The output container requested for the pipeline; checked, then
            ignored by this step.

        Returns
        -------
        self
            This step, unchanged.
        """
        if transform is not None and not _SET_OUTPUT_OPTIONS.is_satisfied_by(transform):
            raise ValueError(f"{type(self).__name__}.set_output: transform must be one of "
                             f"{sorted(_SET_OUTPUT_OPTIONS.options)} or None, got {transform!r}")
        return self

    def get_feature_names_out(self, input_features=None):
        """Pass names through: images have no columns, so a pipeline's names come from later steps.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names to pass through.

        Returns
        -------
        ndarray of str or None
            ``input_features`` unchanged (as an object array).
        """
        return None if input_features is None else np.asarray(input_features, dtype=object)


class ImageToFeaturesStep(BaseImageStep):
    """Base of image -> matrix steps: one feature row per image.

    ``_fit_images`` sets ``feature_names_out_`` and ``n_features_out_``;
    ``_transform_image`` returns one row, or ``_transform_batch`` a 2-D
    array for a whole batch.

    Attributes
    ----------
    n_images_seen_ : int
        Number of images passed to ``fit``.
    feature_names_out_ : ndarray of str
        Names of the output columns, set by the subclass's ``_fit_images``.
    n_features_out_ : int
        Number of output columns.

    Examples
    --------
    A step whose features are the mean of each colour channel:

    >>> import numpy as np
    >>> class MeanColour(ImageToFeaturesStep):
    ...     def __init__(self, batch_size=32, n_jobs=None, show_progress=False):
    ...         self.batch_size = batch_size
    ...         self.n_jobs = n_jobs
    ...         self.show_progress = show_progress
    ...     def _fit_images(self, X):
    ...         self.feature_names_out_ = np.array(["mean_r", "mean_g", "mean_b"], dtype=object)
    ...         self.n_features_out_ = 3
    ...     def _transform_image(self, image):
    ...         return image[..., :3].mean(axis=(0, 1))
    >>> images = np.full((2, 4, 4, 3), 10, np.uint8)
    >>> MeanColour().fit_transform(images)
    array([[10., 10., 10.],
           [10., 10., 10.]])
    >>> MeanColour().fit(images).get_feature_names_out()
    array(['mean_r', 'mean_g', 'mean_b'], dtype=object)
    """

    def _feature_rows(self, X, *, n_skipped=0):
        """The rows of the validated ``X``, one batch at a time."""
        return np.concatenate(self._map_batches(X, n_skipped=n_skipped))

    def transform(self, X):
        """Compute one feature row per image.

        Parameters
        ----------
        X : sequence of paths, ndarray of shape (N, H, W, 3 or 4), or list of arrays
            Images; a 4th channel is a nucleus mask (non-zero = nucleus).

        Returns
        -------
        ndarray of shape (n_images, n_features_out_)
            One row per image, in input order; the columns are
            ``feature_names_out_``.
        """
        check_is_fitted(self, "feature_names_out_")
        return self._feature_rows(self._check_images(X))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : ignored
            The input is images, which have no column names.

        Returns
        -------
        ndarray of str
            A copy of ``feature_names_out_``.
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
