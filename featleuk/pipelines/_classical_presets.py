"""Classical presets: nucleus segmentation, handcrafted features, a classical classifier.

Much of the published work on leukemia smears segments the white-cell
nucleus, describes it with texture, shape and colour features and classifies
those with a classical model (Laosai & Chamnongthai, 2014; Joshi et al.,
2013; Dharani et al., 2020; the pipelines in Table 2 of the review by
Yousif et al.). Each preset here rebuilds one of them from featleuk's steps.
Step names are shared so routed parameters read the same across presets:

``enhance`` (optional) -> ``segment`` -> ``features`` -> ``scale`` ->
``reduce`` (optional) -> ``clf``

The segmenters and feature families learn nothing from the data (each
image is processed on its own), so only ``scale``, ``reduce`` and ``clf``
are fitted on training folds; experiments may therefore compute the
features once (``experiments/classical_pipelines.py``).

Where a paper's step is not available as such, the nearest featleuk step
is used and the preset's description says so.
"""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

# FEATURE_FAMILIES, SEGMENTERS and the old names feature_family / segmenter are
# still imported from here by experiments/classical_pipelines.py and
# tests/test_classical_pipelines.py; new code imports them from featleuk.pipelines.
from ._blocks import FEATURE_FAMILIES, SEGMENTERS  # noqa: F401
from ._blocks import make_classifier, make_feature_union, make_reducer, make_segmenter, mobilenet_v2_features
from ._blocks import make_feature_family as feature_family  # noqa: F401
from ._blocks import make_segmenter as segmenter  # noqa: F401
from ._registry import register_preset


@register_preset(
    "kmeans-glcm-rf",
    "k-means nucleus segmentation with watershed split, GLCM texture, PCA (95% variance), "
    "random forest (500 trees)",
    "a 2017 study in Table 2 of the review by Yousif et al. (n.d.): marker-based watershed + GLCM "
    "+ PPCA + random forest, 96% on ALL-IDB1 (PCA stands in for PPCA)",
)
def kmeans_glcm_rf():
    return Pipeline([
        ("segment", make_segmenter("kmeans-watershed")),
        ("features", make_feature_union("glcm")),
        ("scale", StandardScaler()),
        ("reduce", make_reducer("pca")),
        ("clf", make_classifier("rf")),
    ])


@register_preset(
    "otsu-knn",
    "median-filter enhancement, Otsu nucleus segmentation, shape + colour features, "
    "standardised, 5-nearest neighbours",
    "Joshi et al. (2013), Otsu threshold + image enhancement, KNN; 108 images, ~93% "
    "(summarised by Yaseen et al. (2025))",
)
def otsu_knn():
    from ..preprocessing import Denoiser

    return Pipeline([
        ("enhance", Denoiser("median", kernel_size=3)),
        ("segment", make_segmenter("otsu")),
        ("features", make_feature_union("morph", "color")),
        ("scale", StandardScaler()),
        ("clf", make_classifier("knn")),
    ])


@register_preset(
    "kmeans-svm",
    "k-means nucleus segmentation, shape + GLCM texture + colour features, standardised, RBF SVM",
    "Laosai & Chamnongthai (2014), k-means + SVM, 92% (summarised by Yaseen et al. (2025))",
)
def kmeans_svm():
    return Pipeline([
        ("segment", make_segmenter("kmeans")),
        ("features", make_feature_union("morph", "glcm", "color")),
        ("scale", StandardScaler()),
        ("clf", make_classifier("svm")),
    ])


@register_preset(
    "efcm-morphology-ensemble",
    "enhanced fuzzy c-means + iterative opening/closing, shape + colour features, standardised, "
    "soft-voting ensemble of random forest, RBF SVM and 5-NN",
    "Dharani et al. (2020), EFCM + iterative morphological processing + ensemble "
    "(summarised by Aravindkumaran et al. (2025))",
)
def efcm_morphology_ensemble():
    ensemble = VotingClassifier(
        [
            ("rf", make_classifier("rf", n_estimators=300)),
            # Soft voting needs probabilities; SVC(probability=True) is
            # deprecated in scikit-learn 1.9 in favour of this calibration.
            ("svm", CalibratedClassifierCV(make_classifier("svm"), cv=3, ensemble=False)),
            ("knn", make_classifier("knn")),
        ],
        voting="soft",
    )
    return Pipeline([
        ("segment", make_segmenter("efcm-imp")),
        ("features", make_feature_union("morph", "color")),
        ("scale", StandardScaler()),
        ("clf", ensemble),
    ])


@register_preset(
    "mobilenetv2-glcm-morphology-svm",
    "k-means nucleus mask as a 4th channel; MobileNetV2 ImageNet features of the RGB field fused "
    "with GLCM texture and shape of the nuclei; standardised, RBF SVM",
    "the MobileNetV2-SVM of Das et al. (2022) fused with the handcrafted nucleus features of the "
    "classical pipelines",
)
def mobilenetv2_glcm_morphology_svm():
    return Pipeline([
        ("segment", make_segmenter("kmeans")),
        # The segmenter adds the mask as a 4th channel; the CNN sees the RGB field only.
        ("features", make_feature_union("glcm", "morph", deep=mobilenet_v2_features(mask="ignore"))),
        ("scale", StandardScaler()),
        ("clf", make_classifier("svm")),
    ])
