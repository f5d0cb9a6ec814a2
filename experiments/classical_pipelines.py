"""Segmenter x feature family x classifier grid under 5-fold CV (issue 3; seeds 000, 001, 003).

The classical pipelines of the seeds' related work segment the white-cell
nucleus, describe it with handcrafted features and classify those. This
experiment crosses

* segmenters (``featleuk.pipelines._classical_presets.SEGMENTERS``: Otsu with
  two or three classes, k-means, enhanced fuzzy c-means, ...),
* feature families (GLCM, GLRLM, morphology, colour, LBP, and all of them
  concatenated), and
* classifiers (RBF SVM, random forest, 5-NN),

and reports accuracy, macro F1 and MCC (mean ± std over folds) with the wall
time of each row, plus every segmenter's Dice / IoU against the true masks
of synthetic smears (the real data has no masks).

Leakage: segmentation and feature extraction are unsupervised and work on
one image at a time (nothing is learned across images), so every image is
segmented once and each feature family computed once per segmenter; the
rows of an image are the same whichever fold it falls in. Only the scaler
and the classifier learn from data, and they are fitted inside the training
folds by :func:`featleuk.evaluation.cross_validate_predictions`.

Examples::

    nice -n 5 python experiments/classical_pipelines.py \\
        --data ../shared/datasets/aria_all/Original --out results/classical   # ~55 min, 2 cores
    python experiments/classical_pipelines.py --out /tmp/classical --quick --n-samples 40
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from featleuk.evaluation import cross_validate_predictions, write_report
from featleuk.images import iter_image_batches
from featleuk.pipelines._classical_presets import FEATURE_FAMILIES, SEGMENTERS, feature_family, segmenter
from featleuk.preprocessing import stack_images
from featleuk.segmentation import dice_score, iou_score
from featleuk.utils import progress

#: Segmenters of the classification grid (``--quick``: the first two).
GRID_SEGMENTERS = ("otsu", "otsu-3class", "kmeans", "efcm")
#: Segmenters of the Dice table: every setting of ``segmenter`` (plain FCM is
#: EnFCM's speed reference; the others are presets' or defaults' alternatives).
DICE_SEGMENTERS = SEGMENTERS
ALL_FAMILIES = (*FEATURE_FAMILIES, "all")
CLASSIFIERS = ("svm", "rf", "knn")


def make_classifier(name, quick=False):
    """A fresh classifier pipeline (scaler where the model is scale-sensitive)."""
    if name == "svm":
        return make_pipeline(StandardScaler(), SVC(kernel="rbf", C=10.0, gamma="scale"))
    if name == "rf":
        return RandomForestClassifier(n_estimators=20 if quick else 300, random_state=0, n_jobs=1)
    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="image folder (load_image_folder); synthetic smears if omitted")
    parser.add_argument("--out", required=True, help="report directory")
    parser.add_argument("--n-samples", type=int, default=200, help="synthetic images (no --data)")
    parser.add_argument("--image-size", type=int, default=96, help="synthetic image size")
    parser.add_argument("--max-images", type=int, default=None,
                        help="stratified random subsample of the real data (documented in the report)")
    parser.add_argument("--dice-samples", type=int, default=48,
                        help="synthetic smears (with true masks) for the Dice table")
    parser.add_argument("--dice-size", type=int, default=128, help="size of the Dice smears")
    parser.add_argument("--segmenters", nargs="+", choices=DICE_SEGMENTERS, default=None)
    parser.add_argument("--families", nargs="+", choices=ALL_FAMILIES, default=None)
    parser.add_argument("--classifiers", nargs="+", choices=CLASSIFIERS, default=None)
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=None, help="per-image workers (joblib)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 segmenters, GLCM + morphology, KNN + 20-tree RF, 12 Dice smears")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.segmenters is None:
        args.segmenters = list(GRID_SEGMENTERS[:2] if args.quick else GRID_SEGMENTERS)
    if args.families is None:
        args.families = ["glcm", "morph", "all"] if args.quick else list(ALL_FAMILIES)
    if args.classifiers is None:
        args.classifiers = ["knn", "rf"] if args.quick else list(CLASSIFIERS)
    if args.quick:
        args.dice_samples = min(args.dice_samples, 12)
        args.dice_size = min(args.dice_size, 64)
    return args


def load_data(args):
    """(X, y, groups, target_names, description) of the real or synthetic data.

    A folder is read by the experiments' shared loader
    (:func:`featleuk.reproduce.load_experiment_data`: duplicate groups,
    unreadable files skipped and listed); synthetic smears are made here at
    ``--image-size`` so the smoke test stays small.
    """
    from featleuk.datasets import SYNTHETIC_CLASS_NAMES, make_synthetic_smears
    from featleuk.reproduce import load_experiment_data

    if args.data is None:
        X, y = make_synthetic_smears(args.n_samples, n_classes=4, image_size=args.image_size,
                                     random_state=args.random_state)
        return X, y, None, list(SYNTHETIC_CLASS_NAMES[:4]), (
            f"**Synthetic smears** (`make_synthetic_smears`, {len(y)} images of {args.image_size} px, "
            f"4 classes, random_state={args.random_state}): a smoke test of the experiment; the "
            "numbers say nothing about real leukemia images.")
    X, y, groups, target_names, description, _ = load_experiment_data(
        args.data, 0, True, args.random_state)
    total = len(y)
    if args.max_images is None or args.max_images >= total:
        return X, y, groups, target_names, description
    keep, _ = train_test_split(np.arange(total), train_size=args.max_images, stratify=y,
                               random_state=args.random_state)
    keep = np.sort(keep)
    counts = ", ".join(f"{name}: {int(np.sum(y[keep] == i))}" for i, name in enumerate(target_names))
    description += (f" This run uses a stratified random subsample of {len(keep)} of them "
                    f"({counts}; `--max-images {args.max_images}`, random_state={args.random_state}) "
                    "to bound the run time on the shared 2-core machine.")
    groups = None if groups is None else np.asarray(groups)[keep]
    return [str(X[i]) for i in keep], np.asarray(y)[keep], groups, target_names, description


def dice_table(args):
    """Dice / IoU / time of every segmenter on synthetic smears with true masks."""
    from featleuk.datasets import make_synthetic_smears

    X, _, masks = make_synthetic_smears(args.dice_samples, image_size=args.dice_size,
                                        random_state=args.random_state + 1, return_masks=True)
    rows = []
    for name in DICE_SEGMENTERS:
        seg = segmenter(name).set_params(show_progress=False).fit(X[:1])  # fit learns nothing
        start = time.perf_counter()
        predicted = seg.predict_masks(X)
        seconds = time.perf_counter() - start
        dice = dice_score(masks, predicted, average=False)
        rows.append({"segmenter": name, "params": repr(seg), "dice_mean": float(dice.mean()),
                     "dice_std": float(dice.std(ddof=1)) if len(dice) > 1 else float("nan"),
                     "iou_mean": iou_score(masks, predicted), "dice_min": float(dice.min()),
                     "n_empty": int((~predicted.any(axis=(1, 2))).sum()),
                     "ms_per_image": 1000 * seconds / len(X)})
        print(f"dice {name:<18} {rows[-1]['dice_mean']:.4f}  {rows[-1]['ms_per_image']:7.1f} ms/img",
              flush=True)
    return rows, X.shape


def extract_features(X, args):
    """Segment every image once per segmenter and compute each family once per segmentation.

    Returns ``features[(segmenter, family)] -> (n, d)``, feature names,
    seconds spent per segmenter and per (segmenter, family), and the empty
    images of each segmenter.
    """
    families = [f for f in args.families if f != "all"] or list(FEATURE_FAMILIES)
    if "all" in args.families:
        families = list(dict.fromkeys([*families, *FEATURE_FAMILIES]))
    segs = {name: segmenter(name).set_params(show_progress=False, n_jobs=args.n_jobs)
            for name in args.segmenters}
    steps = {name: feature_family(name).set_params(show_progress=False, n_jobs=args.n_jobs)
             for name in families}
    blocks = {(s, f): [] for s in segs for f in steps}
    seg_seconds = dict.fromkeys(segs, 0.0)
    feat_seconds = dict.fromkeys(blocks, 0.0)
    empty = {s: [] for s in segs}
    names = {}
    with progress(total=len(X), desc="segment + features") as bar:
        for rows, images in iter_image_batches(X, args.batch_size):
            batch = stack_images(images)
            for s, seg in segs.items():
                start = time.perf_counter()
                segmented = seg.fit_transform(batch)  # stateless: fit learns nothing
                seg_seconds[s] += time.perf_counter() - start
                empty[s].extend((seg.empty_indices_ + rows.start).tolist())
                for f, step in steps.items():
                    start = time.perf_counter()
                    blocks[(s, f)].append(step.fit_transform(segmented))
                    feat_seconds[(s, f)] += time.perf_counter() - start
                    names[f] = list(step.get_feature_names_out())
            bar.update(len(images))
    features = {key: np.vstack(parts) for key, parts in blocks.items()}
    for s in segs:
        if "all" in args.families:
            features[(s, "all")] = np.hstack([features[(s, f)] for f in FEATURE_FAMILIES])
            feat_seconds[(s, "all")] = sum(feat_seconds[(s, f)] for f in FEATURE_FAMILIES)
            names["all"] = [n for f in FEATURE_FAMILIES for n in names[f]]
    return features, names, seg_seconds, feat_seconds, empty


def run_grid(features, seg_seconds, feat_seconds, y, groups, target_names, args):
    results, rows = {}, []
    for s in args.segmenters:
        for f in args.families:
            matrix = features[(s, f)]
            for c in args.classifiers:
                name = f"{s} / {f} / {c}"
                result = cross_validate_predictions(
                    make_classifier(c, args.quick), matrix, y, groups=groups, cv=args.n_splits,
                    random_state=args.random_state, name=name, target_names=target_names,
                    show_progress=False)
                extract = seg_seconds[s] + feat_seconds[(s, f)]
                result.extra.update({"segmenter": s, "features": f, "classifier": c,
                                     "n_features": int(matrix.shape[1]),
                                     "segmentation_s": round(seg_seconds[s], 2),
                                     "feature_extraction_s": round(feat_seconds[(s, f)], 2),
                                     "cv_wall_s": round(result.wall_time, 2)})
                summary = result.summary()
                rows.append({"segmenter": s, "features": f, "classifier": c, "name": name,
                             "n_features": int(matrix.shape[1]),
                             "acc": summary["accuracy"], "f1": summary["f1"], "mcc": summary["mcc"],
                             "extract_s": extract, "cv_s": result.wall_time,
                             "row_s": extract + result.wall_time})
                results[name] = result
                print(f"{name:<32} acc {100 * summary['accuracy']['mean']:6.2f}  "
                      f"{rows[-1]['row_s']:7.1f} s", flush=True)
    return results, rows


def _pm(stats, scale=100.0, digits=1):
    mean, std = stats["mean"] * scale, stats["std"] * scale
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if np.isfinite(std) else f"{mean:.{digits}f}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def grid_markdown(rows):
    ordered = sorted(rows, key=lambda r: -r["acc"]["mean"])
    return (
        "All rows, best first. Accuracy and macro F1 in %, MCC ×100; mean ± std over folds. "
        "*Extract* = segmentation + this feature family over all images (shared by the "
        "classifiers of a segmenter / family pair); *CV* = fitting and scoring the classifier "
        "in every fold; *Row* = their sum, the wall time of the whole pipeline under CV.\n\n"
        + _table(["Segmenter", "Features", "Classifier", "Columns", "Accuracy", "Macro F1", "MCC",
                  "Extract s", "CV s", "Row s"],
                 [[r["segmenter"], r["features"], r["classifier"], r["n_features"], _pm(r["acc"]),
                   _pm(r["f1"]), _pm(r["mcc"]), f"{r['extract_s']:.1f}", f"{r['cv_s']:.1f}",
                   f"{r['row_s']:.1f}"] for r in ordered]))


def dice_markdown(rows, shape):
    body = _table(
        ["Segmenter", "Dice", "IoU", "Worst Dice", "No nucleus found", "ms / image"],
        [[r["segmenter"], f"{r['dice_mean']:.4f} ± {r['dice_std']:.4f}", f"{r['iou_mean']:.4f}",
          f"{r['dice_min']:.3f}", r["n_empty"], f"{r['ms_per_image']:.1f}"] for r in rows])
    by_name = {r["segmenter"]: r for r in rows}
    speed = by_name["fcm"]["ms_per_image"] / by_name["efcm"]["ms_per_image"]
    return (f"{shape[0]} synthetic smears of {shape[1]} px (`make_synthetic_smears(..., "
            f"return_masks=True)`), Dice mean ± std over images; an empty-vs-empty pair scores 1. "
            f"Enhanced FCM (histogram) vs plain FCM (every pixel), same run: **{speed:.1f}x** faster.\n\n"
            + body + "\n\nSettings:\n\n" + "\n".join(f"- `{r['segmenter']}`: `{r['params']}`"
                                                    for r in rows)), speed


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dice_rows, dice_shape = dice_table(args)
    t_dice = time.perf_counter() - t0

    start = time.perf_counter()
    X, y, groups, target_names, description = load_data(args)
    t_load = time.perf_counter() - start

    start = time.perf_counter()
    features, names, seg_seconds, feat_seconds, empty = extract_features(X, args)
    t_extract = time.perf_counter() - start

    start = time.perf_counter()
    results, rows = run_grid(features, seg_seconds, feat_seconds, y, groups, target_names, args)
    t_cv = time.perf_counter() - start

    dice_md, speed = dice_markdown(dice_rows, dice_shape)
    empty_md = _table(["Segmenter", "Images with no nucleus found", "ms / image (segmentation)"],
                      [[s, f"{len(empty[s])} of {len(y)}", f"{1000 * seg_seconds[s] / len(y):.1f}"]
                       for s in args.segmenters])
    # The full grid is the table below and grid.json; figures and per-class
    # tables go to the best row of each segmenter only, to keep the report readable.
    best = {}
    for row in sorted(rows, key=lambda r: -r["acc"]["mean"]):
        best.setdefault(row["segmenter"], row["name"])
    timings = {"dice_table_s": round(t_dice, 1), "load_data_s": round(t_load, 1),
               "segmentation_and_features_s": round(t_extract, 1), "classifier_cv_s": round(t_cv, 1),
               "total_wall_s": round(time.perf_counter() - t0, 1),
               "enfcm_speedup_over_fcm": round(speed, 2)}
    write_report(
        out, {name: results[name] for name in best.values()},
        title="Classical pipelines: segmenter x feature family x classifier",
        data_description=description,
        timings=timings,
        extra_sections=[
            ("Grid (all rows)", grid_markdown(rows)),
            ("Segmentation quality on synthetic smears", dice_md),
            ("Segmentation on the experiment data", empty_md),
        ],
        notes=[
            "Leakage-free by construction: segmenters and feature families are unsupervised and "
            "per-image (nothing is learned across images), so each image is segmented once and each "
            "family computed once; only the scaler and classifier are fitted, inside the training "
            f"folds ({args.n_splits}-fold stratified CV"
            + (", group-aware" if groups is not None else "") + f", random_state={args.random_state}).",
            "Detailed sections (per-class results, confusion matrices, curves) are given for the best "
            "row of each segmenter; every row is in the grid table and in grid.json.",
            "Images with no nucleus found get the feature families' empty-mask row (zeros and "
            "`<family>_mask_empty = 1`).",
        ],
    )
    (out / "grid.json").write_text(json.dumps({
        "rows": rows, "dice": dice_rows, "timings": timings, "empty_images": empty,
        "feature_names": names, "args": vars(args)}, indent=2, default=float) + "\n")
    print(f"report: {out / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
