"""Reproduce the hybrid MobileNetV2 + classical classifier results.

The four presets ``mobilenetv2-{svm,rf,knn,xgboost}`` share their first step,
frozen MobileNetV2 features. Because that step learns nothing in ``fit``, the
features of an image are the same in every fold and every preset, so they
are extracted **once** per image and the rest of each pipeline is
cross-validated on the feature matrix. :func:`check_shared_extractor` makes
sure every preset really starts with the same extractor before it is shared.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import clone

from .pipelines import list_presets, make_hybrid

__all__ = ["HYBRID_PRESETS", "load_experiment_data", "ReproduceResult", "check_shared_extractor", "reproduce_mobilenetv2"]

HYBRID_PRESETS = ("mobilenetv2-svm", "mobilenetv2-rf", "mobilenetv2-knn", "mobilenetv2-xgboost")

#: Default size of the built-in synthetic data set (balanced over 4 classes).
SYNTHETIC_SAMPLES = 400


@dataclass
class ReproduceResult:
    out_dir: Path
    results: dict
    timings: dict
    data_description: str


def check_shared_extractor(pipelines: dict) -> None:
    """Raise if the presets' ``features`` steps differ (then sharing would be wrong)."""
    configs = {name: pipe.steps[0][1].get_params() for name, pipe in pipelines.items()}
    first_name, first = next(iter(configs.items()))
    for name, config in configs.items():
        if config != first:
            raise ValueError(
                f"presets {first_name!r} and {name!r} have different feature steps; "
                "they cannot share one extraction"
            )


def load_experiment_data(data, n_synthetic, group_duplicates, random_state):
    """The data every experiment script starts from.

    ``data=None`` gives ``n_synthetic`` synthetic smears (an array); a folder
    gives its image paths via ``load_image_folder(on_error="skip",
    verify=True)``, grouped by duplicates when the layout has no subject IDs.

    Returns
    -------
    X, y, groups, target_names, description (markdown), skipped (path, reason) list
    """
    from .datasets import load_image_folder, make_synthetic_smears

    if data is None:
        X, y = make_synthetic_smears(n_synthetic, n_classes=4, image_size=224, random_state=random_state)
        from .datasets import SYNTHETIC_CLASS_NAMES

        description = (
            f"**Synthetic smears** (featleuk.datasets.make_synthetic_smears, {len(y)} images, "
            f"224x224, 4 classes, random_state={random_state}). No real data was given "
            "(`--data`), so these numbers say nothing about real leukemia images; they show "
            "the pipeline runs end to end."
        )
        return X, y, None, list(SYNTHETIC_CLASS_NAMES[:4]), description, []
    bunch = load_image_folder(data, on_error="skip", verify=True, group_duplicates=group_duplicates)
    counts = ", ".join(f"{name}: {int(np.sum(bunch.target == i))}" for i, name in enumerate(bunch.target_names))
    description = (
        f"`{data}` (layout `{bunch.layout}`): {len(bunch.filenames)} images ({counts})."
    )
    if bunch.skipped:
        description += f" {len(bunch.skipped)} unreadable files were skipped (listed below)."
    groups = bunch.groups
    if groups is not None:
        n_groups = len(np.unique(groups))
        description += (
            f" Cross-validation keeps each of the {n_groups} groups in one fold"
            + (" (groups = byte-identical or near-identical images, since the layout has no "
               "patient IDs)." if group_duplicates and bunch.layout == "aria" else ".")
        )
    return list(bunch.filenames), bunch.target, groups, list(bunch.target_names), description, bunch.skipped


def reproduce_mobilenetv2(
    data=None,
    out_dir="results/mobilenetv2-svm",
    *,
    presets=HYBRID_PRESETS,
    n_splits=5,
    random_state=0,
    n_synthetic=SYNTHETIC_SAMPLES,
    group_duplicates=True,
    engine="auto",
    feature_params=None,
    cache_dir=None,
    show_progress=True,
) -> ReproduceResult:
    """Run the MobileNetV2 hybrid presets under stratified k-fold CV and write a report.

    Parameters
    ----------
    data : path or None
        A dataset folder (any layout ``load_image_folder`` reads). ``None``
        uses the built-in synthetic smears.
    out_dir : path
        Where ``metrics.json``, ``report.md`` and the figures go.
    presets : sequence of str
        Preset names; they must share the same ``features`` step.
    group_duplicates : bool
        Keep identical / near-identical images in one fold when the layout
        has no patient IDs (leakage-free CV on the Aria dataset).
    engine : {"auto", "torch", "onnx"}
        Inference engine of the shared feature step.
    feature_params : dict, optional
        Parameters set on the shared ``DeepFeatures`` step (e.g. ``batch_size``).
    """
    from .evaluation import cross_validate_predictions, write_report

    unknown = [p for p in presets if p not in list_presets()]
    if unknown:
        raise ValueError(f"unknown presets {unknown}; known: {sorted(list_presets())}")
    started = time.perf_counter()
    X, y, groups, target_names, description, skipped = load_experiment_data(
        data, n_synthetic, group_duplicates, random_state
    )
    t_loaded = time.perf_counter()

    pipelines = {name: make_hybrid(name) for name in presets}
    overrides = dict(feature_params or {}, show_progress=show_progress, memory=cache_dir)
    if engine != "auto":
        overrides["engine"] = engine
    for pipe in pipelines.values():
        pipe.steps[0][1].set_params(**overrides)
    check_shared_extractor(pipelines)

    extractor = clone(next(iter(pipelines.values())).steps[0][1])
    features = extractor.fit_transform(X)
    t_features = time.perf_counter()

    results, cv_times = {}, {}
    for name, pipe in pipelines.items():
        t0 = time.perf_counter()
        results[name] = cross_validate_predictions(
            pipe[1:], features, y, groups=groups, cv=n_splits, random_state=random_state,
            name=name, target_names=target_names, show_progress=show_progress,
        )
        cv_times[name] = time.perf_counter() - t0
        results[name].extra.update({
            "feature_step": repr(extractor),
            "weights": extractor.weights_,
            "n_features": int(features.shape[1]),
            "engine": extractor.engine_,
        })
    total = time.perf_counter() - started
    timings = {
        "load_data_s": round(t_loaded - started, 2),
        "feature_extraction_s": round(t_features - t_loaded, 2),
        "feature_extraction_img_per_s": round(len(y) / max(t_features - t_loaded, 1e-9), 1),
        **{f"cv_{name}_s": round(t, 2) for name, t in cv_times.items()},
        "total_wall_s": round(total, 2),
    }
    notes = [
        f"Features: {extractor.backbone} with {extractor.weights_} weights "
        f"({'pretrained' if extractor.pretrained_ else 'random init'}), layer `{extractor.layer}`, "
        f"{features.shape[1]} features per image, preprocessing `{extractor.preprocess}`, engine "
        f"`{extractor.engine_}`.",
        "Each image went through the CNN once for the whole run: the feature step is frozen "
        "(it learns nothing in fit), so its output does not depend on the fold, and each preset's "
        "remaining steps (scaler, classifier) are fitted inside every training fold only.",
        f"{n_splits}-fold stratified cross-validation"
        + (" grouped so no group spans two folds" if groups is not None else "")
        + f", random_state={random_state}.",
    ]
    sections = []
    if skipped:
        listing = "\n".join(f"- `{path}`: {reason}" for path, reason in skipped)
        sections.append(("Skipped files", listing))
    write_report(
        out_dir, results, title="Hybrid MobileNetV2 + classical classifiers",
        data_description=description, notes=notes, timings=timings, extra_sections=sections,
    )
    return ReproduceResult(Path(out_dir), results, timings, description)


def summary_table(result: ReproduceResult) -> str:
    """A plain-text table of mean accuracy / F1 / MCC, for the console."""
    lines = [f"{'preset':<22} {'accuracy':>14} {'macro F1':>14} {'MCC':>14}"]
    for name, res in result.results.items():
        s = res.summary()
        cell = lambda k: f"{100 * s[k]['mean']:6.2f} ± {100 * s[k]['std']:4.2f}"  # noqa: E731
        lines.append(f"{name:<22} {cell('accuracy'):>14} {cell('f1'):>14} {cell('mcc'):>14}")
    lines.append(f"total wall time: {result.timings['total_wall_s']:.1f} s "
                 f"(feature extraction {result.timings['feature_extraction_s']:.1f} s)")
    return "\n".join(lines)


def load_metrics(out_dir) -> dict:
    """Read back a run's ``metrics.json``."""
    return json.loads((Path(out_dir) / "metrics.json").read_text())
