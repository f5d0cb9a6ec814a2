"""scikit-learn's own estimator checks, with tiny swarms so they run in seconds."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from featleuk.selection import CatSwarmFeatureSelector, PSOFeatureSelector


@parametrize_with_checks([
    PSOFeatureSelector(n_particles=4, max_iter=2, cv=2, random_state=0, show_progress=False),
    CatSwarmFeatureSelector(n_cats=2, max_iter=2, cv=2, seeking_memory_pool=2, random_state=0,
                            show_progress=False),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)
