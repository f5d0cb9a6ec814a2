"""End-to-end deep models next to the hybrids: fine-tuned CNNs, MobileNet-BiLSTM, CNN-GRU.

Each model (``featleuk.models.DEEP_MODEL_PRESETS``) is trained on one
stratified train / validation / test split --
:func:`featleuk.evaluation.holdout_split` with the seed the hybrid pipelines
use, so the test images are theirs too.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import numpy as np

from ..evaluation import (
    CVResult,
    estimator_params,
    format_metric,
    format_table,
    holdout_split,
    plot_training_curves,
    write_report,
)
from ..images import take_images
from ..models import DEEP_MODEL_PRESETS, DeepClassifier, gradcam_figure
from ..weights import WeightsUnavailableError, resolve_weights
from ._common import ExperimentResult, load_data, out_dir, skipped_files_section
from ._notes import command_note

__all__ = ["DEFAULT_MODELS", "add_deep_options", "deep", "model_params", "parse_models",
           "parse_overrides"]

DEFAULT_MODELS = ("mobilenet_v2", "mobilenet_bilstm", "cnn_gru")

#: What quick changes: enough to run every code path in seconds.
QUICK_PARAMS = {"image_size": 64, "max_epochs": 2, "batch_size": 8}
QUICK_IMAGES = 48


def add_deep_options(parser):
    """The options of :func:`deep` beyond the common ones."""
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help=f"comma-separated name[:minutes]; known: {', '.join(DEEP_MODEL_PRESETS)}")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="training budget per model unless given as name:minutes")
    parser.add_argument("--scratch", action="store_true",
                        help="train backbones without offline ImageNet weights from random init")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--val-size", type=float, default=0.1)
    parser.add_argument("--set", dest="overrides", action="append", metavar="KEY=VALUE",
                        help="override a DeepClassifier parameter for every model (repeatable)")
    parser.add_argument("--save-models", action="store_true", help="write models/<name>.pt")
    return parser


def parse_models(spec, default_minutes=None):
    """``"a,b:10"`` (or a list of names / ``(name, minutes)``) -> ``[("a", default), ("b", 10.0)]``."""
    items = spec.split(",") if isinstance(spec, str) else spec
    models = []
    for item in items:
        if not isinstance(item, str):
            models.append(tuple(item))
            continue
        name, _, minutes = item.strip().partition(":")
        if not name:
            continue
        if name not in DEEP_MODEL_PRESETS:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(DEEP_MODEL_PRESETS)}")
        models.append((name, float(minutes) if minutes else default_minutes))
    return models


def parse_overrides(pairs):
    """``["lr=1e-4", "head=gru"]`` -> ``{"lr": 1e-4, "head": "gru"}`` (a dict passes through)."""
    if isinstance(pairs, dict):
        return dict(pairs)
    overrides = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    return overrides


def model_params(name, minutes, *, scratch, quick, overrides, seed, show_progress):
    """The DeepClassifier parameters for a preset, or ``(None, reason)`` when skipped."""
    params = dict(DEEP_MODEL_PRESETS[name].params)
    start = "random init (by design)"
    if params["weights"] is not None:
        try:
            start = f"ImageNet: {resolve_weights(params['backbone'], params['weights']).name}"
        except WeightsUnavailableError as exc:
            if not scratch:
                return None, f"ImageNet weights not on this machine ({exc.args[0].split('.')[0]})"
            params.update(weights=None, trainable_layers=None)
            start = "random init (ImageNet weights unavailable; --scratch)"
    if quick:
        params.update(QUICK_PARAMS)
    if minutes:
        params["max_time"] = 60.0 * minutes
    params.update(overrides, random_state=seed, show_progress=show_progress)
    return params, start


def _gradcam_examples(y_test, per_class=2):
    """Positions in the test set: ``per_class`` images of each class, spread over the class.

    Spread rather than consecutive: neighbouring files are often pictures of
    the same field.
    """
    picks = []
    for label in np.unique(y_test):
        members = np.flatnonzero(y_test == label)
        picks.append(members[np.linspace(0, len(members) - 1, min(per_class, len(members))).astype(int)])
    return np.concatenate(picks)


def _train_one(name, params, start, X, y, split, target_names, minutes, groups=None):
    train, val, test = split
    est = DeepClassifier(**params)
    t0 = time.perf_counter()
    est.fit(take_images(X, train), y[train], X_val=take_images(X, val), y_val=y[val])
    fit_time = time.perf_counter() - t0
    t1 = time.perf_counter()
    proba = est.predict_proba(take_images(X, test))
    score_time = time.perf_counter() - t1
    y_pred = est.classes_[np.argmax(proba, axis=1)]
    epochs = len(est.history_)
    preset = DEEP_MODEL_PRESETS[name]
    extra = {
        "description": preset.description,
        "paper": preset.reference,
        "backbone": est.backbone,
        "head": est.head,
        "start": start,
        "pretrained": bool(est.pretrained_),
        "trainable_layers": "all" if est.trainable_layers is None else est.trainable_layers,
        "parameters": est.n_params_,
        "trainable_parameters": est.n_trainable_params_,
        "image_size": est.preprocessing_.crop_size,
        "optimizer": est.optimizer,
        "lr": est.lr,
        "lr_schedule": est.lr_schedule,
        "budget_min": minutes if minutes else "none",
        "epochs": epochs,
        "best_epoch": est.best_epoch_,
        "stop_reason": est.stop_reason_,
        # Epoch time includes the validation pass.
        "train_images_per_s": round(len(train) * epochs / sum(r["dur"] for r in est.history_), 1),
    }
    result = CVResult.from_predictions(
        y[test], y_pred, proba, name=name, classes=est.classes_, target_names=target_names,
        indices=test, fit_time=fit_time, score_time=score_time, extra=extra,
        groups=None if groups is None else np.asarray(groups)[test],
        params=estimator_params(est),
    )
    return est, result


def _models_table(results, skipped):
    rows = []
    for name, res in results.items():
        e = res.extra
        rows.append([name, e["start"], f"{e['trainable_parameters']:,} / {e['parameters']:,}",
                     f"{e['epochs']} ({e['best_epoch']})", e["stop_reason"], e["budget_min"],
                     f"{res.fit_times[0] / 60:.1f}", e["train_images_per_s"],
                     f"{format_metric(res.fold_metrics[0]['accuracy'])} %", e["paper"]])
    for name, reason in skipped.items():
        rows.append([name, f"not trained: {reason}"] + [""] * 7 + [DEEP_MODEL_PRESETS[name].reference])
    return format_table(["Model", "Start", "Trainable / all params", "Epochs (best)", "Stop",
                         "Budget min", "Fit min", "Train img/s (epoch)", "Test accuracy", "Paper"],
                        rows)


def _with_threads(jobs):
    """Set torch's intra-op threads for the run; returns the previous value to restore."""
    import torch

    previous = torch.get_num_threads()
    if jobs:
        torch.set_num_threads(jobs)
    return previous


def deep(*, data=None, out=None, seed=0, jobs=None, progress=True, quick=False, n_samples=400,
         image_size=224, max_images=None, group_duplicates=True, models=DEFAULT_MODELS,
         budget_minutes=None, scratch=False, test_size=0.2, val_size=0.1, overrides=None,
         save_models=False, command=None):
    """Train end-to-end deep models on one holdout split and write a report.

    Parameters
    ----------
    data, out, seed, progress, n_samples, image_size, max_images, group_duplicates
        As in :func:`featleuk.experiments.mobilenetv2` (``out`` defaults to
        ``results/deep``; ``seed`` seeds the split and the training).
    jobs : int, default=None
        torch threads for the run (``torch.set_num_threads``; restored after).
    quick : bool, default=False
        48 images, 64 px, two epochs: checks that everything runs.
    models : str or sequence, default=DEFAULT_MODELS
        ``"name[:minutes],..."`` or a list of names / ``(name, minutes)``.
    budget_minutes : float, default=None
        Training budget of models given without one.
    scratch : bool, default=False
        Train backbones whose ImageNet weights are not on this machine from
        random initialisation (labelled so); otherwise they are skipped.
    test_size, val_size : float
        Fractions of :func:`~featleuk.evaluation.holdout_split`.
    overrides : dict or list of "KEY=VALUE", default=None
        DeepClassifier parameters set on every model.
    save_models : bool, default=False
        Write ``models/<name>.pt`` under ``out``.
    command : str, default=None
        The command line, quoted in the report.

    Returns
    -------
    ExperimentResult
        ``extra["skipped_models"]``: name -> reason.
    """
    started = time.perf_counter()
    out = out_dir(out, "deep")
    models = parse_models(models, budget_minutes)
    overrides = parse_overrides(overrides)
    if quick:
        n_samples = min(n_samples, QUICK_IMAGES)
        max_images = min(max_images or QUICK_IMAGES, QUICK_IMAGES)
    dataset = load_data(data, n_samples=n_samples, image_size=image_size, max_images=max_images,
                        group_duplicates=group_duplicates, seed=seed)
    X, y, groups = dataset.data, np.asarray(dataset.target), dataset.groups
    split = holdout_split(y, groups, test_size=test_size, val_size=val_size, random_state=seed)
    timings = {"load_data_s": round(time.perf_counter() - started, 1)}

    results, skipped, figures = {}, {}, []
    previous_threads = _with_threads(jobs)
    try:
        for name, minutes in models:
            params, start = model_params(name, minutes, scratch=scratch, quick=quick,
                                         overrides=overrides, seed=seed, show_progress=progress)
            if params is None:
                skipped[name] = start
                print(f"{name}: skipped, {start}", flush=True)
                continue
            print(f"{name}: training ({start}; budget {minutes or 'none'} min)", flush=True)
            est, result = _train_one(name, params, start, X, y, split, dataset.target_names, minutes,
                                     groups)
            results[name] = result
            timings[f"{name}_fit_s"] = round(result.fit_times[0], 1)
            figures.append((f"{name}: training curves",
                            plot_training_curves(est.history_, title=f"{name} training curves")))
            shown = split[2][_gradcam_examples(y[split[2]])]
            figures.append((f"{name}: Grad-CAM on test images (heatmap of the predicted class)",
                            gradcam_figure(est, take_images(X, shown), y[shown],
                                           target_names=dataset.target_names, title=f"{name} Grad-CAM")))
            if save_models:
                (out / "models").mkdir(parents=True, exist_ok=True)
                est.save(out / "models" / f"{name}.pt")
            print(f"{name}: test accuracy {format_metric(result.fold_metrics[0]['accuracy'])} % in "
                  f"{result.fit_times[0] / 60:.1f} min ({len(est.history_)} epochs, stopped by "
                  f"{est.stop_reason_})", flush=True)
    finally:
        _with_threads(previous_threads)
    timings["total_wall_s"] = round(time.perf_counter() - started, 1)

    train, val, test = split
    notes = [
        f"One split for every model: featleuk.evaluation.holdout_split(test_size={test_size}, "
        f"val_size={val_size}, random_state={seed})"
        + (", group-aware (no duplicate group spans two parts)" if groups is not None else "")
        + f": {len(train)} training, {len(val)} validation (early stopping, learning-rate "
        f"plateau), {len(test)} test images. The hybrid pipelines score the same test images "
        "when run with the same seed.",
        "Each model's test numbers come from one training run on this split, without error "
        f"bars; one test image is {100 / max(len(test), 1):.2f} percentage points of accuracy.",
        "Training time is bounded by each model's budget: training stops after the epoch when "
        "another would exceed it, keeping the weights of the best validation epoch.",
        *command_note(command),
    ]
    if quick:
        notes.insert(0, "**--quick run**: tiny images and two epochs to check the script; the "
                        "numbers mean nothing.")
    sections = [("Models", _models_table(results, skipped)), *skipped_files_section(dataset)]
    if results:
        write_report(out, results, title="End-to-end deep models",
                     data_description=dataset.description, notes=notes, timings=timings,
                     extra_sections=sections, figures=figures, images=X, command=command,
                     random_state=seed)
    else:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(
            "# End-to-end deep models\n\nNo model was trained.\n\n" + sections[0][1] + "\n")
    return ExperimentResult("deep", Path(out), results, timings, dataset.description,
                            extra={"skipped_models": skipped, "split": split})
