"""The reducer x classifier presets of featleuk.pipelines._selection_presets."""

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.datasets import make_classification

from featleuk.pipelines import list_presets, make_hybrid
from featleuk.pipelines._selection_presets import CLASSIFIERS, REDUCERS, preset_name
from featleuk.selection import CatSwarmFeatureSelector, PSOFeatureSelector

REDUCER_TYPES = {"pca": "PCA", "lda": "LinearDiscriminantAnalysis", "pso": "PSOFeatureSelector",
                 "cso": "CatSwarmFeatureSelector", "chi2": "SelectKBest"}
CLASSIFIER_TYPES = {"svm": "CalibratedSVC", "rf": "RandomForestClassifier", "knn": "KNeighborsClassifier",
                    "xgboost": "LabelEncodedXGBClassifier", "logreg": "LogisticRegression", "nb": "GaussianNB",
                    "tree": "DecisionTreeClassifier"}


def test_every_reducer_classifier_pair_is_registered():
    names = set(list_presets())
    for classifier in CLASSIFIERS:
        assert preset_name(None, classifier) in names
        for reducer in REDUCERS:
            assert preset_name(reducer, classifier) in names
    assert preset_name("pso", "svm") == "mobilenetv2-pso-svm"


@pytest.mark.parametrize("reducer", [None, *REDUCERS])
@pytest.mark.parametrize("classifier", list(CLASSIFIERS))
def test_preset_steps(reducer, classifier):
    pipe = make_hybrid(preset_name(reducer, classifier))
    steps = pipe.named_steps
    assert list(steps)[0] == "features" and steps["features"].backbone == "mobilenet_v2"
    if reducer is not None:
        assert list(steps)[1] == "reduce"
        assert type(steps["reduce"]).__name__ == REDUCER_TYPES[reducer]
    assert ("scale" in steps) == CLASSIFIERS[classifier].needs_scaling
    assert type(steps["clf"]).__name__ == CLASSIFIER_TYPES[classifier]
    assert is_classifier(pipe)


def test_same_classifier_as_the_foundation_presets():
    ours = make_hybrid("mobilenetv2-pca-svm").named_steps["clf"]
    theirs = make_hybrid("mobilenetv2-svm").named_steps["clf"]
    assert ours.get_params() == theirs.get_params()


def test_swarm_presets_are_seeded():
    for classifier in CLASSIFIERS:
        for reducer, cls in (("pso", PSOFeatureSelector), ("cso", CatSwarmFeatureSelector)):
            step = make_hybrid(preset_name(reducer, classifier)).named_steps["reduce"]
            assert isinstance(step, cls) and step.random_state == 0


@pytest.mark.parametrize("reducer", list(REDUCERS))
def test_tail_runs_on_a_feature_matrix(reducer):
    # Everything after the CNN, on non-negative "CNN-like" features.
    X, y = make_classification(120, 400, n_informative=8, n_classes=4, random_state=0)
    X = np.abs(X)
    tail = make_hybrid(preset_name(reducer, "logreg"))[1:]
    if reducer == "pso":
        tail.set_params(reduce__n_particles=4, reduce__max_iter=2, reduce__show_progress=False)
    if reducer == "cso":
        tail.set_params(reduce__n_cats=3, reduce__max_iter=2, reduce__show_progress=False)
    tail.fit(X, y)
    assert tail.score(X, y) > 0.5
