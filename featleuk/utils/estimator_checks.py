"""Estimator checks for featleuk's image estimators.

scikit-learn's ``parametrize_with_checks`` feeds 2-D float matrices, which an
image step cannot take. These checks apply the same conventions to image input
(``(N, H, W, 3|4)`` uint8 arrays or paths): :func:`check_image_transformer`
for image steps, :func:`check_image_classifier` for estimators that classify
images end to end. Estimators that take feature matrices (selectors,
classical classifiers) use sklearn's own checks instead.
"""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

__all__ = ["check_image_transformer", "IMAGE_TRANSFORMER_CHECKS", "check_image_classifier",
           "IMAGE_CLASSIFIER_CHECKS"]


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


def _check_not_fitted(est, X, method):
    est = clone(est)
    try:
        getattr(est, method)(X)
    except NotFittedError:
        return
    raise AssertionError(f"{type(est).__name__}.{method} before fit did not raise NotFittedError")


def check_not_fitted_error(est, X, y):
    _check_not_fitted(est, X, "transform")


def _fitted_state(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("__")}


def check_transform_keeps_fitted_attributes(est, X, y):
    """Fitted attributes are set in ``fit`` only: ``transform`` leaves them as they were."""
    fitted = clone(est).fit(X, y)
    before = pickle.dumps(_fitted_state(fitted))
    fitted.transform(X[:1] if len(X) > 1 else X)
    assert pickle.dumps(_fitted_state(fitted)) == before, "transform changed a fitted attribute"


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
    """Feature steps return a DataFrame named by their features; image steps accept and ignore it."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return
    fitted = clone(est).fit(X, y)
    expected = fitted.transform(X)
    assert hasattr(fitted, "set_output"), "set_output is missing (Pipeline.set_output needs it)"
    out = fitted.set_output(transform="pandas").transform(X)
    if isinstance(expected, list) or np.asarray(expected).ndim != 2:
        _allclose_or_equal(out, expected)  # images stay images
        return
    assert list(out.columns) == list(fitted.get_feature_names_out())
    _allclose_or_equal(out.to_numpy(), expected)


IMAGE_TRANSFORMER_CHECKS = (
    check_init_stores_params,
    check_clone_and_params,
    check_not_fitted_error,
    check_fit_returns_self_and_sets_fitted_attrs,
    check_transform_keeps_fitted_attributes,
    check_deterministic_and_fit_transform,
    check_pickle_round_trip,
    check_feature_names_out,
    check_set_output_pandas,
)


def check_image_transformer(est, X, y=None):
    """Run every check in :data:`IMAGE_TRANSFORMER_CHECKS`; raise on the first failure.

    Parameters
    ----------
    est : estimator
        An unfitted image step; it is cloned, never modified.
    X : ndarray of shape (N, H, W, 3 or 4), uint8, or list of paths
        A few small images.
    y : array-like or None, default=None

    Raises
    ------
    AssertionError
        Naming the convention that is broken.
    """
    for check in IMAGE_TRANSFORMER_CHECKS:
        check(est, X, y)


# -- image classifiers ---------------------------------------------------------------


def check_classifier_not_fitted_error(est, X, y):
    for method in ("predict", "predict_proba"):
        _check_not_fitted(est, X, method)


def check_classifier_fit_returns_self(est, fitted, X, y):
    assert fitted.fit_result is fitted.estimator, "fit must return self"
    model = fitted.estimator
    np.testing.assert_array_equal(model.classes_, np.unique(y), err_msg="classes_ must be the sorted labels")
    assert _fitted_state(model), "fit set no attribute ending in '_'"


def check_classifier_predict_shapes(est, fitted, X, y):
    model = fitted.estimator
    labels = model.predict(X)
    assert np.shape(labels) == (len(X),), f"predict must return one label per image, got {np.shape(labels)}"
    assert set(np.asarray(labels).tolist()) <= set(model.classes_.tolist()), "predict returned unknown labels"
    proba = np.asarray(model.predict_proba(X))
    assert proba.shape == (len(X), len(model.classes_)), f"predict_proba shape {proba.shape}"
    assert np.all(proba >= 0), "negative probabilities"
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-5,
                               err_msg="predict_proba rows must sum to 1")
    np.testing.assert_array_equal(labels, model.classes_[np.argmax(proba, axis=1)],
                                  err_msg="predict must be the most probable class")


def check_classifier_pickle_round_trip(est, fitted, X, y):
    model = fitted.estimator
    restored = pickle.loads(pickle.dumps(model))
    _allclose_or_equal(restored.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


class _Fitted:
    """One fit shared by the checks that need a fitted classifier (training is slow)."""

    def __init__(self, est, X, y):
        self.estimator = clone(est)
        self.fit_result = self.estimator.fit(X, y)


#: Checks of an unfitted classifier, ``check(est, X, y)``, then of one fitted
#: clone, ``check(est, fitted, X, y)``.
IMAGE_CLASSIFIER_CHECKS = (
    (check_init_stores_params, check_clone_and_params, check_classifier_not_fitted_error),
    (check_classifier_fit_returns_self, check_classifier_predict_shapes, check_classifier_pickle_round_trip),
)


def check_image_classifier(est, X, y):
    """Run every check in :data:`IMAGE_CLASSIFIER_CHECKS` on a classifier of images.

    The estimator is fitted once (on a clone), so an end-to-end CNN can be
    checked in seconds with a small configuration, e.g.
    ``DeepClassifier(backbone="small_cnn", weights=None, image_size=32,
    max_epochs=1)``.

    Parameters
    ----------
    est : classifier
        Unfitted; it is cloned, never modified.
    X : ndarray of shape (N, H, W, 3 or 4), uint8, or list of paths
    y : array-like of shape (N,)
        At least two classes.

    Raises
    ------
    AssertionError
        Naming the convention that is broken.
    """
    unfitted, fitted_checks = IMAGE_CLASSIFIER_CHECKS
    for check in unfitted:
        check(est, X, y)
    fitted = _Fitted(est, X, y)
    for check in fitted_checks:
        check(est, fitted, X, y)
