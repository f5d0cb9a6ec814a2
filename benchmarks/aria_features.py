"""Write the MobileNetV2 ImageNet feature rows of a dataset folder to an ``.npz``.

The matrix the classifier benchmarks (``large_n.py``, ``svm_calibration.py``)
start from: ``X`` (one 1280-value row per image, the ``features`` step of the
``mobilenetv2-svm`` preset), ``y`` (class codes), ``groups`` (duplicate images
share a group, as in every experiment's folds) and ``target_names``.

    python benchmarks/aria_features.py --data ARIA --out /tmp/aria_features.npz [--cache DIR] [--engine torch]
"""

from __future__ import annotations

import argparse

import numpy as np

from featleuk.datasets import load_dataset
from featleuk.pipelines import make_hybrid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder")
    parser.add_argument("--out", required=True, help="the .npz to write")
    parser.add_argument("--cache", help="feature store folder (reused across runs)")
    parser.add_argument("--engine", default="auto", help="DeepFeatures engine (auto, torch, onnxruntime, ...)")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.data)
    features = make_hybrid("mobilenetv2-svm", memory=args.cache)["features"].set_params(engine=args.engine)
    X = features.fit_transform(dataset.data)
    np.savez(args.out, X=X, y=np.asarray(dataset.target), groups=np.asarray(dataset.groups),
             target_names=np.asarray(dataset.target_names), files=np.asarray(dataset.data))
    print(f"{args.out}: X {X.shape}, {len(set(dataset.groups))} groups")


if __name__ == "__main__":
    main()
