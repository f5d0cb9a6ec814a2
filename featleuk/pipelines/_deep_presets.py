"""Hybrid presets: frozen MobileNetV2 ImageNet features + a classical classifier.

Das et al. 2022 (summarised in seed 003, Tables 4-5) feed MobileNetV2 features
to an SVM; seed 000 [1] compares other classical classifiers on the same
features. Every preset has the steps ``features`` (DeepFeatures), then
``scale`` where the classifier is scale-sensitive, then ``clf``, so routed
parameters read the same across presets (``clf__C``, ``features__batch_size``).
"""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ._registry import register_preset

#: The only MobileNetV2 ImageNet checkpoint that can be had offline here (and
#: the one Keras-era papers used); named explicitly so results do not depend
#: on what torchvision calls DEFAULT on a given machine.
MOBILENET_V2_WEIGHTS = "IMAGENET1K_V1"


#: Resize the whole field to 224x224 rather than resize-to-256 + centre crop:
#: smear fields are already ~224 px and the crop cuts cells at the border.
#: Measured on the Aria ALL data (5-fold, RBF SVM C=10): 98.4% with "resize"
#: vs 98.0% with the crop (docs/benchmarks.md, "Preprocessing choice").
MOBILENET_V2_PREPROCESS = "resize"


def mobilenet_v2_features():
    """The shared first step of the MobileNetV2 hybrids."""
    from ..features import DeepFeatures

    return DeepFeatures("mobilenet_v2", weights=MOBILENET_V2_WEIGHTS, preprocess=MOBILENET_V2_PREPROCESS)


def _hybrid(*tail):
    return Pipeline([("features", mobilenet_v2_features()), *tail])


@register_preset(
    "mobilenetv2-svm",
    "MobileNetV2 ImageNet features, standardised, RBF SVM",
    "Das et al. 2022, MobileNetV2-SVM (seed 003, Tables 4-5, ref [16])",
)
def mobilenetv2_svm():
    return _hybrid(("scale", StandardScaler()), ("clf", SVC(kernel="rbf", C=10.0, gamma="scale")))


@register_preset(
    "mobilenetv2-rf",
    "MobileNetV2 ImageNet features, random forest (500 trees)",
    "seed 000, related work [1]",
)
def mobilenetv2_rf():
    return _hybrid(("clf", RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1)))


@register_preset(
    "mobilenetv2-knn",
    "MobileNetV2 ImageNet features, standardised, 5-nearest neighbours",
    "seed 000, related work [1]",
)
def mobilenetv2_knn():
    return _hybrid(("scale", StandardScaler()), ("clf", KNeighborsClassifier(n_neighbors=5)))


@register_preset(
    "mobilenetv2-xgboost",
    "MobileNetV2 ImageNet features, gradient-boosted trees (xgboost's sklearn API)",
    "seed 000, related work [1]",
)
def mobilenetv2_xgboost():
    from xgboost import XGBClassifier

    return _hybrid((
        "clf",
        # Shallow trees on a coarse histogram: 98.4% 5-fold on the Aria features at a
        # fraction of xgboost's default cost (multi-class grows one tree per class per round).
        XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.3, max_bin=64, subsample=0.8,
                      colsample_bytree=0.3, tree_method="hist", random_state=0, n_jobs=-1),
    ))
