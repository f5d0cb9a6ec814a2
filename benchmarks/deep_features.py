"""DeepFeatures: engine speed (torch vs onnxruntime) and preprocessing choice.

Speed: the same images through MobileNetV2 with each engine, in one run, so
the ratio is meaningful on a noisy machine. Accuracy: 5-fold RBF-SVM accuracy
of the features under each preprocessing mode (whole-field resize vs the
weights' resize-256 + centre-crop-224).

    python benchmarks/deep_features.py --data ../shared/datasets/aria_all/Original
    python benchmarks/deep_features.py            # synthetic smears
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.datasets import load_image_folder, make_synthetic_smears
from featleuk.features import DeepFeatures
from featleuk.images import load_images


def _images(args):
    if args.data:
        bunch = load_image_folder(args.data)
        return bunch.filenames, bunch.target
    return make_synthetic_smears(args.n_synthetic, random_state=0)


def speed(X, n_images, weights):
    rng = np.random.default_rng(0)
    index = rng.choice(len(X), size=min(n_images, len(X)), replace=False)
    decoded = np.stack(load_images([X[i] for i in index] if isinstance(X[0], str) else X[index]))
    rows = {}
    for engine in ("torch", "onnx"):
        est = DeepFeatures(weights=weights, engine=engine, preprocess="resize", show_progress=False)
        est.fit(decoded[:2]).transform(decoded[:8])  # warm-up
        start = time.perf_counter()
        est.transform(decoded)
        rows[engine] = len(decoded) / (time.perf_counter() - start)
    return {"n_images": len(decoded), "img_per_s": {k: round(v, 1) for k, v in rows.items()},
            "onnx_over_torch": round(rows["onnx"] / rows["torch"], 2)}


def preprocessing_accuracy(X, y, weights, cache):
    scores = {}
    for mode in ("resize", "weights"):
        features = DeepFeatures(weights=weights, preprocess=mode, memory=cache,
                                show_progress=False).fit_transform(X)
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        s = cross_val_score(make_pipeline(StandardScaler(), SVC(C=10.0)), features, y, cv=cv)
        scores[mode] = {"accuracy_mean": round(float(s.mean()), 4), "accuracy_std": round(float(s.std()), 4)}
    return scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data")
    parser.add_argument("--n-synthetic", type=int, default=200)
    parser.add_argument("--n-speed", type=int, default=256, help="images for the speed test")
    parser.add_argument("--weights", default="IMAGENET1K_V1")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--cache", help="DeepFeatures row cache (reuse features of earlier runs)")
    args = parser.parse_args(argv)
    X, y = _images(args)
    result = {"speed": speed(X, args.n_speed, args.weights)}
    if not args.skip_accuracy:
        result["preprocessing"] = preprocessing_accuracy(X, y, args.weights, args.cache)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
