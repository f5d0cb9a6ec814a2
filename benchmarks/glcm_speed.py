"""GLCMFeatures vs a per-image skimage loop: speed ratio measured in one run.

Both sides get the same decoded images, the same grey conversion, 256 grey
levels, distance 1, the four angles 0/45/90/135 degrees, symmetric
normalised matrices and the six ``graycoprops`` properties; both run in one
process (``n_jobs=1``). The outputs are checked to agree before the ratio is
printed. A second timing gives GLCMFeatures with all 16 properties. The
machine is shared, so the three runs are interleaved in chunks of 10 images
(order rotated per chunk): a burst of load from elsewhere then slows all of
them, not one.

    python benchmarks/glcm_speed.py --data ../shared/datasets/aria_all/Original --n-images 200
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
from featleuk.features._handcrafted import to_channel
from featleuk.images import load_images

SKIMAGE_PROPERTIES = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation")
ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _images(args):
    if args.data:
        paths = load_image_folder(args.data).filenames
        rng = np.random.default_rng(0)
        index = rng.choice(len(paths), size=min(args.n_images, len(paths)), replace=False)
        return np.stack(load_images([paths[i] for i in sorted(index)]))
    return make_synthetic_smears(args.n_images, random_state=0)[0]


def skimage_loop(images):
    rows = []
    for image in images:
        gray = to_channel(image[..., :3], "gray")
        P = graycomatrix(gray, [1], ANGLES, levels=256, symmetric=True, normed=True)
        rows.append(np.concatenate([graycoprops(P, p).ravel() for p in SKIMAGE_PROPERTIES]))
    return np.asarray(rows)


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="image folder (class sub-folders); synthetic smears if omitted")
    parser.add_argument("--n-images", type=int, default=200)
    args = parser.parse_args(argv)
    images = _images(args)

    six = GLCMFeatures((1,), ANGLES, properties=SKIMAGE_PROPERTIES, aggregate="per_angle",
                       show_progress=False).fit(images[:1])
    every = GLCMFeatures((1,), ANGLES, show_progress=False).fit(images[:1])
    six.transform(images[:2])  # warm-up (imports, weight grids)
    skimage_loop(images[:2])

    (reference, ours, _), (t_skimage, t_six, t_every) = _interleaved(
        [skimage_loop, six.transform, every.transform], images)
    max_diff = float(np.max(np.abs(ours[:, :-1] - reference) / np.maximum(np.abs(reference), 1.0)))
    if max_diff > 1e-10:
        raise SystemExit(f"GLCMFeatures disagrees with skimage (max relative difference {max_diff:.2e})")

    n = len(images)
    print(json.dumps({
        "n_images": n,
        "image_shape": list(images.shape[1:]),
        "img_per_s": {
            "skimage_loop_6_props": round(n / t_skimage, 1),
            "GLCMFeatures_6_props": round(n / t_six, 1),
            "GLCMFeatures_16_props": round(n / t_every, 1),
        },
        "speedup_6_props": round(t_skimage / t_six, 2),
        "speedup_16_props_vs_skimage_6": round(t_skimage / t_every, 2),
        "max_relative_difference": max_diff,
    }, indent=1))


if __name__ == "__main__":
    main()
