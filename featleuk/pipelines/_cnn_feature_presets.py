"""Hybrid presets on other CNNs' frozen ImageNet features: VGG16, AlexNet, EfficientNet-Lite0.

Das et al. (2022) tabulate VGG16 features with an SVM and a random forest
next to MobileNetV2 (91.48 % and 89.62 % on ALL-IDB1, 90.00 % and 86.92 % on
ALL-IDB2, against 99.39 % and 98.21 % for MobileNetV2 + SVM; reviewed by
Yousif et al. (n.d.), Tables 4-5). Shehta et al. (2025) fine-tune AlexNet
among eight CNNs (87.9 %); Das and Meher (2021) report 93.64 % / 91.54 % for
it. Yaseen et al. (2025) reach 99.84 % with EfficientNet-B3, whose weights
cannot be had offline; EfficientNet-Lite0 is the EfficientNet that can.

Offline, VGG16 and AlexNet have their convolutional layers only
(:data:`~featleuk.pipelines.CNN_FEATURES`): the features are the pooled
last conv block (512 and 256 values), not the 4,096 of the fully connected
layers the papers read. Steps and routed parameter names are those of the
MobileNetV2 presets: ``features`` -> ``scale`` (SVM only) -> ``clf``.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._blocks import CLASSIFIERS, CNN_FEATURES, make_classifier, make_cnn_features
from ._registry import register_preset

__all__ = []

_DAS_VGG16 = ("Das et al. (2022), VGG16 features + {}: {} % on ALL-IDB1, {} % on ALL-IDB2 "
              "(reviewed by Yousif et al. (n.d.), Tables 4-5)")
_ALEXNET = ("Das and Meher (2021), AlexNet: 93.64 % on ALL-IDB1 (reviewed by Yousif et al. (n.d.), "
            "Table 4); Shehta et al. (2025), fine-tuned AlexNet: 87.9 %")
_LITE0 = ("Yaseen et al. (2025), EfficientNet-B3: 99.84 % (EfficientNet-Lite0 stands in: B3's "
          "weights are not available offline); SVM after Das et al. (2022)")

#: preset name -> (CNN_FEATURES key, CLASSIFIERS key, reference).
CNN_FEATURE_PRESETS = {
    "vgg16-svm": ("vgg16", "svm", _DAS_VGG16.format("SVM", "91.48", "90.00")),
    "vgg16-rf": ("vgg16", "rf", _DAS_VGG16.format("RF", "89.62", "86.92")),
    "alexnet-svm": ("alexnet", "svm", _ALEXNET),
    "efficientnet-lite0-svm": ("efficientnet_lite0", "svm", _LITE0),
}


def _builder(backbone, classifier):
    def build():
        steps = [("features", make_cnn_features(backbone))]
        if CLASSIFIERS[classifier].needs_scaling:
            steps.append(("scale", StandardScaler()))
        steps.append(("clf", make_classifier(classifier)))
        return Pipeline(steps)

    return build


for _name, (_backbone, _classifier, _reference) in CNN_FEATURE_PRESETS.items():
    _scale = ", standardised" if CLASSIFIERS[_classifier].needs_scaling else ""
    register_preset(
        _name,
        f"{CNN_FEATURES[_backbone].description}{_scale}, {CLASSIFIERS[_classifier].description}",
        _reference,
    )(_builder(_backbone, _classifier))
