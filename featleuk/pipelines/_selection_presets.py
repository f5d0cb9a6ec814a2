"""Presets: MobileNetV2 features, a feature reducer, one of seven classical classifiers.

Seed 000 (related work [1], Rahman et al.) refines CNN features with PCA, LDA,
particle swarm and cat swarm optimisation and compares seven classical
classifiers; seed 003 lists PCA and chi-squared reduction. Every combination
is a preset named ``mobilenetv2-{reducer}-{classifier}``:

========  ==========================================================
reducer   step ``reduce``
========  ==========================================================
pca       ``PCA(n_components=0.95)`` (components explaining 95% of the variance)
lda       ``LinearDiscriminantAnalysis()`` (n_classes - 1 discriminant axes)
pso       :class:`~featleuk.selection.PSOFeatureSelector` (``random_state=0``)
cso       :class:`~featleuk.selection.CatSwarmFeatureSelector` (``random_state=0``)
chi2      ``SelectKBest(chi2, k=320)`` (a quarter of the 1,280 features; use
          ``reduce__score_func=mutual_info_classif`` for mutual information)
========  ==========================================================

Classifiers (step ``clf``): ``svm``, ``rf``, ``knn``, ``xgboost`` -- the same
estimators as the presets ``mobilenetv2-{svm,rf,knn,xgboost}`` -- and
``logreg`` (logistic regression), ``nb`` (Gaussian naive Bayes), ``tree``
(decision tree). Without a reducer the names are ``mobilenetv2-{classifier}``;
this module adds ``mobilenetv2-logreg``, ``-nb`` and ``-tree``.

The steps are ``features`` -> ``reduce`` -> ``scale`` (only for the
scale-sensitive SVM, KNN and logistic regression) -> ``clf``. Reducing before
scaling keeps chi2's non-negative input and lets the selectors and PCA work
on the CNN's own feature scale.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._deep_presets import mobilenet_v2_features
from ._registry import make_hybrid, register_preset

REFERENCE = "seed 000, related work [1] (Rahman et al.); chi-squared: seed 003"

#: Number of features SelectKBest keeps: 25% of MobileNetV2's 1,280, the
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


#: name -> (builder, description)
REDUCERS = {
    "pca": (_pca, "PCA keeping 95% of the variance"),
    "lda": (_lda, "LDA projection (n_classes - 1 axes)"),
    "pso": (_pso, "binary PSO feature selection"),
    "cso": (_cso, "binary cat swarm feature selection"),
    "chi2": (_chi2, f"SelectKBest(chi2, k={CHI2_K})"),
}


def _from_foundation(name):
    """The classifier of a foundation preset, so both families use the same estimator."""
    return lambda: make_hybrid(f"mobilenetv2-{name}").named_steps["clf"]


def _logreg():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000)


def _nb():
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB()


def _tree():
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(random_state=0)


#: name -> (builder, needs standardised input, description)
CLASSIFIERS = {
    "svm": (_from_foundation("svm"), True, "RBF SVM"),
    "rf": (_from_foundation("rf"), False, "random forest"),
    "knn": (_from_foundation("knn"), True, "k-nearest neighbours"),
    "xgboost": (_from_foundation("xgboost"), False, "XGBoost"),
    "logreg": (_logreg, True, "logistic regression"),
    "nb": (_nb, False, "Gaussian naive Bayes"),
    "tree": (_tree, False, "decision tree"),
}

#: Reducer-free presets already registered by the foundation (_deep_presets).
FOUNDATION_CLASSIFIERS = ("svm", "rf", "knn", "xgboost")


def preset_name(reducer, classifier):
    """``mobilenetv2-{reducer}-{classifier}``, or ``mobilenetv2-{classifier}`` for ``None``."""
    return f"mobilenetv2-{classifier}" if reducer is None else f"mobilenetv2-{reducer}-{classifier}"


def _builder(reducer, classifier):
    def build():
        steps = [("features", mobilenet_v2_features())]
        if reducer is not None:
            steps.append(("reduce", REDUCERS[reducer][0]()))
        make_clf, scaled, _ = CLASSIFIERS[classifier]
        if scaled:
            steps.append(("scale", StandardScaler()))
        steps.append(("clf", make_clf()))
        return Pipeline(steps)

    return build


def _register_all():
    for classifier, (_, scaled, clf_text) in CLASSIFIERS.items():
        for reducer in (None, *REDUCERS):
            if reducer is None and classifier in FOUNDATION_CLASSIFIERS:
                continue
            reduce_text = "" if reducer is None else f", {REDUCERS[reducer][1]}"
            scale_text = ", standardised" if scaled else ""
            register_preset(
                preset_name(reducer, classifier),
                f"MobileNetV2 ImageNet features{reduce_text}{scale_text}, {clf_text}",
                REFERENCE,
            )(_builder(reducer, classifier))


_register_all()
