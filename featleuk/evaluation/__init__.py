"""Metrics, cross-validation, figures and report writing for featleuk experiments.

- :func:`classification_metrics` / :func:`per_class_report`: the numbers the
  papers quote (accuracy, precision, sensitivity, specificity, F1, F2, Cohen's
  kappa, MCC, ROC AUC from probabilities or decision margins).
- :func:`make_cv`, :func:`holdout_split`, :func:`cross_validate_predictions`
  and :class:`CVResult`: stratified (group-aware) splits and out-of-fold
  predictions with timings.
- ``plot_*`` and :func:`save_figure`: confusion matrices, ROC / PR curves and
  training curves as matplotlib Figures.
- :func:`cross_validate_frozen`: many pipelines at once, their frozen
  (``learns_from_data=False``) leading steps run once per image and shared.
- :func:`format_table`, :func:`metrics_table`, :func:`format_metric`: the one
  table formatter of console summaries and reports (every metric x100).
- :func:`write_report`: ``metrics.json`` + ``report.md`` + PNG figures.
"""

from ._cv import CVResult, cross_validate_predictions, holdout_split, make_cv
from ._frozen import FrozenCVResults, FrozenStep, cross_validate_frozen
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
from ._tables import (
    METRIC_HEADERS,
    METRIC_UNITS,
    format_metric,
    format_seconds,
    format_table,
    metrics_table,
)

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
    "cross_validate_frozen",
    "FrozenCVResults",
    "FrozenStep",
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_pr_curves",
    "plot_training_curves",
    "save_figure",
    "write_report",
    "safe_filename",
    "METRIC_HEADERS",
    "METRIC_UNITS",
    "format_metric",
    "format_seconds",
    "format_table",
    "metrics_table",
]
