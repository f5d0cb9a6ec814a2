"""Every registered preset builds the estimator it built before the registries were merged.

The fixture ``data/preset_estimators.json`` was written by the code before the
merge (``PYTHONPATH=<old checkout> python featleuk/pipelines/tests/test_preset_equivalence.py``):
the full ``repr`` and every ``get_params(deep=True)`` value of each preset.
Regenerating it from the current code would make the test pass whatever
changed: only do so on purpose, when a preset's settings change.
"""

import json
import re
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).with_name("data") / "preset_estimators.json"


def _text(value):
    """A stable text of a parameter value (functions by name, not by memory address)."""
    if hasattr(value, "get_params"):
        text = value.__repr__(N_CHAR_MAX=10**6)
    elif callable(value):
        text = f"{value.__module__}.{value.__qualname__}"
    else:
        text = repr(value)
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


def _describe(estimator):
    params = estimator.get_params(deep=True)
    return {"repr": _text(estimator), "params": {name: _text(params[name]) for name in sorted(params)}}


def describe_presets():
    """name -> {"repr", "params"} of every hybrid and deep-model preset."""
    from featleuk.models import DEEP_MODEL_PRESETS, make_deep_model
    from featleuk.pipelines import list_presets, make_hybrid

    hybrid = {name: _describe(make_hybrid(name)) for name in list_presets() if name not in DEEP_MODEL_PRESETS}
    deep = {name: _describe(make_deep_model(name)) for name in DEEP_MODEL_PRESETS}
    return {"hybrid": hybrid, "deep": deep}


@pytest.fixture(scope="module")
def expected():
    return json.loads(FIXTURE.read_text())


@pytest.fixture(scope="module")
def actual():
    return describe_presets()


@pytest.mark.parametrize("kind", ["hybrid", "deep"])
def test_same_preset_names(kind, expected, actual):
    assert sorted(actual[kind]) == sorted(expected[kind])


@pytest.mark.parametrize("kind", ["hybrid", "deep"])
def test_presets_build_the_same_estimators(kind, expected, actual):
    for name, old in expected[kind].items():
        new = actual[kind][name]
        # The repr shows every setting that differs from a default: the preset's own.
        assert new["repr"] == old["repr"], name
        # Every parameter keeps its value; a parameter added to an estimator later
        # (with its default, so not in the repr) does not change a preset.
        assert {key: new["params"].get(key, new["params"].get(_renamed(key))) for key in old["params"]} == old["params"], name


#: Parameters renamed since the fixture was recorded (old -> new); the old
#: names still work as deprecated aliases.
RENAMED = {"background": "blank_color", "stain_channel": "channel"}


def _renamed(key):
    *path, leaf = key.split("__")
    return "__".join([*path, RENAMED.get(leaf, leaf)])


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(describe_presets(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)
