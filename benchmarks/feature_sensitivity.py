"""How far two extractions of the same features differ, and what that does to each classifier.

Takes two ``.npz`` files written by ``aria_features.py`` (for example one per
engine, or one per featleuk version: the same images in the same order) and
prints the largest and mean absolute difference of the rows, then the 5-fold
grouped accuracy per fold of each preset's classifier steps on both.

    python benchmarks/aria_features.py --data ARIA --out /tmp/a.npz --engine torch
    python benchmarks/feature_sensitivity.py /tmp/a.npz /tmp/b.npz
"""

from __future__ import annotations

import argparse

import numpy as np

from featleuk.evaluation import cross_validate_predictions
from featleuk.pipelines import make_hybrid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--presets", nargs="+", default=["mobilenetv2-svm", "mobilenetv2-rf",
                                                         "mobilenetv2-knn", "mobilenetv2-xgboost"])
    args = parser.parse_args(argv)
    a, b = np.load(args.first), np.load(args.second)
    for key in ("y", "groups", "files"):
        if key in a and key in b and not np.array_equal(a[key], b[key]):
            raise SystemExit(f"the two files do not hold the same images ({key} differs)")
    diff = np.abs(a["X"].astype(np.float64) - b["X"])
    print(f"|row difference| max {diff.max():.3g}, mean {diff.mean():.3g}; rows that differ: "
          f"{int((diff.max(axis=1) > 0).sum())} of {len(diff)}")
    for name in args.presets:
        for label, data in (("first", a), ("second", b)):
            result = cross_validate_predictions(make_hybrid(name)[1:], data["X"], data["y"],
                                                groups=data["groups"], cv=5, random_state=0,
                                                show_progress=False)
            accuracy = result.summary()["accuracy"]
            print(f"{name} {label}: folds {[round(v * 100, 2) for v in accuracy['folds']]}, "
                  f"mean {accuracy['mean'] * 100:.2f}", flush=True)


if __name__ == "__main__":
    main()
