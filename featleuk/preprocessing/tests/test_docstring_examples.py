"""The stain tools' docstring Examples run and show what they print.

Run as the project runs the presets' Examples (ELLIPSIS and
NORMALIZE_WHITESPACE), so the API reference cannot drift from the code.
"""

import doctest
import importlib

import pytest

MODULES = [
    "featleuk.preprocessing._base",
    "featleuk.preprocessing._deconvolution",
    "featleuk.preprocessing._denoise",
    "featleuk.preprocessing._macenko",
    "featleuk.preprocessing._reinhard",
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
