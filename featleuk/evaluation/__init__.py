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
- :func:`bootstrap_metrics`, :func:`paired_bootstrap_test`: 95% (cluster)
  bootstrap intervals of every metric and paired differences between
  pipelines; :func:`leakage_audit`: one pipeline under every split the data
  allows; :func:`evaluate_external`: a trained model on another dataset.
- :func:`write_report`: ``metrics.json``, ``predictions.csv``,
  ``report.md``, ``report.html`` and PNG figures (:func:`write_html_report`
  writes the HTML alone).
"""

from ._audit import feature_clusters, file_sequence_blocks, leakage_audit
from ._bootstrap import bootstrap_metrics, paired_bootstrap_test
from ._cv import CVResult, cross_validate_predictions, holdout_split, make_cv
from ._external import evaluate_external
from ._frozen import FrozenCVResults, FrozenStep, cross_validate_frozen
from ._metrics import (
    METRIC_NAMES,
    PERCENT_METRICS,
    classification_metrics,
    confusion,
    per_class_report,
    score_matrix,
)
from ._html import write_html_report
from ._json import estimator_params
from ._plots import (
    plot_confusion_matrix,
    plot_pipeline_comparison,
    plot_pr_curves,
    plot_roc_curves,
    plot_training_curves,
    save_figure,
)
from ._report import safe_filename, write_report
from ._tables import (
    METRIC_HEADERS,
    METRIC_UNITS,
    format_interval,
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
    "evaluate_external",
    "bootstrap_metrics",
    "paired_bootstrap_test",
    "leakage_audit",
    "file_sequence_blocks",
    "feature_clusters",
    "estimator_params",
    "FrozenCVResults",
    "FrozenStep",
    "plot_confusion_matrix",
    "plot_roc_curves",
    "plot_pr_curves",
    "plot_pipeline_comparison",
    "plot_training_curves",
    "save_figure",
    "write_report",
    "write_html_report",
    "safe_filename",
    "METRIC_HEADERS",
    "METRIC_UNITS",
    "format_interval",
    "format_metric",
    "format_seconds",
    "format_table",
    "metrics_table",
]
