"""Feature reducer x classifier grid on MobileNetV2 features (issue 4; seed 000 [1], seed 003).

For every reducer in {none, PCA(0.95), LDA, PSO, CSO, SelectKBest(chi2)} and
each of the seven classical classifiers of seed 000 [1] (SVM, random forest,
KNN, XGBoost, logistic regression, Gaussian naive Bayes, decision tree), the
preset ``mobilenetv2-{reducer}-{classifier}`` is evaluated by GridSearchCV
(a small grid over the classifier's main hyper-parameter) inside an outer
5-fold cross-validation, and a report (accuracy, macro F1, MCC as mean ± std
over the outer folds, features kept, fit time per row, timing breakdown) is
written with :func:`featleuk.evaluation.write_report`.

Deep features are computed once per image. ``DeepFeatures`` is frozen: its
``fit`` learns nothing from the images, so an image's feature row is the same
whichever fold it is in. Extracting the matrix once and cross-validating the
rest of each preset (``pipeline[1:]``: reducer, scaler, classifier) on it
therefore gives exactly the predictions of running every full pipeline in
every fold, without running the CNN once per fold and candidate. Everything
that learns from data -- PCA, LDA, the swarm selectors, chi2 scores, the
scaler, the classifier -- is fitted inside the training folds only. Within a
grid search, the reducer's fit is shared between the classifier candidates
(and between classifiers) through the Pipeline's ``memory`` cache, keyed by
the reducer's parameters and its training rows.

Examples::

    python experiments/selection_grid.py --data ../shared/datasets/aria_all/Original \\
        --out results/selection-grid --features-cache /tmp/aria_mobilenetv2.npz
    python experiments/selection_grid.py --out /tmp/grid --quick --weights none \\
        --n-samples 40 --image-size 64
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from joblib import Memory
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from featleuk.evaluation import cross_validate_predictions, write_report
from featleuk.pipelines import make_hybrid
from featleuk.pipelines._selection_presets import CLASSIFIERS, REDUCERS, preset_name

ALL_REDUCERS = ("none", *REDUCERS)

#: A small grid over each classifier's main hyper-parameter (the preset's own
#: value is always one of the candidates).
GRIDS = {
    "svm": {"clf__C": [10.0, 1.0]},
    "rf": {"clf__max_features": ["sqrt", "log2"]},
    "knn": {"clf__n_neighbors": [5, 9]},
    "xgboost": {"clf__max_depth": [4, 2]},
    "logreg": {"clf__C": [1.0, 0.1]},
    "nb": {"clf__var_smoothing": [1e-9, 1e-6]},
    "tree": {"clf__max_depth": [None, 10]},
}

#: --quick: smoke-test budgets (one candidate per grid, tiny swarms and ensembles).
QUICK_PARAMS = {
    "pso": {"reduce__n_particles": 4, "reduce__max_iter": 2, "reduce__cv": 2},
    "cso": {"reduce__n_cats": 3, "reduce__max_iter": 2, "reduce__cv": 2},
    "rf": {"clf__n_estimators": 20},
    "xgboost": {"clf__n_estimators": 20},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="image folder (load_image_folder); synthetic smears if omitted")
    parser.add_argument("--out", required=True, help="report directory")
    parser.add_argument("--n-samples", type=int, default=400, help="synthetic images (no --data)")
    parser.add_argument("--image-size", type=int, default=224, help="synthetic image size")
    parser.add_argument("--weights", choices=["imagenet", "none"], default="imagenet",
                        help="'none': randomly initialised MobileNetV2 (fast smoke tests)")
    parser.add_argument("--engine", choices=["auto", "torch", "onnx"], default="auto")
    parser.add_argument("--reducers", nargs="+", choices=ALL_REDUCERS, default=list(ALL_REDUCERS))
    parser.add_argument("--classifiers", nargs="+", choices=list(CLASSIFIERS),
                        default=list(CLASSIFIERS))
    parser.add_argument("--n-splits", type=int, default=5, help="outer folds")
    parser.add_argument("--inner-cv", type=int, default=3, help="GridSearchCV folds")
    parser.add_argument("--features-cache", help="npz file: reuse / store the feature matrix")
    parser.add_argument("--quick", action="store_true", help="smoke-test budgets (see QUICK_PARAMS)")
    parser.add_argument("--n-jobs", type=int, default=None, help="GridSearchCV workers")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--time-selectors", action="store_true",
                        help="also fit the default PSO and CSO selectors twice on the whole "
                             "feature matrix: wall time and determinism")
    return parser.parse_args(argv)


def load_images(args):
    """(X, y, groups, target_names, description) of the real or synthetic data."""
    from featleuk.datasets import SYNTHETIC_CLASS_NAMES, load_image_folder, make_synthetic_smears

    if args.data is None:
        X, y = make_synthetic_smears(args.n_samples, n_classes=4, image_size=args.image_size,
                                     random_state=args.random_state)
        return X, y, None, list(SYNTHETIC_CLASS_NAMES[:4]), (
            f"**Synthetic smears** (`make_synthetic_smears`, {len(y)} images of "
            f"{args.image_size} px, 4 classes, random_state={args.random_state}): a smoke test of "
            "the experiment; the numbers say nothing about real leukemia images.")
    bunch = load_image_folder(args.data, on_error="skip", verify=True, group_duplicates=True)
    counts = ", ".join(f"{name}: {int(np.sum(bunch.target == i))}"
                       for i, name in enumerate(bunch.target_names))
    description = f"`{args.data}`: {len(bunch.filenames)} images ({counts})."
    if bunch.groups is not None:
        description += (f" Outer folds keep each of the {len(np.unique(bunch.groups))} groups "
                        "(identical / near-identical images) in one fold.")
    return list(bunch.filenames), bunch.target, bunch.groups, list(bunch.target_names), description


def extract_features(X, args):
    """MobileNetV2 features of every image, computed once (or read from --features-cache).

    Returns ``(features, seconds, extractor_repr, from_cache)``; ``seconds`` is
    the time of the extraction that produced the matrix, also when it was
    read back from the cache.
    """
    extractor = make_hybrid(preset_name(None, "svm")).named_steps["features"]
    extractor.set_params(show_progress=True)
    if args.weights == "none":
        extractor.set_params(weights=None)
    if args.engine != "auto":
        extractor.set_params(engine=args.engine)
    config = repr(extractor)
    keys = np.array([str(x) for x in X]) if isinstance(X, list) else None
    cache = Path(args.features_cache) if args.features_cache else None
    if cache is not None and cache.exists():
        stored = np.load(cache, allow_pickle=False)
        same_rows = keys is not None and np.array_equal(stored["keys"], keys)
        if same_rows and str(stored["config"]) == config:
            return stored["features"], float(stored["seconds"]), config, True
        print(f"{cache} was made for other images or settings; extracting again", file=sys.stderr)
    start = time.perf_counter()
    features = extractor.fit_transform(X)
    seconds = time.perf_counter() - start
    if cache is not None and keys is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, features=features, keys=keys, config=config, seconds=seconds)
    return features, seconds, config, False


def build_search(reducer, classifier, args, memory):
    """GridSearchCV over ``pipeline[1:]`` of the preset (everything after the CNN)."""
    pipe = make_hybrid(preset_name(None if reducer == "none" else reducer, classifier))[1:]
    pipe.memory = memory
    for key in (reducer, classifier):
        if args.quick and key in QUICK_PARAMS:
            pipe.set_params(**QUICK_PARAMS[key])
    if "reduce" in pipe.named_steps and hasattr(pipe.named_steps["reduce"], "show_progress"):
        pipe.set_params(reduce__show_progress=False)
    grid = GRIDS[classifier]
    if args.quick:
        grid = {name: values[:1] for name, values in grid.items()}
    inner = StratifiedKFold(args.inner_cv, shuffle=True, random_state=args.random_state)
    return GridSearchCV(pipe, grid, cv=inner, n_jobs=args.n_jobs, error_score="raise")


def n_kept(search, n_features):
    """Number of columns the fitted reducer passes on (all of them without one)."""
    best = search.best_estimator_
    if "reduce" not in best.named_steps:
        return n_features
    return len(best.named_steps["reduce"].get_feature_names_out())


def run_grid(features, y, groups, target_names, args):
    results, rows = {}, []
    cache_dir = tempfile.mkdtemp(prefix="featleuk-grid-")
    memory = Memory(cache_dir, verbose=0)
    n_train = len(y) * (args.n_splits - 1) / args.n_splits
    try:
        for reducer in args.reducers:
            for classifier in args.classifiers:
                name = preset_name(None if reducer == "none" else reducer, classifier)
                search = build_search(reducer, classifier, args, memory)
                start = time.perf_counter()
                result = cross_validate_predictions(
                    search, features, y, groups=groups, cv=args.n_splits,
                    random_state=args.random_state, name=name, target_names=target_names,
                    return_estimator=True,
                )
                seconds = time.perf_counter() - start
                kept = [n_kept(est, features.shape[1]) for est in result.estimators]
                best = [dict(est.best_params_) for est in result.estimators]
                result.extra.update({"reducer": reducer, "classifier": classifier,
                                     "features_kept": kept, "best_params": best,
                                     "cv_wall_s": seconds})
                result.estimators = None  # fitted searches are not needed in the report
                summary = result.summary()
                rows.append({
                    "reducer": reducer, "classifier": classifier, "name": name,
                    "n_candidates": int(np.prod([len(v) for v in search.param_grid.values()])),
                    "acc": summary["accuracy"], "f1": summary["f1"], "mcc": summary["mcc"],
                    "kept": float(np.mean(kept)), "fit_ms_per_row":
                        1000 * float(np.mean(result.fit_times)) / n_train,
                    "cv_wall_s": seconds, "best": best,
                })
                results[name] = result
                print(f"{name:<28} acc {100 * summary['accuracy']['mean']:6.2f} "
                      f"kept {np.mean(kept):7.1f}  {seconds:7.1f} s", flush=True)
            memory.clear(warn=False)  # a reducer's cached fits serve only its own presets
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return results, rows


def time_selectors(features, y):
    """Fit each swarm preset's selector (its defaults) twice on the whole matrix.

    Returns rows with both wall times, the features kept, the CV score, whether
    the two runs agree (``support_`` and the predictions of the preset's
    SVM tail trained on the selection), and whether numpy's global random
    state was left untouched.
    """
    rows = []
    for reducer in ("pso", "cso"):
        preset = make_hybrid(preset_name(reducer, "svm"))
        runs = []
        for _ in range(2):
            selector = clone(preset.named_steps["reduce"]).set_params(show_progress=False)
            before = np.random.get_state()[1].copy()
            start = time.perf_counter()
            selector.fit(features, y)
            seconds = time.perf_counter() - start
            untouched = np.array_equal(before, np.random.get_state()[1])
            reduced = selector.transform(features)
            predictions = clone(preset[2:]).fit(reduced, y).predict(reduced)
            runs.append((selector, seconds, predictions, untouched))
        (a, t_a, p_a, u_a), (b, t_b, p_b, u_b) = runs
        rows.append({
            "selector": repr(a), "seconds": [round(t_a, 1), round(t_b, 1)],
            "kept": int(a.support_.sum()), "n_features": features.shape[1],
            "best_score": a.best_score_, "subsets_scored": a.n_subsets_evaluated_,
            "same_support": bool(np.array_equal(a.support_, b.support_)),
            "same_predictions": bool(np.array_equal(p_a, p_b)),
            "global_rng_untouched": bool(u_a and u_b),
        })
        print(f"{reducer}: {t_a:.1f} s / {t_b:.1f} s, kept {rows[-1]['kept']}, identical runs "
              f"{rows[-1]['same_support'] and rows[-1]['same_predictions']}", flush=True)
    return rows


def selector_timing_table(rows, shape):
    lines = [f"Default selectors fitted twice on the whole {shape[0]} x {shape[1]} matrix "
             "(`random_state=0` as in the presets); 'identical' compares `support_` and the "
             "predictions of the preset's scaler + SVM trained on the selection.", "",
             "| selector | fit 1 s | fit 2 s | kept | best 3-fold score | subsets scored | "
             "identical support / predictions | global RNG untouched |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['selector']}` | {r['seconds'][0]} | {r['seconds'][1]} | "
                     f"{r['kept']} ({100 * r['kept'] / r['n_features']:.1f}%) | "
                     f"{100 * r['best_score']:.2f} | {r['subsets_scored']} | "
                     f"{r['same_support']} / {r['same_predictions']} | "
                     f"{r['global_rng_untouched']} |")
    return "\n".join(lines)


def _pm(stats, scale=100, digits=2):
    return f"{scale * stats['mean']:.{digits}f} ± {scale * stats['std']:.{digits}f}"


def grid_table(rows):
    lines = ["| reducer | classifier | accuracy % | macro F1 % | MCC | features kept | "
             "fit ms/row | CV wall s |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['reducer']} | {r['classifier']} | {_pm(r['acc'])} | {_pm(r['f1'])} | "
                     f"{_pm(r['mcc'], 1, 3)} | {r['kept']:.0f} | {r['fit_ms_per_row']:.3f} | "
                     f"{r['cv_wall_s']:.1f} |")
    return "\n".join(lines)


def selection_vs_all(rows, n_features):
    """PSO / CSO against all features, classifier by classifier (the issue's target)."""
    by_key = {(r["reducer"], r["classifier"]): r for r in rows}
    lines = ["| selector | classifier | kept % of features | accuracy % | all features % | "
             "difference (points) |", "|---|---|---|---|---|---|"]
    for selector in ("pso", "cso"):
        for (reducer, classifier), r in by_key.items():
            full = by_key.get(("none", classifier))
            if reducer != selector or full is None:
                continue
            diff = 100 * (r["acc"]["mean"] - full["acc"]["mean"])
            lines.append(f"| {selector} | {classifier} | {100 * r['kept'] / n_features:.1f} | "
                         f"{100 * r['acc']['mean']:.2f} | {100 * full['acc']['mean']:.2f} | "
                         f"{diff:+.2f} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def naive_cnn_passes(rows, args):
    """CNN passes over the data set a grid over full image pipelines would need (estimate).

    Per preset and outer fold, every inner fold of every candidate transforms
    the outer training rows ((k-1)/k of the data), the refit once more, and
    the test fold is predicted (1/k).
    """
    k = args.n_splits
    return sum(k * ((args.inner_cv * r["n_candidates"] + 1) * (k - 1) / k + 1 / k) for r in rows)


def timing_section(timings, n_presets, passes):
    extract_s = timings["feature_extraction_s"]
    return "\n".join([
        "| step | seconds |", "|---|---|",
        f"| load data | {timings['load_data_s']:.1f} |",
        f"| MobileNetV2 feature extraction (once) | {extract_s:.1f} |",
        f"| reducer + classifier grid, {n_presets} presets | "
        f"{timings['reducer_and_classifier_cv_s']:.1f} |",
        f"| **total wall time** (report writing excluded) | **{timings['total_wall_s']:.1f}** |",
        "",
        "Total / (one extraction + classifier fits) = "
        f"**{timings['total_over_extraction_plus_fits']:.3f}**. A grid search over full image "
        f"pipelines would run the CNN over the data set about {passes:.0f} times "
        f"(about {passes * extract_s:.0f} s of extraction at the rate measured here) instead of "
        "once.",
    ])


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    X, y, groups, target_names, description = load_images(args)
    loaded = time.perf_counter()
    features, extract_s, config, from_cache = extract_features(X, args)
    results, rows = run_grid(features, y, groups, target_names, args)
    grid_s = sum(r["cv_wall_s"] for r in rows)
    total = time.perf_counter() - started
    if from_cache:
        total += extract_s  # as if extracted in this run, so the ratio stays comparable
    passes = naive_cnn_passes(rows, args)
    timings = {
        "load_data_s": round(loaded - started, 2),
        "feature_extraction_s": round(extract_s, 2),
        "feature_extraction_read_from_cache": from_cache,
        "reducer_and_classifier_cv_s": round(grid_s, 2),
        "total_wall_s": round(total, 2),
        "total_over_extraction_plus_fits": round(total / (extract_s + grid_s), 3),
        "naive_grid_cnn_passes_estimate": round(passes, 1),
    }
    sections = [
        ("Grid (outer-fold mean ± std)", grid_table(rows)),
        ("Timing breakdown", timing_section(timings, len(rows), passes)),
        ("Best hyper-parameters per outer fold",
         "\n".join(f"- {r['name']}: {r['best']}" for r in rows)),
    ]
    if args.time_selectors:
        selector_rows = time_selectors(features, y)
        sections.append(("Default swarm selectors on the whole matrix",
                         selector_timing_table(selector_rows, features.shape)))
        timings.update({f"{r['selector'].split('(')[0]}_fit_s": r["seconds"]
                        for r in selector_rows})
    versus = selection_vs_all(rows, features.shape[1])
    if versus:
        sections.insert(1, ("Swarm selection against all features", versus))
    notes = [
        f"Features: {config}, {features.shape[1]} per image, extracted once for the whole grid"
        + (" (read back from the --features-cache file: the extraction time is the one "
           "measured when it was written, added to this run's total)." if from_cache else "."),
        "DeepFeatures is frozen (fit learns nothing from the images), so each image's feature "
        "row is the same in every fold: cross-validating the rest of each preset on the "
        "extracted matrix gives the same predictions as running the full pipeline per fold, "
        "without leakage. Reducers, scalers and classifiers are fitted inside training folds "
        "only; a reducer's fit is shared between grid candidates through Pipeline(memory=...).",
        f"Outer CV: {args.n_splits}-fold stratified"
        + (" and grouped (no group in two folds)" if groups is not None else "")
        + f", random_state={args.random_state}. Inner GridSearchCV: {args.inner_cv}-fold "
        "stratified (not grouped; this affects only the choice of hyper-parameters).",
        "Fit time per row: mean outer-fold fit time of the whole GridSearchCV (inner CV, "
        "refit, reducer and classifier) divided by the training rows of a fold. The first "
        "classifier of each reducer pays for the reducer's fits (e.g. 20 swarm searches: 5 "
        "outer folds x (3 inner folds + refit)); the classifiers after it reuse those fits from "
        "the cache, so their times are the classifier's alone.",
    ]
    if args.quick:
        notes.append(f"--quick: one candidate per grid and smoke-test budgets {QUICK_PARAMS}.")
    write_report(args.out, results, title="Feature reducers x classifiers on MobileNetV2 features",
                 data_description=description, notes=notes, timings=timings,
                 extra_sections=sections)
    print(f"total {total:.1f} s = {timings['total_over_extraction_plus_fits']:.3f} x "
          f"(extraction {extract_s:.1f} s + grid {grid_s:.1f} s); report in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
