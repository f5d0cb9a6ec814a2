"""report.html renders in a real browser: headless Chromium screenshot and DOM checks.

Skipped where no Chromium is installed (``apt-get install chromium``).
"""

import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from featleuk.evaluation import cross_validate_predictions
from featleuk.evaluation._audit import leakage_audit
from featleuk.evaluation._html import write_html_report

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser",
                                                 "google-chrome", "chrome")
                 if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")

# Appended to a copy of the report: writes, once everything has loaded, how
# many images there are and how many failed to decode (naturalWidth 0).
_CHECK = """
<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var broken = images.filter(function (img) { return !img.complete || img.naturalWidth === 0; });
  var out = document.createElement("pre");
  out.id = "featleuk-status";
  out.textContent = "images=" + images.length + " broken=" + broken.length +
    " tables=" + document.querySelectorAll("table.sortable").length;
  document.body.appendChild(out);
});
</script>
"""


def _chromium(*args, user_dir, timeout=180):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={user_dir}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    X, y = make_classification(n_samples=240, n_features=10, n_informative=5, n_classes=4,
                               class_sep=1.0, random_state=0)
    names = ["Benign", "Early", "Pre", "Pro"]
    results = {
        "Logistic regression on synthetic features": cross_validate_predictions(
            LogisticRegression(max_iter=500), X, y, cv=5, target_names=names,
            show_progress=False),
        "RBF SVM on synthetic features": cross_validate_predictions(
            SVC(C=10), X, y, cv=5, target_names=names, show_progress=False),
    }
    filenames = [f"WBC-{names[label]}-{i:03d}.jpg" for i, label in enumerate(y)]
    audit = leakage_audit(LogisticRegression(max_iter=500), X, y, filenames=filenames, cv=5,
                          block_size=5, n_resamples=200)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(len(y), 48, 48, 3), dtype=np.uint8)
    path = write_html_report(
        out, results, title="Synthetic blood smears: browser check",
        data_description="240 synthetic samples in **4 classes**; not real images.",
        notes=["Numbers on synthetic data say nothing about real smears."],
        timings={"cross-validation": 1.0}, audit=audit, images=images, n_hardest=6,
        n_resamples=200)
    return path


def test_every_figure_loads(report, tmp_path):
    checked = tmp_path / "checked.html"
    checked.write_text(report.read_text(encoding="utf-8").replace("</body>", _CHECK + "</body>"),
                       encoding="utf-8")
    run = _chromium("--virtual-time-budget=10000", "--dump-dom", checked.as_uri(),
                    user_dir=tmp_path / "profile")
    status = re.search(r"images=(\d+) broken=(\d+) tables=(\d+)", run.stdout)
    assert status, f"no status in the DOM; chromium said: {run.stderr[-2000:]}"
    n_images, broken, tables = map(int, status.groups())
    # 1 comparison + 3 figures for each of 2 pipelines + 6 thumbnails each.
    assert n_images == 1 + 3 * 2 + 6 * 2
    assert broken == 0
    assert tables >= 4  # headline, audit, two per-class tables


def test_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "report.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri(),
                    user_dir=tmp_path / "profile")
    assert shot.is_file(), f"no screenshot; chromium said: {run.stderr[-2000:]}"
    keep = os.environ.get("FEATLEUK_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 10  # text, tables and figures, not a blank page
    assert (pixels < 128).mean() > 0.01  # some dark ink
