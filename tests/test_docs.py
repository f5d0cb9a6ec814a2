"""The documentation builds with warnings as errors, and its pages render.

Builds a copy of ``docs/`` and ``examples/`` (so generated files stay out of
the checkout) with ``sphinx-build -W``, which runs every gallery example,
then opens the landing page and a gallery page in headless Chromium and
checks that the screenshots are not blank and that every ``<img>`` loaded.
Skips when Sphinx (the ``docs`` extra) or Chromium is absent.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("myst_parser")

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    src = tmp_path_factory.mktemp("docs-src")
    ignore = shutil.ignore_patterns("_build", "auto_examples", "generated", "featleuk.*.rst",
                                    "sg_execution_times.rst", "__pycache__")
    shutil.copytree(ROOT / "docs", src / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", src / "examples", ignore=ignore)
    out = tmp_path_factory.mktemp("docs-html")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               FEATLEUK_PROGRESS="0", MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(src / "docs"), str(out)],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stderr[-20000:]}"
    return out


def test_every_page_and_example_built(built_docs):
    assert (built_docs / "index.html").is_file()
    for module in ("datasets", "features", "selection", "models", "evaluation"):
        assert (built_docs / "api" / f"featleuk.{module}.html").is_file()
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    assert examples
    for example in examples:
        page = built_docs / "auto_examples" / f"{example.stem}.html"
        assert page.is_file(), page
    # Every public name of every documented module has its own page.
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from featleuk_docs import collect_api

    for modname, rows in collect_api().items():
        for name, _, home in rows:
            if home == modname:
                assert (built_docs / "api" / "generated" / f"{modname}.{name}.html").is_file()


def _screenshot(chromium, url, png, profile):
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600",
         f"--screenshot={png}", url],
        capture_output=True, timeout=120, check=False,
    )
    assert png.is_file(), f"Chromium wrote no screenshot of {url}"


# Appended to a copy of the page: after load, records how many <img> there are
# and which of them did not load, on <body>, for --dump-dom to report.
IMAGE_CHECK = (
    "<script>window.addEventListener('load',()=>{const bad=[...document.images]"
    ".filter(i=>!(i.complete&&i.naturalWidth>0)).map(i=>i.src);"
    "document.body.setAttribute('data-images',document.images.length);"
    "document.body.setAttribute('data-broken',JSON.stringify(bad));});</script>"
)


def _dump_dom(chromium, url, profile):
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout


@pytest.mark.parametrize("page", ["index.html", "auto_examples/plot_02_segmentation_features.html"])
def test_page_renders_in_chromium(built_docs, page, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed")
    from PIL import Image

    html = built_docs / page
    # The probe copy sits next to the page, so its relative URLs resolve the same.
    probe = html.with_name(f"_probe_{html.name}")
    probe.write_text(html.read_text(encoding="utf-8").replace("</body>", IMAGE_CHECK + "</body>"),
                     encoding="utf-8")
    try:
        dom = _dump_dom(chromium, probe.as_uri(), tmp_path / "profile1")
    finally:
        probe.unlink()
    assert 'data-broken="[]"' in dom, f"images that did not load on {page}: " + (
        dom.split('data-broken="', 1)[1].split('"', 1)[0] if 'data-broken="' in dom else "no result")
    n_images = int(dom.split('data-images="', 1)[1].split('"', 1)[0])
    if "auto_examples" in page:
        assert n_images >= 1, "the gallery page shows no figure"

    png = tmp_path / "page.png"
    _screenshot(chromium, html.as_uri(), png, tmp_path / "profile2")
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    # A blank page is one colour; a rendered one has text and figures.
    assert pixels.std() > 10, f"{page} looks blank (grey-level std {pixels.std():.1f})"
    assert (pixels < 128).mean() > 0.005, f"{page} has almost no dark (text) pixels"
