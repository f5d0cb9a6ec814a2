"""The building blocks every preset is made of: classifiers, reducers, segmenters, features.

Each table maps a short name to a :class:`BuildingBlock` and each ``make_*``
function builds a fresh step from it, with the settings the presets use;
keyword arguments override any of them (``make_classifier("rf", n_jobs=1)``),
so a variant is the same definition with other parameters, never a second
definition. Imports of the heavier libraries (xgboost, the feature and
segmentation packages) wait until a step is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from types import MappingProxyType
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._params import lookup, set_routed_params

__all__ = [
    "make_feature_union",
    "BuildingBlock",
    "CLASSIFIERS",
    "REDUCERS",
    "SEGMENTERS",
    "FEATURE_FAMILIES",
    "CHI2_K",
    "MOBILENET_V2_WEIGHTS",
    "MOBILENET_V2_PREPROCESS",
    "make_classifier",
    "needs_scaling",
    "make_reducer",
    "make_segmenter",
    "make_feature_family",
    "mobilenet_v2_features",
    "CNN_FEATURES",
    "make_cnn_features",
]


@dataclass(frozen=True)
class BuildingBlock:
    """A named step: how to build it and what it is.

    Attributes
    ----------
    name : str
        The short name (``"svm"``, ``"pca"``, ``"kmeans"``, ``"glcm"``, ...).
    build : callable
        Returns a fresh, unfitted estimator with the presets' settings.
    description : str
        A short description for preset descriptions and reports.
    needs_scaling : bool
        Classifiers only: whether the classifier wants standardised input
        (presets put a ``StandardScaler`` step before it).

    Examples
    --------
    >>> block = CLASSIFIERS["knn"]
    >>> block.name, block.description, block.needs_scaling
    ('knn', '5-nearest neighbours', True)
    >>> block.build()
    KNeighborsClassifier()

    A block of one's own:

    >>> from sklearn.linear_model import RidgeClassifier
    >>> ridge = BuildingBlock("ridge", RidgeClassifier, "ridge classifier", needs_scaling=True)
    >>> ridge.build()
    RidgeClassifier()
    """

    name: str
    build: Callable
    description: str
    needs_scaling: bool = False


def _table(*blocks):
    return MappingProxyType({block.name: block for block in blocks})


def _make(table, what, name, params):
    return set_routed_params(lookup(table, name, what).build(), params, what=f"{what} {name!r}")


# -- classifiers ---------------------------------------------------------------------------


class CalibratedSVC(ClassifierMixin, BaseEstimator):
    """An SVM whose probabilities are calibrated on out-of-fold margins.

    The SVM is fitted on all the training data, as ``SVC`` is;
    ``predict_proba`` maps its margins to probabilities with a calibration
    fitted on margins of ``calibration_cv`` cross-validation folds of the
    training data (``CalibratedClassifierCV(SVC(...), ensemble=False)``), and
    ``predict`` is that SVM's ``predict``. It replaces
    ``SVC(probability=True)``, deprecated in scikit-learn 1.9, and keeps the
    ``SVC`` parameter names, so ``clf__C`` and grids over it read the same.

    The default temperature scaling (one temperature for all classes,
    scikit-learn >= 1.8; Platt's sigmoid on older versions) keeps the order
    of each image's margins, so the most probable class is that of
    ``SVC.predict`` except on ties of the one-vs-one votes (1 of the 3,256
    Aria et al. (2021) images in 5-fold cross-validation), at about six to
    eight times the fit time of one SVM; per-class sigmoids fit worse there
    (log-loss 0.116 vs 0.111).

    Parameters
    ----------
    C, kernel, degree, gamma, coef0, shrinking, tol, cache_size, class_weight, \
verbose, max_iter, decision_function_shape, break_ties, random_state
        As in :class:`sklearn.svm.SVC`.
    calibration : {"temperature", "sigmoid", "isotonic"}, default="temperature"
        The ``method`` of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    calibration_cv : int, default=5
        Stratified folds whose held-out margins fit the calibration (fewer,
        down to 2, when the rarest class has fewer training samples; with a
        class of one sample, the calibration is fitted on the training
        margins).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    calibration_ : str
        The calibration method used (``"sigmoid"`` for ``"temperature"`` on
        scikit-learn older than 1.8).
    calibrated_ : sklearn.calibration.CalibratedClassifierCV
        The fitted calibration; its ``calibrated_classifiers_[0].estimator``
        is the SVM fitted on all the data.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.pipelines._blocks import CalibratedSVC
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (20, 2)), rng.normal(3, 1, (20, 2))]
    >>> y = np.repeat(["Benign", "Pre"], 20)
    >>> clf = CalibratedSVC(C=10.0).fit(X, y)
    >>> clf.predict([[3.0, 3.0]]).tolist(), clf.predict_proba([[3.0, 3.0]]).shape
    (['Pre'], (1, 2))
    """

    _parameter_constraints = {
        "calibration": [StrOptions({"sigmoid", "isotonic", "temperature"})],
        "calibration_cv": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, C=1.0, *, kernel="rbf", degree=3, gamma="scale", coef0=0.0, shrinking=True,
                 tol=1e-3, cache_size=200, class_weight=None, verbose=False, max_iter=-1,
                 decision_function_shape="ovr", break_ties=False, random_state=None,
                 calibration="temperature", calibration_cv=5):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state
        self.calibration = calibration
        self.calibration_cv = calibration_cv

    def _svc(self):
        from sklearn.svm import SVC

        params = self.get_params()
        del params["calibration"], params["calibration_cv"]
        return SVC(**params)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the SVM on all of ``X`` and its calibration on out-of-fold margins.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        from sklearn.calibration import CalibratedClassifierCV

        method = self.calibration
        if method == "temperature" and "temperature" not in CalibratedClassifierCV._parameter_constraints[
                "method"][0].options:
            method = "sigmoid"  # temperature scaling arrived in scikit-learn 1.8
        _, counts = np.unique(np.asarray(y), return_counts=True)
        if counts.min() >= 2:
            self.calibrated_ = CalibratedClassifierCV(
                self._svc(), method=method, cv=int(min(self.calibration_cv, counts.min())),
                ensemble=False,
            ).fit(X, y, sample_weight=sample_weight)
        else:
            # A class with one sample cannot be in both parts of a fold: calibrate on
            # the training margins themselves (optimistic, but the labels are the SVM's).
            from sklearn.frozen import FrozenEstimator

            svc = self._svc().fit(X, y, sample_weight=sample_weight)
            everything = np.arange(len(y))
            self.calibrated_ = CalibratedClassifierCV(
                FrozenEstimator(svc), method=method, cv=[(everything, everything)], ensemble=False,
            ).fit(X, y, sample_weight=sample_weight)
        self.calibration_ = method
        self.classes_ = self.calibrated_.classes_
        self.n_features_in_ = self.calibrated_.n_features_in_
        return self

    def _fitted_svc(self):
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.calibrated_classifiers_[0].estimator

    def decision_function(self, X):
        """The SVM's margins (as ``SVC.decision_function``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._fitted_svc().decision_function(X)

    def predict_proba(self, X):
        """Calibrated class probabilities, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(X)

    def predict(self, X):
        """The SVM's labels (as ``SVC.predict``).

        These are the labels the published SVM hybrids report, so results
        do not depend on the calibration. They are the most probable class
        of ``predict_proba`` except where the one-vs-one votes tie
        (``SVC`` breaks such ties by class order): 1 of the 3,256 Aria
        images, about 1% of the images of tiny synthetic folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        svc = self._fitted_svc()
        # The calibration may have fitted the SVM on encoded labels; both are
        # sorted, so a position in one is the same class in the other.
        return self.classes_[np.searchsorted(svc.classes_, svc.predict(X))]


def _svm():
    return CalibratedSVC(kernel="rbf", C=10.0, gamma="scale")


def _rf():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1)


def _knn():
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=5)


def _xgboost():
    from ._xgboost import LabelEncodedXGBClassifier as XGBClassifier

    # Shallow trees on a coarse histogram: 98.4% 5-fold on the Aria features at a
    # fraction of xgboost's default cost (multi-class grows one tree per class per round).
    return XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.3, max_bin=64, subsample=0.8,
                         colsample_bytree=0.3, tree_method="hist", random_state=0, n_jobs=-1)


def _logreg():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000)


def _nb():
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB()


def _tree():
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(random_state=0)


#: Classifier name -> :class:`BuildingBlock`, in report order.
CLASSIFIERS = _table(
    BuildingBlock("svm", _svm, "RBF SVM", needs_scaling=True),
    BuildingBlock("rf", _rf, "random forest (500 trees)"),
    BuildingBlock("knn", _knn, "5-nearest neighbours", needs_scaling=True),
    BuildingBlock("xgboost", _xgboost, "gradient-boosted trees (xgboost's sklearn API)"),
    BuildingBlock("logreg", _logreg, "logistic regression", needs_scaling=True),
    BuildingBlock("nb", _nb, "Gaussian naive Bayes"),
    BuildingBlock("tree", _tree, "decision tree"),
)


def make_classifier(name: str, **params):
    """A fresh classifier by name, with the presets' settings unless overridden.

    ========  ==================================================================
    name      estimator
    ========  ==================================================================
    svm       :class:`CalibratedSVC` ``(kernel="rbf", C=10.0, gamma="scale")``: an RBF
              SVM with sigmoid-calibrated probabilities
    rf        ``RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1)``
    knn       ``KNeighborsClassifier(n_neighbors=5)``
    xgboost   ``XGBClassifier`` (taking any class labels) with 100 shallow trees (``max_depth=3``) on 64 bins
    logreg    ``LogisticRegression(C=1.0, max_iter=2000)``
    nb        ``GaussianNB()``
    tree      ``DecisionTreeClassifier(random_state=0)``
    ========  ==================================================================

    The classifier alone: whether it wants a ``StandardScaler`` before it
    is :func:`needs_scaling`.

    Parameters
    ----------
    name : str
        A key of :data:`CLASSIFIERS`.
    **params
        Parameters of the estimator that replace the presets' settings, e.g.
        ``n_estimators=300, n_jobs=1`` for the random forest.

    Returns
    -------
    estimator
        An unfitted scikit-learn classifier.

    Raises
    ------
    ValueError
        For an unknown name or parameter (with the closest valid ones).

    Examples
    --------
    >>> from featleuk.pipelines import make_classifier
    >>> make_classifier("svm")
    CalibratedSVC(C=10.0)
    >>> make_classifier("rf", n_estimators=300, n_jobs=1)
    RandomForestClassifier(n_estimators=300, n_jobs=1, random_state=0)
    """
    return _make(CLASSIFIERS, "classifier", name, params)


def needs_scaling(name: str) -> bool:
    """Whether classifier ``name`` wants standardised input.

    Distance- and margin-based models (SVM, KNN, logistic regression) do;
    trees and naive Bayes do not, and the presets give them no scaler.

    Parameters
    ----------
    name : str
        A key of :data:`CLASSIFIERS`.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from featleuk.pipelines import make_classifier, needs_scaling
    >>> needs_scaling("svm"), needs_scaling("rf")
    (True, False)
    >>> make_pipeline(StandardScaler(), make_classifier("knn"))
    Pipeline(steps=[('standardscaler', StandardScaler()),
                    ('kneighborsclassifier', KNeighborsClassifier())])
    """
    return lookup(CLASSIFIERS, name, "classifier").needs_scaling


# -- reducers --------------------------------------------------------------------------------

#: Number of features ``SelectKBest`` keeps: 25% of MobileNetV2's 1,280, the
#: budget the swarm selectors are held to.
CHI2_K = 320


def _pca():
    from sklearn.decomposition import PCA

    return PCA(n_components=0.95, svd_solver="full")


def _lda():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


def _pso():
    from ..selection import PSOFeatureSelector

    return PSOFeatureSelector(random_state=0)


def _cso():
    from ..selection import CatSwarmFeatureSelector

    return CatSwarmFeatureSelector(random_state=0)


def _chi2():
    from sklearn.feature_selection import SelectKBest, chi2

    return SelectKBest(chi2, k=CHI2_K)


#: Reducer name -> :class:`BuildingBlock`.
REDUCERS = _table(
    BuildingBlock("pca", _pca, "PCA keeping 95% of the variance"),
    BuildingBlock("lda", _lda, "LDA projection (n_classes - 1 axes)"),
    BuildingBlock("pso", _pso, "binary PSO feature selection"),
    BuildingBlock("cso", _cso, "binary cat swarm feature selection"),
    BuildingBlock("chi2", _chi2, f"SelectKBest(chi2, k={CHI2_K})"),
)


def make_reducer(name: str, **params):
    """A fresh feature reducer (projection or selector) by name.

    ========  ==================================================================
    name      estimator
    ========  ==================================================================
    pca       ``PCA(n_components=0.95, svd_solver="full")`` (95% of the variance)
    lda       ``LinearDiscriminantAnalysis()`` (n_classes - 1 discriminant axes)
    pso       :class:`~featleuk.selection.PSOFeatureSelector` (``random_state=0``)
    cso       :class:`~featleuk.selection.CatSwarmFeatureSelector` (``random_state=0``)
    chi2      ``SelectKBest(chi2, k=320)`` (a quarter of the 1,280 MobileNetV2
              features; ``score_func=mutual_info_classif`` for mutual information)
    ========  ==================================================================

    Parameters
    ----------
    name : str
        A key of :data:`REDUCERS`.
    **params
        Parameters of the estimator that replace the presets' settings.

    Returns
    -------
    estimator
        An unfitted scikit-learn transformer.

    Examples
    --------
    >>> from featleuk.pipelines import make_reducer
    >>> make_reducer("pca")
    PCA(n_components=0.95, svd_solver='full')
    >>> make_reducer("chi2", k=100).k
    100
    """
    return _make(REDUCERS, "reducer", name, params)


# -- segmenters ------------------------------------------------------------------------------


def _segmentation():
    from .. import segmentation

    return segmentation


def _otsu():
    return _segmentation().OtsuSegmenter()


def _otsu_3class():
    # Three classes split the violet-saturation channel badly (held-out Dice 0.59 / 0.75 on
    # Benign / Early Aria masks); on the purple channel they give 0.75 / 0.85.
    return _segmentation().OtsuSegmenter("purple", n_classes=3)


def _otsu_hed_h():
    return _segmentation().OtsuSegmenter("hed_h")


def _kmeans():
    return _segmentation().KMeansSegmenter()


def _kmeans_watershed():
    seg = _segmentation()
    return seg.KMeansSegmenter(postprocess=seg.MaskPostprocessor(split_touching=True))


def _efcm():
    return _segmentation().FuzzyCMeansSegmenter()


def _efcm_3clusters():
    # As for otsu-3class: three clusters need the purple channel (0.75 / 0.85 held-out Dice).
    return _segmentation().FuzzyCMeansSegmenter(n_clusters=3, channel="purple")


def _efcm_imp():
    seg = _segmentation()
    return seg.FuzzyCMeansSegmenter(postprocess=seg.MaskPostprocessor(opening_iterations=2,
                                                                      closing_iterations=2))


def _fcm():
    return _segmentation().FuzzyCMeansSegmenter(enhanced=False)


#: Segmenter name -> :class:`BuildingBlock`.
SEGMENTERS = _table(
    BuildingBlock("otsu", _otsu, "two-class Otsu threshold"),
    # On crowded Aria fields the red cells form a middle mode of the purple
    # channel that two-class Otsu puts on the nucleus side (checked by eye).
    BuildingBlock("otsu-3class", _otsu_3class, "three-class Otsu threshold, nucleus = top class"),
    # The classic choice; it also picks the grey-blue red cells of some Aria classes.
    BuildingBlock("otsu-hed_h", _otsu_hed_h,
                  "Otsu threshold of the haematoxylin channel of colour deconvolution"),
    BuildingBlock("kmeans", _kmeans, "k-means colour clustering"),
    # Stands in for the marker-based watershed of the 2017 GLCM + random forest
    # pipeline in Yousif et al.'s review (Table 2).
    BuildingBlock("kmeans-watershed", _kmeans_watershed,
                  "k-means, touching nuclei split by a distance-transform watershed"),
    BuildingBlock("efcm", _efcm, "enhanced fuzzy c-means (EnFCM)"),
    BuildingBlock("efcm-3clusters", _efcm_3clusters, "enhanced fuzzy c-means with three clusters"),
    # Dharani et al. (2020): EFCM followed by iterative morphological processing.
    BuildingBlock("efcm-imp", _efcm_imp, "enhanced fuzzy c-means + iterative opening and closing"),
    BuildingBlock("fcm", _fcm, "plain fuzzy c-means (EnFCM's speed reference)"),
)


def make_segmenter(name: str, **params):
    """A fresh nucleus segmenter by name (see :data:`SEGMENTERS`).

    Parameters
    ----------
    name : str
        A key of :data:`SEGMENTERS`: ``"otsu"``, ``"otsu-3class"``,
        ``"otsu-hed_h"``, ``"kmeans"``, ``"kmeans-watershed"``, ``"efcm"``,
        ``"efcm-3clusters"``, ``"efcm-imp"`` or ``"fcm"``.
    **params
        Parameters of the segmenter, e.g. ``show_progress=False``.

    Returns
    -------
    estimator
        An unfitted featleuk segmenter (it learns nothing from the data).

    Examples
    --------
    >>> from featleuk.pipelines import make_segmenter
    >>> make_segmenter("otsu-3class")
    OtsuSegmenter(channel='purple', n_classes=3)
    """
    return _make(SEGMENTERS, "segmenter", name, params)


# -- handcrafted feature families --------------------------------------------------------------


def _glcm():
    from ..features import GLCMFeatures

    # Haralick statistics of a nucleus of a few hundred pixels are unstable
    # at 256 grey levels (most co-occurrence cells are empty).
    return GLCMFeatures(distances=(1, 2), levels=32)


def _glrlm():
    from ..features import GLRLMFeatures

    return GLRLMFeatures()


def _morph():
    from ..features import MorphologyFeatures

    return MorphologyFeatures()


def _color():
    from ..features import ColorFeatures

    return ColorFeatures()


def _lbp():
    from ..features import LBPFeatures

    return LBPFeatures()


#: Feature family name -> :class:`BuildingBlock`, in report order.
FEATURE_FAMILIES = _table(
    BuildingBlock("glcm", _glcm, "GLCM (Haralick) texture, 32 grey levels, distances 1 and 2"),
    BuildingBlock("glrlm", _glrlm, "grey-level run-length texture"),
    BuildingBlock("morph", _morph, "nucleus shape"),
    BuildingBlock("color", _color, "colour statistics"),
    BuildingBlock("lbp", _lbp, "local binary pattern histograms"),
)


def make_feature_family(name: str, **params):
    """A fresh handcrafted feature step of one family.

    ``"glcm"`` uses 32 grey levels and distances 1 and 2; the other
    families (``"glrlm"``, ``"morph"``, ``"color"``, ``"lbp"``) their
    defaults.

    Parameters
    ----------
    name : str
        A key of :data:`FEATURE_FAMILIES`.
    **params
        Parameters of the feature step, e.g. ``show_progress=False``.

    Returns
    -------
    estimator
        An unfitted featleuk feature transformer.

    Examples
    --------
    >>> from featleuk.pipelines import make_feature_family
    >>> make_feature_family("glcm")
    GLCMFeatures(distances=(1, 2), levels=32)
    """
    return _make(FEATURE_FAMILIES, "feature family", name, params)


def make_feature_union(*names, **steps):
    """Feature families side by side in one FeatureUnion, each under its own name.

    Parameters
    ----------
    *names : str
        Keys of :data:`FEATURE_FAMILIES`, in column order.
    **steps : estimator
        Other feature steps to add after the families (e.g. ``deep=DeepFeatures(...)``).

    Returns
    -------
    estimator
        The single step itself when only one is given, else a
        :class:`~sklearn.pipeline.FeatureUnion`.

    Examples
    --------
    >>> from featleuk.pipelines import make_feature_union
    >>> [name for name, _ in make_feature_union("glcm", "morph").transformer_list]
    ['glcm', 'morph']
    """
    from sklearn.pipeline import FeatureUnion

    parts = [(name, make_feature_family(name)) for name in names] + list(steps.items())
    if not parts:
        raise ValueError("make_feature_union needs at least one feature family or step")
    return parts[0][1] if len(parts) == 1 else FeatureUnion(parts)


# -- MobileNetV2 features ----------------------------------------------------------------------

#: The only MobileNetV2 ImageNet checkpoint that can be had offline here (and
#: the one Keras-era papers used); named explicitly so results do not depend
#: on what torchvision calls DEFAULT on a given machine.
MOBILENET_V2_WEIGHTS = "IMAGENET1K_V1"

#: Resize the whole field to 224x224 rather than resize-to-256 + centre crop:
#: smear fields are already ~224 px and the crop cuts cells at the border.
#: Measured on the Aria ALL data (5-fold, RBF SVM C=10): 98.4% with "resize"
#: vs 98.0% with the crop (docs/benchmarks.md, "Preprocessing choice").
MOBILENET_V2_PREPROCESS = "resize"


def mobilenet_v2_features(**params):
    """The frozen MobileNetV2 ImageNet feature step of the hybrid presets.

    :class:`~featleuk.features.DeepFeatures` with ``backbone="mobilenet_v2"``,
    ``weights=MOBILENET_V2_WEIGHTS`` and ``preprocess=MOBILENET_V2_PREPROCESS``
    (1,280 pooled features per image).

    Parameters
    ----------
    **params
        Parameters of ``DeepFeatures`` that replace these settings, e.g.
        ``batch_size=16``.

    Returns
    -------
    featleuk.features.DeepFeatures
        Unfitted; the weights load on ``fit``.

    Examples
    --------
    >>> from featleuk.pipelines import mobilenet_v2_features
    >>> mobilenet_v2_features()
    DeepFeatures(preprocess='resize', weights='IMAGENET1K_V1')
    """
    return make_cnn_features("mobilenet_v2", **params)


# -- frozen ImageNet features of other CNNs ------------------------------------------------------


def _cnn_features(backbone, weights):
    def build():
        from ..features import DeepFeatures

        # The whole field resized, as for MobileNetV2 (MOBILENET_V2_PREPROCESS).
        return DeepFeatures(backbone, weights=weights, preprocess=MOBILENET_V2_PREPROCESS)

    return build


#: Backbone -> :class:`BuildingBlock` of a frozen ImageNet feature step
#: (``DeepFeatures``, ``layer="pool"``), with weights named explicitly so a
#: result never depends on what is installed. VGG16 and AlexNet have only
#: their convolutional layers offline (LPIPS's copy of torchvision's
#: ``IMAGENET1K_V1``): their features are the pooled last conv block, not the
#: 4,096 of the fully connected layers Das et al. (2022) read.
CNN_FEATURES = _table(
    BuildingBlock("mobilenet_v2", _cnn_features("mobilenet_v2", MOBILENET_V2_WEIGHTS),
                  "MobileNetV2 ImageNet features (1,280)"),
    BuildingBlock("vgg16", _cnn_features("vgg16", "IMAGENET1K_V1_CONV"),
                  "VGG16 ImageNet conv-layer features (512, pooled last conv block)"),
    BuildingBlock("alexnet", _cnn_features("alexnet", "IMAGENET1K_V1_CONV"),
                  "AlexNet ImageNet conv-layer features (256, pooled last conv block)"),
    BuildingBlock("efficientnet_lite0", _cnn_features("efficientnet_lite0", "IMAGENET1K"),
                  "EfficientNet-Lite0 ImageNet features (1,280)"),
)


def make_cnn_features(name: str, **params):
    """A fresh frozen ImageNet feature step of one CNN backbone.

    Parameters
    ----------
    name : str
        A key of :data:`CNN_FEATURES`: ``"mobilenet_v2"``, ``"vgg16"``,
        ``"alexnet"`` or ``"efficientnet_lite0"``.
    **params
        Parameters of ``DeepFeatures`` that replace the settings, e.g.
        ``batch_size=16``.

    Returns
    -------
    featleuk.features.DeepFeatures
        Unfitted; the weights load on ``fit``.

    Examples
    --------
    >>> from featleuk.pipelines import make_cnn_features
    >>> make_cnn_features("vgg16")
    DeepFeatures(backbone='vgg16', preprocess='resize', weights='IMAGENET1K_V1_CONV')
    """
    return _make(CNN_FEATURES, "CNN feature step", name, params)
