"""GLCMFeatures vs scikit-image and vs mahotas' C++ Haralick: img/s measured in one run.

Every side gets the same decoded images, the same grey conversion and
quantisation (``floor(v * levels / 256)``), distance 1, the four angles
0/45/90/135 degrees and symmetric normalised matrices, and runs in one
process (``n_jobs=1``). For each number of grey levels (256 and 32 by
default):

- ``skimage_loop_6_props``: a per-image ``graycomatrix`` + ``graycoprops``
  loop, the six ``graycoprops`` properties; ``GLCMFeatures_6_props`` computes
  the same six and must agree to 1e-10 (relative) or the script fails.
- ``mahotas_13_props``: ``mahotas.features.haralick`` (co-occurrence counted
  in C++, the 13 Haralick features in numpy on the dense matrix);
  ``GLCMFeatures_13_props`` computes the same 13 properties. Eight share
  mahotas' definitions and are checked (ASM, contrast, correlation, variance,
  homogeneity, sum average, sum variance, imc1); the three entropies agree up
  to mahotas' log2 (checked after rescaling by ln 2); mahotas' difference
  variance is the variance of the vector p_{x-y} and its imc2 uses log2, so
  those two are not compared.
- ``GLCMFeatures_16_props``: all 16 properties.

The machine is shared, so the runs are interleaved in chunks of 10 images
(order rotated per chunk): a burst of load from elsewhere then slows all of
them, not one.

    python benchmarks/glcm_speed.py --data ../shared/datasets/aria_all/Original --n-images 300
    python benchmarks/glcm_speed.py            # synthetic smears
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from skimage.feature import graycomatrix, graycoprops

from featleuk.datasets import load_image_folder, make_synthetic_smears
from featleuk.features._glcm import GLCMFeatures
from featleuk.features._handcrafted import quantize, to_channel
from featleuk.images import load_images

SKIMAGE_PROPERTIES = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation")
#: mahotas.features.haralick's 13 features, in its order, by GLCMFeatures' names.
MAHOTAS_PROPERTIES = ("ASM", "contrast", "correlation", "variance", "homogeneity", "sum_average",
                      "sum_variance", "sum_entropy", "entropy", "difference_variance",
                      "difference_entropy", "imc1", "imc2")
SAME_DEFINITION = ("ASM", "contrast", "correlation", "variance", "homogeneity", "sum_average",
                   "sum_variance", "imc1")
LOG2_ENTROPIES = ("sum_entropy", "entropy", "difference_entropy")
ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _images(args):
    if args.data:
        paths = load_image_folder(args.data).filenames
        rng = np.random.default_rng(0)
        index = rng.choice(len(paths), size=min(args.n_images, len(paths)), replace=False)
        return np.stack(load_images([paths[i] for i in sorted(index)]))
    return make_synthetic_smears(args.n_images, random_state=0)[0]


def _grey(image, levels):
    return quantize(to_channel(image[..., :3], "gray"), levels)


def skimage_loop(images, levels):
    rows = []
    for image in images:
        P = graycomatrix(_grey(image, levels), [1], ANGLES, levels=levels, symmetric=True, normed=True)
        rows.append(np.concatenate([graycoprops(P, p).ravel() for p in SKIMAGE_PROPERTIES]))
    return np.asarray(rows)


def mahotas_loop(images, levels):
    import mahotas.features

    # (4 directions, 13 features) per image -> property-major like GLCMFeatures(per_angle)
    return np.asarray([mahotas.features.haralick(_grey(image, levels), distance=1).T.ravel()
                       for image in images])


def _interleaved(funcs, images, chunk=10):
    """Run every function over ``images`` chunk by chunk; return outputs and total seconds."""
    outputs = [[] for _ in funcs]
    seconds = np.zeros(len(funcs))
    for n, start in enumerate(range(0, len(images), chunk)):
        part = images[start:start + chunk]
        for k in np.roll(np.arange(len(funcs)), n):
            tic = time.perf_counter()
            outputs[k].append(funcs[k](part))
            seconds[k] += time.perf_counter() - tic
    return [np.concatenate(out) for out in outputs], seconds


def _relative(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0)))


def _columns(names, wanted):
    """Columns of ``wanted`` properties in a property-major (property, angle) row."""
    return np.concatenate([np.arange(4) + 4 * names.index(p) for p in wanted])


def run(images, levels):
    def step(properties):
        return GLCMFeatures((1,), ANGLES, levels=levels, properties=properties, aggregate="per_angle",
                            show_progress=False).fit(images[:1])

    six, thirteen, every = step(SKIMAGE_PROPERTIES), step(MAHOTAS_PROPERTIES), step(None)
    funcs = {
        "skimage_loop_6_props": lambda part: skimage_loop(part, levels),
        "GLCMFeatures_6_props": six.transform,
        "mahotas_13_props": lambda part: mahotas_loop(part, levels),
        "GLCMFeatures_13_props": thirteen.transform,
        "GLCMFeatures_16_props": every.transform,
    }
    for func in funcs.values():  # warm-up (imports, weight grids)
        func(images[:2])
    outputs, seconds = _interleaved(list(funcs.values()), images)
    out = dict(zip(funcs, outputs))

    vs_skimage = _relative(out["GLCMFeatures_6_props"][:, :-1], out["skimage_loop_6_props"])
    if vs_skimage > 1e-10:
        raise SystemExit(f"GLCMFeatures disagrees with skimage at {levels} levels "
                         f"(max relative difference {vs_skimage:.2e})")
    ours, theirs = out["GLCMFeatures_13_props"][:, :-1], out["mahotas_13_props"]
    same = _columns(MAHOTAS_PROPERTIES, SAME_DEFINITION)
    logs = _columns(MAHOTAS_PROPERTIES, LOG2_ENTROPIES)
    n = len(images)
    return {
        "img_per_s": {name: round(n / s, 1) for name, s in zip(funcs, seconds)},
        "speedup_vs_skimage_6_props": round(seconds[0] / seconds[1], 2),
        "speedup_vs_mahotas_13_props": round(seconds[2] / seconds[3], 2),
        "max_relative_difference_vs_skimage": vs_skimage,
        "max_relative_difference_vs_mahotas_same_definitions": _relative(ours[:, same], theirs[:, same]),
        "max_relative_difference_vs_mahotas_entropies_x_ln2": _relative(ours[:, logs],
                                                                        theirs[:, logs] * np.log(2)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="image folder (class sub-folders); synthetic smears if omitted")
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--levels", type=int, nargs="+", default=[256, 32])
    args = parser.parse_args(argv)
    images = _images(args)
    report = {"n_images": len(images), "image_shape": list(images.shape[1:])}
    for levels in args.levels:
        report[f"levels_{levels}"] = run(images, levels)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
