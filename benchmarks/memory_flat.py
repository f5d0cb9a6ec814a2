"""Peak memory of feature extraction over N image paths: flat in N apart from the matrix itself.

Each N runs in a fresh subprocess (so one run's peak cannot hide another's),
which fits the extractor on one image and transforms N paths: the image
folder's files repeated in order until there are N of them (decoding is paid
for every one). The peak resident set size (``resource.getrusage``'s
``ru_maxrss``) minus the output matrix (``n x d x itemsize`` bytes: 4 for DeepFeatures'
float32, 8 for the handcrafted families' float64)
must not grow by more than ``--max-ratio`` from the smallest N to the largest.

    python benchmarks/memory_flat.py --data ../shared/datasets/aria_all/Original --sizes 3000 15000
    python benchmarks/memory_flat.py --data ... --extractor deep --sizes 3000 15000

``--extractor color`` (:class:`~featleuk.features.ColorFeatures`: JPEG decoding
dominates, so the loop over paths, batches and the progress bar is what is
measured) or ``deep`` (:class:`~featleuk.features.DeepFeatures` with random
MobileNetV2 weights, ``weights=None``: the same network and tensors as the
ImageNet one, no checkpoint needed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

EXTRACTORS = ("color", "deep")


def _paths(data, n):
    from featleuk.datasets import load_image_folder

    files = list(load_image_folder(data).filenames)
    return [files[i % len(files)] for i in range(n)]


def _extractor(name):
    from featleuk.features import ColorFeatures, DeepFeatures

    if name == "color":
        return ColorFeatures(show_progress=True)
    return DeepFeatures("mobilenet_v2", weights=None, preprocess="resize", show_progress=True)


def child(args):
    paths = _paths(args.data, args.n)
    step = _extractor(args.extractor).fit(paths[:1])
    tic = time.perf_counter()
    rows = step.transform(paths)
    seconds = time.perf_counter() - tic
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"n": args.n, "d": rows.shape[1], "itemsize": rows.dtype.itemsize, "peak_mib": peak_kib / 1024,
                      "seconds": seconds}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="image folder (class sub-folders)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 15000])
    parser.add_argument("--extractor", choices=EXTRACTORS, default="color")
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    runs = []
    for n in sorted(args.sizes):
        command = [sys.executable, __file__, "--child", "--data", args.data, "--n", str(n),
                   "--extractor", args.extractor]
        # The progress bar is on (FEATLEUK_PROGRESS=1): its bookkeeping is part of the loop measured.
        env = {**os.environ, "FEATLEUK_PROGRESS": "1"}
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        run["matrix_mib"] = run["n"] * run["d"] * run["itemsize"] / 2**20
        run["peak_minus_matrix_mib"] = run["peak_mib"] - run["matrix_mib"]
        runs.append({k: round(v, 2) if isinstance(v, float) else v for k, v in run.items()})
        print(json.dumps(runs[-1]), flush=True)
    ratio = runs[-1]["peak_minus_matrix_mib"] / runs[0]["peak_minus_matrix_mib"]
    print(json.dumps({"extractor": args.extractor, "ratio_largest_to_smallest": round(ratio, 3),
                      "max_ratio": args.max_ratio, "flat": ratio < args.max_ratio}))
    return 0 if ratio < args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
