"""DeepFeatures speed and accuracy: engines, precisions, decoding, the feature store, end to end.

Every comparison is made within one run (one process, the same images,
interleaved rounds, the best round kept), so its ratio means something on a
busy machine. Sections (all by default):

- ``engines``: img/s of MobileNetV2 through ``DeepFeatures.transform`` on
  decoded 224 px arrays, for torch, onnxruntime and OpenVINO at fp32, and the
  opt-in precisions (OpenVINO bf16, onnxruntime / OpenVINO int8).
- ``precision``: for fp32 (default engine), bf16 and int8, img/s over the
  whole dataset and the 5-fold accuracy of StandardScaler + SVC(C=10,
  gamma="scale") on the features, folds from
  ``featleuk.evaluation.cross_validate_predictions`` with the duplicate
  groups of ``load_image_folder(group_duplicates=True)``, ``random_state=0``.
  int8 is calibrated inside each training fold (its ``fit`` learns the
  calibration), so it is cross-validated as a whole pipeline.
- ``decode``: JPEG paths against the same images pre-decoded as a uint8
  array (same engine); with ``--large``, fields upscaled to 2592 x 1944 JPEGs
  (the size of ALL-IDB1 fields) with and without JPEG draft decoding, and how
  much the features move.
- ``store``: warm feature-store reads through ``DeepFeatures.transform``
  (content hashing included) on every path.
- ``baseline``: ``DeepFeatures`` (default engine) against a plain per-image
  torchvision loop (PIL open, torchvision transforms, the model on one image
  at a time), the way thin embedding wrappers run a CNN.
- ``reproduce``: ``featleuk reproduce mobilenetv2`` cold (empty cache) and
  warm, split into load, hash, extraction and each classifier's CV (from the
  experiment's ``metrics.json``).

    python benchmarks/deep_features.py --data /work/shared/datasets/aria_all/Original --out r.json
    python benchmarks/deep_features.py --data ... --sections engines decode
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from featleuk.datasets import load_image_folder
from featleuk.engines import engine_status
from featleuk.features import DeepFeatures
from featleuk.images import load_images
from featleuk.pipelines._blocks import MOBILENET_V2_PREPROCESS, MOBILENET_V2_WEIGHTS
from featleuk.store import content_key

SECTIONS = ("engines", "precision", "decode", "store", "baseline", "reproduce")


def _uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def _features(**params):
    params = {"weights": MOBILENET_V2_WEIGHTS, "preprocess": MOBILENET_V2_PREPROCESS, "show_progress": False,
              **params}
    return DeepFeatures("mobilenet_v2", **params)


def _timed(func, *args):
    start = time.perf_counter()
    out = func(*args)
    return out, time.perf_counter() - start


def _rounds(configs, run, n_rounds):
    """Best img/s of each config over interleaved rounds (a busy machine slows rounds, not configs)."""
    best = {}
    for _ in range(n_rounds):
        for name in configs:
            rate = run(name)
            best[name] = max(best.get(name, 0.0), rate)
    return {name: round(rate, 1) for name, rate in best.items()}


def _sample(paths, n, seed=0):
    index = np.sort(np.random.default_rng(seed).choice(len(paths), size=min(n, len(paths)), replace=False))
    return [paths[i] for i in index]


def section_engines(bunch, args):
    paths = _sample(list(bunch.filenames), args.n_speed)
    decoded = np.stack(load_images(paths))
    configs = {"torch fp32": ("torch", "fp32"), "onnxruntime fp32": ("onnxruntime", "fp32"),
               "openvino fp32": ("openvino", "fp32"), "openvino bf16": ("openvino", "bf16"),
               "onnxruntime int8": ("onnxruntime", "int8"), "openvino int8": ("openvino", "int8")}
    fitted, skipped = {}, {}
    for name, (engine, precision) in configs.items():
        if (reason := engine_status(engine)) is not None:
            skipped[name] = reason
            continue
        try:  # int8 calibrates on these images: this section measures speed only
            fitted[name] = _features(engine=engine, precision=precision).fit(decoded)
        except (ValueError, ImportError, RuntimeError) as exc:
            skipped[name] = str(exc)
            continue
        fitted[name].transform(decoded[:8])  # warm-up: sessions are built on first use

    def run(name):
        _, seconds = _timed(fitted[name].transform, decoded)
        return len(decoded) / seconds

    rates = _rounds(list(fitted), run, args.rounds)
    default = _features().fit(decoded[:2])
    return {"n_images": len(decoded), "img_per_s": rates, "skipped": skipped,
            "default_engine": default.engine_,
            "default_over_torch": round(rates[f"{default.engine_} fp32"] / rates["torch fp32"], 2)}


def _cv_accuracy(estimator, X, y, groups):
    from featleuk.evaluation import cross_validate_predictions

    result = cross_validate_predictions(estimator, X, y, groups=groups, cv=5, random_state=0, show_progress=False)
    summary = result.summary()["accuracy"]
    return {"accuracy_mean": round(summary["mean"], 5), "accuracy_folds": [round(a, 5) for a in summary["folds"]],
            "cv_s": round(result.wall_time, 1)}


def _svm():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale"))


def section_precision(bunch, args):
    from sklearn.pipeline import make_pipeline

    X = np.stack(load_images(list(bunch.filenames)))
    y, groups = bunch.target, bunch.groups
    out, reference = {}, None
    for precision in args.precisions:
        for engine in (["auto"] if precision != "int8" else args.int8_engines):
            name = f"{precision} ({engine})"
            try:
                est = _features(precision=precision, engine=engine).fit(X)
            except (ValueError, ImportError, RuntimeError) as exc:
                out[name] = {"skipped": str(exc)}
                continue
            est.transform(X[:8])
            features, seconds = _timed(est.transform, X)
            row = {"engine": est.engine_, "img_per_s": round(len(X) / seconds, 1)}
            if reference is None:
                reference = features
            else:
                row["max_rel_diff_vs_fp32"] = round(float(np.abs(features - reference).max()
                                                          / np.abs(reference).max()), 4)
            if precision == "int8":  # calibrated on each training fold: CV the whole pipeline
                row.update(_cv_accuracy(make_pipeline(_features(precision="int8", engine=engine), *_svm()),
                                        X, y, groups))
            else:
                row.update(_cv_accuracy(_svm(), features, y, groups))
            out[name] = row
    base = out[next(iter(out))].get("accuracy_mean")
    for row in out.values():
        if "accuracy_mean" in row and base is not None:
            row["points_vs_fp32"] = round(100 * (row["accuracy_mean"] - base), 2)
            row["fit_to_use"] = abs(row["points_vs_fp32"]) <= 0.2
    return {"n_images": len(X), "results": out}


def _large_jpegs(paths, folder, n):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, path in enumerate(paths[:n]):
        target = folder / f"large_{i:03d}.jpg"
        if not target.exists():
            with Image.open(path) as image:
                image.convert("RGB").resize((2592, 1944), Image.BICUBIC).save(target, quality=90)
        out.append(str(target))
    return out


def section_decode(bunch, args):
    paths = _sample(list(bunch.filenames), args.n_decode, seed=1)
    decoded = np.stack(load_images(paths))
    est = _features().fit(decoded[:2])
    est.transform(decoded[:8])

    def run(name):
        _, seconds = _timed(est.transform, paths if name == "jpeg paths" else decoded)
        return len(paths) / seconds

    rates = _rounds(["decoded uint8 array", "jpeg paths"], run, args.rounds)
    out = {"engine": est.engine_, "n_images": len(paths), "img_per_s": rates,
           "paths_over_arrays": round(rates["jpeg paths"] / rates["decoded uint8 array"], 3)}
    if args.large:
        large = _large_jpegs(paths, Path(args.large), args.n_large)
        draft, full = est, _features(jpeg_draft=False).fit(decoded[:2])
        full.transform(decoded[:8])
        rows = {}

        def run_large(name):
            _, seconds = _timed((draft if name == "draft" else full).transform, large)
            return len(large) / seconds

        rates_large = _rounds(["full decode", "draft"], run_large, args.rounds)
        a, b = draft.transform(large), full.transform(large)
        cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        rows = {"n_images": len(large), "size": "2592x1944", "img_per_s": rates_large,
                "draft_speedup": round(rates_large["draft"] / rates_large["full decode"], 2),
                "max_rel_diff": round(float(np.abs(a - b).max() / np.abs(b).max()), 4),
                "cosine_min": round(float(cosine.min()), 5), "cosine_mean": round(float(cosine.mean()), 5)}
        out["large_jpegs"] = rows
    return out


def section_store(bunch, args):
    paths = list(bunch.filenames)
    folder = Path(tempfile.mkdtemp(prefix="featleuk-store-"))
    try:
        est = _features(memory=str(folder)).fit(paths[:2])
        _, cold = _timed(est.transform, paths)
        warm = []
        for _ in range(args.rounds):
            rows, seconds = _timed(est.transform, paths)
            warm.append(seconds)
        _, hashing = _timed(lambda: [content_key(p) for p in paths])
        return {"n_images": len(paths), "cold_s": round(cold, 2), "warm_s": round(min(warm), 3),
                "warm_rows_per_s": round(len(paths) / min(warm)), "hash_only_s": round(hashing, 3),
                "store_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 1e6, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def section_baseline(bunch, args):
    import torch
    import torchvision
    from PIL import Image
    from torchvision import transforms

    from featleuk.weights import build_backbone

    paths = _sample(list(bunch.filenames), args.n_speed, seed=2)
    model, resolved = build_backbone("mobilenet_v2", MOBILENET_V2_WEIGHTS)
    model.classifier = torch.nn.Identity()
    model.eval()
    prep = resolved.preprocessing
    transform = transforms.Compose([transforms.Resize((prep.crop_size, prep.crop_size)), transforms.ToTensor(),
                                    transforms.Normalize(prep.mean, prep.std)])

    def per_image():
        rows = []
        with torch.inference_mode():
            for path in paths:
                with Image.open(path) as image:
                    rows.append(model(transform(image.convert("RGB"))[None]).numpy()[0])
        return np.stack(rows)

    est = _features().fit(paths[:2])
    est.transform(paths[:8])
    per_image()  # warm-up
    outputs = {}

    def run_named(name):
        if name == "per-image torchvision loop":
            outputs[name], seconds = _timed(per_image)
        else:
            outputs[name], seconds = _timed(est.transform, paths)
        return len(paths) / seconds

    rates = _rounds(["per-image torchvision loop", f"DeepFeatures ({est.engine_})"], run_named, args.rounds)
    a, b = outputs[f"DeepFeatures ({est.engine_})"], outputs["per-image torchvision loop"]
    return {"n_images": len(paths), "torchvision": torchvision.__version__, "img_per_s": rates,
            "speedup": round(rates[f"DeepFeatures ({est.engine_})"] / rates["per-image torchvision loop"], 2),
            "max_rel_diff": round(float(np.abs(a - b).max() / np.abs(b).max()), 5)}


def section_reproduce(bunch, args):
    work = Path(tempfile.mkdtemp(prefix="featleuk-reproduce-"))
    cache, runs = work / "cache", {}
    _, hashing = _timed(lambda: [content_key(p) for p in bunch.filenames])
    try:
        for run in ("cold", "warm"):
            out = work / run
            command = [sys.executable, "-m", "featleuk.cli", "reproduce", "mobilenetv2", "--data", args.data,
                       "--out", str(out), "--cache", str(cache), "--no-progress"]
            _, wall = _timed(subprocess.run, command, **{"check": True, "capture_output": True})
            metrics = json.loads((out / "metrics.json").read_text())
            timings = metrics.get("timings", {})
            runs[run] = {"process_wall_s": round(wall, 1), **timings}
        runs["hash_all_files_s"] = round(hashing, 2)
        runs["command"] = " ".join(["featleuk", "reproduce", "mobilenetv2", "--data", args.data, "--out", "OUT",
                                    "--cache", "CACHE", "--no-progress"])
        return runs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="an image dataset folder (Aria: .../aria_all/Original)")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--n-speed", type=int, default=512, help="images for the engine and baseline speed tests")
    parser.add_argument("--n-decode", type=int, default=1024, help="images for paths vs arrays")
    parser.add_argument("--large", help="folder for the 2592x1944 JPEGs of the draft-decoding test")
    parser.add_argument("--n-large", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved timing rounds (best kept)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16", "int8"])
    parser.add_argument("--int8-engines", nargs="+", default=["openvino", "onnxruntime"])
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args(argv)
    bunch = load_image_folder(args.data, group_duplicates="precision" in args.sections, show_progress=False)
    result = {"data": args.data, "n_images": len(bunch.filenames), "cpu_count": os.cpu_count(),
              "uptime_before": _uptime()}
    for name in args.sections:
        started = time.perf_counter()
        result[name] = globals()[f"section_{name}"](bunch, args)
        result[name]["section_s"] = round(time.perf_counter() - started, 1)
        result[name]["uptime_after"] = _uptime()
        print(json.dumps({name: result[name]}), flush=True)
    result["uptime_after"] = _uptime()
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
