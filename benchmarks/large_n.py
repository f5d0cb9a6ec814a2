"""Classifiers for many images on frozen MobileNetV2 features: accuracy and fit time vs N.

Part 1, accuracy: 5-fold grouped cross-validation (duplicate images kept in one
fold) of the classifier steps of ``mobilenetv2-svm`` (exact RBF SVM),
``mobilenetv2-nystroem-svm``, ``mobilenetv2-sgd-svm`` and ``mobilenetv2-logreg``
on precomputed features (an ``.npz`` with ``X``, ``y`` and ``groups``, e.g. the
3,256 Aria rows), with the CV wall time.

Part 2, scaling: fit times on synthetic matrices of N rows resampled from those
features with Gaussian noise (0.1 standard deviation of each column), for
N = 3k, 6k, 12k, 30k. The exact SVM is fitted up to ``--svm-max`` rows only; the
larger N are extrapolated from a power law fitted to its measured times (and
marked so).

    python benchmarks/aria_features.py --data ARIA --out /tmp/aria_features.npz
    python benchmarks/large_n.py --features /tmp/aria_features.npz
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from featleuk.evaluation import cross_validate_predictions
from featleuk.pipelines import make_hybrid

PRESETS = ("mobilenetv2-svm", "mobilenetv2-nystroem-svm", "mobilenetv2-sgd-svm", "mobilenetv2-logreg")


def classifier_part(name):
    """The preset's steps after ``features``: what is fitted on a feature matrix."""
    return make_hybrid(name)[1:]


def resample(X, y, n, *, noise=0.1, random_state=0):
    """``n`` rows drawn with replacement from ``X``, plus noise of ``noise`` column standard deviations."""
    rng = np.random.default_rng(random_state)
    index = rng.integers(0, len(X), size=n)
    scale = noise * X.std(axis=0, keepdims=True)
    return (X[index] + rng.standard_normal((n, X.shape[1])).astype(X.dtype) * scale).astype(np.float32), y[index]


def _fit_seconds(estimator, X, y):
    tic = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - tic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--features", required=True, help=".npz with X, y and groups")
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 6000, 12000, 30000])
    parser.add_argument("--svm-max", type=int, default=12000, help="largest N the exact SVM is fitted on")
    parser.add_argument("--skip-cv", action="store_true")
    args = parser.parse_args(argv)
    data = np.load(args.features)
    X, y, groups = data["X"].astype(np.float32), data["y"], data["groups"]
    report = {"n_images": len(X), "n_features": X.shape[1]}

    if not args.skip_cv:
        report["cv"] = {}
        for name in PRESETS:
            result = cross_validate_predictions(classifier_part(name), X, y, groups=groups, cv=5, random_state=0,
                                                show_progress=False, name=name)
            report["cv"][name] = {"accuracy": round(100 * result.mean_metrics()["accuracy"], 2),
                                  "cv_seconds": round(result.wall_time, 1)}
            print(name, report["cv"][name], flush=True)

    report["fit_seconds"] = {name: {} for name in PRESETS}
    for n in args.sizes:
        Xn, yn = resample(X, y, n)
        for name in PRESETS:
            if name == "mobilenetv2-svm" and n > args.svm_max:
                continue
            seconds = _fit_seconds(classifier_part(name), Xn, yn)
            report["fit_seconds"][name][n] = round(seconds, 2)
            print(n, name, round(seconds, 2), flush=True)
    svm = report["fit_seconds"]["mobilenetv2-svm"]
    if len(svm) >= 2:
        sizes, seconds = np.array(list(svm)), np.array(list(svm.values()))
        exponent, log_a = np.polyfit(np.log(sizes), np.log(seconds), 1)
        report["svm_power_law_exponent"] = round(float(exponent), 2)
        report["svm_extrapolated_seconds"] = {
            n: round(float(np.exp(log_a) * n ** exponent), 1) for n in args.sizes if n not in svm
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
