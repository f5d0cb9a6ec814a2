"""Sphinx helpers for featleuk's documentation.

- ``config-inited``: writes one API page per public module, listing every
  name in that module's ``__all__`` in an ``autosummary`` table, so a new
  public name appears in the reference without editing the docs. A name
  exported by two modules (``featleuk.models.make_deep_model`` is
  ``featleuk.pipelines.make_deep_model``) is documented once, where it is
  defined, and listed as "also exported" elsewhere.
- ``optional-toctree``: a ``toctree`` that leaves out entries whose page is
  not in the source tree, for pages other contributors add later.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from docutils.statemachine import StringList
from sphinx.directives.other import TocTree
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The public modules, in reference order, with a one-line summary each.
API_MODULES = {
    "featleuk.datasets": "Dataset loaders, synthetic smears and duplicate detection",
    "featleuk.images": "Image collections: paths, arrays and the mask channel",
    "featleuk.io": "Reading image files",
    "featleuk.weights": "Offline pretrained weights for torchvision backbones",
    "featleuk.preprocessing": "Stain deconvolution, normalisation and denoising",
    "featleuk.segmentation": "Nucleus segmentation and mask metrics",
    "featleuk.features": "Deep and handcrafted feature extractors",
    "featleuk.selection": "Swarm feature selection",
    "featleuk.pipelines": "Presets of published pipelines and their building blocks",
    "featleuk.models": "End-to-end deep models and Grad-CAM",
    "featleuk.evaluation": "Metrics, cross-validation, figures and reports",
    "featleuk.base": "Estimator tags and pipeline introspection",
    "featleuk.utils": "Progress bars, parallel map and estimator checks",
}


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def _home_module(obj, exporters: list[str]) -> str:
    """The module that documents ``obj``: where it is defined, else its first exporter."""
    defined_in = getattr(obj, "__module__", None) if _kind(obj) != "data" else None
    if defined_in:
        for mod in sorted(exporters, key=len, reverse=True):
            if defined_in == mod or defined_in.startswith(mod + "."):
                return mod
    return exporters[0]


def collect_api(modules=API_MODULES):
    """Return ``{module: [(name, kind, home_module), ...]}`` from each ``__all__``."""
    public = {}
    exporters = {}  # id(obj) -> modules exporting it
    for modname in modules:
        mod = importlib.import_module(modname)
        names = list(getattr(mod, "__all__", []))
        public[modname] = [(name, getattr(mod, name)) for name in names]
        for name, obj in public[modname]:
            if _kind(obj) != "data" or not isinstance(obj, (int, float, str, bool)):
                exporters.setdefault(id(obj), []).append(modname)
    api = {}
    for modname, items in public.items():
        rows = []
        for name, obj in items:
            home = _home_module(obj, exporters.get(id(obj), [modname]))
            rows.append((name, _kind(obj), home))
        api[modname] = rows
    return api


_SECTION_TITLES = {"class": "Classes", "function": "Functions", "data": "Constants"}


def _module_page(modname: str, summary: str, rows) -> str:
    title = f":mod:`{modname}`"
    lines = [
        ".. This page is generated from the module's __all__ by docs/_ext/featleuk_docs.py.",
        "",
        title,
        "=" * len(title),
        "",
        f".. automodule:: {modname}",
        "   :no-members:",
        "   :no-index:",
        "",
        f".. currentmodule:: {modname}",
        "",
    ]
    for kind in ("class", "function", "data"):
        own = sorted(name for name, k, home in rows if k == kind and home == modname)
        if not own:
            continue
        heading = _SECTION_TITLES[kind]
        template = {"class": "class.rst", "function": "function.rst", "data": "data.rst"}[kind]
        lines += [heading, "-" * len(heading), "", ".. autosummary::",
                  "   :toctree: generated/", f"   :template: {template}", "   :nosignatures:", ""]
        lines += [f"   {name}" for name in own]
        lines.append("")
    also = sorted((name, home) for name, k, home in rows if home != modname)
    if also:
        lines += ["Also exported here", "------------------", ""]
        lines += [f"- ``{modname}.{name}``: see :obj:`{home}.{name}`" for name, home in also]
        lines.append("")
    return "\n".join(lines)


def write_api_pages(app, config=None):
    """Write ``api/<module>.rst`` for every public module (only when changed)."""
    out = Path(app.srcdir) / "api"
    out.mkdir(exist_ok=True)
    for modname, rows in collect_api().items():
        text = _module_page(modname, API_MODULES[modname], rows)
        page = out / f"{modname}.rst"
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")


class OptionalTocTree(TocTree):
    """A ``toctree`` whose entries are dropped when their page does not exist."""

    def run(self):
        kept = []
        for entry in self.content:
            target = entry.strip()
            if "<" in target and target.endswith(">"):
                target = target[target.rindex("<") + 1 : -1]
            if not target:
                continue
            # relfn2path resolves "../page" against this document, relative to the source dir.
            docname = Path(self.env.relfn2path(target, self.env.docname)[0]).as_posix()
            if docname in self.env.found_docs:
                kept.append(entry)
        if not kept:
            return []
        self.content = StringList(kept, source=self.content.source(0))
        return super().run()


def setup(app):
    # Before Sphinx lists the source files, so autosummary sees the pages.
    app.connect("config-inited", write_api_pages)
    app.add_directive("optional-toctree", OptionalTocTree)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
