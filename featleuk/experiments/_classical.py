"""Segmenter x feature family x classifier, and the segmenters' Dice scores.

The classical pipelines of the related work of Das et al. (2022), Rahman et
al. and Dharani et al. (2020) segment the white-cell nucleus, describe it with
handcrafted features and classify those. This experiment crosses segmenters
(Otsu with two or three classes, k-means, enhanced fuzzy c-means, ...),
feature families (GLCM, GLRLM, morphology, colour, LBP, and all of them side
by side) and classifiers (RBF SVM, random forest, 5-NN), and reports every
segmenter's Dice / IoU against the true masks of synthetic smears (the real
data has no masks).
"""

from __future__ import annotations

import json
import time

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..datasets import make_synthetic_smears
from ..evaluation import METRIC_UNITS, cross_validate_frozen, format_metric, format_table, write_report
from ..images import take_images
from ..segmentation import dice_score, iou_score
from ..pipelines import (
    FEATURE_FAMILIES,
    SEGMENTERS,
    make_classifier,
    make_feature_family,
    make_feature_union,
    make_segmenter,
    needs_scaling,
)
from ._common import ExperimentResult, load_data, out_dir, skipped_files_section
from ._notes import command_note, cv_note, frozen_note

__all__ = ["add_classical_options", "classical", "GRID_SEGMENTERS", "CLASSIFIERS"]

#: Segmenters of the classification grid (``quick``: the first two).
GRID_SEGMENTERS = ("otsu", "otsu-3class", "kmeans", "efcm")
ALL_FAMILIES = (*FEATURE_FAMILIES, "all")
CLASSIFIERS = ("svm", "rf", "knn")
#: Scale-sensitive classifiers get a StandardScaler before them.

#: What quick changes.
QUICK = {"segmenters": GRID_SEGMENTERS[:2], "families": ("glcm", "morph", "all"),
         "classifiers": ("knn", "rf"), "dice_samples": 12, "dice_size": 64, "rf_trees": 20}


def add_classical_options(parser):
    """The options of :func:`classical` beyond the common ones."""
    parser.add_argument("--segmenters", nargs="+", choices=SEGMENTERS, default=None)
    parser.add_argument("--families", nargs="+", choices=ALL_FAMILIES, default=None)
    parser.add_argument("--classifiers", nargs="+", choices=CLASSIFIERS, default=None)
    parser.add_argument("--dice-samples", type=int, default=48,
                        help="synthetic smears (with true masks) for the Dice table")
    parser.add_argument("--dice-size", type=int, default=128, help="size of the Dice smears")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="images segmented and described at a time")
    return parser


def _classifier(name, quick):
    if name == "rf":
        return make_classifier("rf", n_estimators=QUICK["rf_trees"] if quick else 300, n_jobs=1)
    return make_classifier(name)


def _family(name, jobs):
    """One feature family, or for ``"all"`` every family side by side."""
    if name != "all":
        return make_feature_family(name, n_jobs=jobs)
    union = make_feature_union(*FEATURE_FAMILIES)
    return union.set_params(**{f"{family}__n_jobs": jobs for family in FEATURE_FAMILIES})


def _pipeline(segmenter, family, classifier, *, quick, jobs):
    steps = [("segment", make_segmenter(segmenter, n_jobs=jobs)),
             ("features", _family(family, jobs))]
    if needs_scaling(classifier):
        steps.append(("scale", StandardScaler()))
    return Pipeline(steps + [("clf", _classifier(classifier, quick))])


def _dice_table(n_images, size, seed):
    """Dice / IoU / time of every segmenter on synthetic smears with true masks."""
    X, _, masks = make_synthetic_smears(n_images, image_size=size, random_state=seed + 1,
                                        return_masks=True)
    rows = []
    for name in SEGMENTERS:
        seg = make_segmenter(name, show_progress=False).fit(X[:1])  # fit learns nothing
        start = time.perf_counter()
        predicted = seg.predict_masks(X)
        seconds = time.perf_counter() - start
        dice = dice_score(masks, predicted, average=False)
        rows.append({"segmenter": name, "params": repr(seg), "dice_mean": float(dice.mean()),
                     "dice_std": float(dice.std(ddof=1)) if len(dice) > 1 else float("nan"),
                     "iou_mean": iou_score(masks, predicted), "dice_min": float(dice.min()),
                     "n_empty": int((~predicted.any(axis=(1, 2))).sum()),
                     "ms_per_image": 1000 * seconds / len(X)})
    return rows, X.shape


def _dice_markdown(rows, shape):
    body = format_table(
        ["Segmenter", "Dice", "IoU", "Worst Dice", "No nucleus found", "ms / image"],
        [[r["segmenter"], f"{r['dice_mean']:.4f} ± {r['dice_std']:.4f}", f"{r['iou_mean']:.4f}",
          f"{r['dice_min']:.3f}", r["n_empty"], f"{r['ms_per_image']:.1f}"] for r in rows])
    by_name = {r["segmenter"]: r for r in rows}
    speed = by_name["fcm"]["ms_per_image"] / by_name["efcm"]["ms_per_image"]
    return (f"{shape[0]} synthetic smears of {shape[1]} px (`make_synthetic_smears(..., "
            f"return_masks=True)`), Dice mean ± std over images; an empty-vs-empty pair scores 1. "
            f"Enhanced FCM (histogram) vs plain FCM (every pixel), same run: **{speed:.1f}x** faster."
            "\n\n" + body + "\n\nSettings:\n\n"
            + "\n".join(f"- `{r['segmenter']}`: `{r['params']}`" for r in rows)), speed


def _grid_rows(frozen, keys):
    rows = []
    for name, (s, f, c) in keys.items():
        result, steps = frozen.results[name], frozen.frozen_steps[name]
        seg_s = steps[0].seconds if steps else 0.0
        feat_s = sum(step.seconds for step in steps[1:])
        summary = result.summary()
        result.extra.update({"segmenter": s, "features": f, "classifier": c,
                             "segmentation_s": round(seg_s, 2), "feature_extraction_s": round(feat_s, 2),
                             "cv_wall_s": round(result.wall_time, 2)})
        rows.append({"segmenter": s, "features": f, "classifier": c, "name": name,
                     "n_features": result.extra.get("n_features"),
                     "acc": summary["accuracy"], "f1": summary["f1"], "mcc": summary["mcc"],
                     "extract_s": seg_s + feat_s, "cv_s": result.wall_time,
                     "row_s": seg_s + feat_s + result.wall_time})
    return rows


def _grid_markdown(rows):
    ordered = sorted(rows, key=lambda r: -r["acc"]["mean"])
    return (
        f"All rows, best first; mean ± std over folds. {METRIC_UNITS} *Extract* = segmentation + "
        "this feature family over all images (shared by the classifiers of a segmenter / family "
        "pair, and the segmentation by all families of a segmenter); *CV* = fitting and scoring "
        "the classifier in every fold; *Row* = their sum, the wall time of the whole pipeline "
        "under CV.\n\n"
        + format_table(["Segmenter", "Features", "Classifier", "Columns", "Accuracy", "Macro F1",
                        "MCC", "Extract s", "CV s", "Row s"],
                       [[r["segmenter"], r["features"], r["classifier"], r["n_features"] or "n/a",
                         format_metric(r["acc"]["mean"], r["acc"]["std"]),
                         format_metric(r["f1"]["mean"], r["f1"]["std"]),
                         format_metric(r["mcc"]["mean"], r["mcc"]["std"]), f"{r['extract_s']:.1f}",
                         f"{r['cv_s']:.1f}", f"{r['row_s']:.1f}"] for r in ordered]))


def _segmentation_on_data(frozen, first_of):
    """Empty masks and speed of each segmenter on the experiment data, and the empty lists."""
    rows, empty = [], {}
    for s, name in first_of.items():
        steps = frozen.frozen_steps[name]
        seg = steps[0] if steps else None
        if seg is None or not seg.n_computed:
            rows.append([s, "n/a (not segmented in this run)", "n/a"])
            continue
        empty[s] = seg.empty_indices.tolist()
        rows.append([s, f"{len(empty[s])} of {seg.n_computed}",
                     f"{1000 * seg.seconds / seg.n_computed:.1f}"])
    return format_table(["Segmenter", "Images with no nucleus found", "ms / image (segmentation)"],
                        rows), empty


def _feature_names(families, image):
    """Column names of each family (they depend on the settings only, not on the images)."""
    names = {f: list(make_feature_family(f).fit(image).get_feature_names_out())
             for f in FEATURE_FAMILIES if f in families or "all" in families}
    if "all" in families:
        names["all"] = [n for f in FEATURE_FAMILIES for n in names[f]]
    return names


def classical(*, data=None, out=None, folds=5, seed=0, cache=None, jobs=None, progress=True,
              quick=False, n_samples=200, image_size=96, max_images=None, group_duplicates=True,
              segmenters=None, families=None, classifiers=None, dice_samples=48, dice_size=128,
              batch_size=64, command=None):
    """Cross-validate every segmenter x feature family x classifier pipeline; write a report.

    Segmenters and feature families learn nothing from the data, so
    :func:`~featleuk.evaluation.cross_validate_frozen` segments every image
    once per segmenter and computes each family once per segmentation; the
    scaler and the classifier are fitted inside the training folds.

    Parameters
    ----------
    data, out, folds, seed, cache, progress, n_samples, image_size, max_images, group_duplicates
        As in :func:`featleuk.experiments.mobilenetv2` (``out`` defaults to
        ``results/classical``).
    jobs : int, default=None
        Per-image workers of the segmenters and feature families.
    quick : bool, default=False
        Two segmenters, GLCM + morphology + all, KNN and a 20-tree forest,
        12 Dice smears of 64 px.
    segmenters, families, classifiers : sequence of str, default=None
        The grid (default: :data:`GRID_SEGMENTERS`, every family and "all",
        :data:`CLASSIFIERS`).
    dice_samples, dice_size : int
        Synthetic smears with true masks for the Dice table.
    batch_size : int, default=64
        Images segmented and described at a time (bounds memory).
    command : str, default=None
        The command line, quoted in the report.

    Returns
    -------
    ExperimentResult
        ``extra`` holds the grid rows, the Dice rows and the empty images.
    """
    segmenters = list(segmenters or (QUICK["segmenters"] if quick else GRID_SEGMENTERS))
    families = list(families or (QUICK["families"] if quick else ALL_FAMILIES))
    classifiers = list(classifiers or (QUICK["classifiers"] if quick else CLASSIFIERS))
    if quick:
        dice_samples, dice_size = min(dice_samples, QUICK["dice_samples"]), min(dice_size, QUICK["dice_size"])
    out = out_dir(out, "classical")
    t0 = time.perf_counter()
    dice_rows, dice_shape = _dice_table(dice_samples, dice_size, seed)
    t_dice = time.perf_counter() - t0

    start = time.perf_counter()
    dataset = load_data(data, n_samples=n_samples, image_size=image_size, max_images=max_images,
                        group_duplicates=group_duplicates, seed=seed)
    t_load = time.perf_counter() - start

    keys = {f"{s} / {f} / {c}": (s, f, c) for s in segmenters for f in families for c in classifiers}
    pipelines = {name: _pipeline(*key, quick=quick, jobs=jobs) for name, key in keys.items()}
    frozen = cross_validate_frozen(pipelines, dataset.data, dataset.target, groups=dataset.groups,
                                   cv=folds, random_state=seed, memory=cache, batch_size=batch_size,
                                   target_names=dataset.target_names, show_progress=progress)
    rows = _grid_rows(frozen, keys)

    dice_md, speed = _dice_markdown(dice_rows, dice_shape)
    first_of = {}
    for name, (s, _, _) in keys.items():
        first_of.setdefault(s, name)
    empty_md, empty = _segmentation_on_data(frozen, first_of)
    # The full grid is the table below and grid.json; figures and per-class
    # tables go to the best row of each segmenter only, to keep the report readable.
    best = {}
    for row in sorted(rows, key=lambda r: -r["acc"]["mean"]):
        best.setdefault(row["segmenter"], row["name"])
    timings = {"dice_table_s": round(t_dice, 1), "load_data_s": round(t_load, 1),
               "segmentation_and_features_s": round(frozen.extraction_wall_s, 1),
               "classifier_cv_s": round(sum(frozen.cv_seconds.values()), 1),
               "total_wall_s": round(time.perf_counter() - t0, 1),
               "enfcm_speedup_over_fcm": round(speed, 2)}
    for name, (seg, fam, clf) in keys.items():
        frozen.results[name].extra["description"] = (
            f"{seg} segmentation, {fam} features, {clf} classifier")
    write_report(
        out, {name: frozen.results[name] for name in best.values()},
        images=dataset.data, estimators={name: pipelines[name] for name in best.values()},
        command=command, random_state=seed,
        title="Classical pipelines: segmenter x feature family x classifier",
        data_description=dataset.description, timings=timings,
        extra_sections=[
            ("Grid (all rows)", _grid_markdown(rows)),
            ("Segmentation quality on synthetic smears", dice_md),
            ("Segmentation on the experiment data", empty_md),
            *skipped_files_section(dataset),
        ],
        notes=[
            frozen_note(frozen, "the scaler and the classifier"),
            cv_note(folds, dataset.groups, seed),
            "Detailed sections (per-class results, confusion matrices, curves) are given for the best "
            "row of each segmenter; every row is in the grid table and in grid.json.",
            "Images with no nucleus found get the feature families' empty-mask row (zeros and "
            "`<family>_mask_empty = 1`).",
            *command_note(command),
        ],
    )
    options = {"data": data, "folds": folds, "seed": seed, "quick": quick, "n_samples": n_samples,
               "image_size": image_size, "max_images": max_images, "segmenters": segmenters,
               "families": families, "classifiers": classifiers, "dice_samples": dice_samples,
               "dice_size": dice_size, "batch_size": batch_size, "jobs": jobs}
    (out / "grid.json").write_text(json.dumps({
        "rows": rows, "dice": dice_rows, "timings": timings, "empty_images": empty,
        "feature_names": _feature_names(families, take_images(dataset.data, [0])),
        "options": options}, indent=2, default=float) + "\n")
    return ExperimentResult("classical", out, frozen.results, timings, dataset.description,
                            extra={"rows": rows, "dice": dice_rows, "empty_images": empty})
