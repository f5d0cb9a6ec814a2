"""Dice of every segmenter against the Aria et al. (2021) reference masks, per class.

    python benchmarks/segmentation_dice.py --data ../shared/datasets/aria_all \
        [--max-per-class 150] [--split holdout]

Pairs ``Original/<class>/<name>`` with ``Segmented/<class>/<name>`` (Benign and
Early, the classes with reference masks; a mask is "grey level > 20", see
``featleuk.segmentation.load_mask``), drops the fields whose reference mask
is nearly empty (below ``--min-mask-fraction`` of the pixels, listed), and
prints the mean Dice [95% percentile-bootstrap CI] per class and the
images/second of each segmenter: the current defaults, proposed settings
(labelled), and the one-line baseline (Otsu's threshold on Lab a*, no
post-processing). ``--split`` picks a seeded 50/50 split of each class
(``tuning`` / ``holdout``) so that settings tuned on one half are reported on
the other. Proposed settings that need a channel or colour space this
version of featleuk does not have (``hsv_purple``, k-means on the stain
channel) are listed as skipped.
"""

import argparse
import os
from pathlib import Path

import numpy as np
from skimage.color import rgb2lab
from skimage.filters import threshold_otsu

from featleuk.io import read_image
from featleuk.utils._sklearn_compat import InvalidParameterError
from featleuk.segmentation import (
    FuzzyCMeansSegmenter,
    KMeansSegmenter,
    MaskPostprocessor,
    OtsuSegmenter,
    evaluate_segmentation,
    load_mask,
)

CLASSES = ("Benign", "Early")
SPLIT_SEED = 0
COMMON = dict(n_jobs=1, show_progress=False)
NO_CLEANUP = dict(opening_iterations=0, closing_iterations=0, fill_holes=False, min_size=0)

#: The "light" clean-up of the proposed rows: no opening (it erodes the thin
#: rims the reference keeps), closing and hole filling as by default, and
#: only specks under 20 px removed (the default 0.2% of the field, 100 px at
#: 224 px, drops the stain fragments and small cells the reference keeps).
LIGHT_MIN_SIZE = 20


def lab_a_otsu(rgb):
    """The one-line baseline: Otsu's threshold on Lab a*."""
    a = rgb2lab(rgb)[..., 1]
    return a > threshold_otsu(a)


def candidates():
    """(label, factory of a segmenter or baseline callable) for every row of the table."""
    light = dict(opening_iterations=0, min_size=LIGHT_MIN_SIZE)
    post = MaskPostprocessor
    return [
        ("OtsuSegmenter() [default]", lambda: OtsuSegmenter(**COMMON)),
        ("KMeansSegmenter() [default]", lambda: KMeansSegmenter(**COMMON)),
        ("FuzzyCMeansSegmenter() [default]", lambda: FuzzyCMeansSegmenter(**COMMON)),
        ("Otsu lab_a, no clean-up [existing params]",
         lambda: OtsuSegmenter("lab_a", postprocess=post(**NO_CLEANUP), **COMMON)),
        ("KMeans k=3 lab_a, no clean-up [existing params]",
         lambda: KMeansSegmenter(3, stain_channel="lab_a", postprocess=post(**NO_CLEANUP), **COMMON)),
        ("FCM k=3 lab_a, no clean-up [existing params]",
         lambda: FuzzyCMeansSegmenter(3, channel="lab_a", postprocess=post(**NO_CLEANUP), **COMMON)),
        ("Otsu hsv_purple, default clean-up [proposed]",
         lambda: OtsuSegmenter("hsv_purple", **COMMON)),
        ("Otsu hsv_purple, light clean-up [proposed]",
         lambda: OtsuSegmenter("hsv_purple", postprocess=post(**light), **COMMON)),
        ("KMeans k=2 stain hsv_purple, light [proposed]",
         lambda: KMeansSegmenter(2, "stain", stain_channel="hsv_purple", postprocess=post(**light),
                                 **COMMON)),
        ("FCM k=2 hsv_purple, light clean-up [proposed]",
         lambda: FuzzyCMeansSegmenter(2, channel="hsv_purple", postprocess=post(**light), **COMMON)),
        ("baseline: Otsu on Lab a*", lambda: lab_a_otsu),
    ]


def field_names(data, cls):
    masks_dir = Path(data) / "Segmented" / cls
    if not masks_dir.is_dir():
        raise SystemExit(f"--data {data}: no {masks_dir}; pass the aria_all folder "
                         "(with Original/ and Segmented/)")
    names = sorted(os.listdir(masks_dir))
    missing = [n for n in names if not (Path(data) / "Original" / cls / n).is_file()]
    if missing:
        raise SystemExit(f"{len(missing)} masks in {masks_dir} have no image in Original/{cls}, "
                         f"e.g. {missing[0]}")
    return names


def select(names, split, max_per_class):
    order = np.random.RandomState(SPLIT_SEED).permutation(len(names))
    half = len(names) // 2
    order = {"all": order, "tuning": order[:half], "holdout": order[half:]}[split]
    if max_per_class:
        order = order[:max_per_class]
    return [names[i] for i in order]


def load_class(data, cls, split, max_per_class, min_fraction):
    names = select(field_names(data, cls), split, max_per_class)
    masks = [load_mask(Path(data) / "Segmented" / cls / n) for n in names]
    empty = [(n, m.mean()) for n, m in zip(names, masks) if m.mean() < min_fraction]
    keep = [i for i, m in enumerate(masks) if m.mean() >= min_fraction]
    images = np.stack([read_image(Path(data) / "Original" / cls / names[i]) for i in keep])
    return images, np.stack([masks[i] for i in keep]), empty


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the aria_all folder")
    parser.add_argument("--max-per-class", type=int, default=None,
                        help="score at most this many fields per class (default: all)")
    parser.add_argument("--split", choices=("all", "tuning", "holdout"), default="all",
                        help="seeded 50/50 half of each class to score (default: all)")
    parser.add_argument("--min-mask-fraction", type=float, default=0.005,
                        help="drop fields whose reference mask covers less than this (0.005)")
    parser.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples")
    args = parser.parse_args(argv)

    fields = {}
    for cls in CLASSES:
        images, masks, empty = load_class(args.data, cls, args.split, args.max_per_class,
                                          args.min_mask_fraction)
        fields[cls] = images, masks
        listed = ", ".join(f"{n} ({f:.2%})" for n, f in empty) or "none"
        print(f"{cls}: {len(images)} fields scored; nearly empty reference masks "
              f"(< {args.min_mask_fraction:.1%} of pixels) excluded: {listed}")

    header = f"{'segmenter':50s}" + "".join(f"{c + ' Dice [95% CI]':>26s}" for c in CLASSES)
    print(f"\nsplit={args.split}\n{header}{'img/s':>9s}")
    for label, factory in candidates():
        segmenter = factory()
        cells, n_images, seconds = [], 0, 0.0
        try:
            for cls in CLASSES:
                images, masks = fields[cls]
                result = evaluate_segmentation(segmenter, images, masks,
                                               n_resamples=args.n_resamples)
                cells.append(f"{result.summary():>26s}")
                n_images += result.n_images
                seconds += result.seconds
        except InvalidParameterError as error:
            # Proposed settings may name a channel or colour space this
            # version of featleuk does not have yet.
            print(f"{label:50s}  skipped: {str(error).splitlines()[0][:90]}")
            continue
        print(f"{label:50s}{''.join(cells)}{n_images / seconds:9.1f}", flush=True)

if __name__ == "__main__":
    main()
