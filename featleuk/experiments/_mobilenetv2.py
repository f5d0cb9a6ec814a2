"""The hybrid MobileNetV2 + classical classifier results of Das et al. (2022)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sklearn.base import clone

from ..base import frozen_prefix_length
from ..evaluation import cross_validate_frozen, evaluate_external, leakage_audit, write_report
from ..features._deep import ENGINE_OPTIONS
from ..images import take_images
from ..pipelines import list_presets, make_hybrid
from ._common import ExperimentResult, load_data, out_dir, skipped_files_section
from ._notes import command_note, cv_note, frozen_note

__all__ = ["HYBRID_PRESETS", "add_mobilenetv2_options", "mobilenetv2", "parse_class_map"]

#: The pipeline the leakage audit re-runs: the cheapest strong one.
AUDIT_PRESET = "mobilenetv2-svm"

HYBRID_PRESETS = ("mobilenetv2-svm", "mobilenetv2-rf", "mobilenetv2-knn", "mobilenetv2-xgboost")

#: What --quick changes: a few images, to check that everything runs.
QUICK = {"n_samples": 48, "max_images": 96}


def add_mobilenetv2_options(parser):
    """The options of :func:`mobilenetv2` beyond the common ones."""
    parser.add_argument("--presets", nargs="+", default=list(HYBRID_PRESETS),
                        help="make_hybrid presets to evaluate (default: the four MobileNetV2 hybrids)")
    parser.add_argument("--engine", choices=ENGINE_OPTIONS, default="auto",
                        help="inference engine of the CNN")
    parser.add_argument("--batch-size", type=int, default=32, help="images per CNN forward pass")
    parser.add_argument("--audit", action=argparse.BooleanOptionalAction, default=True,
                        help="leakage audit: re-run the SVM on the same features under random, "
                             "duplicate-group, file-sequence and look-alike-cluster splits "
                             "(default: on)")
    parser.add_argument("--external-data", metavar="DIR",
                        help="also train every preset on all of --data and test it on this "
                             "other dataset folder (external validation)")
    parser.add_argument("--class-map", nargs="+", metavar="NAME=CLASS",
                        help="how the classes of --data and --external-data correspond: "
                             "NAME=CLASS pairs (e.g. Benign=benign Early=malignant hem=benign "
                             "all=malignant) or a JSON file of them")
    return parser


def parse_class_map(spec):
    """A class map from ``NAME=CLASS`` strings, a JSON file name, or a dict (None stays None).

    Examples
    --------
    >>> parse_class_map(["Benign=benign", "Early=malignant"])
    {'Benign': 'benign', 'Early': 'malignant'}
    """
    if spec is None or isinstance(spec, dict):
        return spec
    if isinstance(spec, str):
        spec = [spec]
    if len(spec) == 1 and "=" not in spec[0]:
        path = Path(spec[0])
        if not path.is_file():
            raise ValueError(f"--class-map {spec[0]!r}: give NAME=CLASS pairs or a JSON file")
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: a class map is a JSON object of {{name: class}}")
        return {str(k): str(v) for k, v in loaded.items()}
    out = {}
    for pair in spec:
        name, sep, target = pair.partition("=")
        if not sep or not name or not target:
            raise ValueError(f"--class-map entry {pair!r} is not NAME=CLASS")
        out[name] = target
    return out


def _dataset_name(path):
    if path is None:
        return "synthetic smears"
    path = Path(path).resolve()
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _audit(frozen, dataset, *, folds, seed, jobs):
    """The leakage audit of the SVM preset on the experiment's MobileNetV2 features."""
    features = next((f for f in frozen.features.values() if f is not None), None)
    if features is None:
        return None
    svm = make_hybrid(AUDIT_PRESET)
    tail = svm[frozen_prefix_length(svm):]
    result = leakage_audit(tail, features, dataset.target, filenames=dataset.get("filenames"),
                           groups=dataset.groups, cv=folds, random_state=seed, n_jobs=jobs)
    result["pipeline"] = (f"{list_presets()[AUDIT_PRESET].description} "
                          f"(`{AUDIT_PRESET}`)")
    return result


def _external(frozen, pipelines, extractor, dataset, *, external_data, class_map, cache,
              data, n_samples, image_size, group_duplicates, seed):
    """Each preset trained on all of ``dataset``, tested on ``external_data``."""
    external = load_data(external_data, n_samples=n_samples, image_size=image_size,
                         max_images=None, group_duplicates=group_duplicates, seed=seed)
    step = clone(extractor)
    if cache is not None:
        step.set_params(memory=str(cache))
    features = step.fit(take_images(external.data, [0])).transform(external.data)
    train_name, test_name = _dataset_name(data), _dataset_name(external_data)
    results = {}
    for name, pipe in pipelines.items():
        n = frozen.n_frozen[name]
        train = frozen.features[name]
        model = clone(pipe[n:]).fit(train, dataset.target)
        result = evaluate_external(
            model, features, external.target, class_map=class_map,
            target_names=external.target_names, model_target_names=dataset.target_names,
            dataset_name=test_name, training_dataset=train_name, groups=external.groups,
            name=f"{name} on {test_name}")
        result.extra["description"] = list_presets()[name].description
        results[result.name] = result
    return external, results


def _extractor(frozen, name, pipe, X):
    """The fitted feature step of a preset (fitting it only loads the network)."""
    steps = frozen.frozen_steps[name]
    # A step whose every row came from the cache never ran, so it was never fitted.
    if steps and hasattr(steps[0].estimator, "n_features_out_"):
        return steps[0].estimator
    return clone(pipe.steps[0][1]).fit(take_images(X, [0]))


def mobilenetv2(*, data=None, out=None, folds=5, seed=0, cache=None, jobs=None, progress=True,
                quick=False, n_samples=400, image_size=224, max_images=None, group_duplicates=True,
                presets=HYBRID_PRESETS, engine="auto", batch_size=32, audit=True,
                external_data=None, class_map=None, command=None):
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
    engine : {"auto", "torch", "onnxruntime", "openvino", "onnx"}, default="auto"
        Inference engine of the feature step (``DeepFeatures(engine=...)``).
    batch_size : int, default=32
        Images per CNN forward pass.
    audit : bool, default=True
        Leakage audit: the ``mobilenetv2-svm`` classifier cross-validated
        again on the same features under random folds, duplicate groups,
        file-sequence blocks and look-alike clusters
        (:func:`~featleuk.evaluation.leakage_audit`); the report names the
        strictest split's number as the one to quote.
    external_data : path, default=None
        Another dataset folder: every preset is also trained on all of
        ``data`` and tested on it (external validation, labelled so in
        the report).
    class_map : dict or list of "NAME=CLASS", default=None
        How the classes of the two datasets correspond (see
        :func:`~featleuk.evaluation.evaluate_external`).
    command : str, default=None
        The command line, quoted in the report.

    Returns
    -------
    ExperimentResult
    """
    class_map = parse_class_map(class_map)
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
        result.extra.update({"description": list_presets()[name].description,
                             "feature_step": repr(pipelines[name].steps[0][1]),
                             "weights": extractor.weights_,
                             "n_features": int(extractor.n_features_out_),
                             "engine": extractor.engine_})
    extract_s = frozen.extraction_wall_s
    timings = {
        "load_data_s": round(loaded - started, 2),
        "feature_extraction_s": round(extract_s, 2),
        "feature_extraction_img_per_s": round(len(dataset.target) / max(extract_s, 1e-9), 1),
        **{f"cv_{name}_s": round(seconds, 2) for name, seconds in frozen.cv_seconds.items()},
    }
    audited = None
    if audit:
        start = time.perf_counter()
        audited = _audit(frozen, dataset, folds=folds, seed=seed, jobs=jobs)
        timings["leakage_audit_s"] = round(time.perf_counter() - start, 2)
    images = {name: dataset.data for name in results}
    reported = dict(results)
    notes_external = []
    if external_data is not None:
        start = time.perf_counter()
        external, external_results = _external(
            frozen, pipelines, extractor, dataset, external_data=external_data,
            class_map=class_map, cache=cache, data=data, n_samples=n_samples,
            image_size=image_size, group_duplicates=group_duplicates, seed=seed)
        timings["external_test_s"] = round(time.perf_counter() - start, 2)
        reported.update(external_results)
        images.update({name: external.data for name in external_results})
        notes_external = [
            f"External test: every preset trained on all {len(dataset.target)} images of "
            f"{_dataset_name(data)} and tested on the {len(external.target)} images of "
            f"{_dataset_name(external_data)} ({external.description})"
            + (f", classes mapped by {class_map}" if class_map else "") + "."]
    timings["total_wall_s"] = round(time.perf_counter() - started, 2)
    notes = [
        f"Features: {extractor.backbone} with {extractor.weights_} weights "
        f"({'pretrained' if extractor.pretrained_ else 'random init'}), layer `{extractor.layer}`, "
        f"{extractor.n_features_out_} features per image, preprocessing `{extractor.preprocess}`, "
        f"engine `{extractor.engine_}`.",
        frozen_note(frozen, "the scaler and the classifier"),
        cv_note(folds, dataset.groups, seed),
        *notes_external,
        *command_note(command),
    ]
    if audit and audited is None:
        notes.append("No leakage audit: the feature step is not frozen, so there are no "
                     "shared features to re-split.")
    write_report(out, reported, title="Hybrid MobileNetV2 + classical classifiers",
                 data_description=dataset.description, notes=notes, timings=timings,
                 extra_sections=skipped_files_section(dataset), audit=audited, images=images,
                 estimators=pipelines, command=command, random_state=seed)
    return ExperimentResult("mobilenetv2", out, reported, timings, dataset.description,
                            extra={"audit": audited})
