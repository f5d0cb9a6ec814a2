"""A self-contained HTML report: one file, figures inlined, tables sortable.

``report.html`` opens from an e-mail attachment or a CI artifact with
nothing else around it: figures and thumbnails are base64 PNG / JPEG data
URIs, the sorting script and the style sheet are inline, and every piece
of user text (pipeline names, file names, notes) is escaped, including file
names that are not valid UTF-8.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._bootstrap import bootstrap_metrics
from ._cv import as_result_dict
from ._files import plain_name, write_text_atomic
from ._tables import METRIC_UNITS, format_interval

__all__ = ["write_html_report", "markdown_to_html", "safe_text"]

#: (metric, column header) of the headline table.
_HEADLINE = (
    ("accuracy", "Accuracy"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("f1", "F1"),
    ("sensitivity", "Sensitivity"),
    ("specificity", "Specificity"),
    ("cohen_kappa", "Cohen's κ"),
    ("mcc", "MCC"),
    ("roc_auc", "ROC AUC"),
)

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
max-width:1280px;margin:0 auto;padding:1.2rem 1.6rem 3rem;background:#fff}
h1{font-size:1.7rem;margin:.2rem 0 .3rem}h2{font-size:1.3rem;margin-top:2.2rem;
border-bottom:2px solid #dde3ec;padding-bottom:.2rem}h3{font-size:1.08rem;margin-top:1.4rem}
.meta{color:#5b6678;font-size:.9rem}.note{color:#445;font-size:.92rem}
.scroll{overflow-x:auto;margin:.6rem 0}
table{border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d5dbe5;padding:.28rem .45rem;text-align:left;vertical-align:top}
th{background:#eef2f8;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \\2195";color:#9aa5b5;font-size:.8em}
td:first-child{min-width:9rem}tr:nth-child(even) td{background:#f8fafc}tr.best td{background:#e8f5e9}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e3e7ee}
figcaption{color:#5b6678;font-size:.88rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.8rem}
.thumb{border:1px solid #e3e7ee;padding:.35rem;font-size:.78rem;word-break:break-all}
.thumb img{width:100%;height:auto;display:block;margin-bottom:.25rem}
.bad{color:#b3261e;font-weight:600}code{background:#f1f3f7;padding:0 .2em;border-radius:3px}
pre{background:#f1f3f7;padding:.5rem .7rem;overflow-x:auto;white-space:pre-wrap}
nav a{margin-right:.9rem}.ci{color:#5b6678;font-size:.8rem;white-space:nowrap}
"""

# Click a header to sort by it; cells sort by data-sort (a number) when given.
_JS = """
document.querySelectorAll("table.sortable").forEach(function(table){
  table.querySelectorAll("th").forEach(function(th, col){
    th.addEventListener("click", function(){
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var asc = th.dataset.dir !== "asc";
      table.querySelectorAll("th").forEach(function(h){ delete h.dataset.dir; });
      th.dataset.dir = asc ? "asc" : "desc";
      function key(row){
        var cell = row.cells[col], v = cell.dataset.sort;
        if (v !== undefined && v !== "") return parseFloat(v);
        var n = parseFloat(cell.textContent);
        return isNaN(n) ? cell.textContent.trim().toLowerCase() : n;
      }
      rows.sort(function(a, b){
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
"""


def safe_text(name) -> str:
    """Any file name or label as HTML-escaped text that is valid UTF-8.

    ``bytes`` and path-likes are decoded with :func:`os.fsdecode` (which
    keeps undecodable bytes as lone surrogates); surrogates and other
    unencodable characters are then written as ``\\udcff``-style escapes,
    so a report never fails on, and never hides, a strange file name.

    Parameters
    ----------
    name : str, bytes or path-like

    Returns
    -------
    str

    Examples
    --------
    >>> safe_text(b"WBC-\\xff<1>.jpg")
    'WBC-\\\\udcff&lt;1&gt;.jpg'
    """
    return html.escape(plain_name(name))


_BULLET = re.compile(r"^\s*[-*] ")


def _inline(text: str) -> str:
    """Escape, then render `code`, **bold**, *emphasis* and [links](http...)."""
    out = safe_text(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", out)
    out = re.sub(r"(?<![\w_])_([^_\s][^_]*)_(?![\w_])", r"<em>\1</em>", out)
    out = re.sub(r"\[([^\]]+)\]\(((?:https?://|\./|#)[^)\s]+)\)", r'<a href="\2">\1</a>', out)
    return out


def _table_cells(line: str):
    line = line.strip().strip("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]


def markdown_to_html(text) -> str:
    """Basic Markdown as HTML: headings, paragraphs, bullet lists, pipe tables.

    Fenced code blocks, inline `code`, **bold**, *emphasis* and links are
    rendered; everything
    else is escaped. Objects with an ``__html__`` method (the MarkupSafe
    convention) are inserted as they are.

    Parameters
    ----------
    text : str or object with ``__html__``

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_to_html("| a | b |\\n|---|---|\\n| 1 | <2> |"))
    <div class="scroll"><table class="sortable"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;2&gt;</td></tr></tbody></table></div>
    """
    if hasattr(text, "__html__"):
        return text.__html__()
    blocks, current = [], []
    for line in str(text).splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    out = []
    for block in blocks:
        first = block[0].lstrip()
        if first.startswith("```"):
            code = [line for line in block[1:] if not line.strip().startswith("```")]
            out.append(f"<pre><code>{safe_text(chr(10).join(code))}</code></pre>")
            continue
        if first.startswith("#"):
            level = min(len(first) - len(first.lstrip("#")) + 2, 6)  # below the report's h2
            out.append(f"<h{level}>{_inline(first.lstrip('#').strip())}</h{level}>")
            block = block[1:]
            if not block:
                continue
            first = block[0].lstrip()
        if (first.startswith("|") and len(block) >= 2
                and re.fullmatch(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?", block[1].strip())):
            header = _table_cells(block[0])
            rows = [_table_cells(line) for line in block[2:]]
            out.append(_html_table(header, [[_inline(c) for c in row] for row in rows],
                                   escape_header=True))
        elif all(_BULLET.match(line) for line in block):
            items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in block)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in block))}</p>")
    return "\n".join(out)


def _html_table(header, rows, *, escape_header=True, row_classes=None, sortable=True):
    """Rows are lists of HTML cells or (html, sort_value) pairs."""
    head = "".join(f"<th>{safe_text(h) if escape_header else h}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                content, key = cell
                key = "" if key is None or not math.isfinite(key) else f"{key:.10g}"
                cells.append(f'<td data-sort="{key}">{content}</td>')
            else:
                cells.append(f"<td>{cell}</td>")
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    kind = ' class="sortable"' if sortable else ""
    return (f'<div class="scroll"><table{kind}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _png_uri(source, dpi=110) -> str:
    """A data URI of a matplotlib Figure or an image file."""
    if hasattr(source, "savefig"):
        buffer = io.BytesIO()
        source.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        data, mime = buffer.getvalue(), "image/png"
    else:
        path = Path(source)
        data = path.read_bytes()
        mime = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                ".svg": "image/svg+xml", ".webp": "image/webp"}.get(path.suffix.lower(),
                                                                    "image/png")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _figure(source, caption) -> str:
    return (f'<figure><img src="{_png_uri(source)}" alt="{safe_text(caption)}">'
            f"<figcaption>{safe_text(caption)}</figcaption></figure>")


def _thumbnail_uri(image, size=160):
    """JPEG data URI of a path or an (H, W, C) array, or None when unreadable."""
    from PIL import Image

    try:
        if isinstance(image, np.ndarray):
            array = np.asarray(image)
            if array.dtype != np.uint8:
                array = np.clip(array, 0, 255).astype(np.uint8)
            picture = Image.fromarray(array[..., :3] if array.ndim == 3 else array)
        else:
            with open(os.fsencode(image), "rb") as handle:
                picture = Image.open(io.BytesIO(handle.read()))
                picture.load()
        picture = picture.convert("RGB")
        picture.thumbnail((size, size))
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=85)
    except (OSError, ValueError, TypeError):
        return None
    return f"data:image/jpeg;base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def _rows_of(groups, result):
    """``groups`` aligned with ``result.y_true`` (given per input sample or per test row)."""
    if groups is None:
        return result.groups
    groups = np.asarray(groups)
    if len(groups) == len(result.y_true):
        return groups
    return groups[result.sample_indices]


def _hardest_section(name, result, images, n):
    rows, margins = result.confident_errors(n)
    if rows.size == 0:
        return f"<h3>{safe_text(name)}</h3><p>No misclassified images.</p>"
    cards = []
    for row, margin in zip(rows.tolist(), margins.tolist()):
        index = int(result.sample_indices[row])
        source = images[index]
        array = isinstance(source, np.ndarray)
        label = f"image #{index}" if array else source
        uri = _thumbnail_uri(source)
        picture = (f'<img src="{uri}" alt="{safe_text(label)}">' if uri
                   else '<p class="bad">could not read image</p>')
        shown = label if array else Path(os.fsdecode(label)).name
        margin_text = "" if not math.isfinite(margin) else f"<br>margin {margin:.3g}"
        cards.append(
            f'<div class="thumb">{picture}<span title="{safe_text(label)}">{safe_text(shown)}'
            f"</span><br>true <b>{safe_text(result.display_name(result.y_true[row]))}</b> → "
            f'<span class="bad">{safe_text(result.display_name(result.y_pred[row]))}</span>'
            f"{margin_text}</div>"
        )
    return f"<h3>{safe_text(name)}</h3><div class=\"grid\">{''.join(cards)}</div>"


def _interval_cell(interval, metric):
    text = format_interval(interval["value"], interval["low"], interval["high"], metric=metric)
    value, _, bounds = text.partition(" ")
    # The interval on its own line keeps narrow columns readable on a laptop.
    html_text = safe_text(value) + (f'<br><span class="ci">{safe_text(bounds)}</span>'
                                    if bounds else "")
    return (html_text, interval["value"])


def _tested_by(result):
    if result.external:
        return (f'<span class="bad">external</span>: trained on '
                f"{safe_text(result.external['training_dataset'])}, tested on "
                f"{safe_text(result.external['dataset'])}")
    if result.n_folds > 1:
        return f"{result.n_folds}-fold CV" + (", grouped" if result.groups is not None else "")
    return "held-out test set"


def _headline_table(results, intervals):
    header = ["Pipeline", "Tested by", "Samples"] + [h for _, h in _HEADLINE] + [
        "Accuracy, fold mean ± sd"]
    rows, accuracy = [], []
    for name, result in results.items():
        metrics = intervals[name]["metrics"]
        summary = result.summary().get("accuracy", {})
        mean, sd = summary.get("mean", math.nan), summary.get("std", math.nan)
        fold_text = "n/a" if not math.isfinite(mean) else f"{100 * mean:.1f}" + (
            f" ± {100 * sd:.1f}" if math.isfinite(sd) else "")
        rows.append([safe_text(name), _tested_by(result),
                     (str(len(result.y_true)), len(result.y_true))]
                    + [_interval_cell(metrics[m], m) for m, _ in _HEADLINE]
                    + [(fold_text, mean)])
        accuracy.append(metrics["accuracy"]["value"])
    best = int(np.nanargmax(accuracy)) if np.isfinite(accuracy).any() else -1
    classes = ["best" if i == best and len(rows) > 1 else "" for i in range(len(rows))]
    return _html_table(header, rows, row_classes=classes)


def _per_class_table(result):
    header = ["Class", "Support", "Precision", "Recall", "Specificity", "F1", "AUC"]
    rows = []
    for row in result.per_class():
        cells = [safe_text(row["class"]), (str(row["support"]), row["support"])]
        for key in ("precision", "recall", "specificity", "f1", "auc"):
            cells.append((format_interval(row[key], None, None, metric=key), row[key]))
        rows.append(cells)
    return _html_table(header, rows)


def _audit_section(audit):
    header = ["Split", "Groups", "Accuracy, fold mean ± sd", "Accuracy [95% CI]",
              "Macro F1 [95% CI]", "How the split is built", "Guards against"]
    rows, classes = [], []
    for s in audit["strategies"]:
        sd = s["std_accuracy"]
        fold_text = f"{100 * s['mean_accuracy']:.1f}" + (
            f" ± {100 * sd:.1f}" if sd is not None and math.isfinite(sd) else "")
        strict = s["name"] == audit["strictest"]
        title = safe_text(s["title"]) + (" <strong>(quote this)</strong>" if strict else "")
        rows.append([title, (str(s["n_groups"]), s["n_groups"]),
                     (fold_text, s["mean_accuracy"]),
                     _interval_cell(s["accuracy_ci"], "accuracy"),
                     _interval_cell(s["f1_ci"], "f1"),
                     safe_text(s["description"]), safe_text(s["guards_against"])])
        classes.append("best" if strict else "")
    strictest = next(s for s in audit["strategies"] if s["name"] == audit["strictest"])
    random = next((s for s in audit["strategies"] if s["name"] == "random"), None)
    pipeline = audit.get("pipeline")
    intro = (
        f"<p>{_inline(pipeline) if pipeline else 'The same pipeline'} cross-validated on the "
        "same features under every split the data allows. Intervals are 95% bootstrap "
        "percentile intervals of the pooled out-of-fold predictions, resampling each split's "
        "groups. The number to quote is the strictest split's: <strong>"
        f"{safe_text(strictest['title'])}, accuracy "
        f"{safe_text(format_interval(**strictest['accuracy_ci'], metric='accuracy'))}"
        "</strong>"
        + (f"; random stratified folds, the split most papers report, give "
           f"{safe_text(format_interval(**random['accuracy_ci'], metric='accuracy'))} for "
           "comparison" if random is not None and random is not strictest else "")
        + ".</p>"
    )
    skipped = "".join(f"<p class=\"note\">{safe_text(s['title'])}: not run, "
                      f"{safe_text(s['reason'])}.</p>" for s in audit.get("skipped") or ())
    return intro + _html_table(header, rows, row_classes=classes) + skipped


def write_html_report(
    out_dir,
    results,
    *,
    title,
    data_description="",
    notes=(),
    timings=None,
    sections=(),
    figures=(),
    pipeline_figures=None,
    intervals=None,
    groups=None,
    audit=None,
    images=None,
    n_hardest=12,
    n_resamples=1000,
    random_state=0,
    filename="report.html",
    comparison_figure=None,
    created=None,
    result_sections=(),
):
    """Write a self-contained ``report.html`` for a set of cross-validated pipelines.

    Sections: data, results (every headline metric of the pooled
    out-of-fold predictions with its 95% bootstrap interval, sortable),
    a comparison figure, the leakage audit, one section per pipeline
    (per-class table, confusion matrix, ROC and PR curves with their folds),
    the hardest images, timings, extra sections, figures and notes.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing.
    results : dict of {name: CVResult}, list of CVResult or CVResult
    title : str
        The page's heading and title.
    data_description : str or object with ``__html__``, default=""
        Markdown (see :func:`markdown_to_html`).
    notes : sequence of str, default=()
        Bullet points (inline Markdown).
    timings : dict of {str: float or str}, default=None
        Seconds per step.
    sections : sequence of (heading, body), default=()
        Extra sections; ``body`` is Markdown or has ``__html__``.
    figures : sequence of (caption, path or matplotlib Figure), default=()
        Extra figures, embedded.
    pipeline_figures : dict of {name: list of (caption, path or Figure)}, default=None
        Figures already drawn per pipeline (e.g. the PNGs ``write_report``
        saved); drawn here when None.
    intervals : dict of {name: dict}, default=None
        :func:`bootstrap_metrics` output per pipeline; computed here (with
        ``groups``, ``n_resamples`` and ``random_state``) when None.
    groups : array-like, default=None
        Cluster-bootstrap units, one per input sample (or per tested row);
        each result's own ``groups`` when None.
    audit : dict, default=None
        :func:`leakage_audit` output.
    images : sequence of paths, ndarray of shape (N, H, W, C), or dict, default=None
        The input images, for thumbnails of the most confidently wrong
        predictions (a dict of {name: images} when pipelines were tested on
        different data); the section is left out when None.
    n_hardest : int, default=12
        Thumbnails per pipeline.
    n_resamples : int, default=1000
        Bootstrap resamples when ``intervals`` is None.
    random_state : int, default=0
        Seeds that bootstrap.
    filename : str, default="report.html"
        Written in ``out_dir`` (atomically: whole or not at all).
    comparison_figure : path, default=None
        The comparison figure already saved; drawn here when None and there
        are several results.
    created : str, default=None
        Creation time shown under the title; now when None.
    result_sections : sequence of (heading, body), default=()
        Sections placed right after the results (e.g. the comparison of
        pipelines); ``body`` as in ``sections``.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from featleuk.evaluation import CVResult
    >>> y = np.repeat([0, 1], 20)
    >>> result = CVResult.from_predictions(y, y[::-1], np.eye(2)[y[::-1]], name="demo")
    >>> path = write_html_report(tempfile.mkdtemp(), [result], title="Demo", n_resamples=100)
    >>> "data:image/png;base64," in path.read_text(encoding="utf-8")
    True
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = as_result_dict(results, caller="write_html_report")
    if intervals is None:
        intervals = {
            name: bootstrap_metrics(r.y_true, r.y_pred, r.y_score, labels=r.classes,
                                    groups=_rows_of(groups, r), n_resamples=n_resamples,
                                    random_state=random_state)
            for name, r in results.items()
        }
    missing = [name for name in results if name not in intervals]
    if missing:
        raise ValueError(f"intervals has no entry for {missing}")

    created = created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    nav, body = [], []

    def section(anchor, heading, content):
        nav.append(f'<a href="#{anchor}">{safe_text(heading)}</a>')
        body.append(f'<section id="{anchor}"><h2>{safe_text(heading)}</h2>{content}</section>')

    if data_description:
        section("data", "Data", markdown_to_html(data_description))
    first = next(iter(intervals.values()))
    unit = "groups" if first.get("unit") == "group" else "samples"
    explain = (
        "<p class=\"note\">Each cell: the metric of all out-of-fold predictions pooled (the "
        "test set for a held-out or external test), and "
        f"its {100 * first.get('confidence', 0.95):.0f}% bootstrap percentile interval "
        f"({first.get('n_resamples')} resamples of {unit}). Precision, recall and F1 are "
        "macro-averaged over classes (for two classes too); for two classes sensitivity and "
        f"specificity are those of the positive class. {safe_text(METRIC_UNITS)} "
        "Click a header to sort.</p>"
    )
    external = sorted({(r.external["training_dataset"], r.external["dataset"])
                       for r in results.values() if r.external})
    if external:
        explain += ("<p><strong>External validation</strong>: "
                    + "; ".join(f"trained on {safe_text(a)}, tested on {safe_text(b)}"
                                for a, b in external)
                    + " (rows marked external).</p>")
    if audit is not None:
        strictest = next(s for s in audit["strategies"] if s["name"] == audit["strictest"])
        explain += (f"<p><strong>Quote</strong> the leakage audit's strictest split "
                    f"({safe_text(strictest['title'].lower())}): accuracy "
                    f"{safe_text(format_interval(**strictest['accuracy_ci'], metric='accuracy'))}"
                    f" % (see <a href=\"#audit\">Leakage audit</a>).</p>")
    results_html = explain + _headline_table(results, intervals)
    caption = "Accuracy of each pipeline with its 95% bootstrap confidence interval"
    if comparison_figure is not None:
        results_html += _figure(comparison_figure, caption)
    elif len(results) > 1:
        from ._plots import plot_pipeline_comparison

        results_html += _figure(
            plot_pipeline_comparison({n: intervals[n] for n in results}, metric="accuracy",
                                     title="Accuracy of each pipeline with its 95% "
                                           "bootstrap interval"), caption)
    section("results", "Results", results_html)
    for j, (heading, content) in enumerate(result_sections):
        section(f"after-results-{j}", str(heading), markdown_to_html(content))
    if audit is not None:
        section("audit", "Leakage audit", _audit_section(audit))
    for i, (name, result) in enumerate(results.items()):
        parts = [f"<p class=\"meta\">{len(result.y_true)} samples tested in "
                 f"{result.n_folds} fold(s); {_tested_by(result)}</p>",
                 "<h3>Per-class results (pooled out-of-fold predictions)</h3>",
                 _per_class_table(result)]
        drawn = (pipeline_figures or {}).get(name)
        if drawn is None:
            from ._plots import result_figures

            drawn = [(caption, draw()) for _, caption, draw in result_figures(result)]
        for caption, source in drawn:
            parts.append(_figure(source, caption))
        section(f"pipeline-{i}", name, "".join(parts))
    if images is not None:
        hardest = []
        for name, r in results.items():
            source = images.get(name) if isinstance(images, Mapping) else images
            if source is not None:
                hardest.append(_hardest_section(name, r, source, n_hardest))
        section("hardest", "Hardest images",
                "<p class=\"note\">The most confidently wrong out-of-fold predictions: "
                "largest score of the predicted class minus score of the true class.</p>"
                + "".join(hardest))
    if timings:
        rows = [[safe_text(step), (f"{value:.3g}" if isinstance(value, (int, float))
                                   else safe_text(value),
                                   float(value) if isinstance(value, (int, float)) else None)]
                for step, value in timings.items()]
        section("timings", "Timings", _html_table(["Step", "Seconds"], rows))
    for j, (heading, content) in enumerate(sections):
        section(f"section-{j}", str(heading), markdown_to_html(content))
    if figures:
        section("figures", "Figures", "".join(_figure(src, cap) for cap, src in figures))
    if notes:
        section("notes", "Notes", "<ul>" + "".join(f"<li>{_inline(n)}</li>" for n in notes)
                + "</ul>")

    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{safe_text(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{safe_text(title)}</h1><p class=\"meta\">Created {created}</p>"
        f"<nav>{''.join(nav)}</nav>{''.join(body)}<script>{_JS}</script></body></html>\n"
    )
    return write_text_atomic(out_dir / filename, page)
