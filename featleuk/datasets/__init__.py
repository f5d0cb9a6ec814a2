"""Datasets: labelled image folders in the public ALL layouts, and synthetic smears."""

from ._duplicates import difference_hash, find_duplicate_groups
from ._folders import ARIA_CLASS_NAMES, LAYOUTS, MASK_MIN_FRACTION, load_image_folder
from ._load import load_dataset
from ._synthetic import SYNTHETIC_CLASS_NAMES, make_synthetic_smears, write_synthetic_smears

__all__ = [
    "load_dataset",
    "load_image_folder",
    "make_synthetic_smears",
    "write_synthetic_smears",
    "find_duplicate_groups",
    "difference_hash",
    "SYNTHETIC_CLASS_NAMES",
    "ARIA_CLASS_NAMES",
    "LAYOUTS",
    "MASK_MIN_FRACTION",
]
