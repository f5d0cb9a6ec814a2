"""Presets for many images: registered, the exact SVM's kernel, classifiers that fit on features."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler

from featleuk.pipelines import NYSTROEM_COMPONENTS, list_presets, make_hybrid

LARGE_N = ("mobilenetv2-nystroem-svm", "mobilenetv2-sgd-svm")


@pytest.mark.parametrize("name", LARGE_N)
def test_large_n_presets_are_hybrid_mobilenetv2_pipelines(name):
    preset = list_presets("hybrid")[name]
    assert "Das et al. (2022)" in preset.reference
    pipe = make_hybrid(name)
    assert pipe.steps[0][0] == "features" and pipe.named_steps["features"].weights == "IMAGENET1K_V1"
    assert pipe.steps[1][0] == "scale" and pipe.steps[-1][0] == "clf"
    clone(pipe)


def test_nystroem_map_is_the_exact_svms_kernel():
    """On standardised input, Nystroem's default gamma is SVC's gamma="scale"."""
    pipe = make_hybrid("mobilenetv2-nystroem-svm")
    assert pipe.named_steps["kernel"].n_components == NYSTROEM_COMPONENTS
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(rng.normal(size=(40, 12)) * rng.uniform(0.1, 5, size=12))
    kernel = pipe.named_steps["kernel"].set_params(n_components=len(X))  # every row a landmark: exact
    Z = kernel.fit_transform(X)
    scale_gamma = 1.0 / (X.shape[1] * X.var())  # SVC(gamma="scale")
    np.testing.assert_allclose(Z @ Z.T, rbf_kernel(X, gamma=scale_gamma), atol=1e-8)


@pytest.mark.parametrize("name", LARGE_N)
def test_large_n_classifiers_match_the_exact_svm(name):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 60)
    X = rng.normal(size=(len(y), 32)) + 3.0 * np.eye(4, 32)[y]

    def accuracy(pipe):
        classifier = pipe[1:]  # the steps after the frozen features
        return (classifier.fit(X[::2], y[::2]).predict(X[1::2]) == y[1::2]).mean()

    exact = accuracy(make_hybrid("mobilenetv2-svm"))
    pipe = make_hybrid(name, kernel__n_components=100) if "nystroem" in name else make_hybrid(name)
    assert exact > 0.8 and accuracy(pipe) >= exact - 0.05
