"""Smoke-test featleuk on the lowest scikit-learn that pyproject.toml declares.

Run by .ci/run in a separate venv that holds only that scikit-learn (and
sklearn-compat); everything else comes from the project's .venv through a
.pth file placed after the venv's own site-packages, so the old
scikit-learn wins. Imports every subpackage and fits one estimator of each
family on tiny synthetic smears.
"""

import importlib
import pkgutil
import sys

import numpy as np
import sklearn

import featleuk


def main():
    print(f"scikit-learn {sklearn.__version__} from {sklearn.__file__}")
    names = sorted(m.name for m in pkgutil.walk_packages(featleuk.__path__, "featleuk.")
                   if ".tests" not in m.name)
    for name in names:
        importlib.import_module(name)
    print(f"imported {len(names)} modules")

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from featleuk.datasets import make_synthetic_smears
    from featleuk.evaluation import cross_validate_predictions
    from featleuk.features import DeepFeatures, GLCMFeatures
    from featleuk.pipelines import make_hybrid
    from featleuk.preprocessing import ReinhardNormalizer
    from featleuk.segmentation import KMeansSegmenter
    from featleuk.selection import PSOFeatureSelector

    X, y = make_synthetic_smears(16, n_classes=2, image_size=48, random_state=0)
    ReinhardNormalizer().fit(X[:2]).transform(X)
    segmented = KMeansSegmenter().fit_transform(X)
    texture = GLCMFeatures(levels=16).fit_transform(segmented)
    PSOFeatureSelector(n_particles=4, max_iter=2, cv=2, random_state=0).fit(texture, y)
    deep = DeepFeatures("mobilenet_v2", weights=None).fit_transform(X[:4])
    assert deep.shape == (4, 1280) and np.isfinite(deep).all()
    pipe = make_hybrid("otsu-knn").set_params(clf__n_neighbors=3)
    pipe.fit(X, y)
    result = cross_validate_predictions(make_pipeline(StandardScaler(), SVC()), texture, y, cv=2)
    print(f"smoke test passed (2-fold accuracy {result.summary()['accuracy']['mean']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
