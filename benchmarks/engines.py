"""Inference engines: speed and agreement with eager torch, all in one run.

The same random 224x224 batches go through MobileNetV2 (pooled features) on
every installed engine and precision, so the speed ratios within a run are
meaningful on a shared machine. Accuracy is the largest absolute difference
to eager torch, relative to the largest torch feature.

    python benchmarks/engines.py                  # ImageNet weights, 128 images, batch 32
    python benchmarks/engines.py --weights none   # randomly initialised network
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from featleuk.engines import engine_status, export_onnx, make_runner

CANDIDATES = [("torch", "fp32"), ("onnxruntime", "fp32"), ("openvino", "fp32"), ("openvino", "bf16"),
              ("onnxruntime", "int8"), ("openvino", "int8")]


def feature_module(backbone, weights):
    """The backbone with its classifier removed: the pooled penultimate features."""
    import torch

    from featleuk.weights import build_backbone

    model, _ = build_backbone(backbone, None if weights.lower() == "none" else weights)
    if not hasattr(model, "classifier"):
        raise SystemExit(f"{backbone} has no .classifier; use a MobileNet / EfficientNet style backbone")
    model.classifier = torch.nn.Identity()
    return model.eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default="mobilenet_v2")
    parser.add_argument("--weights", default="IMAGENET1K_V1", help="weights name, or 'none' for random init")
    parser.add_argument("--n-images", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-calibration", type=int, default=64, help="int8 calibration images")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    images = rng.standard_normal((args.n_images, 3, args.size, args.size)).astype(np.float32)
    calibration = rng.standard_normal((args.n_calibration, 3, args.size, args.size)).astype(np.float32)
    batches = [images[i:i + args.batch] for i in range(0, len(images), args.batch)]
    module = feature_module(args.backbone, args.weights)
    start = time.perf_counter()
    onnx_model = export_onnx(module, args.size)
    report = {"backbone": args.backbone, "weights": args.weights, "n_images": args.n_images,
              "batch": args.batch, "threads": args.threads, "export_s": round(time.perf_counter() - start, 2),
              "engines": {}}
    reference = None
    for engine, precision in CANDIDATES:
        name = f"{engine} {precision}"
        if (reason := engine_status(engine)) is not None:
            report["engines"][name] = {"skipped": reason}
            continue
        start = time.perf_counter()
        try:
            run = make_runner(module, args.size, engine=engine, precision=precision, threads=args.threads,
                              onnx_model=onnx_model, calibration=calibration if precision == "int8" else None)
            run(batches[0][:2])  # warm-up: builds the session
        except (ImportError, ValueError, RuntimeError) as exc:
            report["engines"][name] = {"skipped": f"{type(exc).__name__}: {exc}"}
            continue
        prepare = time.perf_counter() - start
        start = time.perf_counter()
        features = np.concatenate([run(b) for b in batches])
        elapsed = time.perf_counter() - start
        if reference is None:
            reference = features
        rel = float(np.abs(features - reference).max() / np.abs(reference).max())
        report["engines"][name] = {"img_per_s": round(len(images) / elapsed, 1), "max_rel_diff": float(f"{rel:.2e}"),
                                   "prepare_s": round(prepare, 2)}
    torch_speed = report["engines"]["torch fp32"]["img_per_s"]
    for result in report["engines"].values():
        if "img_per_s" in result:
            result["over_torch"] = round(result["img_per_s"] / torch_speed, 2)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
