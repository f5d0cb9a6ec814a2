"""The recipes of docs/architecture.md run as written.

Each ``python`` block of the page whose first line is ``# recipe: NAME`` is
executed here, so the page cannot drift from the code: a renamed function
or a changed signature fails this test. The checks after each run look at
what the recipe built, not only that it ran.
"""

import json
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
_BLOCK = re.compile(r"```python\n# recipe: (?P<name>[\w-]+)\n(?P<code>.*?)```", re.DOTALL)


def _recipes():
    return {m["name"]: m["code"] for m in _BLOCK.finditer(ARCHITECTURE.read_text(encoding="utf-8"))}


@pytest.fixture
def run_recipe(monkeypatch):
    """Run a recipe as the code of a module, so that its classes pickle as a user's would."""

    def run(name):
        module = types.ModuleType(f"recipe_{name.replace('-', '_')}")
        monkeypatch.setitem(sys.modules, module.__name__, module)
        exec(compile(_recipes()[name], f"{ARCHITECTURE}:recipe {name}", "exec"), module.__dict__)
        return module.__dict__

    return run


def test_the_page_has_the_three_recipes():
    assert set(_recipes()) == {"feature-family", "preset", "experiment"}


def test_feature_family_recipe(run_recipe, capsys):
    from featleuk.base import learns_from_data

    ns = run_recipe("feature-family")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "(4, 3)"
    assert printed[1] == "['intensity_mean' 'intensity_std' 'intensity_mask_empty']"

    family = ns["IntensityFeatures"]
    assert learns_from_data(family()) is False
    # The shared parameter docs were spliced into the docstring.
    assert "%(" not in family.__doc__ and "blank_color : " in family.__doc__
    # The mean over the nucleus is the mean of the masked pixels.
    X = ns["X"]
    mask = np.zeros(X.shape[1:3], np.uint8)
    mask[8:16, 8:16] = 255
    image = np.concatenate([X[:1], mask[None, :, :, None]], axis=3)
    row = family(channel="red", show_progress=False).fit_transform(image)[0]
    assert row[0] == pytest.approx(X[0, 8:16, 8:16, 0].mean())
    assert row[-1] == 0.0
    empty = image.copy()
    empty[..., 3] = 0
    assert family(show_progress=False).fit_transform(empty)[0].tolist() == [0.0, 0.0, 1.0]


def test_preset_recipe_registers_and_is_removed_after(run_recipe, capsys):
    from featleuk.pipelines import _registry, list_presets

    name = "example-otsu-glcm-lbp-svm"
    assert name not in list_presets()
    try:
        ns = run_recipe("preset")
        assert name in list_presets("hybrid")
        assert name not in list_presets("deep")
        pipe = ns["pipe"]
        assert pipe.named_steps["clf"].C == 1.0
        assert [n for n, _ in pipe.named_steps["features"].transformer_list] == ["glcm", "lbp"]
        printed = capsys.readouterr().out.splitlines()
        assert printed == ["hybrid - Otsu nucleus mask, GLCM + LBP texture, standardised RBF SVM",
                           "['segment', 'features', 'scale', 'clf']"]
    finally:
        _registry._PRESETS.pop(name, None)
    assert name not in list_presets()


def test_experiment_recipe_writes_reports(run_recipe, tmp_path, monkeypatch, capsys):
    from featleuk.experiments import EXPERIMENTS

    monkeypatch.chdir(tmp_path)
    assert "texture" not in EXPERIMENTS
    try:
        ns = run_recipe("experiment")
        assert ns["exit_code"] == 0
    finally:
        EXPERIMENTS.pop("texture", None)
    assert "texture" not in EXPERIMENTS

    result = ns["result"]
    assert sorted(result.results) == ["otsu-glcm-svm", "otsu-lbp-svm"]
    assert all(len(r.fold_metrics) == 2 for r in result.results.values())
    for folder, names in (("texture", {"otsu-glcm-svm", "otsu-lbp-svm"}),
                          ("texture-cli", {"otsu-lbp-svm"})):
        report = (tmp_path / "results" / folder / "report.md").read_text(encoding="utf-8")
        assert "Synthetic smears" in report and "learns_from_data=False" in report
        metrics = json.loads((tmp_path / "results" / folder / "metrics.json").read_text())
        assert names <= set(json.dumps(metrics).split('"'))
    out = capsys.readouterr().out
    assert "otsu-lbp-svm" in out and "report:" in out
