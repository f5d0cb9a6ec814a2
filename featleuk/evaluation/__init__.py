"""Metrics, cross-validation, figures and report writing for featleuk experiments.

- :func:`classification_metrics` / :func:`per_class_report`: the numbers the
  papers quote (accuracy, precision, sensitivity, specificity, F1, F2, Cohen's
  kappa, MCC, ROC AUC from probabilities or decision margins).
- :func:`make_cv`, :func:`holdout_split`, :func:`cross_validate_predictions`
  and :class:`CVResult`: stratified (group-aware) splits and out-of-fold
  predictions with timings.
- ``plot_*`` and :func:`save_figure`: confusion matrices, ROC / PR curves and
  training curves as matplotlib Figures.
- :func:`write_report`: ``metrics.json`` + ``report.md`` + PNG figures.
"""

from ._cv import CVResult, cross_validate_predictions, holdout_split, make_cv
from ._metrics import (
    METRIC_NAMES,
    PERCENT_METRICS,
    classification_metrics,
    confusion,
    per_class_report,
    score_matrix,
)
from ._plots import (
    plot_confusion_matrix,
    plot_pr_curves,
    plot_roc_curves,
    plot_training_curves,
    save_figure,
)
from ._report import safe_filename, write_report

__all__ = [
    "METRIC_NAMES",
    "PERCENT_METRICS",
    "classification_metrics",
    "per_class_report",
    "confusion",
    "score_matrix",
    "CVResult",
    "make_cv",
    "holdout_split",
    "cross_validate_predictions",
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_pr_curves",
    "plot_training_curves",
    "save_figure",
    "write_report",
    "safe_filename",
]
