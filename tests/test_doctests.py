"""Every Examples section of the API reference runs and prints what it says.

The doctests of every module behind ``docs/_ext/featleuk_docs.py: API_MODULES``
(the packages' private modules included: that is where the docstrings live),
with the flags the docs use: ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``.
"""

import doctest
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
from featleuk_docs import API_MODULES  # noqa: E402


def _modules():
    names = set()
    for name in API_MODULES:
        module = importlib.import_module(name)
        names.add(name)
        if hasattr(module, "__path__"):
            names.update(m.name for m in pkgutil.walk_packages(module.__path__, f"{name}.")
                         if ".tests" not in m.name and not m.name.endswith("__main__"))
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_examples_run(name, monkeypatch, tmp_path):
    from featleuk.pipelines import _registry

    # Examples may register presets or write files: keep both out of the real ones.
    monkeypatch.setattr(_registry, "_PRESETS", dict(_registry._PRESETS))
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0, f"{failed} of {attempted} examples of {name} failed (output above)"
