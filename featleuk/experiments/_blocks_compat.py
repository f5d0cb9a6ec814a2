"""The pipeline building blocks the experiments are made of, imported in one place.

``featleuk.pipelines`` is getting public builders (``make_classifier``,
``make_reducer``, ``make_segmenter``, ``make_feature_family``,
``mobilenet_v2_features``). Until they are there, this module gives the
experiments the same names on top of the preset modules' current helpers,
with the same settings, so switching over is one edit of this file.
"""

from __future__ import annotations

from ..pipelines._classical_presets import FEATURE_FAMILIES, SEGMENTERS, _features, feature_family, segmenter
from ..pipelines._deep_presets import mobilenet_v2_features
from ..pipelines._selection_presets import CLASSIFIERS, REDUCERS, preset_name

__all__ = [
    "CLASSIFIER_NAMES",
    "FEATURE_FAMILY_NAMES",
    "REDUCER_NAMES",
    "SEGMENTER_NAMES",
    "make_classifier",
    "make_feature_family",
    "make_reducer",
    "make_segmenter",
    "mobilenet_v2_features",
    "preset_name",
]

#: Classifiers of the MobileNetV2 presets (``mobilenetv2-{reducer}-{classifier}``).
CLASSIFIER_NAMES = tuple(CLASSIFIERS)
#: Feature reducers of those presets.
REDUCER_NAMES = tuple(REDUCERS)
#: Segmenter settings.
SEGMENTER_NAMES = tuple(SEGMENTERS)
#: Handcrafted feature families; ``"all"`` is all of them side by side.
FEATURE_FAMILY_NAMES = tuple(FEATURE_FAMILIES)


def make_classifier(name, **params):
    """A fresh classifier as the presets use it (``"svm"``: RBF SVM with C=10, ...)."""
    return CLASSIFIERS[name][0]().set_params(**params)


def make_reducer(name, **params):
    """A fresh feature reducer of the presets (``"pca"``, ``"lda"``, ``"pso"``, ...)."""
    return REDUCERS[name][0]().set_params(**params)


def make_segmenter(name, **params):
    """A fresh segmenter setting (``"otsu"``, ``"kmeans"``, ``"efcm"``, ...)."""
    return segmenter(name).set_params(**params)


def make_feature_family(name, **params):
    """A fresh feature family, or for ``"all"`` a FeatureUnion of every family in order."""
    if name == "all":
        return _features(*FEATURE_FAMILIES).set_params(
            **{f"{family}__{key}": value for family in FEATURE_FAMILIES for key, value in params.items()})
    return feature_family(name).set_params(**params)
