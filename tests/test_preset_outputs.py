"""``set_output(transform="pandas")`` and ``get_feature_names_out`` through every preset.

Image -> image steps (stain tools, segmenters) accept the call and keep
returning images; the feature steps after them return DataFrames named by
their features, and every later step keeps those names. The CNNs are
randomly initialised (offline, fast) and share one feature cache, and the
swarm selectors get a tiny budget, so the whole file stays well under a
minute.
"""

import numpy as np
import pytest

from featleuk.datasets import make_synthetic_smears
from featleuk.features import DeepFeatures
from featleuk.pipelines import list_presets, make_hybrid
from featleuk.selection._base import BaseSwarmSelector

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def smears():
    return make_synthetic_smears(8, n_classes=2, image_size=48, random_state=0)


@pytest.fixture(scope="module")
def feature_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("deep_rows"))


def quick(pipe, cache):
    """The preset with random-init CNNs, small batches, quiet bars and tiny search budgets."""
    params = {}
    for key, value in pipe.get_params(deep=True).items():
        if isinstance(value, DeepFeatures):
            params.update({f"{key}__weights": None, f"{key}__engine": "torch", f"{key}__memory": cache})
        elif isinstance(value, BaseSwarmSelector):
            budget = {"n_particles": 2} if "n_particles" in value.get_params() else {"n_cats": 2}
            params.update({f"{key}__max_iter": 1, f"{key}__cv": 2,
                           **{f"{key}__{name}": v for name, v in budget.items()}})
    for key in pipe.get_params(deep=True):
        if key.endswith("__batch_size"):
            params[key] = 4
        elif key.endswith("__show_progress"):
            params[key] = False
    return pipe.set_params(**params)


#: The feature-pipeline presets; end-to-end deep models have no feature steps.
HYBRIDS = sorted(name for name, preset in list_presets().items()
                 if getattr(preset, "kind", "hybrid") == "hybrid")


@pytest.mark.parametrize("name", HYBRIDS)
def test_pandas_output_is_named_by_get_feature_names_out(name, smears, feature_cache):
    X, y = smears
    pipe = quick(make_hybrid(name), feature_cache)
    pipe.set_output(transform="pandas")
    head = pipe[:-1].fit(X, y)
    out = head.transform(X)
    assert isinstance(out, pd.DataFrame), type(out)
    assert out.shape[0] == len(X)
    names = head.get_feature_names_out()
    assert list(out.columns) == list(names)
    assert len(set(names)) == len(names)
