import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from featleuk.pipelines import (
    DEEP_MODEL_PRESETS,
    list_presets,
    make_deep_model,
    make_hybrid,
    make_preset,
    register_deep_model,
    register_preset,
    set_routed_params,
)
from featleuk.base import frozen_prefix_length
from featleuk.experiments import HYBRID_PRESETS

from featleuk.utils._testing import requires_weights

FAST = {"features__show_progress": False}

# Randomly initialised MobileNetV2 features are ~1e-9 apart (untrained BatchNorm),
# below tree-based classifiers' split resolution: the presets need real weights.
needs_weights = requires_weights()


@pytest.fixture(scope="module")
def smears():
    rng = np.random.default_rng(0)
    n = 24
    y = np.repeat([0, 1], n // 2)
    X = rng.integers(120, 200, size=(n, 40, 40, 3), dtype=np.uint8)
    X[y == 1, 10:30, 10:30] = (90, 40, 140)  # a purple "nucleus" for class 1
    return X, y


def test_mobilenetv2_presets_are_registered():
    assert set(HYBRID_PRESETS) <= set(list_presets())
    for name in HYBRID_PRESETS:
        pipe = make_hybrid(name)
        assert isinstance(pipe, Pipeline) and pipe.steps[0][0] == "features" and pipe.steps[-1][0] == "clf"
        assert pipe.named_steps["features"].weights == "IMAGENET1K_V1"
        clone(pipe)


def test_unknown_preset_suggests_the_closest_and_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown hybrid pipeline 'mobilenetv2-svn' \(did you mean 'mobilenetv2-svm'") as err:
        make_hybrid("mobilenetv2-svn")
    assert "kmeans-svm" in str(err.value)  # the known names follow
    with pytest.raises(ValueError, match="did you mean 'efficientnet_b3'"):
        make_preset("efficientnet-b3")


def test_kinds_share_one_registry():
    hybrid, deep = list_presets("hybrid"), list_presets("deep")
    assert set(hybrid) | set(deep) == set(list_presets()) and not set(hybrid) & set(deep)
    assert {p.kind for p in hybrid.values()} == {"hybrid"} and {p.kind for p in deep.values()} == {"deep"}
    assert list(DEEP_MODEL_PRESETS) and set(DEEP_MODEL_PRESETS) == set(deep)
    assert DEEP_MODEL_PRESETS["cnn_gru"] is deep["cnn_gru"]
    with pytest.raises(TypeError):
        DEEP_MODEL_PRESETS["x"] = deep["cnn_gru"]  # read-only view
    with pytest.raises(KeyError):
        DEEP_MODEL_PRESETS["mobilenetv2-svm"]  # a hybrid preset is not in the deep view
    assert isinstance(make_preset("mobilenetv2-rf"), Pipeline)
    with pytest.raises(ValueError, match="is a deep model preset.*make_deep_model"):
        make_hybrid("cnn_gru")
    with pytest.raises(ValueError, match="is a hybrid pipeline preset.*make_hybrid"):
        make_deep_model("mobilenetv2-svm")
    with pytest.raises(ValueError, match="kind must be one of"):
        list_presets("classical")


def test_unknown_routed_param_names_it_with_a_suggestion():
    with pytest.raises(ValueError, match=r"preset 'mobilenetv2-svm' has no parameter 'clf__CC' \(did you mean 'clf__C'\?\)"):
        make_hybrid("mobilenetv2-svm", clf__CC=1.0)
    with pytest.raises(ValueError, match="'clf__max_dpeth' \\(did you mean 'clf__max_depth'"):
        make_hybrid("mobilenetv2-xgboost", clf__max_dpeth=2)  # xgboost's set_params would accept it


def test_set_routed_params_checks_all_names_before_changing_anything():
    pipe = make_hybrid("mobilenetv2-svm")
    with pytest.raises(ValueError, match="parameters 'clf__CC'.*'nope'"):
        set_routed_params(pipe, {"clf__C": 1.0, "clf__CC": 1.0, "nope": 2})
    assert pipe.named_steps["clf"].C == 10.0
    assert set_routed_params(pipe, {}) is pipe
    assert set_routed_params(pipe, {"clf__C": 1.0}).named_steps["clf"].C == 1.0


def test_deep_classifier_routed_params_pass():
    pytest.importorskip("skorch")
    clf = make_deep_model("cnn_gru", optimizer__weight_decay=1e-4)
    assert clf.get_params()["optimizer__weight_decay"] == 1e-4
    with pytest.raises(ValueError, match="did you mean 'max_epochs'"):
        make_deep_model("cnn_gru", max_epoch=3)


def test_register_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        register_preset("mobilenetv2-svm", "dup")(lambda: None)
    with pytest.raises(ValueError, match="twice"):
        register_deep_model("mobilenetv2-svm", "dup", params={})  # one namespace for all kinds
    with pytest.raises(ValueError, match="kind must be one of"):
        register_preset("new-preset", "bad kind", kind="classical")(lambda: None)
    assert "new-preset" not in list_presets()


def test_routed_params_and_memory(tmp_path):
    pipe = make_hybrid("mobilenetv2-svm", memory=str(tmp_path), clf__C=3.0, features__batch_size=4)
    assert pipe.memory == str(tmp_path)
    assert pipe.named_steps["clf"].C == 3.0 and pipe.named_steps["features"].batch_size == 4


def test_presets_share_one_frozen_extractor():
    # The MobileNetV2 experiment extracts the frozen prefix once for all four presets.
    prefixes = [pipe[:frozen_prefix_length(pipe)] for pipe in map(make_hybrid, HYBRID_PRESETS)]
    assert all(len(prefix) == 1 for prefix in prefixes)
    assert all(repr(prefix) == repr(prefixes[0]) for prefix in prefixes)


@needs_weights
@pytest.mark.parametrize("name", HYBRID_PRESETS)
def test_preset_in_grid_search(name, smears, tmp_path):
    X, y = smears
    grids = {
        "mobilenetv2-svm": {"clf__C": [1.0, 10.0]},
        "mobilenetv2-rf": {"clf__n_estimators": [10, 20]},
        "mobilenetv2-knn": {"clf__n_neighbors": [1, 3]},
        "mobilenetv2-xgboost": {"clf__n_estimators": [5, 10]},
    }
    pipe = make_hybrid(name, features__memory=str(tmp_path), **FAST)
    search = GridSearchCV(pipe, grids[name], cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert search.best_score_ > 0.8, f"{name} should separate the toy classes"
    assert search.predict(X).shape == (len(y),)


@needs_weights
def test_shared_extraction_equals_per_fold_pipeline(smears):
    """Extract once + CV the tail == CV of the whole pipeline (DeepFeatures is frozen)."""
    X, y = smears
    pipe = make_hybrid("mobilenetv2-svm", **FAST)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    whole = cross_val_predict(pipe, X, y, cv=cv, method="decision_function")
    features = clone(pipe.steps[0][1]).fit_transform(X)
    shared = cross_val_predict(pipe[1:], features, y, cv=cv, method="decision_function")
    np.testing.assert_allclose(whole, shared, rtol=1e-4, atol=1e-4)
