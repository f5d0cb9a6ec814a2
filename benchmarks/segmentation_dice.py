"""Dice of every segmenter against the Aria et al. (2021) reference masks, per class.

    python benchmarks/segmentation_dice.py --data ../shared/datasets/aria_all \
        [--split holdout] [--max-per-class N] [--figure docs/results/segmentation-aria]

Reads the fields and their reference masks with
``load_image_folder(data, masks=True)`` (Benign and Early, the classes with a
``Segmented/`` copy; fields whose mask is nearly empty are listed and left
out) and prints, per class, the mean Dice [95% percentile-bootstrap CI] and
the images/second (one run, one process) of each segmenter with its current
defaults, with the defaults of featleuk 0.1 (``[old defaults]``), the
one-line baseline (Otsu's threshold on Lab a*, no clean-up) and the dataset
authors' own colour rule re-applied to ``Original/`` (a ceiling: how far the
reference masks agree with their own method). ``--split`` picks a seeded
50/50 half of each class (``tuning`` / ``holdout``): the defaults were tuned
on ``tuning`` and are reported on ``holdout``. ``--figure DIR`` saves the
best and worst fields of the default ``OtsuSegmenter`` per class.
"""

import argparse
from pathlib import Path

import cv2
import numpy as np

from featleuk.datasets import MASK_MIN_FRACTION, load_image_folder
from featleuk.evaluation import save_figure
from featleuk.segmentation import (
    FuzzyCMeansSegmenter,
    KMeansSegmenter,
    MaskPostprocessor,
    OtsuSegmenter,
    evaluate_segmentation,
    lab_a_otsu_baseline,
    load_mask,
    segmentation_figure,
)
from featleuk.io import read_image

CLASSES = ("Benign", "Early")
SPLIT_SEED = 0
COMMON = dict(n_jobs=1, show_progress=False)


def old_postprocess():
    """``MaskPostprocessor()`` of featleuk 0.1: one opening, specks under 0.2% removed."""
    return MaskPostprocessor(opening_iterations=1, min_size=0.002)


def authors_rule(rgb):
    """The reference masks' own rule, recovered from ``Segmented/``: a box in OpenCV HSV.

    The Segmented files are the OpenCV HSV image of the field read as BGR
    (red and blue swapped), saved as RGB (V, S, H) with the background
    zeroed; the kept pixels are hue >= 167 (of 180) and saturation >= 50 (of
    255) of that image, i.e. hue 240-266 degrees of the true colours.
    """
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_BGR2HSV)
    return (hsv[..., 0] >= 167) & (hsv[..., 1] >= 50)


def candidates():
    """(label, factory of a segmenter or callable) for every row of the table."""
    return [
        ("OtsuSegmenter()", lambda: OtsuSegmenter(**COMMON)),
        ("KMeansSegmenter()", lambda: KMeansSegmenter(**COMMON)),
        ("FuzzyCMeansSegmenter()", lambda: FuzzyCMeansSegmenter(**COMMON)),
        ("OtsuSegmenter() [old defaults]",
         lambda: OtsuSegmenter("purple", postprocess=old_postprocess(), **COMMON)),
        ("KMeansSegmenter() [old defaults]",
         lambda: KMeansSegmenter(3, "lab", channel="purple", postprocess=old_postprocess(),
                                 **COMMON)),
        ("FuzzyCMeansSegmenter() [old defaults]",
         lambda: FuzzyCMeansSegmenter(4, channel="purple", postprocess=old_postprocess(),
                                      **COMMON)),
        ("baseline: Otsu on Lab a*, no clean-up", lambda: lab_a_otsu_baseline),
        ("dataset authors' rule re-applied (ceiling)", lambda: authors_rule),
    ]


def select(n, split, max_per_class):
    """Positions of the ``split`` half of ``n`` fields (seeded), at most ``max_per_class``."""
    order = np.random.RandomState(SPLIT_SEED).permutation(n)
    half = n // 2
    order = {"all": order, "tuning": order[:half], "holdout": order[half:]}[split]
    return np.sort(order[:max_per_class] if max_per_class else order)


def load_fields(data, split, max_per_class, min_fraction):
    """``{class: (image paths, masks)}`` and the nearly-empty list of the Bunch."""
    bunch = load_image_folder(data, masks=True, mask_min_fraction=min_fraction,
                              show_progress=False)
    fields = {}
    for cls in CLASSES:
        label = bunch.target_names.index(cls)
        # Nearly empty masks are None in bunch.masks: the split is drawn over
        # the usable fields only.
        usable = [(f, m) for f, m, t in zip(bunch.filenames, bunch.masks, bunch.target)
                  if t == label and m is not None]
        if not usable:
            raise SystemExit(f"--data {data}: no reference masks for {cls} "
                             "(pass the aria_all folder, with Original/ and Segmented/)")
        chosen = [usable[i] for i in select(len(usable), split, max_per_class)]
        fields[cls] = ([f for f, _ in chosen], np.stack([load_mask(m) for _, m in chosen]))
    return fields, bunch.masks_nearly_empty


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the aria_all folder (Original/, Segmented/)")
    parser.add_argument("--max-per-class", type=int, default=None,
                        help="score at most this many fields per class (default: all)")
    parser.add_argument("--split", choices=("all", "tuning", "holdout"), default="all",
                        help="seeded 50/50 half of each class to score (default: all)")
    parser.add_argument("--min-mask-fraction", type=float, default=MASK_MIN_FRACTION,
                        help=f"leave out fields whose reference mask covers less than this "
                             f"({MASK_MIN_FRACTION})")
    parser.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--figure", type=Path, default=None,
                        help="save the best / worst fields of OtsuSegmenter() per class here")
    args = parser.parse_args(argv)

    fields, nearly_empty = load_fields(args.data, args.split, args.max_per_class,
                                       args.min_mask_fraction)
    listed = ", ".join(f"{Path(f).name} ({fr:.2%})" for f, _, fr in nearly_empty) or "none"
    print(f"nearly empty reference masks (< {args.min_mask_fraction:.1%} of the field), left "
          f"out: {listed}")
    images = {cls: np.stack([read_image(f) for f in paths]) for cls, (paths, _) in fields.items()}
    counts = ", ".join(f"{cls}: {len(images[cls])}" for cls in CLASSES)
    print(f"split={args.split}; fields scored: {counts}\n")
    print("| segmenter | " + " | ".join(f"{c} Dice [95% CI]" for c in CLASSES) + " | img/s |")
    print("|---|" + "---|" * len(CLASSES) + "---|")
    for label, factory in candidates():
        segmenter = factory()
        cells, n_images, seconds = [], 0, 0.0
        for cls in CLASSES:
            result = evaluate_segmentation(segmenter, images[cls], fields[cls][1],
                                           n_resamples=args.n_resamples)
            cells.append(result.summary())
            n_images += result.n_images
            seconds += result.seconds
        print(f"| {label} | {' | '.join(cells)} | {n_images / seconds:.0f} |", flush=True)

    if args.figure is not None:
        for cls in CLASSES:
            paths, masks = fields[cls]
            fig = segmentation_figure(OtsuSegmenter(**COMMON), images[cls], masks, names=paths,
                                      title=f"OtsuSegmenter() on Aria {cls} ({args.split} fields): "
                                            "best and worst Dice")
            print("saved", save_figure(fig, args.figure / f"otsu_{cls.lower()}_{args.split}.png"))


if __name__ == "__main__":
    main()
