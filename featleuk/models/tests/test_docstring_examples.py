"""The deep models' docstring Examples run and show what they print.

Run as the project runs the presets' Examples (ELLIPSIS and
NORMALIZE_WHITESPACE), so the API reference cannot drift from the code.
"""

import doctest
import importlib

import pytest

MODULES = [
    "featleuk.models._augment",
    "featleuk.models._backbones",
    "featleuk.models._classifier",
    "featleuk.models._gradcam",
    "featleuk.models._heads",
    "featleuk.models._network",
    "featleuk.models._training",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name, extraglobs={}) if t.examples]
    assert tests, f"{name} has no Examples"
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failing Examples in {name} (output above)"
