"""Every public callable has a full numpydoc docstring (scikit-learn's docstring test).

Public means listed in the ``__all__`` of a module of the API reference
(``docs/_ext/featleuk_docs.py: API_MODULES``). For each function and class:
a docstring, every signature parameter documented (and nothing else), a
Returns (or Yields) section when it returns something, and an Examples
section; estimators also document their fitted state in Attributes. Public
methods that featleuk defines (not those inherited from scikit-learn) need
Parameters and Returns. All failures are reported at once.
"""

import json
import dataclasses
import importlib
import inspect
import sys
from pathlib import Path

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
from numpydoc.docscrape import ClassDoc  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
from featleuk_docs import API_MODULES  # noqa: E402

# numpydoc.validate codes that make a docstring incomplete or wrong.
# GL08 no docstring; PR01 parameter not documented; PR02 documented parameter
# not in the signature; PR07 parameter without description; RT01 no Returns;
# YD01 no Yields; EX01 no Examples (functions and classes only).
CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01", "YD01"}
CHECKS_WITH_EXAMPLES = CHECKS | {"EX01"}


def _public_objects():
    """(import path, object) of every public function and class, each object once."""
    seen = set()
    for modname in API_MODULES:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{modname}.{name}", obj


def _own_methods(cls):
    """Public methods of ``cls`` defined in featleuk (not inherited from scikit-learn)."""
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or isinstance(inspect.getattr_static(cls, name), property):
            continue
        func = getattr(member, "__func__", member)
        if not inspect.isfunction(func) or not func.__module__.startswith("featleuk"):
            continue
        # sklearn's metadata-routing setters (set_fit_request, ...) are generated.
        if name.endswith("_request"):
            continue
        yield name, func


def _validate(import_path, codes):
    result = numpydoc_validate.validate(import_path)
    return [f"{code} {msg}" for code, msg in result["errors"] if code in codes]


def _dataclass_problems(cls):
    """A dataclass documents the fields it declares in Parameters or Attributes.

    Inherited fields (``FeatleukTags`` extends scikit-learn's ``Tags``) are
    documented by the parent.
    """
    doc = ClassDoc(cls)
    documented = {p.name for p in doc["Parameters"]} | {p.name for p in doc["Attributes"]}
    own = cls.__dict__.get("__annotations__", {})
    missing = [f.name for f in dataclasses.fields(cls) if f.name in own and f.name not in documented]
    return [f"fields not documented in Parameters or Attributes: {missing}"] if missing else []


def _estimator_problems(cls):
    if not issubclass(cls, BaseEstimator) or inspect.isabstract(cls):
        return []
    doc = ClassDoc(cls)
    if not doc["Attributes"]:
        return ["estimator without an Attributes section (fitted attributes ending in '_')"]
    return []


def docstring_failures():
    failures = {}
    for import_path, obj in _public_objects():
        problems = []
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
            errors = _validate(import_path, CHECKS_WITH_EXAMPLES - {"PR01", "PR02"})
            problems += errors + _dataclass_problems(obj)
        else:
            problems += _validate(import_path, CHECKS_WITH_EXAMPLES)
        if inspect.isclass(obj):
            problems += _estimator_problems(obj)
            for name, func in _own_methods(obj):
                path = f"{func.__module__}.{func.__qualname__}"
                for err in _validate(path, CHECKS):
                    problems.append(f"{name}(): {err}")
        if problems:
            failures[import_path] = problems
    return failures


def _format(failures):
    lines = [f"{len(failures)} public objects with incomplete docstrings:"]
    for path, problems in failures.items():
        lines.append(f"  {path}")
        lines += [f"      {p}" for p in problems]
    return "\n".join(lines)


#: Public objects whose docstrings were incomplete when this test was written.
#: The list may only shrink: a new public object must be complete, and an
#: object fixed here must be removed from the file.
KNOWN_INCOMPLETE = Path(__file__).with_name("data") / "incomplete_docstrings.json"


def test_public_docstrings_are_complete():
    failures = docstring_failures()
    known = set(json.loads(KNOWN_INCOMPLETE.read_text()))
    new = {path: problems for path, problems in failures.items() if path not in known}
    assert not new, _format(new)
    fixed = sorted(known - set(failures))
    assert not fixed, f"complete now, remove from {KNOWN_INCOMPLETE.name}: {fixed}"


def test_checker_catches_an_incomplete_docstring():
    def undocumented(a, b=1):
        """Do a thing."""
        return a + b

    sys.modules[__name__].undocumented = undocumented
    try:
        errors = _validate(f"{__name__}.undocumented", CHECKS_WITH_EXAMPLES)
    finally:
        del sys.modules[__name__].undocumented
    codes = {e.split()[0] for e in errors}
    assert {"PR01", "RT01", "EX01"} <= codes


if __name__ == "__main__":
    print(_format(docstring_failures()))
