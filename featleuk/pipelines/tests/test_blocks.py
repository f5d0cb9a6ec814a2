import numpy as np

import pytest
from sklearn.base import clone

from featleuk.pipelines import (
    CLASSIFIERS,
    FEATURE_FAMILIES,
    REDUCERS,
    SEGMENTERS,
    list_presets,
    make_classifier,
    make_feature_family,
    make_hybrid,
    make_reducer,
    make_segmenter,
    mobilenet_v2_features,
    needs_scaling,
)

TABLES = [(CLASSIFIERS, make_classifier), (REDUCERS, make_reducer), (SEGMENTERS, make_segmenter),
          (FEATURE_FAMILIES, make_feature_family)]


def test_tables_hold_the_names_the_presets_use():
    assert list(CLASSIFIERS) == ["svm", "rf", "knn", "xgboost", "logreg", "nb", "tree"]
    assert list(REDUCERS) == ["pca", "lda", "pso", "cso", "chi2"]
    assert list(FEATURE_FAMILIES) == ["glcm", "glrlm", "morph", "color", "lbp"]
    assert "kmeans-watershed" in SEGMENTERS and "efcm-imp" in SEGMENTERS
    assert [name for name in CLASSIFIERS if needs_scaling(name)] == ["svm", "knn", "logreg"]


@pytest.mark.parametrize("table, make", TABLES)
def test_every_block_builds_a_fresh_estimator(table, make):
    for name, block in table.items():
        assert block.name == name and block.description
        first, second = make(name), make(name)
        assert first is not second
        clone(first)


def test_overrides_replace_settings_and_keep_the_others():
    rf = make_classifier("rf", n_estimators=300, n_jobs=1)
    assert (rf.n_estimators, rf.n_jobs, rf.random_state) == (300, 1, 0)
    assert make_classifier("rf").n_estimators == 500
    assert make_reducer("chi2", k=10).k == 10
    assert make_segmenter("otsu", show_progress=False).show_progress is False
    assert make_feature_family("glcm", levels=16).distances == (1, 2)
    features = mobilenet_v2_features(batch_size=4)
    assert (features.batch_size, features.weights) == (4, "IMAGENET1K_V1")


@pytest.mark.parametrize("table, make", TABLES)
def test_unknown_names_and_params_suggest_the_closest(table, make):
    name = next(iter(table))
    with pytest.raises(ValueError, match=f"did you mean '{name}'"):
        make(name + "x")
    with pytest.raises(ValueError, match="has no parameter 'nonexistent_param'"):
        make(name, nonexistent_param=1)
    with pytest.raises(ValueError):
        needs_scaling("svn")


def test_presets_use_the_shared_blocks():
    """The classifier of every MobileNetV2 preset is the block, not a copy of another preset's."""
    for name in CLASSIFIERS:
        assert repr(make_hybrid(f"mobilenetv2-pca-{name}").named_steps["clf"]) == repr(make_classifier(name))
        assert repr(make_hybrid(f"mobilenetv2-{name}").named_steps["clf"]) == repr(make_classifier(name))


def test_user_text_cites_authors_and_years():
    for preset in list_presets().values():
        text = f"{preset.description} {preset.reference}".lower()
        assert "seed" not in text and "related work" not in text, preset.name
        assert preset.reference, preset.name
    for name in ("mobilenetv2-tree", "mobilenetv2-logreg", "mobilenetv2-nb"):
        assert "chi" not in list_presets()[name].reference.lower()
    assert "Das et al. (2022)" in list_presets()["mobilenetv2-svm"].reference


def test_xgboost_block_takes_class_names_like_every_other_classifier():
    pytest.importorskip("xgboost")
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (30, 4)), rng.normal(1.5, 1, (30, 4)), rng.normal(3, 1, (30, 4))]
    codes = np.repeat([0, 1, 2], 30)
    classes = np.array(["Benign", "Early", "Pre"])
    names = classes[codes]
    by_code = make_classifier("xgboost", n_jobs=1).fit(X, codes)
    by_name = make_classifier("xgboost", n_jobs=1).fit(X, names)
    assert by_name.classes_.tolist() == ["Benign", "Early", "Pre"]
    assert by_name.predict(X).tolist() == classes[by_code.predict(X)].tolist()
    np.testing.assert_array_equal(by_name.predict_proba(X), by_code.predict_proba(X))
    refit = by_name.fit(X, codes)  # refitting on other labels forgets the old ones
    assert refit.classes_.tolist() == [0, 1, 2]
