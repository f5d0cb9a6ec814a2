"""Hybrid presets for tens of thousands of images: frozen MobileNetV2 features, a classifier linear in N.

The exact RBF SVM of Das et al. (2022) solves a problem whose kernel matrix
grows with the square of the number of images (libsvm's fit time grows
between quadratically and cubically), so the frozen-features recipe stops
being usable somewhere past ten thousand images. These presets keep the
features and the standardisation and replace the classifier:

- ``mobilenetv2-nystroem-svm``: the RBF kernel approximated on
  ``NYSTROEM_COMPONENTS`` landmark images (Williams & Seeger, 2001; the
  Nystroem method), then a linear SVM on that map. Same kernel as the exact
  SVM (``gamma`` is ``1 / n_features``, what ``gamma="scale"`` gives on
  standardised features); fit time linear in N.
- ``mobilenetv2-sgd-svm``: a linear SVM (hinge loss) trained by stochastic
  gradient descent (Bottou, 2010), one pass over the rows per epoch.

``mobilenetv2-logreg`` (multinomial logistic regression, L-BFGS) is linear in
N as well. Steps: ``features`` -> ``scale`` -> ``kernel`` (Nystroem only) ->
``clf``, so ``clf__C`` and ``features__batch_size`` route as in the other
presets.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._blocks import mobilenet_v2_features
from ._registry import register_preset

__all__ = ["NYSTROEM_COMPONENTS"]

#: Landmark images of the Nystroem map. On the Aria ALL features (5-fold
#: grouped CV, benchmarks/large_n.py) 1,000 landmarks reach the exact SVM's
#: accuracy within 0.1 point; 300 lose 0.6 point.
NYSTROEM_COMPONENTS = 1000

_DAS_LARGE_N = ("Das et al. (2022), MobileNetV2 features + SVM, with a classifier whose fit time is "
                "linear in the number of images")


@register_preset(
    "mobilenetv2-nystroem-svm",
    f"MobileNetV2 ImageNet features, standardised, RBF kernel approximated by Nystroem "
    f"({NYSTROEM_COMPONENTS} landmarks), linear SVM (C=1)",
    f"{_DAS_LARGE_N}: the Nystroem kernel approximation of Williams & Seeger (2001)",
)
def mobilenetv2_nystroem_svm():
    from sklearn.kernel_approximation import Nystroem
    from sklearn.svm import LinearSVC

    return Pipeline([
        ("features", mobilenet_v2_features()),
        ("scale", StandardScaler()),
        # gamma=None is 1 / n_features: gamma="scale" of the exact SVM on standardised input.
        ("kernel", Nystroem(kernel="rbf", n_components=NYSTROEM_COMPONENTS, random_state=0)),
        ("clf", LinearSVC(C=1.0)),
    ])


@register_preset(
    "mobilenetv2-sgd-svm",
    "MobileNetV2 ImageNet features, standardised, linear SVM (hinge loss) trained by stochastic "
    "gradient descent (alpha=1e-3)",
    f"{_DAS_LARGE_N}: stochastic gradient descent after Bottou (2010)",
)
def mobilenetv2_sgd_svm():
    from sklearn.linear_model import SGDClassifier

    return Pipeline([
        ("features", mobilenet_v2_features()),
        ("scale", StandardScaler()),
        ("clf", SGDClassifier(loss="hinge", alpha=1e-3, random_state=0)),
    ])
