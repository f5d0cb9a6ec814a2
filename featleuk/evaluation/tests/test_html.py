"""report.html: self-contained, escaped, with intervals, audit and hardest images."""

import os
import re
import sys

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from featleuk.evaluation import cross_validate_predictions
from featleuk.evaluation._audit import leakage_audit
from featleuk.evaluation._bootstrap import format_interval
from featleuk.evaluation._html import markdown_to_html, safe_text, write_html_report


def synthetic_results(n_classes=3, n=150):
    X, y = make_classification(n_samples=n, n_features=8, n_informative=4, n_classes=n_classes,
                               class_sep=0.8, random_state=0)
    names = [f"class <{k}>" for k in range(n_classes)]
    results = {
        "Logistic regression": cross_validate_predictions(
            LogisticRegression(max_iter=500), X, y, cv=3, target_names=names,
            show_progress=False),
        "3-nearest neighbours": cross_validate_predictions(
            KNeighborsClassifier(3), X, y, cv=3, target_names=names, show_progress=False),
    }
    return X, y, results


class _Raw:
    def __html__(self):
        return "<p id='raw'>pre-rendered</p>"


def test_safe_text_escapes_and_survives_undecodable_names():
    assert safe_text("<a&b>") == "&lt;a&amp;b&gt;"
    assert safe_text(b"x\xff.jpg") == "x\\udcff.jpg"
    assert safe_text(os.fsdecode(b"y\xfe.jpg")) == "y\\udcfe.jpg"
    "x\\udcff".encode("utf-8")  # what we write is valid UTF-8


def test_markdown_subset():
    out = markdown_to_html("# Head\nText *em* and `co<de>`\n\n- one\n- **two**\n\n"
                           "| a | b \\| c |\n|---|:---:|\n| 1 | 2 |")
    assert "<h3>Head</h3>" in out and "<p>Text <em>em</em> and <code>co&lt;de&gt;</code></p>" in out
    assert "<ul><li>one</li><li><strong>two</strong></li></ul>" in out
    assert "<th>b | c</th>" in out and "<td>2</td>" in out
    assert markdown_to_html(_Raw()) == "<p id='raw'>pre-rendered</p>"
    assert "<script>" not in markdown_to_html("<script>alert(1)</script>")


def _uris(page):
    return re.findall(r'src="([^"]*)"', page)


def test_report_is_self_contained_with_intervals(tmp_path):
    _, y, results = synthetic_results()
    path = write_html_report(tmp_path, results, title="Demo <report>",
                             data_description="150 synthetic samples.",
                             notes=["a *note*"], timings={"features": 1.5, "other": "n/a"},
                             sections=[("Raw", _Raw()), ("Table", "| x |\n|---|\n| 1 |")],
                             n_resamples=200)
    page = path.read_text(encoding="utf-8")
    assert path.name == "report.html"
    assert "<title>Demo &lt;report&gt;</title>" in page
    # Every picture is inline: 1 comparison + 3 per pipeline.
    sources = _uris(page)
    assert len(sources) == 1 + 3 * 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page
    assert 'class="sortable"' in page and "addEventListener" in page
    accuracy = results["Logistic regression"].pooled_metrics()["accuracy"]
    assert f"{100 * accuracy:.1f}<br><span class=\"ci\">[" in page
    assert "class &lt;0&gt;" in page and "class <0>" not in page
    assert "<p id='raw'>pre-rendered</p>" in page and "<em>note</em>" in page


def test_audit_and_hardest_images_with_strange_file_names(tmp_path):
    X, y, results = synthetic_results(n_classes=2, n=90)
    folder = tmp_path / "images"
    folder.mkdir()
    paths = []
    for i in range(len(y)):
        raw = os.fsencode(str(folder)) + b"/WBC-\xff<" + str(i).encode() + b">.png"
        if sys.platform == "darwin":  # APFS refuses undecodable names
            raw = os.fsencode(str(folder)) + f"/WBC-é<{i}>.png".encode()
        Image.new("RGB", (40, 30), (i, 100, 200)).save(open(raw, "wb"), format="PNG")
        paths.append(os.fsdecode(raw))
    paths[0] = str(folder / "missing.png")  # unreadable: a note, not a crash
    audit = leakage_audit(LogisticRegression(max_iter=500), X, y, cv=3, n_resamples=100)
    path = write_html_report(tmp_path / "out", results, title="Audit", audit=audit,
                             images=paths, n_hardest=5, n_resamples=100)
    page = path.read_text(encoding="utf-8")
    assert "Leakage audit" in page and "(quote this)" in page
    strictest = next(s for s in audit["strategies"] if s["name"] == audit["strictest"])
    assert format_interval(**strictest["accuracy_ci"], metric="accuracy") in page  # intro
    assert "Hardest images" in page
    thumbs = [s for s in _uris(page) if s.startswith("data:image/jpeg")]
    n_wrong = [int((r.y_pred != r.y_true).sum()) for r in results.values()]
    assert 0 < len(thumbs) <= sum(min(5, n) for n in n_wrong)
    assert "&lt;" in page and "\\udcff" in page or sys.platform == "darwin"
    # Image arrays work too.
    arrays = np.zeros((len(y), 20, 20, 3), dtype=np.uint8)
    page = write_html_report(tmp_path / "arr", results, title="A", images=arrays,
                             n_resamples=50).read_text(encoding="utf-8")
    assert "image #" in page


def test_precomputed_intervals_and_figures(tmp_path):
    _, _, results = synthetic_results()
    with pytest.raises(ValueError, match="no entry"):
        write_html_report(tmp_path, results, title="x", intervals={})
    figure = tmp_path / "f.png"
    Image.new("RGB", (10, 10)).save(figure)
    page = write_html_report(
        tmp_path, results, title="x", n_resamples=50,
        pipeline_figures={name: [("given", figure)] for name in results},
        figures=[("extra figure", figure)]).read_text(encoding="utf-8")
    assert len(_uris(page)) == 1 + 2 + 1
