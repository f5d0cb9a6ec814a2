"""Sphinx configuration for featleuk's documentation.

Build: ``sphinx-build -W -b html docs docs/_build/html`` (from the project
root, with the ``docs`` extra installed). The API pages are generated from
each module's ``__all__`` (``_ext/featleuk_docs.py``); the gallery runs every
``examples/plot_*.py`` on synthetic smears at build time.
"""

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if (ROOT / "featleuk").is_dir():
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

# Quiet, headless and reproducible example runs.
os.environ.setdefault("FEATLEUK_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

import featleuk  # noqa: E402

project = "featleuk"
author = "the featleuk developers"
copyright = "2026, the featleuk developers"
release = featleuk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "featleuk_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# results/ holds the committed experiment reports (Markdown written by the
# report writer, not pages of this site); benchmarks.md names their paths.
exclude_patterns = ["_build", "results", "sections", "**.ipynb_checkpoints", "README.md"]

# Cross-references that cannot be resolved (third-party types named in
# docstrings) are not errors: the build has no network for intersphinx.
nitpicky = False
default_role = "obj"

# -- autodoc / autosummary / numpydoc ------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Types in Parameters / Attributes become cross-references (as in
# scikit-learn), so "ndarray of shape (n_features_in_,)" is not read as an
# rst hyperlink target; words below are left as plain text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = {
    "of", "shape", "or", "and", "default", "optional", "instance", "object",
    "like", "array-like", "sparse", "matrix", "dtype", "element", "elements",
    "length", "n_samples", "n_features", "n_classes", "n_images", "n_outputs",
    "keyword", "arguments", "with", "the", "a", "an", "to", "in", "from",
    "same", "as", "any", "one", "each", "per", "if", "is", "None",
}
# numpydoc's default aliases point into the Python and NumPy intersphinx
# inventories, which an offline build does not have (they would render as
# "python:int"): point them at the bare names instead.
from numpydoc.xref import DEFAULT_LINKS  # noqa: E402

numpydoc_xref_aliases = {
    name: name for name, link in DEFAULT_LINKS.items() if "python:" in link or "numpy:" in link
}
numpydoc_xref_aliases.update({
    "bool": "bool",
    "boolean": "bool",
    "ndarray": "numpy.ndarray",
    "array": "numpy.ndarray",
    "np.ndarray": "numpy.ndarray",
    "array-like": "array-like",
    "array_like": "array-like",
    "estimator": "sklearn.base.BaseEstimator",
    "Pipeline": "sklearn.pipeline.Pipeline",
})

# -- myst ----------------------------------------------------------------------
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# -- sphinx-gallery ------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("featleuk",),
    "backreferences_dir": "api/generated",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "default_thumb_file": None,
    "min_reported_time": 1,
}
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_css_files = ["featleuk.css"]
html_title = f"featleuk {release}"
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
