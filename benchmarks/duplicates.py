"""Count identical and near-identical images in a dataset, and show the dHash distance gap.

    python benchmarks/duplicates.py --data ../shared/datasets/aria_all/Original

Prints the number of byte-identical pairs, the number of near pairs at each
Hamming threshold (of 256 dHash bits), whether the pairs at each distance
share a class, and the groups found with featleuk's default threshold.
"""

import argparse
import time

import numpy as np

from featleuk.datasets import find_duplicate_groups, load_image_folder
from featleuk.datasets._duplicates import DEFAULT_MAX_DISTANCE


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--scan-to", type=int, default=100, help="largest distance to list")
    args = parser.parse_args(argv)
    data = load_image_folder(args.data, show_progress=False)
    start = time.perf_counter()
    _, pairs = find_duplicate_groups(data.filenames, max_distance=args.scan_to, return_pairs=True,
                                     show_progress=False)
    elapsed = time.perf_counter() - start
    exact = [p for p in pairs if p[2] == 0]
    print(f"{len(data.filenames)} images hashed in {elapsed:.1f} s; byte-identical pairs: {len(exact)}")
    print("distance  near pairs <= d  of which same class")
    near = [p for p in pairs if p[2] > 0]
    for d in range(10, args.scan_to + 1, 10):
        within = [p for p in near if p[2] <= d]
        same = sum(data.target[i] == data.target[j] for i, j, _ in within)
        print(f"{d:8d}  {len(within):15d}  {same:20d}")
    groups = find_duplicate_groups(data.filenames, show_progress=False)
    sizes = np.bincount(groups)
    print(f"default max_distance={DEFAULT_MAX_DISTANCE}: {len(sizes)} groups, "
          f"{int((sizes > 1).sum())} with copies ({int(sizes[sizes > 1].sum())} images)")


if __name__ == "__main__":
    main()
