"""The one table formatter of featleuk: console tables and report tables alike.

Every metric is printed **x100**: the rates (accuracy, precision,
sensitivity, specificity, F-scores, ROC AUC) read as percentages, Cohen's
kappa and MCC as hundredths. Fold means ± standard deviations have two
decimals (:func:`format_metric`), estimates with their 95% interval one
(:func:`format_interval`, ``98.3 [97.8, 98.7]``). The console summary of an
experiment, its ``report.md`` and its ``report.html`` therefore show the
same numbers; :data:`METRIC_UNITS` is the sentence that says so above each
table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "METRIC_HEADERS",
    "METRIC_UNITS",
    "format_interval",
    "format_metric",
    "format_seconds",
    "format_table",
    "metrics_table",
]

#: Header of each metric column.
METRIC_HEADERS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "f1": "F1",
    "f2": "F2",
    "cohen_kappa": "Cohen's κ",
    "mcc": "MCC",
    "roc_auc": "ROC AUC",
    "auc": "AUC",
}

#: The unit sentence that goes with every metrics table.
METRIC_UNITS = ("All metrics x100: accuracy, precision, sensitivity, specificity, F-scores and "
                "AUC in %, Cohen's κ and MCC in hundredths.")

_DIGITS = 2


def format_metric(mean, std=None, *, digits=_DIGITS):
    """``mean ± std`` of a metric, both x100 (see :data:`METRIC_UNITS`).

    Parameters
    ----------
    mean : float or None
        The metric as a fraction (accuracy 0.985) or ratio (MCC 0.97).
    std : float or None, default=None
        Its standard deviation over folds; left out when missing or NaN.
    digits : int, default=2
        Decimals of both numbers (after scaling by 100).

    Returns
    -------
    str
        ``"n/a"`` when ``mean`` is missing or NaN.

    Examples
    --------
    >>> format_metric(0.98512, 0.0042)
    '98.51 ± 0.42'
    """
    if mean is None or not math.isfinite(mean):
        return "n/a"
    text = f"{100.0 * mean:.{digits}f}"
    if std is not None and math.isfinite(std):
        text += f" ± {100.0 * std:.{digits}f}"
    return text


def format_interval(value, low, high, *, metric=None, digits=None):
    """``"98.3 [97.8, 98.7]"``: an estimate and its confidence interval, x100.

    Parameters
    ----------
    value, low, high : float or None
        The estimate and the interval bounds as fractions (NaN or None
        prints ``n/a``; without finite bounds the value is printed alone).
    metric : str, default=None
        A metric name (accuracy, mcc, auc, ...): printed x100 with one
        decimal, like every metric of a report (see :data:`METRIC_UNITS`);
        ``None`` prints the numbers as given with three decimals.
    digits : int, default=None
        Decimals, overriding the default.

    Returns
    -------
    str

    Examples
    --------
    >>> format_interval(0.98312, 0.9779, 0.9871, metric="accuracy")
    '98.3 [97.8, 98.7]'
    >>> format_interval(0.91, 0.88, 0.935, metric="mcc")
    '91.0 [88.0, 93.5]'
    >>> format_interval(0.9, float("nan"), None, metric="f1")
    '90.0'
    """
    if isinstance(value, Mapping):
        raise TypeError("pass the interval as format_interval(**interval, metric=...)")
    scale, default = (1.0, 3) if metric is None else (100.0, 1)
    digits = default if digits is None else int(digits)

    def finite(x):
        return x is not None and math.isfinite(x)

    if not finite(value):
        return "n/a"
    def number(x):
        return f"{round(x * scale, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.0"

    text = number(value)
    if finite(low) and finite(high):
        text += f" [{number(low)}, {number(high)}]"
    return text


def format_seconds(value):
    """Seconds with three significant digits (one decimal from 100 s on).

    Parameters
    ----------
    value : float or None
        A duration in seconds.

    Returns
    -------
    str
        The number without a unit; ``"n/a"`` when ``value`` is missing, not
        a number or not finite.

    Examples
    --------
    >>> format_seconds(0.00213), format_seconds(412.37)
    ('0.00213', '412.4')
    """
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "n/a"
    # Fixed decimals would print a 2 ms predict step as 0.00.
    return f"{value:.1f}" if value >= 100 else f"{value:.3g}"


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _is_number(cell):
    try:
        float(cell.split()[0])
    except (ValueError, IndexError):
        return cell == "n/a"
    return True


def format_table(header, rows, *, style="markdown"):
    """A table as Markdown (for reports) or aligned plain text (for the console).

    Parameters
    ----------
    header : sequence of str
        Column headers; their number sets the number of columns.
    rows : sequence of sequences
        Cells are converted with ``str``; format numbers first
        (:func:`format_metric`, :func:`format_seconds`).
    style : {"markdown", "text"}, default="markdown"
        ``"markdown"`` escapes ``|`` in cells; ``"text"`` pads the columns,
        numbers right-aligned and text left-aligned.

    Returns
    -------
    str
        The table's lines joined by newlines, without a trailing newline.

    Examples
    --------
    >>> print(format_table(["a", "b"], [[1, "x"]]))
    | a | b |
    |---|---|
    | 1 | x |
    >>> print(format_table(["Pipeline", "Accuracy"], [["svm", "98.51"], ["knn", "9.10"]], style="text"))
    Pipeline  Accuracy
    --------  --------
    svm          98.51
    knn           9.10
    """
    if style == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
        return "\n".join(lines)
    if style != "text":
        raise ValueError(f"style must be 'markdown' or 'text', got {style!r}")
    cells = [[str(value) for value in header]] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    # Columns of numbers are right-aligned, text left-aligned.
    numeric = [all(_is_number(row[i]) for row in cells[1:] if row[i]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if right else cell.ljust(w)
                       for cell, w, right in zip(row, widths, numeric)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def metrics_table(results, metrics=("accuracy", "f1", "mcc"), *, columns=None, style="markdown",
                  first_header="Pipeline", intervals=None):
    """One row per result: mean ± std over folds, or estimate [95% CI], of ``metrics``, x100.

    Parameters
    ----------
    results : dict of {name: CVResult}
    metrics : sequence of str, default=("accuracy", "f1", "mcc")
        Keys of :func:`~featleuk.evaluation.classification_metrics`.
    columns : sequence of (header, callable), default=None
        Further columns after the name, each ``callable(name, result)``
        returning the cell (e.g. the number of folds).
    style : {"markdown", "text"}, default="markdown"
    first_header : str, default="Pipeline"
        Header of the name column.
    intervals : dict of {name: dict}, default=None
        :func:`~featleuk.evaluation.bootstrap_metrics` output per result:
        each cell is then the metric of the pooled out-of-fold predictions
        with its interval (:func:`format_interval`) instead of the fold
        mean ± std.

    Returns
    -------
    str
        The table, without the unit sentence (:data:`METRIC_UNITS`).

    Examples
    --------
    >>> from featleuk.evaluation import CVResult
    >>> result = CVResult.from_predictions([0, 1, 1, 0], [0, 1, 0, 0], name="demo")
    >>> print(metrics_table({"demo": result}, ["accuracy"]))
    | Pipeline | Accuracy |
    |---|---|
    | demo | 75.00 |
    """
    columns = list(columns or ())
    header = [first_header] + [h for h, _ in columns] + [METRIC_HEADERS.get(m, m) for m in metrics]
    rows = []
    for name, result in results.items():
        if intervals is not None:
            found = intervals[name]["metrics"]
            cells = [format_interval(found[m]["value"], found[m]["low"], found[m]["high"],
                                     metric=m) if m in found else "n/a" for m in metrics]
        else:
            summary = result.summary()
            cells = [format_metric(summary[m]["mean"], summary[m]["std"]) if m in summary
                     else "n/a" for m in metrics]
        rows.append([name] + [cell(name, result) for _, cell in columns] + cells)
    return format_table(header, rows, style=style)
