"""Classical presets: nucleus segmentation, handcrafted features, a classical classifier.

The seed papers' related work (seed 003 Table 2, seeds 000 and 001) is full
of pipelines that segment the white-cell nucleus, describe it with texture,
shape and colour features and classify those with a classical model. Each
preset here rebuilds one of them from featleuk's steps. Step names are
shared so routed parameters read the same across presets:

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
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ._deep_presets import mobilenet_v2_features
from ._registry import register_preset


def _features(*names, **steps):
    """Named feature families (plus other feature ``steps``) side by side in a FeatureUnion."""
    parts = [(name, feature_family(name)) for name in names] + list(steps.items())
    return parts[0][1] if len(parts) == 1 else FeatureUnion(parts)


def feature_family(name):
    """A fresh feature step of one family, with the settings the presets use.

    ``"glcm"`` uses 32 grey levels and distances 1 and 2: Haralick
    statistics of a nucleus of a few hundred pixels are unstable at 256
    levels (most co-occurrence cells are empty). The other families use
    their defaults.
    """
    from ..features._color import ColorFeatures
    from ..features._glcm import GLCMFeatures
    from ..features._glrlm import GLRLMFeatures
    from ..features._lbp import LBPFeatures
    from ..features._morphology import MorphologyFeatures

    builders = {
        "glcm": lambda: GLCMFeatures(distances=(1, 2), levels=32),
        "glrlm": GLRLMFeatures,
        "morph": MorphologyFeatures,
        "color": ColorFeatures,
        "lbp": LBPFeatures,
    }
    return builders[name]()


#: Feature families of :func:`feature_family`, in report order.
FEATURE_FAMILIES = ("glcm", "glrlm", "morph", "color", "lbp")


def segmenter(name):
    """A fresh segmenter by name (see :data:`SEGMENTERS`)."""
    from ..segmentation import FuzzyCMeansSegmenter, KMeansSegmenter, MaskPostprocessor, OtsuSegmenter

    builders = {
        "otsu": OtsuSegmenter,
        # Three Otsu classes, nucleus = top class: on crowded Aria fields the
        # red cells form a middle mode of the purple channel that two-class
        # Otsu puts on the nucleus side (checked by eye).
        "otsu-3class": lambda: OtsuSegmenter(n_classes=3),
        # The haematoxylin channel of colour deconvolution, the classic choice;
        # it also picks the grey-blue red cells of some Aria classes.
        "otsu-hed_h": lambda: OtsuSegmenter("hed_h"),
        "kmeans": KMeansSegmenter,
        # Touching nuclei split by a distance-transform watershed, standing in
        # for the marker-based watershed of seed 003 ref [7].
        "kmeans-watershed": lambda: KMeansSegmenter(postprocess=MaskPostprocessor(split_touching=True)),
        "efcm": FuzzyCMeansSegmenter,
        "efcm-3clusters": lambda: FuzzyCMeansSegmenter(n_clusters=3),
        # EFCM followed by iterative morphological processing (seed 000 ref [3]).
        "efcm-imp": lambda: FuzzyCMeansSegmenter(
            postprocess=MaskPostprocessor(opening_iterations=2, closing_iterations=2)),
        "fcm": lambda: FuzzyCMeansSegmenter(enhanced=False),
    }
    return builders[name]()


#: Segmenter settings of :func:`segmenter`.
SEGMENTERS = ("otsu", "otsu-3class", "otsu-hed_h", "kmeans", "kmeans-watershed", "efcm",
              "efcm-3clusters", "efcm-imp", "fcm")


@register_preset(
    "kmeans-glcm-rf",
    "k-means nucleus segmentation with watershed split, GLCM texture, PCA (95% variance), "
    "random forest (500 trees)",
    "seed 003, Table 2, ref [7] (marker-based watershed + GLCM + PPCA + RF, ALL-IDB1, 96%)",
)
def kmeans_glcm_rf():
    return Pipeline([
        ("segment", segmenter("kmeans-watershed")),
        ("features", _features("glcm")),
        ("scale", StandardScaler()),
        ("reduce", PCA(n_components=0.95, svd_solver="full")),
        ("clf", RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1)),
    ])


@register_preset(
    "otsu-knn",
    "median-filter enhancement, Otsu nucleus segmentation, shape + colour features, "
    "standardised, 5-nearest neighbours",
    "seed 001, related work [9] (Otsu threshold + image enhancement, KNN; 108 images, ~93%)",
)
def otsu_knn():
    from ..preprocessing import Denoiser

    return Pipeline([
        ("enhance", Denoiser("median", kernel_size=3)),
        ("segment", segmenter("otsu")),
        ("features", _features("morph", "color")),
        ("scale", StandardScaler()),
        ("clf", KNeighborsClassifier(n_neighbors=5)),
    ])


@register_preset(
    "kmeans-svm",
    "k-means nucleus segmentation, shape + GLCM texture + colour features, standardised, RBF SVM",
    "seed 001, related work [1] (Laosai & Chamnongthai 2014, k-means + SVM, 92%)",
)
def kmeans_svm():
    return Pipeline([
        ("segment", segmenter("kmeans")),
        ("features", _features("morph", "glcm", "color")),
        ("scale", StandardScaler()),
        ("clf", SVC(kernel="rbf", C=10.0, gamma="scale")),
    ])


@register_preset(
    "efcm-morphology-ensemble",
    "enhanced fuzzy c-means + iterative opening/closing, shape + colour features, standardised, "
    "soft-voting ensemble of random forest, RBF SVM and 5-NN",
    "seed 000, related work [3] (Dharani et al. 2020: EFCM + iterative morphological "
    "processing + ensemble)",
)
def efcm_morphology_ensemble():
    ensemble = VotingClassifier(
        [
            ("rf", RandomForestClassifier(n_estimators=300, random_state=0, n_jobs=-1)),
            # Soft voting needs probabilities; SVC(probability=True) is
            # deprecated in scikit-learn 1.9 in favour of this calibration.
            ("svm", CalibratedClassifierCV(SVC(kernel="rbf", C=10.0, gamma="scale"), cv=3,
                                           ensemble=False)),
            ("knn", KNeighborsClassifier(n_neighbors=5)),
        ],
        voting="soft",
    )
    return Pipeline([
        ("segment", segmenter("efcm-imp")),
        ("features", _features("morph", "color")),
        ("scale", StandardScaler()),
        ("clf", ensemble),
    ])


@register_preset(
    "mobilenetv2-glcm-morphology-svm",
    "k-means nucleus mask as a 4th channel; MobileNetV2 ImageNet features of the RGB field fused "
    "with GLCM texture and shape of the nuclei; standardised, RBF SVM",
    "fusion of the seeds' MobileNetV2-SVM (seed 003, ref [16]) with handcrafted nucleus features",
)
def mobilenetv2_glcm_morphology_svm():
    deep = mobilenet_v2_features().set_params(mask="ignore")
    return Pipeline([
        ("segment", segmenter("kmeans")),
        ("features", _features("glcm", "morph", deep=deep)),
        ("scale", StandardScaler()),
        ("clf", SVC(kernel="rbf", C=10.0, gamma="scale")),
    ])
