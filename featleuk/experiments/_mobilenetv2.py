"""The hybrid MobileNetV2 + classical classifier results of Das et al. (2022)."""

from __future__ import annotations

import time

from sklearn.base import clone

from ..evaluation import cross_validate_frozen, write_report
from ..images import take_images
from ..pipelines import list_presets, make_hybrid
from ._common import ExperimentResult, load_data, out_dir, skipped_files_section
from ._notes import command_note, cv_note, frozen_note

__all__ = ["HYBRID_PRESETS", "add_mobilenetv2_options", "mobilenetv2"]

HYBRID_PRESETS = ("mobilenetv2-svm", "mobilenetv2-rf", "mobilenetv2-knn", "mobilenetv2-xgboost")

#: What --quick changes: a few images, to check that everything runs.
QUICK = {"n_samples": 48, "max_images": 96}


def add_mobilenetv2_options(parser):
    """The options of :func:`mobilenetv2` beyond the common ones."""
    parser.add_argument("--presets", nargs="+", default=list(HYBRID_PRESETS),
                        help="make_hybrid presets to evaluate (default: the four MobileNetV2 hybrids)")
    parser.add_argument("--engine", choices=("auto", "torch", "onnx"), default="auto",
                        help="inference engine of the CNN")
    parser.add_argument("--batch-size", type=int, default=32, help="images per CNN forward pass")
    return parser


def _extractor(frozen, name, pipe, X):
    """The fitted feature step of a preset (fitting it only loads the network)."""
    steps = frozen.frozen_steps[name]
    if steps:
        return steps[0].estimator
    return clone(pipe.steps[0][1]).fit(take_images(X, [0]))


def mobilenetv2(*, data=None, out=None, folds=5, seed=0, cache=None, jobs=None, progress=True,
                quick=False, n_samples=400, image_size=224, max_images=None, group_duplicates=True,
                presets=HYBRID_PRESETS, engine="auto", batch_size=32, command=None):
    """Cross-validate the MobileNetV2 hybrid presets and write a report.

    The presets ``mobilenetv2-{svm,rf,knn,xgboost}`` (Das et al. (2022);
    Rahman et al. for the other classifiers) share their frozen MobileNetV2
    feature step, so :func:`~featleuk.evaluation.cross_validate_frozen` runs
    the CNN once per image for all of them.

    Parameters
    ----------
    data : path or None, default=None
        A dataset folder; ``None`` uses synthetic smears (said so in the report).
    out : path, default=None
        Report folder; ``results/mobilenetv2`` when None.
    folds : int, default=5
        Stratified (group-aware) cross-validation folds.
    seed : int, default=0
        Seeds the folds and the synthetic smears.
    cache : path, default=None
        Folder of the per-image feature cache, reused across runs.
    jobs : int, default=None
        Folds cross-validated in parallel.
    progress : bool, default=True
        Progress bars.
    quick : bool, default=False
        At most 48 synthetic or 96 real images.
    n_samples, image_size : int
        Synthetic smears when ``data`` is None.
    max_images : int, default=None
        Stratified random subsample of the data.
    group_duplicates : bool, default=True
        Keep near-identical images in one fold (folders without patient IDs).
    presets : sequence of str
        ``make_hybrid`` preset names.
    engine : {"auto", "torch", "onnx"}, default="auto"
        Inference engine of the feature step.
    batch_size : int, default=32
        Images per CNN forward pass.
    command : str, default=None
        The command line, quoted in the report.

    Returns
    -------
    ExperimentResult
    """
    unknown = [p for p in presets if p not in list_presets()]
    if unknown:
        raise ValueError(f"unknown presets {unknown}; known: {sorted(list_presets())}")
    if quick:
        n_samples = min(n_samples, QUICK["n_samples"])
        max_images = min(max_images or QUICK["max_images"], QUICK["max_images"])
    out = out_dir(out, "mobilenetv2")
    started = time.perf_counter()
    dataset = load_data(data, n_samples=n_samples, image_size=image_size, max_images=max_images,
                        group_duplicates=group_duplicates, seed=seed)
    loaded = time.perf_counter()

    settings = {"batch_size": batch_size, "show_progress": progress}
    if engine != "auto":
        settings["engine"] = engine
    pipelines = {name: make_hybrid(name) for name in presets}
    for pipe in pipelines.values():
        pipe.steps[0][1].set_params(**settings)
    frozen = cross_validate_frozen(pipelines, dataset.data, dataset.target, groups=dataset.groups,
                                   cv=folds, random_state=seed, memory=cache, n_jobs=jobs,
                                   target_names=dataset.target_names, show_progress=progress)
    results = frozen.results
    first = next(iter(pipelines))
    extractor = _extractor(frozen, first, pipelines[first], dataset.data)
    for name, result in results.items():
        result.extra.update({"feature_step": repr(pipelines[name].steps[0][1]),
                             "weights": extractor.weights_,
                             "n_features": int(extractor.n_features_out_),
                             "engine": extractor.engine_})
    extract_s = frozen.extraction_wall_s
    timings = {
        "load_data_s": round(loaded - started, 2),
        "feature_extraction_s": round(extract_s, 2),
        "feature_extraction_img_per_s": round(len(dataset.target) / max(extract_s, 1e-9), 1),
        **{f"cv_{name}_s": round(seconds, 2) for name, seconds in frozen.cv_seconds.items()},
        "total_wall_s": round(time.perf_counter() - started, 2),
    }
    notes = [
        f"Features: {extractor.backbone} with {extractor.weights_} weights "
        f"({'pretrained' if extractor.pretrained_ else 'random init'}), layer `{extractor.layer}`, "
        f"{extractor.n_features_out_} features per image, preprocessing `{extractor.preprocess}`, "
        f"engine `{extractor.engine_}`.",
        frozen_note(frozen, "the scaler and the classifier"),
        cv_note(folds, dataset.groups, seed),
        *command_note(command),
    ]
    write_report(out, results, title="Hybrid MobileNetV2 + classical classifiers",
                 data_description=dataset.description, notes=notes, timings=timings,
                 extra_sections=skipped_files_section(dataset))
    return ExperimentResult("mobilenetv2", out, results, timings, dataset.description)
