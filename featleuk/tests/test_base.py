"""The shared image-step base: one loop, one set of conventions for every public image step."""

import inspect
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import featleuk.features
import featleuk.preprocessing
import featleuk.segmentation
from featleuk.base import (BaseImageStep, ImageToFeaturesStep, ImageToImageStep, frozen_prefix_length,
                           learns_from_data, map_image_batches, map_images)
from featleuk.datasets import make_synthetic_smears
from featleuk.utils.estimator_checks import check_image_transformer

#: Settings that make a step fast and offline in tests (no pretrained weights).
TEST_PARAMS = {"DeepFeatures": {"weights": None, "engine": "torch", "preprocess": "resize"}}


def public_image_steps():
    """Every public, concrete image step of the packages that define them."""
    found = {}
    for package in (featleuk.preprocessing, featleuk.segmentation, featleuk.features):
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isclass(obj) and issubclass(obj, BaseImageStep) and not inspect.isabstract(obj) \
                    and not name.startswith("Base"):
                found[name] = obj
    return found


STEPS = public_image_steps()


@pytest.fixture(scope="module")
def smears():
    X, y, masks = make_synthetic_smears(4, image_size=40, random_state=0, return_masks=True)
    with_mask = np.concatenate([X, (masks[..., None] * 255).astype(np.uint8)], axis=3)
    return X, with_mask


def make(name):
    return STEPS[name](**{"show_progress": False, **TEST_PARAMS.get(name, {})})


def test_every_family_is_found():
    assert {"ColorDeconvolution", "Denoiser", "ReinhardNormalizer", "MacenkoNormalizer", "OtsuSegmenter",
            "KMeansSegmenter", "FuzzyCMeansSegmenter", "DeepFeatures", "GLCMFeatures", "GLRLMFeatures",
            "MorphologyFeatures", "ColorFeatures", "LBPFeatures"} <= set(STEPS)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_public_image_steps_follow_the_conventions(name, smears):
    X, with_mask = smears
    est = make(name)
    check_image_transformer(est, (with_mask if issubclass(STEPS[name], ImageToFeaturesStep) else X)[:2])


NOT_LEARNING = {"DeepFeatures", "OtsuSegmenter", "KMeansSegmenter", "FuzzyCMeansSegmenter", "GLCMFeatures",
                "GLRLMFeatures", "MorphologyFeatures", "ColorFeatures", "LBPFeatures", "Denoiser",
                "ColorDeconvolution"}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_learns_from_data_tag(name):
    assert learns_from_data(make(name)) is (name not in NOT_LEARNING)


def test_frozen_prefix_length_of_preset_like_pipelines():
    from featleuk.features import DeepFeatures, GLCMFeatures, MorphologyFeatures
    from featleuk.preprocessing import Denoiser, ReinhardNormalizer
    from featleuk.segmentation import KMeansSegmenter

    fused = FeatureUnion([("glcm", GLCMFeatures()), ("morph", MorphologyFeatures()),
                          ("deep", DeepFeatures(weights=None))])
    tail = [("scale", StandardScaler()), ("clf", SVC())]
    assert frozen_prefix_length(Pipeline([("features", DeepFeatures(weights=None)), *tail])) == 1
    assert frozen_prefix_length(Pipeline([("segment", KMeansSegmenter()), ("features", fused), *tail])) == 2
    assert frozen_prefix_length(Pipeline([("enhance", Denoiser("median")), ("segment", KMeansSegmenter()),
                                          ("features", fused), *tail])) == 3
    # A stain normaliser learns its reference from the training images.
    assert frozen_prefix_length(Pipeline([("stain", ReinhardNormalizer()), ("segment", KMeansSegmenter()),
                                          ("features", fused), *tail])) == 0
    assert frozen_prefix_length(Pipeline([("segment", KMeansSegmenter()),
                                          ("features", FeatureUnion([("glcm", GLCMFeatures()),
                                                                     ("scaled", StandardScaler())])),
                                          *tail])) == 1


def test_map_images_and_batches(smears):
    X, _ = smears
    assert map_images(np.mean, X, batch_size=3, show_progress=False) == [x.mean() for x in X]
    assert map_image_batches(len, X, batch_size=3, show_progress=False) == [3, 1]
    assert map_image_batches(len, X, batch_size=3, show_progress=False, n_skipped=5) == [3, 1]
    from joblib import parallel_config

    with parallel_config(backend="threading"):
        assert map_images(np.max, list(X), n_jobs=2, show_progress=False) == [x.max() for x in X]


def test_image_steps_accept_set_output_and_pass_names_through(smears):
    X, _ = smears
    seg = make("OtsuSegmenter").fit(X)
    assert seg.set_output(transform="pandas") is seg
    np.testing.assert_array_equal(seg.transform(X), clone(seg).fit(X).transform(X))
    assert seg.get_feature_names_out() is None
    assert list(seg.get_feature_names_out(["a", "b"])) == ["a", "b"]
    with pytest.raises(ValueError, match="set_output"):
        seg.set_output(transform="excel")
    assert isinstance(seg, ImageToImageStep)


def test_shared_parameter_docs_show_each_class_default():
    from featleuk.features import GLCMFeatures
    from featleuk.segmentation import OtsuSegmenter

    assert "batch_size : int, default=64" in GLCMFeatures.__doc__
    assert "batch_size : int, default=32" in OtsuSegmenter.__doc__
    for step in STEPS.values():
        assert "%(" not in step.__doc__, step.__name__


def test_segmentation_does_not_import_preprocessing():
    code = "import sys, featleuk.segmentation; print('featleuk.preprocessing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
