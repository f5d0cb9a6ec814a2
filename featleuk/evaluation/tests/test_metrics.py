"""Metrics checked against values worked out by hand."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from featleuk.evaluation import (
    METRIC_NAMES,
    classification_metrics,
    confusion,
    per_class_report,
    score_matrix,
)

# Binary: 4 negatives, 6 positives.
#   negatives predicted [0, 0, 0, 1] -> TN = 3, FP = 1
#   positives predicted [1, 1, 1, 1, 0, 0] -> TP = 4, FN = 2
BIN_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
BIN_PRED = np.array([0, 0, 0, 1, 1, 1, 1, 1, 0, 0])
# Positive-class scores: each of the 4 top positives beats all 4 negatives,
# 0.4 and 0.35 beat 3 negatives (not 0.6): AUC = (4 * 4 + 3 + 3) / (6 * 4) = 22 / 24.
BIN_SCORE = np.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.8, 0.7, 0.65, 0.4, 0.35])


def test_binary_by_hand():
    # Confusion matrix [[TN, FP], [FN, TP]] = [[3, 1], [2, 4]].
    m = classification_metrics(BIN_TRUE, BIN_PRED, BIN_SCORE)
    assert list(m) == list(METRIC_NAMES)
    assert m["accuracy"] == pytest.approx((4 + 3) / 10)
    # Macro over both classes: precision [3/5, 4/5], recall [3/4, 4/6].
    assert m["precision"] == pytest.approx((3 / 5 + 4 / 5) / 2)
    assert m["recall"] == pytest.approx((3 / 4 + 4 / 6) / 2)
    # F1 [2/3, 8/11]; F2 = 5PR / (4P + R): [2.25 / 3.15 = 5/7, (8/3) / (11.6/3) = 20/29]
    assert m["f1"] == pytest.approx((2 / 3 + 8 / 11) / 2)
    assert m["f2"] == pytest.approx((5 / 7 + 20 / 29) / 2)
    # The diagnostic-test numbers are the positive class's.
    assert m["sensitivity"] == pytest.approx(4 / 6)  # TP / (TP + FN)
    assert m["specificity"] == pytest.approx(3 / 4)  # TN / (TN + FP)
    # kappa: p_o = 0.7, p_e = 0.4 * 0.5 + 0.6 * 0.5 = 0.5 -> (0.7 - 0.5) / 0.5
    assert m["cohen_kappa"] == pytest.approx(0.4)
    # MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = 10 / sqrt(5 * 6 * 4 * 5)
    assert m["mcc"] == pytest.approx(10 / math.sqrt(600))
    assert m["roc_auc"] == pytest.approx(22 / 24)


def test_binary_average_reports_the_positive_class():
    m = classification_metrics(BIN_TRUE, BIN_PRED, BIN_SCORE, average="binary")
    assert m["precision"] == pytest.approx(4 / 5)
    assert m["recall"] == m["sensitivity"] == pytest.approx(4 / 6)
    assert m["f1"] == pytest.approx(8 / 11)
    assert m["specificity"] == pytest.approx(3 / 4)


def test_single_class_predictor_two_classes():
    # An SVM predicting "positive" everywhere on balanced data: the positive
    # class's F1 is 2 (1/2)(1) / (3/2) = 2/3, the negative class's 0.
    y_true = np.array([0, 1] * 6)
    m = classification_metrics(y_true, np.ones(12, int), np.ones(12))
    assert m["f1"] == pytest.approx(1 / 3)
    assert m["precision"] == pytest.approx(1 / 4)  # [0, 1/2]
    assert m["recall"] == pytest.approx(1 / 2)  # [0, 1]: the balanced accuracy
    assert m["f2"] == pytest.approx((0 + 5 / 6) / 2)  # positive: 5 (1/2)(1) / (4 (1/2) + 1)
    assert m["sensitivity"] == 1.0 and m["specificity"] == 0.0
    assert m["accuracy"] == 0.5 and m["cohen_kappa"] == 0.0 and m["mcc"] == 0.0
    assert m["roc_auc"] == 0.5  # constant scores: every pair tied
    assert classification_metrics(y_true, np.ones(12, int), average="binary")["f1"] == (
        pytest.approx(2 / 3))


def test_single_class_predictor_four_classes():
    y_true = np.repeat(np.arange(4), 3)
    m = classification_metrics(y_true, np.full(12, 2))
    # Only class 2 has TP: precision 3/12, recall 1, F1 2 (1/4) / (5/4) = 2/5.
    assert m["precision"] == pytest.approx(1 / 16)
    assert m["recall"] == m["sensitivity"] == pytest.approx(1 / 4)
    assert m["f1"] == pytest.approx(2 / 5 / 4)
    assert m["specificity"] == pytest.approx(3 / 4)  # [1, 1, 0, 1]
    assert m["accuracy"] == 0.25 and m["cohen_kappa"] == 0.0 and m["mcc"] == 0.0


def test_kappa_mcc_match_scikit_learn_on_random_predictions():
    from sklearn.metrics import cohen_kappa_score, matthews_corrcoef

    rng = np.random.default_rng(1)
    for n_classes in (2, 3, 5):
        y_true = rng.integers(0, n_classes, 80)
        y_pred = np.where(rng.random(80) < 0.6, y_true, rng.integers(0, n_classes, 80))
        m = classification_metrics(y_true, y_pred)
        assert m["cohen_kappa"] == pytest.approx(cohen_kappa_score(y_true, y_pred))
        assert m["mcc"] == pytest.approx(matthews_corrcoef(y_true, y_pred))


def test_binary_auc_same_from_proba_columns_and_margins():
    from_1d = classification_metrics(BIN_TRUE, BIN_PRED, BIN_SCORE)["roc_auc"]
    proba = np.column_stack([1 - BIN_SCORE, BIN_SCORE])
    margins = 3.0 * BIN_SCORE - 2.0  # not probabilities; same ranking
    assert classification_metrics(BIN_TRUE, BIN_PRED, proba)["roc_auc"] == pytest.approx(from_1d)
    assert classification_metrics(BIN_TRUE, BIN_PRED, margins)["roc_auc"] == pytest.approx(from_1d)


def test_binary_string_labels_use_second_sorted_label_as_positive():
    names = np.array(["healthy", "leukemia"])
    m = classification_metrics(names[BIN_TRUE], names[BIN_PRED], BIN_SCORE)
    assert m["sensitivity"] == pytest.approx(4 / 6)
    assert m["specificity"] == pytest.approx(3 / 4)


# Four classes, 3 samples each. Confusion matrix (rows true, columns predicted):
#   [[2, 1, 0, 0],
#    [0, 2, 1, 0],
#    [0, 0, 3, 0],
#    [1, 0, 0, 2]]
# column sums [3, 3, 4, 2]; TP = [2, 2, 3, 2], FP = [1, 1, 1, 0],
# FN = [1, 1, 0, 1], TN = 12 - TP - FP - FN = [8, 8, 8, 9].
MC_TRUE = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
MC_PRED = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 0, 3])


def test_confusion_by_hand():
    expected = np.array([[2, 1, 0, 0], [0, 2, 1, 0], [0, 0, 3, 0], [1, 0, 0, 2]])
    np.testing.assert_array_equal(confusion(MC_TRUE, MC_PRED), expected)
    np.testing.assert_allclose(confusion(MC_TRUE, MC_PRED, normalize="true"), expected / 3)


def test_four_class_by_hand():
    # Hard one-hot scores: for 0/1 scores AUC = (recall + specificity) / 2.
    onehot = np.eye(4)[MC_PRED]
    m = classification_metrics(MC_TRUE, MC_PRED, onehot)
    assert m["accuracy"] == pytest.approx(9 / 12)
    # precision = TP / (TP + FP) = [2/3, 2/3, 3/4, 1]
    assert m["precision"] == pytest.approx((2 / 3 + 2 / 3 + 3 / 4 + 1) / 4)
    # recall = TP / (TP + FN) = [2/3, 2/3, 1, 2/3]
    assert m["recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 + 2 / 3) / 4)
    # specificity = TN / (TN + FP) = [8/9, 8/9, 8/9, 9/9]
    assert m["specificity"] == pytest.approx((8 / 9 * 3 + 1) / 4)
    # F1 per class: 2/3, 2/3, 2(3/4)(1)/(7/4) = 6/7, 2(1)(2/3)/(5/3) = 4/5
    assert m["f1"] == pytest.approx((2 / 3 + 2 / 3 + 6 / 7 + 4 / 5) / 4)
    # F2 per class: 2/3, 2/3, 5(3/4)(1)/(3 + 1) = 15/16, 5(1)(2/3)/(4 + 2/3) = 5/7
    assert m["f2"] == pytest.approx((2 / 3 + 2 / 3 + 15 / 16 + 5 / 7) / 4)
    # kappa: p_o = 9/12, p_e = (3*3 + 3*3 + 3*4 + 3*2) / 144 = 1/4
    assert m["cohen_kappa"] == pytest.approx((0.75 - 0.25) / 0.75)
    # MCC = (c s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2))
    #     = (9*12 - 36) / sqrt((144 - 38)(144 - 36))
    assert m["mcc"] == pytest.approx(72 / math.sqrt(106 * 108))
    # AUC per class = (recall + specificity) / 2 = [7/9, 7/9, 17/18, 5/6]
    assert m["roc_auc"] == pytest.approx((7 / 9 + 7 / 9 + 17 / 18 + 5 / 6) / 4)


def test_multiclass_auc_from_margins_matches_sklearn_proba_auc():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 10)
    margins = rng.normal(size=(30, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(margins) / np.exp(margins).sum(axis=1, keepdims=True)
    pred = margins.argmax(axis=1)
    expected_columns = np.mean([roc_auc_score(y == k, margins[:, k]) for k in range(3)])
    assert classification_metrics(y, pred, margins)["roc_auc"] == pytest.approx(expected_columns)
    # For probabilities the column-wise mean is scikit-learn's OvR macro AUC.
    from_proba = classification_metrics(y, pred, proba)["roc_auc"]
    assert from_proba == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"))


def test_auc_nan_without_scores_or_with_absent_class():
    assert math.isnan(classification_metrics(MC_TRUE, MC_PRED)["roc_auc"])
    scores = np.eye(5)[MC_PRED]
    m = classification_metrics(MC_TRUE, MC_PRED, scores, labels=[0, 1, 2, 3, 4])
    assert math.isnan(m["roc_auc"])
    assert not math.isnan(m["accuracy"])


def test_weighted_recall_is_accuracy():
    y_true = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 0, 2, 1, 0, 2])
    m = classification_metrics(y_true, y_pred, average="weighted")
    assert m["recall"] == pytest.approx(m["accuracy"])


def test_parameter_errors():
    with pytest.raises(ValueError, match="average"):
        classification_metrics(MC_TRUE, MC_PRED, average="micro")
    with pytest.raises(ValueError, match="two classes"):
        classification_metrics(MC_TRUE, MC_PRED, average="binary")
    with pytest.raises(ValueError, match="samples"):
        classification_metrics(MC_TRUE, MC_PRED[:-1])
    with pytest.raises(ValueError, match="one column per class"):
        classification_metrics(MC_TRUE, MC_PRED, np.ones((12, 3)))


def test_score_matrix_binary_margin():
    np.testing.assert_array_equal(score_matrix([2.0, -1.0], 2), [[-2.0, 2.0], [1.0, -1.0]])
    with pytest.raises(ValueError, match="two classes"):
        score_matrix([1.0, 2.0], 3)


def test_per_class_report_by_hand():
    rows = per_class_report(MC_TRUE, MC_PRED, np.eye(4)[MC_PRED],
                            target_names=["Benign", "Early", "Pre", "Pro"])
    assert [row["class"] for row in rows] == ["Benign", "Early", "Pre", "Pro"]
    pre, pro = rows[2], rows[3]
    assert pre["precision"] == pytest.approx(3 / 4)
    assert pre["recall"] == pre["sensitivity"] == pytest.approx(1.0)
    assert pre["specificity"] == pytest.approx(8 / 9)
    assert pre["f1"] == pytest.approx(6 / 7)
    assert pre["auc"] == pytest.approx(17 / 18)
    assert pro["f2"] == pytest.approx(5 / 7)
    assert pro["support"] == 3 and isinstance(pro["support"], int)
    assert math.isnan(per_class_report(MC_TRUE, MC_PRED)[0]["auc"])
    with pytest.raises(ValueError, match="target_names"):
        per_class_report(MC_TRUE, MC_PRED, target_names=["a"])
