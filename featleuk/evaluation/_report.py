"""Experiment reports: ``metrics.json``, ``predictions.csv``, ``report.md``, ``report.html``.

Every experiment ends with :func:`write_report`, so all reports have the
same layout, every number in them is in ``metrics.json`` (with its per-fold
values and its 95% bootstrap interval), every prediction is in
``predictions.csv``, and the provenance block says how to get the same
numbers again.

Files are written most valuable first - ``metrics.json`` and
``predictions.csv``, then the figures, then ``report.md`` and
``report.html`` - each to a temporary name renamed into place, so a failure
(a full disk, a figure that cannot be drawn) never leaves a half-written
file or wipes the previous report. A figure that fails to draw is recorded
in the report and skipped; a file that cannot be written stops the report
with an error naming it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._bootstrap import bootstrap_metrics, paired_bootstrap_test
from ._cv import CVResult, as_result_dict
from ._files import plain_name, save_figure_atomic, write_atomic, write_text_atomic
from ._json import estimator_params, jsonable
from ._plots import plot_pipeline_comparison, result_figures
from ._tables import (
    METRIC_HEADERS,
    METRIC_UNITS,
    format_interval,
    format_metric,
    format_seconds,
    format_table,
    metrics_table,
)

__all__ = ["write_report", "safe_filename"]

#: Column order of the results table.
_TABLE_METRICS = ("accuracy", "precision", "recall", "sensitivity", "specificity", "f1", "f2",
                  "cohen_kappa", "mcc", "roc_auc")

#: Columns of the per-class table (keys of per_class_report).
_PER_CLASS_COLUMNS = ("precision", "recall", "specificity", "f1", "auc")

#: Metrics of the comparison table (all are in metrics.json).
_COMPARED = ("accuracy", "f1", "mcc")

#: Most confidently wrong images listed per pipeline in report.md.
_HARDEST_MARKDOWN = 5


def safe_filename(name: str) -> str:
    """``name`` reduced to ``[A-Za-z0-9._-]`` (runs of anything else become ``_``).

    Leading and trailing dots and underscores are dropped, so the result is
    a file name that cannot be hidden or climb out of its folder.

    Parameters
    ----------
    name : str
        A pipeline name (converted with ``str``).

    Returns
    -------
    str
        The file-name stem; ``"pipeline"`` when nothing is left.

    Examples
    --------
    >>> safe_filename("MobileNetV2 + SVM (RBF)")
    'MobileNetV2_SVM_RBF'
    >>> safe_filename("../..")
    'pipeline'
    """
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
    for package in ("numpy", "scipy", "scikit-learn", "torch", "torchvision", "onnxruntime",
                    "xgboost"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(), "versions": versions}


def _git_checkout():
    """``{"commit", "dirty"}`` of the featleuk checkout being run, or None (installed package)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None

    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty, "path": str(root)}


def _file_list(images):
    """``{"n_files", "root", "sha256"}`` of a list of paths, or of an image array's bytes."""
    if images is None:
        return None
    if isinstance(images, np.ndarray):
        digest = hashlib.sha256(np.ascontiguousarray(images).tobytes())
        digest.update(repr((images.shape, str(images.dtype))).encode())
        return {"n_images": int(len(images)), "array_shape": list(images.shape),
                "sha256": digest.hexdigest()}
    if not all(isinstance(item, (str, bytes, os.PathLike)) for item in images):
        return {"n_images": len(images), "sha256": None}
    names = [os.fsdecode(item) for item in images]
    try:
        root = os.path.commonpath([os.path.dirname(name) or "." for name in names])
    except ValueError:  # relative and absolute paths mixed
        root = ""
    digest = hashlib.sha256()
    for name in names:
        # Relative to the common folder, so the hash names the data, not where it is mounted.
        digest.update(os.fsencode(os.path.relpath(name, root) if root else name) + b"\n")
    return {"n_files": len(names), "root": plain_name(root), "sha256": digest.hexdigest()}


def _images_of(images, name):
    if isinstance(images, Mapping):
        return images.get(name)
    return images


def _label(name, result):
    """The pipeline in words for titles: its description, then its name."""
    description = result.extra.get("description")
    return f"{description} ({name})" if description and description != name else name


def _evaluation(result) -> str:
    if result.external:
        return (f"external: trained on {result.external['training_dataset']}, tested on "
                f"{result.external['dataset']}")
    if result.n_folds > 1:
        return f"{result.n_folds}-fold CV" + (", grouped" if result.groups is not None else "")
    return "held-out test set"


def _intervals(results, n_resamples, random_state):
    return {name: bootstrap_metrics(r.y_true, r.y_pred, r.y_score, labels=r.classes,
                                    groups=r.groups, n_resamples=n_resamples,
                                    random_state=random_state)
            for name, r in results.items()}


def _same_samples(a, b):
    return (a.external == b.external and len(a.y_true) == len(b.y_true)
            and np.array_equal(a.sample_indices, b.sample_indices)
            and np.array_equal(np.asarray(a.y_true), np.asarray(b.y_true))
            and np.array_equal(np.asarray(a.classes), np.asarray(b.classes)))


def _comparisons(results, intervals, n_resamples, random_state):
    """Each pipeline against the best of those tested on the same samples (paired bootstrap)."""
    sets = []
    for name, result in results.items():
        for members in sets:
            if _same_samples(results[members[0]], result):
                members.append(name)
                break
        else:
            sets.append([name])
    out = []
    for members in sets:
        if len(members) < 2:
            continue
        best = max(members, key=lambda n: _finite(intervals[n]["metrics"]["accuracy"]["value"]))
        for name in members:
            if name == best:
                continue
            test = paired_bootstrap_test(results[name], results[best],
                                         groups=results[best].groups, n_resamples=n_resamples,
                                         random_state=random_state)
            out.append({**test, "a": name, "b": best})  # the report's names
    return out


def _finite(value):
    return value if value is not None and math.isfinite(value) else -math.inf


def _pipeline_entry(result: CVResult, interval) -> dict:
    summary = result.summary()
    entry = {
        "metrics": {metric: stats["mean"] for metric, stats in summary.items()},
        "std": {metric: stats["std"] for metric, stats in summary.items()},
        "folds": {metric: stats["folds"] for metric, stats in summary.items()},
        "pooled": result.pooled_metrics(),
        "ci95": {metric: [stats["low"], stats["high"]]
                 for metric, stats in interval["metrics"].items()},
        "bootstrap": {key: interval[key] for key in ("unit", "n_units", "n_resamples",
                                                     "confidence")},
        "evaluation": _evaluation(result),
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
    if result.external:
        entry["external"] = result.external
    return entry


def _audit_json(audit):
    if audit is None:
        return None
    out = {key: value for key, value in audit.items() if key != "strategies"}
    out["strategies"] = [{key: value for key, value in s.items() if key != "result"}
                         for s in audit["strategies"]]
    strictest = _strictest(audit)
    out["quote"] = {"strategy": strictest["name"], "accuracy": strictest["accuracy_ci"],
                    "f1": strictest["f1_ci"]}
    return out


def _strictest(audit):
    return next(s for s in audit["strategies"] if s["name"] == audit["strictest"])


def _provenance(results, *, command, images, estimators, created, version, n_resamples,
                random_state):
    splits = {}
    for name, result in results.items():
        if result.external:
            continue
        key = (result.extra.get("cv", "given splits"), result.extra.get("random_state"))
        split = splits.setdefault(key, {
            "cv": key[0], "random_state": key[1], "n_folds": result.n_folds,
            "grouped": result.groups is not None,
            "n_groups": None if result.groups is None else int(len(np.unique(result.groups))),
            "pipelines": []})
        split["pipelines"].append(name)
    params = {}
    for name, result in results.items():
        given = (estimators or {}).get(name)
        if given is not None:
            params[name] = estimator_params(given)
        else:
            params[name] = result.params
    inputs = {}
    for name in results:
        listed = _file_list(_images_of(images, name))
        if listed is not None:
            inputs[name] = listed
    shared = {json.dumps(v, sort_keys=True) for v in inputs.values()}
    return {
        "command": command if command else shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "command_given": bool(command),
        "python_executable": sys.executable,
        "featleuk_version": version,
        "git": _git_checkout(),
        "created": created,
        "splits": list(splits.values()),
        "bootstrap": {"n_resamples": int(n_resamples), "random_state": random_state,
                      "confidence": 0.95},
        # One listing when every pipeline saw the same files.
        "data_files": (next(iter(inputs.values())) if len(shared) == 1 and
                       len(inputs) == len(results) else inputs or None),
        "estimators": params,
    }


# -- predictions.csv --------------------------------------------------------------------


def _predictions_csv(results, images):
    score_columns = []
    for result in results.values():
        for name in result.target_names:
            if name not in score_columns:
                score_columns.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pipeline", "evaluation", "index", "path", "group", "fold", "true_label",
                     "predicted_label", "correct", "score_type"]
                    + [f"score_{plain_name(name)}" for name in score_columns])
    for name, result in results.items():
        paths = _images_of(images, name)
        if isinstance(paths, np.ndarray) or paths is None:
            paths = None
        fold_of = np.empty(len(result.y_true), dtype=int)
        positions = result.sample_indices
        for k, fold in enumerate(result.fold_indices):
            fold_of[np.searchsorted(positions, np.asarray(fold, dtype=int))] = k
        kind = {"predict_proba": "probability", "decision_function": "margin"}.get(
            result.extra.get("scores"), "" if result.y_score is None else "score")
        column = {n: j for j, n in enumerate(result.target_names)}
        evaluation = _evaluation(result)
        for row, index in enumerate(positions.tolist()):
            scores = [""] * len(score_columns)
            if result.y_score is not None:
                for k, target in enumerate(score_columns):
                    if target in column:
                        value = float(result.y_score[row, column[target]])
                        scores[k] = "" if not math.isfinite(value) else f"{value:.6g}"
            true = result.display_name(result.y_true[row])
            predicted = result.display_name(result.y_pred[row])
            writer.writerow([
                plain_name(name), evaluation, index,
                "" if paths is None else plain_name(paths[index]),
                "" if result.groups is None else plain_name(result.groups[row]),
                int(fold_of[row]), plain_name(true), plain_name(predicted),
                int(true == predicted), kind, *scores])
    return buffer.getvalue()


# -- report.md --------------------------------------------------------------------------


def _alt(text) -> str:
    """Image alt text: brackets would end the Markdown link early."""
    return re.sub(r"[\[\]\n]", " ", plain_name(text))


def _link(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(path, out_dir)).as_posix()


def _results_table(results, intervals):
    def fold_mean(_, result):
        stats = result.summary().get("accuracy", {})
        return format_metric(stats.get("mean"), stats.get("std"))

    return metrics_table(results, _TABLE_METRICS, intervals=intervals, columns=[
        ("Tested by", lambda _, r: _evaluation(r)),
        ("Samples", lambda _, r: len(r.y_true)),
        ("Accuracy, fold mean ± sd", fold_mean),
    ])


def _per_class_table(result):
    rows = [[row["class"], row["support"]] + [format_metric(row[key]) for key in _PER_CLASS_COLUMNS]
            for row in result.per_class()]
    return format_table(["Class", "Support"] + [METRIC_HEADERS[key] for key in _PER_CLASS_COLUMNS],
                        rows)


def _p_value(p):
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _comparison_markdown(comparisons):
    rows = []
    for test in comparisons:
        cells = [test["a"], test["b"], "yes" if test["same_folds"] else "same samples"]
        for metric in _COMPARED:
            m = test["metrics"][metric]
            cells += [format_interval(m["difference"], m["low"], m["high"], metric=metric),
                      _p_value(m["p_value"])]
        rows.append(cells)
    header = ["Pipeline", "Best", "Same folds"]
    for metric in _COMPARED:
        header += [f"{METRIC_HEADERS[metric]} difference [95% CI]", "p"]
    first = comparisons[0]
    unit = "groups" if first["unit"] == "group" else "samples"
    return (
        "Each pipeline minus the best one tested on the same samples (highest pooled "
        "accuracy), in points x100: a paired bootstrap draws the same "
        f"{unit} for both ({first['n_resamples']} resamples), so the interval allows for their "
        "errors being correlated; p is the two-sided bootstrap p-value of no difference (the "
        f"smallest possible with {first['n_resamples']} resamples is "
        f"{2 / (first['n_resamples'] + 1):.3f}). An interval that contains 0 means this data "
        "cannot tell the two apart.\n\n"
        + format_table(header, rows))


def _audit_markdown(audit):
    strictest = _strictest(audit)
    random = next((s for s in audit["strategies"] if s["name"] == "random"), None)
    rows = []
    for s in audit["strategies"]:
        strict = s["name"] == audit["strictest"]
        rows.append([s["title"] + (" **(quote this)**" if strict else ""), s["n_groups"],
                     format_metric(s["mean_accuracy"], s["std_accuracy"]),
                     format_interval(**s["accuracy_ci"], metric="accuracy"),
                     format_interval(**s["f1_ci"], metric="f1"), s["description"]])
    pipeline = audit.get("pipeline")
    lines = [
        (f"{pipeline} " if pipeline else "The same pipeline ")
        + "cross-validated on the same features under every split the data allows. Intervals: "
        "95% bootstrap of the pooled out-of-fold predictions, resampling each split's groups.",
        "",
        f"**The number to quote is the strictest split's: {strictest['title']}, accuracy "
        f"{format_interval(**strictest['accuracy_ci'], metric='accuracy')} %, macro F1 "
        f"{format_interval(**strictest['f1_ci'], metric='f1')} %.**"
        + (f" Random stratified folds, the split most papers report, give "
           f"{format_interval(**random['accuracy_ci'], metric='accuracy')} % for comparison."
           if random is not None and random is not strictest else ""),
        "",
        format_table(["Split", "Groups", "Accuracy, fold mean ± sd", "Accuracy [95% CI]",
                      "Macro F1 [95% CI]", "How the split is built"], rows),
        "",
        "What each split guards against:",
        "",
    ]
    lines += [f"- **{s['title']}**: {s['guards_against']}" for s in audit["strategies"]]
    why = ("subject IDs are the split a new patient meets" if audit["strictest"] == "subjects"
           else "it has the lowest accuracy: no leak the audit knows of inflates it")
    lines += ["", f"Strictest = {strictest['title'].lower()}, because {why}."]
    for s in audit.get("skipped") or ():
        lines.append(f"\n{s['title']}: not run, {s['reason']}.")
    return "\n".join(lines)


def _hardest_markdown(results, images):
    parts = ["The most confidently wrong predictions of each pipeline (score of the predicted "
             "class minus score of the true class; thumbnails in report.html). Look at them "
             "before trusting a number: mislabelled, blurred or duplicated images show up here."]
    for name, result in results.items():
        rows, margins = result.confident_errors(_HARDEST_MARKDOWN)
        if rows.size == 0:
            parts.append(f"**{plain_name(name)}**: no misclassified images.")
            continue
        source = _images_of(images, name)
        table = []
        for row, margin in zip(rows.tolist(), margins.tolist()):
            index = int(result.sample_indices[row])
            shown = (f"#{index}" if source is None or isinstance(source, np.ndarray)
                     else plain_name(source[index]))
            table.append([shown, result.display_name(result.y_true[row]),
                          result.display_name(result.y_pred[row]),
                          "n/a" if not math.isfinite(margin) else f"{margin:.3g}"])
        parts += [f"**{plain_name(name)}**",
                  format_table(["Image", "True", "Predicted", "Margin"], table)]
    return "\n\n".join(parts)


def _provenance_markdown(provenance):
    git = provenance["git"]
    lines = [
        "Run this to get the same numbers (same data, same featleuk"
        + (" commit" if git else " version") + "):",
        "",
        "```",
        provenance["command"],
        "```",
        "",
        f"- featleuk {provenance['featleuk_version']}"
        + (f", git commit `{git['commit']}`" + (" with uncommitted changes" if git["dirty"]
                                                else "") if git else ""),
    ]
    if not provenance["command_given"]:
        lines.append("- (the report was written from Python; this is the interpreter's "
                     "command line)")
    for split in provenance["splits"]:
        lines.append(f"- split of {', '.join(split['pipelines'])}: `{split['cv']}`"
                     + (f", random_state={split['random_state']}"
                        if split["random_state"] is not None else "")
                     + (f", {split['n_groups']} groups" if split["grouped"] else ""))
    files = provenance["data_files"]
    if files and "sha256" in files:
        lines.append(f"- data: {files.get('n_files', files.get('n_images'))} "
                     f"{'files' if 'n_files' in files else 'images'}, SHA-256 of the "
                     f"{'file list' if 'n_files' in files else 'pixels'} `{files['sha256']}`")
    elif files:
        for name, listed in files.items():
            lines.append(f"- data of {name}: {listed.get('n_files', listed.get('n_images'))} "
                         f"inputs, SHA-256 `{listed['sha256']}`")
    boot = provenance["bootstrap"]
    lines.append(f"- intervals: {boot['n_resamples']} bootstrap resamples, "
                 f"random_state={boot['random_state']}")
    lines.append("- every estimator parameter (`get_params(deep=True)`): `metrics.json`, "
                 "`provenance.estimators`")
    return "\n".join(lines)


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


def _finite_mean(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def _extra_lines(extra):
    lines = []
    for key, value in extra.items():
        if isinstance(value, (str, int, float, bool, np.generic)) or value is None:
            lines.append(f"- {key}: {plain_name(value)}")
    return lines


def _results_intro(results, intervals, audit):
    first = next(iter(intervals.values()))
    unit = "groups" if first["unit"] == "group" else "images"
    text = (
        "Each cell: the metric of all out-of-fold predictions pooled (the test set for a "
        "held-out or external test) and its 95% bootstrap percentile interval "
        f"({first['n_resamples']} resamples of {unit}; whole groups are resampled where the "
        "folds were grouped). Precision, recall, F-scores and AUC are macro-averaged over the "
        "classes, for two classes too; for two classes sensitivity and specificity are those "
        "of the positive class (the second), for more they are macro-averaged one-vs-rest. "
        f"{METRIC_UNITS}"
    )
    external = [r for r in results.values() if r.external]
    if external:
        pairs = sorted({(r.external["training_dataset"], r.external["dataset"]) for r in external})
        text += ("\n\n**External validation**: "
                 + "; ".join(f"trained on {a}, tested on {b}" for a, b in pairs)
                 + ". These rows test on another dataset than the one trained on (the "
                 "'Tested by' column), the check of how a model travels to other labs.")
    if audit is not None:
        strictest = _strictest(audit)
        text += (f"\n\n**Quote** the leakage audit's strictest split ({strictest['title'].lower()}"
                 f"): accuracy {format_interval(**strictest['accuracy_ci'], metric='accuracy')} "
                 f"% for {audit.get('pipeline') or 'the audited pipeline'} (see Leakage audit).")
    return text


def _markdown(out_dir, results, intervals, figure_paths, extra_figures, *, title,
              data_description, notes, timings, extra_sections, created, version, environment,
              comparisons, comparison_figure, audit, images, provenance, failures):
    parts = [f"# {title}", f"_Created {created} with featleuk {version}; "
             f"Python {environment['versions']['python']} on {environment['cpu_count']} CPU(s)._"]
    if data_description:
        parts += ["## Data", str(data_description).strip()]
    parts += ["## Results", _results_intro(results, intervals, audit),
              _results_table(results, intervals)]
    if comparison_figure is not None:
        parts.append(f"![Accuracy of each pipeline with its 95% bootstrap interval]"
                     f"({_link(comparison_figure, out_dir)})")
    if comparisons:
        parts += ["## Comparison with the best pipeline", _comparison_markdown(comparisons)]
    if audit is not None:
        parts += ["## Leakage audit", _audit_markdown(audit)]
    for name, result in results.items():
        parts.append(f"## {name}")
        details = [f"- tested by: {_evaluation(result)}",
                   f"- samples tested: {len(result.y_true)} in {result.n_folds} fold(s)"]
        details += _extra_lines(result.extra)
        parts.append("\n".join(details))
        parts += ["### Per-class results (pooled out-of-fold predictions)", _per_class_table(result)]
        parts.append("\n\n".join(
            f"![{_alt(caption)}]({_link(path, out_dir)})" for caption, path in figure_paths[name]
        ))
    parts += ["## Hardest images", _hardest_markdown(results, images)]
    parts += ["## Timing", _timing_table(results)]
    if timings:
        rows = [[step, format_seconds(value) if isinstance(value, (int, float)) else value]
                for step, value in timings.items()]
        parts.append(format_table(["Step", "Seconds"], rows))
    for heading, body in extra_sections:
        parts += [f"## {heading}", str(body).strip()]
    if extra_figures:
        parts.append("## Figures")
        parts += [f"![{_alt(caption)}]({_link(path, out_dir)})\n\n*{plain_name(caption)}*"
                  for caption, path in extra_figures]
    if failures:
        parts += ["## Figures that could not be drawn", _failures_markdown(failures)]
    parts += ["## Provenance", _provenance_markdown(provenance)]
    if notes:
        parts += ["## Notes", "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"


def _failures_markdown(failures):
    return ("The numbers above and in metrics.json are complete; these figures are missing:\n\n"
            + "\n".join(f"- {plain_name(caption)}: {plain_name(error)}"
                        for caption, error in failures))


# -- figures ------------------------------------------------------------------------------


def _draw(caption, draw, path, failures):
    """Draw and save one figure; a drawing error is recorded, a write error raised."""
    try:
        fig = draw()
    except Exception as exc:  # a figure must never cost the numbers
        failures.append((caption, f"{type(exc).__name__}: {exc}"))
        return None
    try:
        return save_figure_atomic(fig, path)
    except OSError:
        raise
    except Exception as exc:
        failures.append((caption, f"{type(exc).__name__}: {exc}"))
        return None


def _place_extra_figure(caption, source, out_dir: Path, fig_dir: Path, taken: set, failures):
    """Put an extra figure (path or matplotlib Figure) under ``out_dir``; return its path."""
    if hasattr(source, "savefig"):
        stem = safe_filename(caption)
        target = fig_dir / f"{stem}.png"
        counter = 2
        while target in taken:
            target = fig_dir / f"{stem}_{counter}.png"
            counter += 1
        return _draw(caption, lambda: source, target, failures)
    source = Path(source)
    if source.resolve().is_relative_to(out_dir.resolve()):
        return source
    target = fig_dir / safe_filename(source.name)
    counter = 2
    while target in taken or target.exists():
        target = fig_dir / f"{safe_filename(source.stem)}_{counter}{source.suffix}"
        counter += 1

    def copy(handle):
        with open(source, "rb") as original:
            shutil.copyfileobj(original, handle)

    return write_atomic(target, copy)


def write_report(out_dir, results, *, title, data_description="", notes=(), timings=None,
                 extra_sections=(), figures=(), audit=None, images=None, estimators=None,
                 command=None, n_resamples=1000, random_state=0, n_hardest=12, html=True):
    """Write ``metrics.json``, ``predictions.csv``, figures, ``report.md`` and ``report.html``.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing files of the same names are replaced.
    results : dict of {name: CVResult}, list of CVResult or CVResult
        Cross-validated, held-out or external (:func:`evaluate_external`)
        results; a list uses each result's ``name``. A result's
        ``extra["description"]`` (the pipeline in words) titles its figures.
    title : str
        The report's heading.
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
    audit : dict, default=None
        :func:`leakage_audit` output (with an optional ``"pipeline"`` key
        naming the audited pipeline in words): its own section, and the
        number to quote in the results.
    images : sequence of paths, image array, or dict of {name: either}, default=None
        The inputs the results' ``sample_indices`` point into (a dict when
        pipelines were tested on different data, e.g. external tests): file
        names in ``predictions.csv``, thumbnails of the hardest images, and
        the file-list hash of the provenance.
    estimators : dict of {name: estimator}, default=None
        The whole pipelines, for the provenance's parameters (a result keeps
        the parameters of what it cross-validated, which for
        :func:`cross_validate_frozen` is the tail after the frozen steps).
    command : str, default=None
        The command line that made the results; the interpreter's
        ``sys.argv`` when None.
    n_resamples : int, default=1000
        Bootstrap resamples of every interval and paired test.
    random_state : int, default=0
        Seeds the bootstrap.
    n_hardest : int, default=12
        Thumbnails of the most confidently wrong images per pipeline in
        ``report.html``.
    html : bool, default=True
        Also write ``report.html`` (self-contained, see
        :func:`write_html_report`).

    Returns
    -------
    dict
        ``{"report": Path, "metrics": Path, "predictions": Path, "html": Path
        or None, "figures": [Path, ...], "figure_failures": [(caption,
        error), ...]}``.

    Raises
    ------
    OSError
        A file could not be written (e.g. the disk is full); the message
        names it. Files already written are complete, the others keep their
        previous version.

    Notes
    -----
    ``metrics.json`` holds ``title``, ``data``, ``created`` (ISO 8601, UTC),
    ``featleuk_version``, ``environment``, ``timings``, ``provenance``
    (``command``, ``featleuk_version``, ``git`` commit of a checkout,
    ``splits`` with their seeds, ``bootstrap`` settings, ``data_files`` -
    count and SHA-256 of the file list -, ``estimators`` - every parameter),
    ``comparisons`` (paired bootstrap tests, see
    :func:`paired_bootstrap_test`), ``audit`` (without the per-strategy
    results) and ``pipelines``: for each name, ``metrics`` (fold means),
    ``std``, ``folds`` (per-fold values), ``pooled`` (metrics of all
    out-of-fold predictions together), ``ci95`` (``[low, high]`` of the
    pooled metrics), ``bootstrap`` (unit and resamples), ``evaluation``,
    ``external`` (external tests only), ``per_class``, ``confusion_matrix``,
    ``wall_time_s``, ``fit_time_s``, ``score_time_s`` (per fold),
    ``n_samples``, ``n_folds``, ``classes``, ``target_names`` and
    ``extra``. NaN is written as ``null``.

    ``predictions.csv`` has one row per pipeline and tested image:
    ``pipeline``, ``evaluation``, ``index`` (input position), ``path``,
    ``group``, ``fold``, ``true_label``, ``predicted_label``, ``correct``,
    ``score_type`` (``probability`` or ``margin``) and ``score_<class>``.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from featleuk.evaluation import cross_validate_predictions
    >>> X, y = make_classification(60, random_state=0)
    >>> result = cross_validate_predictions(LogisticRegression(), X, y, cv=3,
    ...                                     show_progress=False)
    >>> out = write_report(tempfile.mkdtemp(), [result], title="Demo", n_resamples=100,
    ...                    html=False)
    >>> sorted(p.name for p in out["report"].parent.iterdir())
    ['figures', 'metrics.json', 'predictions.csv', 'report.md']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir = out_dir / "figures"
    results = as_result_dict(results)
    slugs = _unique_slugs(results)
    missing = [(caption, source) for caption, source in figures
               if not hasattr(source, "savefig") and not Path(source).is_file()]
    if missing:
        caption, source = missing[0]
        raise FileNotFoundError(f"figure {caption!r}: no file at {source}")

    intervals = _intervals(results, n_resamples, random_state)
    comparisons = _comparisons(results, intervals, n_resamples, random_state)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    version = _featleuk_version()
    environment = _environment()
    provenance = _provenance(results, command=command, images=images, estimators=estimators,
                             created=created, version=version, n_resamples=n_resamples,
                             random_state=random_state)
    payload = {
        "title": title,
        "data": data_description,
        "created": created,
        "featleuk_version": version,
        "environment": environment,
        "timings": dict(timings or {}),
        "provenance": provenance,
        "pipelines": {name: _pipeline_entry(result, intervals[name])
                      for name, result in results.items()},
        "comparisons": comparisons,
        "audit": _audit_json(audit),
    }
    # The numbers first: whatever fails later, they are on disk, whole.
    metrics_path = write_text_atomic(
        out_dir / "metrics.json",
        json.dumps(jsonable(payload), indent=2, allow_nan=False) + "\n")
    predictions_path = write_text_atomic(out_dir / "predictions.csv",
                                         _predictions_csv(results, images))

    fig_dir.mkdir(parents=True, exist_ok=True)
    failures, figure_paths = [], {}
    for name, result in results.items():
        saved = []
        for key, caption, draw in result_figures(result, label=_label(name, result)):
            path = _draw(caption, draw, fig_dir / f"{slugs[name]}_{key}.png", failures)
            if path is not None:
                saved.append((caption, path))
        figure_paths[name] = saved
    comparison_figure = None
    if len(results) > 1:
        comparison_figure = _draw(
            "Accuracy of each pipeline with its 95% bootstrap interval",
            lambda: plot_pipeline_comparison(
                intervals, metric="accuracy",
                title="Accuracy of each pipeline with its 95% bootstrap interval"),
            fig_dir / "comparison_accuracy.png", failures)
    taken = {path for saved in figure_paths.values() for _, path in saved}
    extra_figures = []
    for caption, source in figures:
        path = _place_extra_figure(caption, source, out_dir, fig_dir, taken, failures)
        if path is not None:
            taken.add(path)
            extra_figures.append((caption, path))

    report_path = write_text_atomic(out_dir / "report.md", _markdown(
        out_dir, results, intervals, figure_paths, extra_figures, title=title,
        data_description=data_description, notes=notes, timings=timings,
        extra_sections=extra_sections, created=created, version=version,
        environment=environment, comparisons=comparisons, comparison_figure=comparison_figure,
        audit=audit, images=images, provenance=provenance, failures=failures))
    html_path = None
    if html:
        from ._html import write_html_report

        sections = list(extra_sections)
        if failures:
            sections.append(("Figures that could not be drawn", _failures_markdown(failures)))
        sections.append(("Provenance", _provenance_markdown(provenance)))
        html_path = write_html_report(
            out_dir, results, title=title, data_description=data_description, notes=notes,
            timings=timings, sections=sections, figures=extra_figures,
            pipeline_figures=figure_paths, intervals=intervals, audit=audit, images=images,
            n_hardest=n_hardest, comparison_figure=comparison_figure, created=created,
            result_sections=[("Comparison with the best pipeline",
                              _comparison_markdown(comparisons))] if comparisons else ())
    all_figures = [path for saved in figure_paths.values() for _, path in saved]
    all_figures += [path for _, path in extra_figures]
    if comparison_figure is not None:
        all_figures.append(comparison_figure)
    return {"report": report_path, "metrics": metrics_path, "predictions": predictions_path,
            "html": html_path, "figures": all_figures, "figure_failures": failures}
