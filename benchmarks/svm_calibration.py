"""SVM probabilities on frozen MobileNetV2 features: how each calibration scores and costs.

The ``svm`` block of the presets is ``CalibratedSVC(C=10)``; this compares its
calibration (temperature scaling on 5 folds of the training data, the default)
with the others: libsvm's pairwise Platt scaling (``SVC(probability=True)``),
per-class sigmoids on 5 and 3 folds, isotonic. Each is a ``StandardScaler`` +
RBF SVM, cross-validated on the same grouped 5 folds
(``make_cv(y, groups, n_splits=5, random_state=0)``); the pooled out-of-fold
predictions give the accuracy, how many labels differ from ``SVC.predict``,
the log-loss and the Brier score.

    python benchmarks/aria_features.py --data ARIA --out /tmp/aria_features.npz
    python benchmarks/svm_calibration.py --features /tmp/aria_features.npz
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.evaluation import make_cv


def _svc(**params):
    return SVC(kernel="rbf", C=10.0, gamma="scale", **params)


VARIANTS = {
    "SVC (no probabilities)": _svc,
    "SVC(probability=True)": lambda: _svc(probability=True, random_state=0),
    "sigmoid, cv=5": lambda: CalibratedClassifierCV(_svc(), method="sigmoid", ensemble=False, cv=5),
    "sigmoid, cv=3": lambda: CalibratedClassifierCV(_svc(), method="sigmoid", ensemble=False, cv=3),
    "isotonic, cv=5": lambda: CalibratedClassifierCV(_svc(), method="isotonic", ensemble=False, cv=5),
    "temperature, cv=5": lambda: CalibratedClassifierCV(_svc(), method="temperature", ensemble=False, cv=5),
}


def brier(y, proba):
    """Multi-class Brier score: mean squared distance to the one-hot labels."""
    onehot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", required=True, help=".npz with X, y, groups")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args(argv)
    data = np.load(args.features)
    X, y, groups = data["X"], data["y"], data["groups"]
    folds = list(make_cv(y, groups, n_splits=5, random_state=0).split(X, y, groups))
    reference = np.empty_like(y)
    for train, test in folds:
        reference[test] = make_pipeline(StandardScaler(), _svc()).fit(X[train], y[train]).predict(X[test])
    print("| method | fit time, 5 folds (s) | accuracy | labels changed vs SVC.predict | log-loss | Brier |")
    print("|---|---|---|---|---|---|")
    for name in args.variants:
        pred, proba, fit_s = np.empty_like(y), np.full((len(y), len(np.unique(y))), np.nan), 0.0
        for train, test in folds:
            model = make_pipeline(StandardScaler(), VARIANTS[name]())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # probability=True is deprecated
                tic = time.perf_counter()
                model.fit(X[train], y[train])
                fit_s += time.perf_counter() - tic
            pred[test] = model.predict(X[test])
            if hasattr(model, "predict_proba"):
                proba[test] = model.predict_proba(X[test])
        if np.isnan(proba).any():
            print(f"| {name} | {fit_s:.1f} | {accuracy_score(y, pred):.2%} | - | - | - |")
            continue
        top = proba.argmax(axis=1)
        print(f"| {name} | {fit_s:.1f} | {accuracy_score(y, top):.2%} | {(top != reference).sum()} "
              f"| {log_loss(y, proba):.3f} | {brier(y, proba):.3f} |", flush=True)


if __name__ == "__main__":
    main()
