"""evaluate_external: a trained model scored on another dataset, labelled as external."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.evaluation import CVResult, evaluate_external


@pytest.fixture(scope="module")
def four_class_model():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2, 3], 40)
    X = rng.normal(size=(160, 4)) + 4 * np.eye(4)[y]
    return LogisticRegression(max_iter=500).fit(X, y), rng


def test_class_map_merges_model_classes(four_class_model):
    model, rng = four_class_model
    # External data: healthy cells look like class 0, blasts like classes 1-3.
    y_ext = np.repeat([0, 1], 30)  # 0 = hem, 1 = all
    source = np.where(y_ext == 0, 0, rng.integers(1, 4, size=60))
    X_ext = rng.normal(size=(60, 4)) + 4 * np.eye(4)[source]
    class_map = {"Benign": "benign", "Early": "malignant", "Pre": "malignant",
                 "Pro": "malignant", "hem": "benign", "all": "malignant"}
    result = evaluate_external(
        model, X_ext, y_ext, target_names=["hem", "all"],
        model_target_names=["Benign", "Early", "Pre", "Pro"], class_map=class_map,
        dataset_name="C-NMC", training_dataset="Aria", name="LR on C-NMC")
    assert isinstance(result, CVResult)
    assert result.classes.tolist() == ["benign", "malignant"]
    assert result.external["dataset"] == "C-NMC"
    assert result.external["training_dataset"] == "Aria"
    assert result.external["class_map"] == class_map
    assert result.y_true.tolist() == ["benign"] * 30 + ["malignant"] * 30
    # Probabilities of the merged classes add up.
    assert np.allclose(result.y_score.sum(axis=1), 1.0)
    truth = np.where(source == 0, "benign", "malignant")
    predicted = np.where(model.predict(X_ext) == 0, "benign", "malignant")
    assert result.y_pred.tolist() == predicted.tolist()
    assert result.fold_metrics[0]["accuracy"] == pytest.approx(np.mean(predicted == truth))
    assert result.n_folds == 1 and result.sample_indices.tolist() == list(range(60))


def test_same_classes_need_no_map_and_margins_are_maxed(four_class_model):
    _, rng = four_class_model
    y = np.repeat(["hem", "all"], 30)
    X = rng.normal(size=(60, 2)) + 3 * (y == "all")[:, None]
    model = make_pipeline(StandardScaler(), SVC()).fit(X, y)
    result = evaluate_external(model, X + 0.5, y, dataset_name="B", training_dataset="A",
                               groups=np.arange(60) // 3)
    assert result.classes.tolist() == ["all", "hem"]
    assert result.extra["scores"] == "decision_function"
    assert result.groups.tolist() == (np.arange(60) // 3).tolist()
    assert result.params["svc__C"] == 1.0
    assert result.name == "Pipeline on B"


def test_errors_name_what_to_do(four_class_model):
    model, rng = four_class_model
    X = rng.normal(size=(10, 4))
    y = np.repeat(["hem", "all"], 5)
    with pytest.raises(ValueError, match="class_map"):
        evaluate_external(model, X, y, dataset_name="B", training_dataset="A")
    with pytest.raises(ValueError, match="neither classes of the model"):
        evaluate_external(model, X, y, class_map={"Benighn": "hem"}, dataset_name="B",
                          training_dataset="A")
    with pytest.raises(ValueError, match="name both datasets"):
        evaluate_external(model, X, y, dataset_name="", training_dataset="A")
    with pytest.warns(UserWarning, match="never predicts"):
        evaluate_external(model, X, y, class_map={"0": "hem", "1": "hem", "2": "hem", "3": "hem"},
                          dataset_name="B", training_dataset="A")
