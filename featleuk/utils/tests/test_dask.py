"""Scale-out on dask: a 2-process LocalCluster gives the same results as a local run."""

import argparse

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.utils import add_dask_option, dask_backend, extract_on_dask, parse_dask_spec

distributed = pytest.importorskip("distributed")


@pytest.mark.parametrize("spec, expected", [
    (None, None),
    ("local", ("local", None)),
    ("local:3", ("local", 3)),
    (" local:1 ", ("local", 1)),
    ("tcp://10.1.2.3:8786", ("address", "tcp://10.1.2.3:8786")),
    ("node17:8786", ("address", "node17:8786")),
])
def test_parse_dask_spec(spec, expected):
    assert parse_dask_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "locale", "local:0", "local:x", "cluster", 3])
def test_parse_dask_spec_rejects(spec):
    with pytest.raises(ValueError, match="dask"):
        parse_dask_spec(spec)


def test_add_dask_option():
    parser = add_dask_option(argparse.ArgumentParser())
    assert parser.parse_args([]).dask is None
    assert parser.parse_args(["--dask", "tcp://h:1"]).dask == "tcp://h:1"
    with pytest.raises(SystemExit):
        parser.parse_args(["--dask", "locale"])


def test_dask_backend_none_changes_nothing():
    from joblib.parallel import get_active_backend

    before = type(get_active_backend()[0])
    with dask_backend(None) as client:
        assert client is None
        assert type(get_active_backend()[0]) is before


def test_dask_backend_rejects_cluster_options_for_an_address():
    with pytest.raises(ValueError, match="local cluster"):
        with dask_backend("tcp://127.0.0.1:1", memory_limit="1GB"):
            pass


def _pipeline():
    from featleuk.pipelines import make_feature_union

    return Pipeline([("features", make_feature_union("color", "glcm")), ("scale", StandardScaler()),
                     ("clf", SVC(C=10.0))])


@pytest.fixture(scope="module")
def smears(tmp_path_factory):
    from featleuk.datasets import write_synthetic_smears

    data = write_synthetic_smears(tmp_path_factory.mktemp("smears"), 32, image_size=48, random_state=0)
    return list(data.filenames), np.asarray(data.target)


@pytest.fixture(scope="module")
def local_results(smears):
    """The reference run, before any cluster exists."""
    from featleuk.evaluation import cross_validate_predictions

    paths, y = smears
    result = cross_validate_predictions(_pipeline(), paths, y, cv=4, show_progress=False)
    grid = GridSearchCV(_pipeline(), {"clf__C": [0.1, 10.0]}, cv=3).fit(paths, y)
    return result, grid.cv_results_["mean_test_score"]


@pytest.fixture(scope="module")
def client(local_results):
    with dask_backend("local:2") as client:
        yield client


def test_cross_validation_and_grid_search_on_dask_match_a_local_run(smears, local_results, client):
    from featleuk.evaluation import cross_validate_predictions

    paths, y = smears
    local, local_grid = local_results
    assert len(client.nthreads()) == 2
    with distributed.get_task_stream(client) as tasks:
        remote = cross_validate_predictions(_pipeline(), paths, y, cv=4, n_jobs=-1, show_progress=False)
    assert len(tasks.data) >= 4  # one dask task per fold
    # Joining the running scheduler by address; no n_jobs: every worker is joblib's default.
    with dask_backend(client.scheduler.address) as joined:
        with distributed.get_task_stream(joined) as tasks:
            grid = GridSearchCV(_pipeline(), {"clf__C": [0.1, 10.0]}, cv=3).fit(paths, y)
        assert len(tasks.data) >= 2 * 3
    np.testing.assert_array_equal(remote.y_pred, local.y_pred)
    np.testing.assert_allclose(remote.y_score, local.y_score, rtol=0, atol=1e-12)
    assert remote.mean_metrics() == local.mean_metrics()
    np.testing.assert_array_equal(grid.cv_results_["mean_test_score"], local_grid)


def test_extract_on_dask_matches_transform(smears, client):
    from featleuk.features import ColorFeatures

    paths, _ = smears
    step = ColorFeatures(show_progress=False).fit(paths[:1])
    # 32 images in chunks of 5 with 2 in flight: the last, short chunk and refills are exercised.
    rows = extract_on_dask(step, paths, client=client, chunk_size=5, max_in_flight=2, show_progress=False)
    np.testing.assert_array_equal(rows, step.transform(paths))
    images = np.stack([np.asarray(image) for image in _decoded(paths[:9])])
    np.testing.assert_array_equal(extract_on_dask(step, images, client=client, chunk_size=4,
                                                  show_progress=False), step.transform(images))


def _decoded(paths):
    from featleuk.images import load_images

    return load_images(paths)


def test_extract_on_dask_checks_its_arguments(smears, client):
    from featleuk.features import ColorFeatures

    paths, _ = smears
    with pytest.raises(ValueError, match="chunk_size"):
        extract_on_dask(ColorFeatures().fit(paths[:1]), paths, client=client, chunk_size=0)
    with pytest.raises(ValueError, match="no feature store"):
        extract_on_dask(ColorFeatures().fit(paths[:1]), paths, client=client, store="somewhere")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        extract_on_dask(ColorFeatures(), paths, client=client)


@pytest.mark.slow
def test_extract_on_dask_streams_rows_into_the_store(smears, client, tmp_path):
    from featleuk.features import DeepFeatures

    paths, _ = smears
    step = DeepFeatures(weights=None, show_progress=False).fit(paths[:1])
    rows = extract_on_dask(step, paths[:12], client=client, chunk_size=4, store=tmp_path, show_progress=False)
    from featleuk.store import FeatureStore

    assert step.memory is None  # the caller's step is left alone
    with FeatureStore(tmp_path) as store:
        assert [table["n_rows"] for table in store.tables()] == [12]  # written by the workers
    # A local step reading the same store gets the workers' rows.
    cached = DeepFeatures(weights=None, memory=tmp_path, show_progress=False).fit(paths[:1])
    np.testing.assert_allclose(cached.transform(paths[:12]), rows, rtol=0, atol=1e-6)
