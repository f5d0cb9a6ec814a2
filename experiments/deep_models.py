"""End-to-end deep models next to the hybrids: fine-tuned CNNs, MobileNet-BiLSTM, CNN-GRU.

Trains each listed model (``featleuk.models.DEEP_MODEL_PRESETS``) on one
stratified train / validation / test split -- ``featleuk.evaluation.holdout_split``
with the seed the hybrid pipelines use, so the test images are theirs too --
and writes ``metrics.json``, ``report.md`` and figures (confusion matrices,
ROC / PR curves, training curves, Grad-CAM examples)::

    python experiments/deep_models.py --data ../shared/datasets/aria_all/Original \\
        --models mobilenet_v2:25,mobilenet_bilstm:12,cnn_gru:12 --out results/deep

A model is ``name`` or ``name:minutes`` (its training budget; ``--budget-minutes``
is the default budget). Backbones whose ImageNet weights are not on this
machine are skipped with the reason in the report, unless ``--scratch`` asks
to train them from random initialisation (labelled so in every row).
Without ``--data`` the built-in synthetic smears are used; ``--quick`` shrinks
everything (64 px, 2 epochs) to check that the script runs.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

import numpy as np

from featleuk.evaluation import (
    CVResult,
    holdout_split,
    plot_training_curves,
    write_report,
)
from featleuk.models import DEEP_MODEL_PRESETS, DeepClassifier, gradcam_figure
from featleuk.reproduce import load_experiment_data
from featleuk.weights import WeightsUnavailableError, resolve_weights

DEFAULT_MODELS = ("mobilenet_v2", "mobilenet_bilstm", "cnn_gru")

#: What --quick changes: enough to run every code path in seconds.
QUICK_PARAMS = {"image_size": 64, "max_epochs": 2, "batch_size": 8}
QUICK_SYNTHETIC = 48
QUICK_PER_CLASS = 12


def _take(X, index):
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def parse_models(spec, default_minutes):
    """``"a,b:10"`` -> ``[("a", default_minutes), ("b", 10.0)]``."""
    models = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, minutes = item.partition(":")
        if name not in DEEP_MODEL_PRESETS:
            raise SystemExit(f"unknown model {name!r}; known: {', '.join(DEEP_MODEL_PRESETS)}")
        models.append((name, float(minutes) if minutes else default_minutes))
    return models


def parse_overrides(pairs):
    """``["lr=1e-4", "head=gru"]`` -> ``{"lr": 1e-4, "head": "gru"}``."""
    overrides = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects KEY=VALUE, got {pair!r}")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    return overrides


def _quick_subset(y, per_class, seed):
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(y == label))[:per_class] for label in np.unique(y)]
    return np.sort(np.concatenate(keep))


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


def train_one(name, params, start, X, y, split, target_names, minutes):
    train, val, test = split
    est = DeepClassifier(**params)
    t0 = time.perf_counter()
    est.fit(_take(X, train), y[train], X_val=_take(X, val), y_val=y[val])
    fit_time = time.perf_counter() - t0
    X_test = _take(X, test)
    t1 = time.perf_counter()
    proba = est.predict_proba(X_test)
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
    )
    return est, result


def _models_table(results, skipped):
    header = ("| Model | Start | Trainable / all params | Epochs (best) | Stop | Budget min "
              "| Fit min | Train img/s (epoch) | Test accuracy | Paper |")
    lines = [header, "|" + "---|" * 10]
    for name, res in results.items():
        e = res.extra
        lines.append(
            f"| {name} | {e['start']} | {e['trainable_parameters']:,} / {e['parameters']:,} "
            f"| {e['epochs']} ({e['best_epoch']}) | {e['stop_reason']} | {e['budget_min']} "
            f"| {res.fit_times[0] / 60:.1f} | {e['train_images_per_s']} "
            f"| {100 * res.fold_metrics[0]['accuracy']:.2f} % | {e['paper']} |"
        )
    for name, reason in skipped.items():
        lines.append(f"| {name} | not trained: {reason} | | | | | | | | "
                     f"{DEEP_MODEL_PRESETS[name].reference} |")
    return "\n".join(lines)


def run(data=None, models=DEFAULT_MODELS, out="results/deep_models", *, budget_minutes=None,
        quick=False, scratch=False, seed=0, test_size=0.2, val_size=0.1, n_synthetic=400,
        overrides=None, save_models=False, show_progress=True, command=None):
    """Train ``models`` (names or ``(name, minutes)``) on one split; write the report."""
    started = time.perf_counter()
    models = [(m, budget_minutes) if isinstance(m, str) else tuple(m) for m in models]
    n_synthetic = QUICK_SYNTHETIC if quick and data is None else n_synthetic
    X, y, groups, target_names, description, skipped_files = load_experiment_data(data, n_synthetic, True, seed)
    y = np.asarray(y)
    if quick and data is not None:
        keep = _quick_subset(y, QUICK_PER_CLASS, seed)
        X, y = _take(X, keep), y[keep]
        groups = None if groups is None else np.asarray(groups)[keep]
        description += f" **--quick: a stratified subset of {len(y)} images.**"
    split = holdout_split(y, groups, test_size=test_size, val_size=val_size, random_state=seed)
    load_time = time.perf_counter() - started

    results, skipped, figures, timings = {}, {}, [], {"load_data_s": round(load_time, 1)}
    for name, minutes in models:
        params, start = model_params(name, minutes, scratch=scratch, quick=quick,
                                     overrides=overrides or {}, seed=seed,
                                     show_progress=show_progress)
        if params is None:
            skipped[name] = start
            print(f"{name}: skipped, {start}", flush=True)
            continue
        print(f"{name}: training ({start}; budget {minutes or 'none'} min)", flush=True)
        est, result = train_one(name, params, start, X, y, split, target_names, minutes)
        results[name] = result
        timings[f"{name}_fit_s"] = round(result.fit_times[0], 1)
        figures.append((f"{name}: training curves",
                        plot_training_curves(est.history_, title=f"{name} training curves")))
        test = split[2]
        shown = test[_gradcam_examples(y[test])]
        figures.append((f"{name}: Grad-CAM on test images (heatmap of the predicted class)",
                        gradcam_figure(est, _take(X, shown), y[shown], target_names=target_names,
                                       title=f"{name} Grad-CAM")))
        if save_models:
            model_dir = Path(out) / "models"
            model_dir.mkdir(parents=True, exist_ok=True)
            est.save(model_dir / f"{name}.pt")
        acc = 100 * result.fold_metrics[0]["accuracy"]
        print(f"{name}: test accuracy {acc:.2f} % in {result.fit_times[0] / 60:.1f} min "
              f"({len(est.history_)} epochs, stopped by {est.stop_reason_})", flush=True)
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
    ]
    if quick:
        notes.insert(0, "**--quick run**: tiny images and two epochs to check the script; the "
                        "numbers mean nothing.")
    if command:
        notes.append(f"Command: `{command}`")
    sections = [("Models", _models_table(results, skipped))]
    if skipped_files:
        sections.append(("Skipped files", "\n".join(f"- `{p}`: {r}" for p, r in skipped_files)))
    if results:
        write_report(out, results, title="End-to-end deep models", data_description=description,
                     notes=notes, timings=timings, extra_sections=sections, figures=figures)
    else:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "report.md").write_text(
            "# End-to-end deep models\n\nNo model was trained.\n\n" + sections[0][1] + "\n")
    return results, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="dataset folder (default: synthetic smears)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help=f"comma-separated name[:minutes]; known: {', '.join(DEEP_MODEL_PRESETS)}")
    parser.add_argument("--out", default="results/deep_models")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="training budget per model unless given as name:minutes")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--scratch", action="store_true",
                        help="train backbones without offline ImageNet weights from random init")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--val-size", type=float, default=0.1)
    parser.add_argument("--n-samples", type=int, default=400, help="synthetic images without --data")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a DeepClassifier parameter for every model (repeatable)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--save-models", action="store_true", help="write models/<name>.pt")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    command = "python experiments/deep_models.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results, skipped = run(
        args.data, parse_models(args.models, args.budget_minutes), args.out,
        budget_minutes=args.budget_minutes, quick=args.quick, scratch=args.scratch,
        seed=args.seed, test_size=args.test_size, val_size=args.val_size,
        n_synthetic=args.n_samples, overrides=parse_overrides(args.set),
        save_models=args.save_models, show_progress=not args.no_progress, command=command,
    )
    print(f"report: {Path(args.out) / 'report.md'}")
    return 0 if results or not skipped else 1


if __name__ == "__main__":
    sys.exit(main())
