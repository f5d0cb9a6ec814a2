"""Experiment reports: ``metrics.json``, ``report.md`` and PNG figures.

Every experiment script ends with :func:`write_report`, so all reports have
the same layout and every number in ``report.md`` is also in
``metrics.json`` (with its per-fold values) for later checking.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._cv import CVResult
from ._json import jsonable
from ._plots import plot_confusion_matrix, plot_pr_curves, plot_roc_curves, save_figure
from ._tables import (
    METRIC_HEADERS,
    METRIC_UNITS,
    format_metric,
    format_seconds,
    format_table,
    metrics_table,
)

__all__ = ["write_report", "safe_filename"]

#: Column order of the results table (recall is sensitivity).
_TABLE_METRICS = ("accuracy", "precision", "sensitivity", "specificity", "f1", "f2",
                  "cohen_kappa", "mcc", "roc_auc")

#: Columns of the per-class table (keys of per_class_report).
_PER_CLASS_COLUMNS = ("precision", "sensitivity", "specificity", "f1", "auc")


def safe_filename(name: str) -> str:
    """``name`` reduced to ``[A-Za-z0-9._-]`` (runs of anything else become ``_``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return slug or "pipeline"


def _unique_slugs(names):
    slugs, seen = {}, set()
    for name in names:
        base = slug = safe_filename(name)
        counter = 2
        while slug.lower() in seen:
            slug = f"{base}_{counter}"
            counter += 1
        seen.add(slug.lower())
        slugs[name] = slug
    return slugs


def _featleuk_version():
    module = sys.modules.get("featleuk")
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return importlib.metadata.version("featleuk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _environment():
    versions = {"python": platform.python_version()}
    for package in ("numpy", "scikit-learn", "torch", "torchvision", "xgboost"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(), "versions": versions}


def _as_mapping(results):
    if isinstance(results, CVResult):
        results = [results]
    if isinstance(results, Mapping):
        items = list(results.items())
    else:
        items = [(result.name, result) for result in results]
    if not items:
        raise ValueError("write_report needs at least one result")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"pipeline names must be unique, got {names}")
    for name, result in items:
        if not isinstance(result, CVResult):
            raise TypeError(f"result {name!r} is a {type(result).__name__}, not a CVResult")
    return dict(items)


def _pipeline_entry(result: CVResult) -> dict:
    summary = result.summary()
    return {
        "metrics": {metric: stats["mean"] for metric, stats in summary.items()},
        "std": {metric: stats["std"] for metric, stats in summary.items()},
        "folds": {metric: stats["folds"] for metric, stats in summary.items()},
        "pooled": result.pooled_metrics(),
        "per_class": result.per_class(),
        "confusion_matrix": result.confusion_matrix(),
        "wall_time_s": result.wall_time,
        "fit_time_s": list(result.fit_times),
        "score_time_s": list(result.score_times),
        "n_samples": int(len(result.y_true)),
        "n_folds": result.n_folds,
        "classes": result.classes,
        "target_names": list(result.target_names),
        "extra": result.extra,
    }


def _pipeline_figures(name, result: CVResult, fig_dir: Path, slug: str):
    """Save the confusion / ROC / PR figures of one result; return (caption, path) pairs."""
    common = {"labels": result.classes, "target_names": result.target_names}
    makers = [("confusion", "Confusion matrix", plot_confusion_matrix, result.y_pred)]
    if result.y_score is not None:
        makers += [
            ("roc", "ROC curves (one-vs-rest)", plot_roc_curves, result.y_score),
            ("pr", "Precision-recall curves", plot_pr_curves, result.y_score),
        ]
    saved = []
    for suffix, caption, plot, second in makers:
        fig = plot(result.y_true, second, title=f"{name}: {caption}", **common)
        saved.append((caption, save_figure(fig, fig_dir / f"{slug}_{suffix}.png")))
    return saved


def _place_extra_figure(caption, source, out_dir: Path, fig_dir: Path, taken: set):
    """Put an extra figure (path or matplotlib Figure) under ``out_dir``; return its path."""
    if hasattr(source, "savefig"):
        stem = safe_filename(caption)
        target = fig_dir / f"{stem}.png"
        counter = 2
        while target in taken:
            target = fig_dir / f"{stem}_{counter}.png"
            counter += 1
        return save_figure(source, target)
    source = Path(source)
    if source.resolve().is_relative_to(out_dir.resolve()):
        return source
    fig_dir.mkdir(parents=True, exist_ok=True)
    target = fig_dir / safe_filename(source.name)
    counter = 2
    while target in taken or target.exists():
        target = fig_dir / f"{safe_filename(source.stem)}_{counter}{source.suffix}"
        counter += 1
    shutil.copyfile(source, target)
    return target


def _alt(text) -> str:
    """Image alt text: brackets would end the Markdown link early."""
    return re.sub(r"[\[\]\n]", " ", str(text))


def _results_table(results):
    return metrics_table(results, _TABLE_METRICS, columns=[("Folds", lambda _, r: r.n_folds)])


def _per_class_table(result):
    rows = [[row["class"], row["support"]] + [format_metric(row[key]) for key in _PER_CLASS_COLUMNS]
            for row in result.per_class()]
    return format_table(["Class", "Support"] + [METRIC_HEADERS[key] for key in _PER_CLASS_COLUMNS],
                        rows)


def _finite_mean(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def _timing_table(results):
    rows = []
    for name, result in results.items():
        n_tested = len(result.y_true)
        predict_total = float(np.nansum(result.score_times))
        rows.append([
            name,
            format_seconds(result.wall_time),
            format_seconds(_finite_mean(result.fit_times)),
            format_seconds(_finite_mean(result.score_times)),
            f"{n_tested / predict_total:.1f}" if predict_total > 0 else "n/a",
        ])
    return format_table(
        ["Pipeline", "Wall time (s)", "Fit per fold (s)", "Predict per fold (s)", "Predicted samples/s"],
        rows,
    )


def _extra_lines(extra):
    lines = []
    for key, value in extra.items():
        if isinstance(value, (str, int, float, bool, np.generic)) or value is None:
            lines.append(f"- {key}: {value}")
    return lines


def _link(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(path, out_dir)).as_posix()


def _markdown(out_dir, results, figure_paths, extra_figures, *, title, data_description,
              notes, timings, extra_sections, created, version, environment):
    parts = [f"# {title}", f"_Created {created} with featleuk {version}; "
             f"Python {environment['versions']['python']} on {environment['cpu_count']} CPU(s)._"]
    if data_description:
        parts += ["## Data", data_description.strip()]
    n_folds = sorted({result.n_folds for result in results.values()})
    parts += [
        "## Results",
        "Mean ± sample standard deviation over test folds (one fold: the test set only). "
        "Precision, sensitivity, specificity, F-scores and AUC are macro-averaged one-vs-rest "
        f"for more than two classes and of the positive class for two. {METRIC_UNITS} "
        f"Folds: {', '.join(map(str, n_folds))}.",
        _results_table(results),
    ]
    for name, result in results.items():
        parts.append(f"## {name}")
        details = [f"- samples tested: {len(result.y_true)} in {result.n_folds} fold(s)"]
        details += _extra_lines(result.extra)
        parts.append("\n".join(details))
        parts += ["### Per-class results (pooled out-of-fold predictions)", _per_class_table(result)]
        parts.append("\n\n".join(
            f"![{_alt(name)}: {caption}]({_link(path, out_dir)})"
            for caption, path in figure_paths[name]
        ))
    parts += ["## Timing", _timing_table(results)]
    if timings:
        rows = [[step, format_seconds(value) if isinstance(value, (int, float)) else value]
                for step, value in timings.items()]
        parts.append(format_table(["Step", "Seconds"], rows))
    for heading, body in extra_sections:
        parts += [f"## {heading}", str(body).strip()]
    if extra_figures:
        parts.append("## Figures")
        parts += [f"![{_alt(caption)}]({_link(path, out_dir)})\n\n*{caption}*"
                  for caption, path in extra_figures]
    if notes:
        parts += ["## Notes", "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"


def write_report(out_dir, results, *, title, data_description="", notes=(), timings=None,
                 extra_sections=(), figures=()):
    """Write ``metrics.json``, ``report.md`` and figures for a set of results.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing files of the same names are replaced.
    results : dict of {name: CVResult}, list of CVResult or CVResult
        A list uses each result's ``name``.
    title : str
    data_description : str, default=""
        Markdown describing the data (source, classes, counts, preprocessing).
    notes : sequence of str, default=()
        Bullet points at the end (caveats, deviations from the paper).
    timings : dict of {str: float or str}, default=None
        Extra timings in seconds, e.g. ``{"DeepFeatures extraction": 412.0}``.
    extra_sections : sequence of (heading, markdown), default=()
        Further sections (Dice tables, selected features, ...).
    figures : sequence of (caption, path or matplotlib Figure), default=()
        Extra figures (training curves, Grad-CAM, ...). Files outside
        ``out_dir`` are copied into ``out_dir/figures``; Figures are saved
        there as PNG.

    Returns
    -------
    dict
        ``{"report": Path, "metrics": Path, "figures": [Path, ...]}``.

    Notes
    -----
    ``metrics.json`` holds ``title``, ``data``, ``created`` (ISO 8601, UTC),
    ``featleuk_version``, ``environment``, ``timings`` and ``pipelines``:
    for each name, ``metrics`` (fold means), ``std``, ``folds`` (per-fold
    values), ``pooled`` (metrics of all out-of-fold predictions together),
    ``per_class``, ``confusion_matrix``, ``wall_time_s``, ``fit_time_s``,
    ``score_time_s`` (per fold), ``n_samples``, ``n_folds``, ``classes``,
    ``target_names`` and ``extra``. NaN is written as ``null``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir = out_dir / "figures"
    results = _as_mapping(results)
    slugs = _unique_slugs(results)

    missing = [(caption, source) for caption, source in figures
               if not hasattr(source, "savefig") and not Path(source).is_file()]
    if missing:
        caption, source = missing[0]
        raise FileNotFoundError(f"figure {caption!r}: no file at {source}")

    figure_paths = {name: _pipeline_figures(name, result, fig_dir, slugs[name])
                    for name, result in results.items()}
    taken = {path for saved in figure_paths.values() for _, path in saved}
    extra_figures = []
    for caption, source in figures:
        path = _place_extra_figure(caption, source, out_dir, fig_dir, taken)
        taken.add(path)
        extra_figures.append((caption, path))

    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    version = _featleuk_version()
    environment = _environment()
    payload = {
        "title": title,
        "data": data_description,
        "created": created,
        "featleuk_version": version,
        "environment": environment,
        "timings": dict(timings or {}),
        "pipelines": {name: _pipeline_entry(result) for name, result in results.items()},
    }
    metrics_path = out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(jsonable(payload), indent=2, allow_nan=False) + "\n",
                            encoding="utf-8")

    report_path = out_dir / "report.md"
    report_path.write_text(
        _markdown(out_dir, results, figure_paths, extra_figures, title=title,
                  data_description=data_description, notes=notes, timings=timings,
                  extra_sections=extra_sections, created=created, version=version,
                  environment=environment),
        encoding="utf-8",
    )
    all_figures = [path for saved in figure_paths.values() for _, path in saved]
    all_figures += [path for _, path in extra_figures]
    return {"report": report_path, "metrics": metrics_path, "figures": all_figures}
