"""Behaviour of the swarm selectors on small synthetic classification problems."""

import logging
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from featleuk.selection import CatSwarmFeatureSelector, PSOFeatureSelector
from featleuk.selection._subset_scorer import subset_cost

INFORMATIVE = [0, 1, 2]

# Budgets small enough for a test yet large enough to find the optimum of the
# problem below ({0, 1, 2}, checked exhaustively) from several seeds.
SELECTORS = {
    "pso": PSOFeatureSelector(n_particles=8, max_iter=6, alpha=0.05, random_state=0,
                              show_progress=False),
    "cso": CatSwarmFeatureSelector(n_cats=6, max_iter=8, alpha=0.05, seeking_memory_pool=6,
                                   random_state=0, show_progress=False),
}


@pytest.fixture(scope="module")
def data():
    # shuffle=False puts the 3 informative columns first; the other 7 are noise.
    return make_classification(
        n_samples=90, n_features=10, n_informative=3, n_redundant=0, n_repeated=0,
        n_classes=3, n_clusters_per_class=1, class_sep=1.0, shuffle=False, random_state=0,
    )


@pytest.fixture(params=sorted(SELECTORS))
def selector(request):
    return clone(SELECTORS[request.param])


@pytest.fixture(scope="module", params=sorted(SELECTORS))
def fitted(request, data):
    """One fit per selector, shared by the read-only tests (fits are the slow part)."""
    return clone(SELECTORS[request.param]).fit(*data)


def test_informative_features_recovered(fitted, data):
    X, _ = data
    kept = np.flatnonzero(fitted.support_)
    assert set(INFORMATIVE) <= set(kept), kept
    assert len(kept) <= 4, kept
    assert fitted.transform(X).shape == (len(X), len(kept))


def test_best_score_is_a_fresh_cv_score_of_support(fitted, data):
    # Guards against pyswarms' best-position bugs (#292, #321): the returned
    # subset must be the one whose score is reported.
    X, y = data
    fresh = cross_val_score(RidgeClassifier(solver="cholesky"), X[:, fitted.support_], y,
                            cv=3).mean()
    assert fitted.best_score_ == pytest.approx(fresh, abs=1e-12)
    assert fitted.best_cost_ == pytest.approx(
        subset_cost(fresh, fitted.support_.sum(), X.shape[1], fitted.alpha), abs=1e-12)
    assert len(fitted.history_) == fitted.max_iter == fitted.n_iter_
    assert np.all(np.diff(fitted.history_) <= 0)
    assert fitted.history_[-1] == fitted.best_cost_
    assert fitted.n_features_in_ == X.shape[1]


def test_pickle_round_trip(fitted, data):
    X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))


def test_empty_subset_impossible(selector, data):
    X, y = data
    # Almost every initial mask is empty and size dominates the cost: the
    # search is pushed towards the empty set, which must be repaired.
    sel = selector.set_params(init_fraction=0.01, alpha=0.99, max_iter=2).fit(X, y)
    assert sel.support_.sum() >= 1
    assert sel.transform(X).shape[1] >= 1


def test_same_random_state_same_result_and_global_rng_untouched(fitted, data):
    X, y = data
    np.random.seed(123)
    before = np.random.get_state()
    again = clone(fitted).fit(X, y)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]
    np.testing.assert_array_equal(again.support_, fitted.support_)
    np.testing.assert_array_equal(again.history_, fitted.history_)
    clf_a = LogisticRegression().fit(fitted.transform(X), y)
    clf_b = LogisticRegression().fit(again.transform(X), y)
    np.testing.assert_array_equal(clf_a.predict(again.transform(X)),
                                  clf_b.predict(again.transform(X)))


def test_parallel_scoring_gives_the_same_subset(fitted, data):
    parallel = clone(fitted).set_params(n_jobs=2).fit(*data)
    np.testing.assert_array_equal(parallel.support_, fitted.support_)
    assert parallel.best_score_ == fitted.best_score_


def test_in_pipeline_inside_grid_search(selector, data):
    X, y = data
    pipe = make_pipeline(selector.set_params(max_iter=1), LogisticRegression())
    step = pipe.steps[0][0]
    search = GridSearchCV(pipe, {f"{step}__alpha": [0.05, 0.5]}, cv=2).fit(X, y)
    assert search.best_params_[f"{step}__alpha"] in (0.05, 0.5)
    assert search.score(X, y) > 0.8


def test_feature_names_and_pandas_output(selector, data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    sel = selector.set_params(max_iter=2).fit(frame, y)
    names = sel.get_feature_names_out()
    np.testing.assert_array_equal(names, frame.columns[sel.support_])
    out = sel.set_output(transform="pandas").transform(frame)
    assert list(out.columns) == list(names)


def test_pyswarms_logging_side_effects_are_contained(data, tmp_path, monkeypatch):
    # pyswarms' Reporter reconfigures the root logger and writes ./report.log.
    X, y = data
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    clone(SELECTORS["pso"]).set_params(max_iter=1).fit(X, y)
    assert root.handlers == handlers and root.level == level
    assert not (tmp_path / "report.log").exists()

