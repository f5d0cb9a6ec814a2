"""featleuk.save_model / load_model: skops files, trusted types only, nothing of the training machine."""

import pickle
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from featleuk import load_model, save_model
from featleuk.datasets import make_synthetic_smears
from featleuk.features import ColorFeatures
from featleuk.model_io import TRUSTED_TYPES, UntrustedModelError, read_header
from featleuk.pipelines import make_classifier


class NotTrusted(LogisticRegression):
    """A class outside featleuk's allow-list."""


@pytest.fixture(scope="module")
def images():
    X, y = make_synthetic_smears(24, image_size=32, random_state=0)
    return X, np.array(["Benign", "Early", "Pre", "Pro"])[y]


def test_round_trip_keeps_probabilities_and_string_classes(images, tmp_path):
    X, y = images
    model = make_pipeline(ColorFeatures(), StandardScaler(), make_classifier("svm")).fit(X, y)
    path = save_model(model, tmp_path / "m.skops")
    loaded = load_model(path)
    assert loaded.classes_.tolist() == ["Benign", "Early", "Pre", "Pro"]
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-12)
    assert read_header(path)["classes"] == ["Benign", "Early", "Pre", "Pro"]


def test_memory_is_not_saved_and_is_restored(images, tmp_path):
    X, y = images
    model = make_pipeline(ColorFeatures(), LogisticRegression(), memory=str(tmp_path / "cache")).fit(X, y)
    save_model(model, tmp_path / "m.skops")
    assert model.memory == str(tmp_path / "cache")  # the caller's model is left as it was
    assert load_model(tmp_path / "m.skops").memory is None


def test_other_machine_paths_are_refused(images, tmp_path):
    X, y = images
    model = make_pipeline(ColorFeatures(), LogisticRegression()).fit(X, y)
    model.steps[-1][1].some_path = None
    model.set_params(logisticregression__solver=str(tmp_path / "x"))
    with pytest.raises(ValueError, match="logisticregression__solver.*path of this machine"):
        save_model(model, tmp_path / "m.skops")


def test_a_pickle_is_refused(tmp_path):
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(LogisticRegression()))
    with pytest.raises(UntrustedModelError, match="looks like a pickle.*never loads pickles"):
        load_model(tmp_path / "m.pkl")


def test_a_plain_skops_file_is_refused(tmp_path):
    sio.dump(LogisticRegression(), tmp_path / "plain.skops")
    with pytest.raises(UntrustedModelError, match="not written by featleuk.save_model"):
        load_model(tmp_path / "plain.skops")


def test_a_zip_that_is_not_skops_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.skops", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UntrustedModelError, match="not a skops file"):
        load_model(tmp_path / "a.skops")


def test_an_untrusted_type_is_named_and_refused(tmp_path):
    rng = np.random.default_rng(0)
    model = NotTrusted().fit(rng.normal(size=(20, 2)), np.repeat(["a", "b"], 10))
    save_model(model, tmp_path / "m.skops")
    with pytest.raises(UntrustedModelError, match=r"NotTrusted'.*not on featleuk's list of trusted"):
        load_model(tmp_path / "m.skops")


def test_trusted_types_are_featleuk_sklearn_and_xgboost_only():
    assert {name.split(".")[0] for name in TRUSTED_TYPES} <= {"featleuk", "sklearn", "xgboost"}


def test_deep_classifier_is_stored_as_arrays(images, tmp_path):
    from featleuk.models import DeepClassifier

    X, y = images
    model = DeepClassifier("small_cnn", weights=None, max_epochs=1, image_size=32,
                           validation_fraction=0, show_progress=False).fit(X, y)
    save_model(model, tmp_path / "deep.skops")
    assert "torch" not in " ".join(sio.get_untrusted_types(file=tmp_path / "deep.skops"))
    loaded = load_model(tmp_path / "deep.skops")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-6)
    assert loaded.classes_.tolist() == model.classes_.tolist()


@pytest.mark.parametrize("y", [np.repeat(["a", "b", "c"], 6), np.array(["a"] * 4 + ["b"] * 4 + ["c"])])
def test_calibrated_svm_keeps_the_svm_margins_and_saves(y, tmp_path):
    from sklearn.svm import SVC

    X = np.random.default_rng(0).normal(size=(len(y), 3)) + (y == "a")[:, None]
    model = make_classifier("svm").fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), SVC(C=10.0).fit(X, y).decision_function(X))
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), 3) and np.allclose(proba.sum(axis=1), 1)
    assert (model.predict(X) == model.classes_[proba.argmax(axis=1)]).all()
    save_model(model, tmp_path / "svm.skops")
    np.testing.assert_allclose(load_model(tmp_path / "svm.skops").predict_proba(X), proba)
