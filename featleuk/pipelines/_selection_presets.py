"""Hybrid presets: frozen MobileNetV2 ImageNet features, an optional reducer, a classical classifier.

Das et al. (2022) feed MobileNetV2 features to an SVM (the best ALL
classifier in the review of Yousif et al. (n.d.), Tables 4-5). Rahman et al. (2020)
refine CNN features with PCA, LDA, particle swarm and cat swarm optimisation
and compare seven classical classifiers on them; Shahin et al. (2019) select
CNN features by chi-squared. Every combination is a preset named
``mobilenetv2-{reducer}-{classifier}``, or ``mobilenetv2-{classifier}``
without a reducer, for the reducers of :data:`~featleuk.pipelines.REDUCERS`
(``pca``, ``lda``, ``pso``, ``cso``, ``chi2``) and the classifiers of
:data:`~featleuk.pipelines.CLASSIFIERS` (``svm``, ``rf``, ``knn``,
``xgboost``, ``logreg``, ``nb``, ``tree``).

The steps are ``features`` -> ``reduce`` (optional) -> ``scale`` (only for
classifiers that want standardised input: SVM, KNN, logistic regression) ->
``clf``, so routed parameters read the same across presets (``clf__C``,
``features__batch_size``). Reducing before scaling keeps chi2's
non-negative input and lets the selectors and PCA work on the CNN's own
feature scale.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._blocks import CLASSIFIERS, REDUCERS, make_classifier, make_reducer, mobilenet_v2_features
from ._registry import register_preset

__all__ = ["preset_name"]

_DAS = "Das et al. (2022), MobileNetV2 features + SVM (reviewed by Yousif et al. (n.d.), Tables 4-5)"
_RAHMAN = ("Rahman et al. (2020), CNN features with seven classical classifiers "
           "(summarised by Aravindkumaran et al. (2025))")
_REFINED = ("Rahman et al. (2020), CNN features refined by PCA, LDA, PSO or CSO, seven classical "
            "classifiers (summarised by Aravindkumaran et al. (2025))")
_SHAHIN = ("Shahin et al. (2019), chi-squared selection of CNN features (reviewed by Yousif et al. (n.d.), "
           "Table 2); classifiers after Rahman et al. (2020)")


def preset_name(reducer, classifier):
    """``mobilenetv2-{reducer}-{classifier}``, or ``mobilenetv2-{classifier}`` for ``None``."""
    return f"mobilenetv2-{classifier}" if reducer is None else f"mobilenetv2-{reducer}-{classifier}"


def _reference(reducer, classifier):
    if reducer is None:
        return _DAS if classifier == "svm" else _RAHMAN
    return _SHAHIN if reducer == "chi2" else _REFINED


def _builder(reducer, classifier):
    def build():
        steps = [("features", mobilenet_v2_features())]
        if reducer is not None:
            steps.append(("reduce", make_reducer(reducer)))
        if CLASSIFIERS[classifier].needs_scaling:
            steps.append(("scale", StandardScaler()))
        steps.append(("clf", make_classifier(classifier)))
        return Pipeline(steps)

    return build


def _register_all():
    for classifier, clf_block in CLASSIFIERS.items():
        for reducer in (None, *REDUCERS):
            reduce_text = "" if reducer is None else f", {REDUCERS[reducer].description}"
            scale_text = ", standardised" if clf_block.needs_scaling else ""
            register_preset(
                preset_name(reducer, classifier),
                f"MobileNetV2 ImageNet features{reduce_text}{scale_text}, {clf_block.description}",
                _reference(reducer, classifier),
            )(_builder(reducer, classifier))


_register_all()
