"""
Scaling out with dask
=====================

featleuk has no scheduler of its own: everything that runs in parallel
(cross-validation folds, :class:`~sklearn.model_selection.GridSearchCV`
candidates, :func:`~featleuk.utils.parallel_map`) goes through joblib.
:func:`featleuk.utils.dask_backend` starts or joins a `dask
<https://distributed.dask.org>`_ cluster and puts joblib's ``"dask"``
backend in force, so the same code runs on the cores of one machine or on
the nodes of a cluster. :func:`featleuk.utils.extract_on_dask` spreads
feature extraction over many images across the workers.

This example starts a local cluster of two single-thread worker processes,
runs a cross-validation, a grid search and a feature extraction on it, and
checks that each gives exactly what the local run gives.
"""

# %%
# The ``__main__`` guard
# ----------------------
# A local cluster's workers are new Python processes, and each of them runs
# the main script again when it starts (as module ``__mp_main__``). Code that
# starts a cluster must therefore sit under ``if __name__ == "__main__":``,
# or every worker would start a cluster of its own. Every cell below that
# does work is guarded, so this file is correct as a script
# (``python plot_07_dask.py``); the documentation build runs it with
# ``__name__ == "__main__"`` too. Imports are cheap and stay outside.
import time

import numpy as np
from sklearn.model_selection import GridSearchCV

from featleuk.base import frozen_prefix_length
from featleuk.datasets import make_synthetic_smears
from featleuk.evaluation import cross_validate_predictions, make_cv
from featleuk.pipelines import make_hybrid
from featleuk.utils import dask_backend, extract_on_dask

# %%
# The local run
# -------------
# 36 synthetic smears and the classical ``kmeans-svm`` preset (after Laosai
# & Chamnongthai, 2014): k-means nucleus segmentation, shape, texture and
# colour features, standardisation, an RBF SVM. The whole pipeline is
# cross-validated on the images; the grid search tunes the SVM's ``C`` on
# features computed once (the segmentation and feature steps learn nothing
# from the data, see :func:`featleuk.base.frozen_prefix_length`).
if __name__ == "__main__":
    X, y = make_synthetic_smears(36, image_size=64, random_state=0)
    pipe = make_hybrid("kmeans-svm")
    k = frozen_prefix_length(pipe)
    extractor, tail = pipe[:k].fit(X[:1]), pipe[k:]
    grid = {"clf__C": [1.0, 10.0]}
    cv = make_cv(y, n_splits=3, random_state=0)

    started = time.perf_counter()
    local_cv = cross_validate_predictions(pipe, X, y, cv=cv, show_progress=False)
    local_features = extractor.transform(X)
    local_search = GridSearchCV(tail, grid, cv=cv).fit(local_features, y)
    print(f"local run: {time.perf_counter() - started:.1f} s")
    print(f"accuracy over folds: {local_cv.summary()['accuracy']['mean']:.3f}; "
          f"best C: {local_search.best_params_['clf__C']}")

# %%
# The same on a dask cluster
# --------------------------
# ``dask_backend("local:2")`` starts a :class:`distributed.LocalCluster` with
# two worker processes of one thread each (the feature steps and most
# estimators hold the GIL or start threads of their own) and closes it on
# leaving the block. Inside the block:
#
# - ``cross_validate_predictions(..., n_jobs=-1)`` sends each fold to a
#   worker;
# - ``GridSearchCV(..., n_jobs=-1)`` sends each candidate and fold to a
#   worker (a joblib call that leaves ``n_jobs`` unset uses every worker
#   too);
# - ``extract_on_dask`` sends the fitted extractor once to every worker,
#   then chunks of images, and assembles the rows in input order as chunks
#   finish. Image paths travel as paths, so on a cluster the workers read
#   the files from a shared file system themselves.
#
# On a cluster, pass the scheduler's address instead, e.g.
# ``dask_backend("tcp://scheduler:8786")`` (one started by ``dask-jobqueue``
# on SLURM, for instance); nothing else changes.
if __name__ == "__main__":
    started = time.perf_counter()
    with dask_backend("local:2") as client:
        print("workers:", len(client.nthreads()), "x", set(client.nthreads().values()), "thread")
        dask_cv = cross_validate_predictions(pipe, X, y, cv=cv, n_jobs=-1, show_progress=False)
        dask_features = extract_on_dask(extractor, X, client=client, chunk_size=12,
                                        show_progress=False)
        dask_search = GridSearchCV(tail, grid, cv=cv, n_jobs=-1).fit(dask_features, y)
    print(f"dask run, cluster start and shutdown included: {time.perf_counter() - started:.1f} s")

# %%
# Identical results
# -----------------
# The folds, the estimators and their seeds are the same, so the cluster
# computes the same numbers: dask changes where the work runs, not what it
# computes.
if __name__ == "__main__":
    checks = {
        "out-of-fold predictions": np.array_equal(local_cv.y_pred, dask_cv.y_pred),
        "out-of-fold probabilities": np.allclose(local_cv.y_score, dask_cv.y_score),
        "feature rows": np.array_equal(local_features, dask_features),
        "grid-search scores": np.allclose(local_search.cv_results_["mean_test_score"],
                                          dask_search.cv_results_["mean_test_score"]),
        "best parameters": local_search.best_params_ == dask_search.best_params_,
    }
    for what, same in checks.items():
        print(f"{what:26s} same: {same}")
    assert all(checks.values())

# %%
# The grid-search scores of both runs, on top of each other:
if __name__ == "__main__":
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    for search, label, marker in [(local_search, "local", "o"), (dask_search, "dask", "x")]:
        ax.plot(grid["clf__C"], search.cv_results_["mean_test_score"], marker=marker,
                markersize=9, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("SVM C")
    ax.set_ylabel("mean CV accuracy")
    ax.legend()
    fig.tight_layout()

# %%
# When it pays off
# ----------------
# On a few dozen small images the cluster is slower than the local run:
# starting the worker processes and importing the libraries in them costs
# seconds, and every task is short. Dask pays off when the tasks are long
# (a CNN over thousands of images, many grid candidates) and there are more
# cores than one machine has.
#
# Every ``featleuk reproduce`` experiment takes the same choice on the
# command line:
#
# .. code-block:: console
#
#    $ featleuk reproduce mobilenetv2-svm --data PATH --dask local:2
#    $ featleuk reproduce selection --data PATH --dask tcp://scheduler:8786
#
# ``--dask local`` starts one worker process per CPU; the experiment's
# parallel work (folds, grid candidates, ``--jobs``) then runs on the
# cluster.
