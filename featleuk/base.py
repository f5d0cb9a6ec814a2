"""What every featleuk image step shares: the ``learns_from_data`` tag.

A step that learns nothing from its training data (a frozen CNN, a
segmenter that thresholds each image on its own, a texture family) gives an
image the same output whichever fold the image is in. Experiments read this
tag to compute such steps once per image and cross-validate only the rest
of a pipeline (:func:`frozen_prefix_length`); nothing hard-codes which steps
those are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sklearn.pipeline import FeatureUnion, Pipeline

from .utils._sklearn_compat import Tags, get_tags

__all__ = ["FeatleukTags", "learns_from_data", "frozen_prefix_length"]


@dataclass
class FeatleukTags(Tags):
    """scikit-learn's :class:`~sklearn.utils.Tags` plus featleuk's own.

    Attributes
    ----------
    learns_from_data : bool, default=True
        False when ``fit`` learns nothing from ``X`` or ``y`` (it may still
        load a model or validate parameters), so ``transform`` of an image
        does not depend on the training set.
    """

    learns_from_data: bool = True

    @classmethod
    def from_tags(cls, tags: Tags, **extra) -> "FeatleukTags":
        """Copy scikit-learn tags into a :class:`FeatleukTags` with ``extra`` set."""
        return cls(**{f.name: getattr(tags, f.name) for f in fields(tags)}, **extra)


def learns_from_data(estimator) -> bool:
    """Whether fitting ``estimator`` learns anything from the data.

    Pipelines and feature unions learn from data when any of their steps
    does; an estimator without featleuk's tag is assumed to learn.

    Parameters
    ----------
    estimator : estimator, Pipeline, FeatureUnion, "passthrough" or None

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> learns_from_data(SVC())
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

    Returns
    -------
    int
        Between 0 and ``len(pipeline) - 1``: the final estimator is never
        part of the frozen prefix.
    """
    n = 0
    for _, step in pipeline.steps[:-1]:
        if learns_from_data(step):
            break
        n += 1
    return n
