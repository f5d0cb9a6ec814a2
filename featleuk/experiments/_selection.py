"""Feature reducer x classifier, in GridSearchCV, on MobileNetV2 features (Rahman et al.).

For every reducer in {none, PCA(0.95), LDA, PSO, CSO, SelectKBest(chi2)} and
each of the seven classical classifiers Rahman et al. compare, the preset
``mobilenetv2-{reducer}-{classifier}`` is evaluated by GridSearchCV (a small
grid over the classifier's main hyper-parameter) inside an outer
cross-validation.

The preset's frozen MobileNetV2 step runs once per image
(:func:`~featleuk.evaluation.cross_validate_frozen`); everything that learns
from data -- PCA, LDA, the swarm selectors, chi2 scores, the scaler, the
classifier -- is fitted inside the training folds only. Within a grid search,
the reducer's fit is shared between the classifier candidates (and between
classifiers) through the Pipeline's ``memory`` cache, keyed by the reducer's
parameters and its training rows.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from joblib import Memory
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from ..evaluation import METRIC_UNITS, cross_validate_frozen, format_metric, format_table, write_report
from ..pipelines import list_presets, make_hybrid
from ..pipelines import CLASSIFIERS, REDUCERS
from ..pipelines._selection_presets import preset_name
from ._common import ExperimentResult, load_data, out_dir, skipped_files_section
from ._notes import command_note, frozen_note

__all__ = ["add_selection_options", "selection", "GRIDS", "QUICK_PARAMS"]

ALL_REDUCERS = ("none", *tuple(REDUCERS))

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

#: quick: smoke-test budgets (one candidate per grid, tiny swarms and ensembles).
QUICK_PARAMS = {
    "pso": {"reduce__n_particles": 4, "reduce__max_iter": 2, "reduce__cv": 2},
    "cso": {"reduce__n_cats": 3, "reduce__max_iter": 2, "reduce__cv": 2},
    "rf": {"clf__n_estimators": 20},
    "xgboost": {"clf__n_estimators": 20},
}


def add_selection_options(parser):
    """The options of :func:`selection` beyond the common ones."""
    parser.add_argument("--weights", choices=["imagenet", "none"], default="imagenet",
                        help="'none': randomly initialised MobileNetV2 (fast smoke tests)")
    parser.add_argument("--engine", choices=["auto", "torch", "onnx"], default="auto")
    parser.add_argument("--reducers", nargs="+", choices=ALL_REDUCERS, default=list(ALL_REDUCERS))
    parser.add_argument("--classifiers", nargs="+", choices=tuple(CLASSIFIERS),
                        default=list(tuple(CLASSIFIERS)))
    parser.add_argument("--inner-cv", type=int, default=3, help="GridSearchCV folds")
    parser.add_argument("--time-selectors", action="store_true",
                        help="also fit the default PSO and CSO selectors twice on the whole "
                             "feature matrix: wall time and determinism")
    return parser


def _pipeline(reducer, classifier, *, weights, engine, quick, inner_cv, seed, jobs, memory):
    """The preset with everything after the CNN inside a GridSearchCV."""
    preset = make_hybrid(preset_name(None if reducer == "none" else reducer, classifier))
    features, tail = preset.steps[0][1], preset[1:]
    if weights == "none":
        features.set_params(weights=None)
    if engine != "auto":
        features.set_params(engine=engine)
    tail.memory = memory
    for key in (reducer, classifier):
        if quick and key in QUICK_PARAMS:
            tail.set_params(**QUICK_PARAMS[key])
    if "reduce" in tail.named_steps and hasattr(tail.named_steps["reduce"], "show_progress"):
        tail.set_params(reduce__show_progress=False)
    grid = GRIDS[classifier]
    if quick:
        grid = {name: values[:1] for name, values in grid.items()}
    inner = StratifiedKFold(inner_cv, shuffle=True, random_state=seed)
    search = GridSearchCV(tail, grid, cv=inner, n_jobs=jobs, error_score="raise")
    return Pipeline([("features", features), ("search", search)])


def _n_kept(fitted):
    """Columns the fitted reducer passes on (all of them without one)."""
    search = fitted[-1]
    best = search.best_estimator_
    if "reduce" not in best.named_steps:
        return int(search.n_features_in_)
    return len(best.named_steps["reduce"].get_feature_names_out())


def _rows(frozen, pipelines, reducer, n_train):
    rows = []
    for name, result in frozen.results.items():
        classifier = name.rsplit("-", 1)[1]
        kept = [_n_kept(est) for est in result.estimators]
        best = [dict(est[-1].best_params_) for est in result.estimators]
        seconds = frozen.cv_seconds[name]
        result.extra.update({"reducer": reducer, "classifier": classifier, "features_kept": kept,
                             "best_params": best, "cv_wall_s": seconds})
        result.estimators = None  # fitted searches are not needed in the report
        summary = result.summary()
        search = pipelines[name][-1]
        rows.append({
            "reducer": reducer, "classifier": classifier, "name": name,
            "n_candidates": int(np.prod([len(v) for v in search.param_grid.values()])),
            "acc": summary["accuracy"], "f1": summary["f1"], "mcc": summary["mcc"],
            "kept": float(np.mean(kept)),
            "fit_ms_per_row": 1000 * float(np.mean(result.fit_times)) / n_train,
            "cv_wall_s": seconds, "best": best,
        })
    return rows


def _time_selectors(features, y):
    """Fit each swarm preset's selector (its defaults) twice on the whole matrix.

    Returns rows with both wall times, the features kept, the CV score, whether
    the two runs agree (``support_`` and the predictions of the preset's SVM
    tail trained on the selection), and whether numpy's global random state
    was left untouched.
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
            predictions = clone(preset[2:]).fit(selector.transform(features), y).predict(
                selector.transform(features))
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
    return rows


def _selector_timing_table(rows, shape):
    return (f"Default selectors fitted twice on the whole {shape[0]} x {shape[1]} matrix "
            "(`random_state=0` as in the presets); 'identical' compares `support_` and the "
            "predictions of the preset's scaler + SVM trained on the selection; the best 3-fold "
            "score is x100.\n\n"
            + format_table(["selector", "fit 1 s", "fit 2 s", "kept", "best 3-fold score",
                            "subsets scored", "identical support / predictions",
                            "global RNG untouched"],
                           [[f"`{r['selector']}`", r["seconds"][0], r["seconds"][1],
                             f"{r['kept']} ({100 * r['kept'] / r['n_features']:.1f}%)",
                             format_metric(r["best_score"]), r["subsets_scored"],
                             f"{r['same_support']} / {r['same_predictions']}",
                             r["global_rng_untouched"]] for r in rows]))


def _grid_table(rows):
    return (f"{METRIC_UNITS}\n\n"
            + format_table(["reducer", "classifier", "Accuracy", "Macro F1", "MCC", "features kept",
                            "fit ms/row", "CV wall s"],
                           [[r["reducer"], r["classifier"],
                             *(format_metric(r[k]["mean"], r[k]["std"]) for k in ("acc", "f1", "mcc")),
                             f"{r['kept']:.0f}", f"{r['fit_ms_per_row']:.3f}", f"{r['cv_wall_s']:.1f}"]
                            for r in rows]))


def _selection_vs_all(rows, n_features):
    """PSO / CSO against all features, classifier by classifier."""
    by_key = {(r["reducer"], r["classifier"]): r for r in rows}
    table = []
    for selector in ("pso", "cso"):
        for (reducer, classifier), r in by_key.items():
            full = by_key.get(("none", classifier))
            if reducer != selector or full is None:
                continue
            table.append([selector, classifier, f"{100 * r['kept'] / n_features:.1f}",
                          format_metric(r["acc"]["mean"]), format_metric(full["acc"]["mean"]),
                          f"{100 * (r['acc']['mean'] - full['acc']['mean']):+.2f}"])
    if not table:
        return ""
    return format_table(["selector", "classifier", "kept % of features", "Accuracy",
                         "all features: Accuracy", "difference (points)"], table)


def _naive_cnn_passes(rows, folds, inner_cv):
    """CNN passes over the data set a grid over full image pipelines would need (estimate).

    Per preset and outer fold, every inner fold of every candidate transforms
    the outer training rows ((k-1)/k of the data), the refit once more, and
    the test fold is predicted (1/k).
    """
    k = folds
    return sum(k * ((inner_cv * r["n_candidates"] + 1) * (k - 1) / k + 1 / k) for r in rows)


def _timing_section(timings, n_presets, passes):
    extract_s = timings["feature_extraction_s"]
    return "\n".join([
        format_table(["step", "seconds"], [
            ["load data", f"{timings['load_data_s']:.1f}"],
            ["MobileNetV2 feature extraction (once)", f"{extract_s:.1f}"],
            [f"reducer + classifier grid, {n_presets} presets",
             f"{timings['reducer_and_classifier_cv_s']:.1f}"],
            ["**total wall time** (report writing excluded)", f"**{timings['total_wall_s']:.1f}**"],
        ]),
        "",
        "Total / (one extraction + classifier fits) = "
        f"**{timings['total_over_extraction_plus_fits']:.3f}**. A grid search over full image "
        f"pipelines would run the CNN over the data set about {passes:.0f} times "
        f"(about {passes * extract_s:.0f} s of extraction at the rate measured here) instead of "
        "once.",
    ])


def selection(*, data=None, out=None, folds=5, seed=0, cache=None, jobs=None, progress=True,
              quick=False, n_samples=400, image_size=224, max_images=None, group_duplicates=True,
              weights="imagenet", engine="auto", reducers=ALL_REDUCERS,
              classifiers=tuple(CLASSIFIERS), inner_cv=3, time_selectors=False, command=None):
    """Evaluate every reducer x classifier preset by GridSearchCV in an outer CV; write a report.

    Parameters
    ----------
    data, out, folds, seed, progress, n_samples, image_size, max_images, group_duplicates
        As in :func:`featleuk.experiments.mobilenetv2` (``out`` defaults to
        ``results/selection``; ``folds`` are the outer folds).
    cache : path, default=None
        Folder of the per-image feature cache; without one, a temporary
        folder holds the features for the run.
    jobs : int, default=None
        GridSearchCV workers.
    quick : bool, default=False
        One candidate per grid and smoke-test budgets (:data:`QUICK_PARAMS`).
    weights : {"imagenet", "none"}, default="imagenet"
        ``"none"``: a randomly initialised MobileNetV2.
    engine : {"auto", "torch", "onnx"}, default="auto"
    reducers, classifiers : sequence of str
        The grid (``"none"``: no reducer).
    inner_cv : int, default=3
        GridSearchCV folds (stratified, not grouped).
    time_selectors : bool, default=False
        Also fit the default PSO and CSO selectors twice on the whole matrix.
    command : str, default=None
        The command line, quoted in the report.

    Returns
    -------
    ExperimentResult
        ``extra["rows"]``: one row per preset.
    """
    out = out_dir(out, "selection")
    started = time.perf_counter()
    dataset = load_data(data, n_samples=n_samples, image_size=image_size, max_images=max_images,
                        group_duplicates=group_duplicates, seed=seed)
    loaded = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="featleuk-selection-"))
    n_train = len(dataset.target) * (folds - 1) / folds
    results, rows, extract_s, features, cached = {}, [], 0.0, None, []
    estimators = {}
    try:
        # One call per reducer: the reducer's fits cached by the grid searches serve
        # only its own presets and are deleted after them; the CNN features are
        # read back from the row cache after the first call.
        for reducer in reducers:
            memory = Memory(scratch / "fits", verbose=0)
            pipelines = {
                preset_name(None if reducer == "none" else reducer, classifier): _pipeline(
                    reducer, classifier, weights=weights, engine=engine, quick=quick,
                    inner_cv=inner_cv, seed=seed, jobs=jobs, memory=memory)
                for classifier in classifiers}
            frozen = cross_validate_frozen(
                pipelines, dataset.data, dataset.target, groups=dataset.groups, cv=folds,
                random_state=seed, memory=cache if cache is not None else scratch / "rows",
                target_names=dataset.target_names, show_progress=progress, return_estimator=True)
            extract_s += frozen.extraction_wall_s
            cached.append(sum(frozen.n_cached.values()) > 0)
            rows += _rows(frozen, pipelines, reducer, n_train)
            for name, result in frozen.results.items():
                if name in list_presets():
                    result.extra["description"] = list_presets()[name].description
            results.update(frozen.results)
            estimators.update(pipelines)
            features = next((f for f in frozen.features.values() if f is not None), features)
            memory.clear(warn=False)
        grid_done = time.perf_counter()
        if time_selectors and features is None:  # the CNN was not tagged frozen: extract once here
            features = clone(next(iter(pipelines.values()))[0]).fit_transform(dataset.data)
        selector_rows = _time_selectors(features, dataset.target) if time_selectors else []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    grid_s = sum(r["cv_wall_s"] for r in rows)
    total = grid_done - started
    passes = _naive_cnn_passes(rows, folds, inner_cv)
    timings = {
        "load_data_s": round(loaded - started, 2),
        "feature_extraction_s": round(extract_s, 2),
        "feature_extraction_read_from_cache": bool(cached and cached[0]),
        "reducer_and_classifier_cv_s": round(grid_s, 2),
        "total_wall_s": round(total, 2),
        "total_over_extraction_plus_fits": round(total / max(extract_s + grid_s, 1e-9), 3),
        "naive_grid_cnn_passes_estimate": round(passes, 1),
    }
    none_kept = [r["kept"] for r in rows if r["reducer"] == "none"]
    n_features = features.shape[1] if features is not None else int(none_kept[0]) if none_kept else None
    sections = [
        ("Grid (outer-fold mean ± std)", _grid_table(rows)),
        ("Timing breakdown", _timing_section(timings, len(rows), passes)),
        ("Best hyper-parameters per outer fold",
         "\n".join(f"- {r['name']}: {r['best']}" for r in rows)),
        *skipped_files_section(dataset),
    ]
    if selector_rows:
        sections.append(("Default swarm selectors on the whole matrix",
                         _selector_timing_table(selector_rows, features.shape)))
        timings.update({f"{r['selector'].split('(')[0]}_fit_s": r["seconds"] for r in selector_rows})
    versus = _selection_vs_all(rows, n_features) if n_features else ""
    if versus:
        sections.insert(1, ("Swarm selection against all features", versus))
    extractor = next(iter(pipelines.values()))[0]
    notes = [
        f"Features: {extractor!r}, {n_features or 'n/a'} per image.",
        frozen_note(frozen, "the reducers, scalers and classifiers (inside the grid searches)"),
        f"Outer CV: {folds}-fold stratified"
        + (" and grouped (no group in two folds)" if dataset.groups is not None else "")
        + f", random_state={seed}. Inner GridSearchCV: {inner_cv}-fold "
        "stratified (not grouped; this affects only the choice of hyper-parameters).",
        "Fit time per row: mean outer-fold fit time of the whole GridSearchCV (inner CV, "
        "refit, reducer and classifier) divided by the training rows of a fold. The first "
        "classifier of each reducer pays for the reducer's fits (e.g. 20 swarm searches: 5 "
        "outer folds x (3 inner folds + refit)); the classifiers after it reuse those fits from "
        "the cache, so their times are the classifier's alone.",
        *command_note(command),
    ]
    if quick:
        notes.append(f"quick: one candidate per grid and smoke-test budgets {QUICK_PARAMS}.")
    write_report(out, results, title="Feature reducers x classifiers on MobileNetV2 features",
                 data_description=dataset.description, notes=notes, timings=timings,
                 extra_sections=sections, images=dataset.data, estimators=estimators,
                 command=command, random_state=seed)
    return ExperimentResult("selection", out, results, timings, dataset.description,
                            extra={"rows": rows, "selector_timing": selector_rows})
