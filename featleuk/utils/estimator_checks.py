"""Estimator checks for featleuk's image estimators.

scikit-learn's ``parametrize_with_checks`` feeds 2-D float matrices, which an
image step cannot take. These checks apply the same conventions to image input
(``(N, H, W, 3|4)`` uint8 arrays or paths). Estimators that take feature
matrices (selectors, classifiers) use sklearn's own checks instead.
"""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

__all__ = ["check_image_transformer", "IMAGE_TRANSFORMER_CHECKS"]


def _allclose_or_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def check_init_stores_params(est, X, y):
    """``__init__`` stores its arguments unchanged and sets nothing else."""
    params = est.get_params(deep=False)
    fresh = type(est)(**params)
    for name, value in params.items():
        assert getattr(fresh, name) is value, f"__init__ changed parameter {name!r}"
    extra = set(vars(fresh)) - set(params)
    assert not extra, f"__init__ set non-parameter attributes: {sorted(extra)}"


def check_clone_and_params(est, X, y):
    cloned = clone(est)
    assert cloned.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    cloned.set_params(**est.get_params(deep=False))
    repr(cloned)


def check_not_fitted_error(est, X, y):
    est = clone(est)
    try:
        est.transform(X)
    except NotFittedError:
        return
    raise AssertionError(f"{type(est).__name__}.transform before fit did not raise NotFittedError")


def check_fit_returns_self_and_sets_fitted_attrs(est, X, y):
    est = clone(est)
    assert est.fit(X, y) is est, "fit must return self"
    fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]
    assert fitted, "fit set no attribute ending in '_'"
    assert getattr(est, "n_features_in_", None) is None or isinstance(est.n_features_in_, int)


def check_deterministic_and_fit_transform(est, X, y):
    a = clone(est).fit(X, y).transform(X)
    b = clone(est).fit_transform(X, y)
    _allclose_or_equal(a, b)
    fitted = clone(est).fit(X, y)
    _allclose_or_equal(fitted.transform(X), fitted.transform(X))
    assert len(a) == len(X), "transform must return one row per image"


def check_pickle_round_trip(est, X, y):
    fitted = clone(est).fit(X, y)
    expected = fitted.transform(X)
    restored = pickle.loads(pickle.dumps(fitted))
    _allclose_or_equal(restored.transform(X), expected)


def check_feature_names_out(est, X, y):
    fitted = clone(est).fit(X, y)
    out = fitted.transform(X)
    if not hasattr(fitted, "get_feature_names_out") or np.asarray(out).ndim != 2:
        return
    names = fitted.get_feature_names_out()
    assert len(names) == np.asarray(out).shape[1], "one feature name per output column"
    assert len(set(names)) == len(names), "feature names must be unique"


def check_set_output_pandas(est, X, y):
    try:
        import pandas  # noqa: F401
    except ImportError:
        return
    fitted = clone(est).fit(X, y)
    if np.asarray(fitted.transform(X)).ndim != 2 or not hasattr(fitted, "set_output"):
        return
    frame = fitted.set_output(transform="pandas").transform(X)
    assert list(frame.columns) == list(fitted.get_feature_names_out())


IMAGE_TRANSFORMER_CHECKS = (
    check_init_stores_params,
    check_clone_and_params,
    check_not_fitted_error,
    check_fit_returns_self_and_sets_fitted_attrs,
    check_deterministic_and_fit_transform,
    check_pickle_round_trip,
    check_feature_names_out,
    check_set_output_pandas,
)


def check_image_transformer(est, X, y=None):
    """Run every check in :data:`IMAGE_TRANSFORMER_CHECKS`; raise on the first failure."""
    for check in IMAGE_TRANSFORMER_CHECKS:
        check(est, X, y)
