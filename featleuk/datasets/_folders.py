"""Loading labelled image folders in the layouts of the public ALL datasets.

Each layout is a small function that lists ``(path, label, group)`` records;
:func:`load_image_folder` detects the layout, checks the files and builds the
``Bunch``. Layouts (see data/README.md for the trees):

- ``"aria"``: Aria et al. ALL dataset, ``Benign/Early/Pre/Pro`` or the Kaggle
  names, optionally under ``Original/`` or ``Segmented/``;
- ``"cnmc"``: C-NMC 2019, ``fold_k/all|hem`` with subject IDs in file names;
- ``"all_idb1"`` / ``"all_idb2"``: ``ImNNN_L.jpg|tif``, label in the name;
- ``"class_folders"``: any tree with one sub-folder per class.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..io import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, ImageReadError, read_image
from ..utils import progress

__all__ = ["load_image_folder", "LAYOUTS", "ARIA_CLASS_NAMES"]

ARIA_CLASS_NAMES = ["Benign", "Early", "Pre", "Pro"]
#: Folder names (lower-cased) of the Aria classes: the Mendeley names and Kaggle's.
_ARIA_FOLDERS = {
    "benign": 0, "early": 1, "pre": 2, "pro": 3,
    "[malignant] early pre-b": 1, "[malignant] pre-b": 2, "[malignant] pro-b": 3,
}
_CNMC_SUBJECT = re.compile(r"^UID_(H?\d+)_", re.IGNORECASE)
_IDB_NAME = re.compile(r"^Im(\d+)_([01])$", re.IGNORECASE)
LAYOUTS = ("auto", "aria", "cnmc", "all_idb1", "all_idb2", "class_folders")


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _images_in(folder: Path, recursive=False):
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in pattern if _is_image(p))


def _subdirs(folder: Path):
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- layout detection -----------------------------------------------------------------


def _aria_root(root: Path, variant: str):
    """The folder holding the Aria class folders, or None."""
    def has_classes(folder):
        labels = {_ARIA_FOLDERS.get(d.name.lower()) for d in _subdirs(folder)} - {None}
        return labels == {0, 1, 2, 3}

    if has_classes(root):
        return root
    wanted = {"original": "original", "segmented": "segmented"}[variant]
    for sub in _subdirs(root):
        if sub.name.lower() == wanted and has_classes(sub):
            return sub
    return None


def _cnmc_folds(root: Path):
    return sorted(p for p in root.rglob("fold_*") if p.is_dir() and re.fullmatch(r"fold_\d+", p.name))


def _idb_files(root: Path):
    return [p for p in _images_in(root, recursive=True) if _IDB_NAME.match(p.stem)]


def _detect(root: Path, variant: str) -> str:
    if _aria_root(root, variant) is not None:
        return "aria"
    if _cnmc_folds(root):
        return "cnmc"
    idb = _idb_files(root)
    if idb:
        return "all_idb2" if all(p.suffix.lower() in (".tif", ".tiff") for p in idb) else "all_idb1"
    if len([d for d in _subdirs(root) if _images_in(d, recursive=True)]) >= 2:
        return "class_folders"
    raise ValueError(
        f"cannot tell the layout of {str(root)!r}: looked for the Aria ALL class folders "
        "(Benign/Early/Pre/Pro or the Kaggle names, optionally under Original/ or Segmented/), "
        "C-NMC fold_k/all|hem folders, ALL-IDB ImNNN_L.jpg|tif files, and a tree with at least "
        "two class sub-folders holding images. Pass layout=... explicitly, or see data/README.md."
    )


# -- layouts: each returns records (path, class name, group) and extras ----------------


def _records_aria(root: Path, variant: str):
    base = _aria_root(root, variant)
    if base is None:
        raise ValueError(f"{str(root)!r} has no Aria ALL class folders (Benign/Early/Pre/Pro)")
    records = []
    for folder in _subdirs(base):
        label = _ARIA_FOLDERS.get(folder.name.lower())
        if label is not None:
            records += [(p, ARIA_CLASS_NAMES[label], None) for p in _images_in(folder, recursive=True)]
    return records, ARIA_CLASS_NAMES, {}


def _cnmc_subject(path: Path):
    match = _CNMC_SUBJECT.match(path.name)
    # Healthy IDs appear as UID_H3 and UID_h3: one subject, so normalise the case.
    return match.group(1).upper() if match else None


def _records_cnmc(root: Path, variant: str):
    records = []
    for fold in _cnmc_folds(root):
        for folder in _subdirs(fold):
            name = folder.name.lower()
            if name in ("all", "hem"):
                records += [(p, name, _cnmc_subject(p)) for p in _images_in(folder, recursive=True)]
    fold_dirs = {f.resolve() for f in _cnmc_folds(root)}
    unlabeled = []
    for folder in root.rglob("*"):
        if folder.is_dir() and "test" in folder.name.lower() and not any(
            parent.resolve() in fold_dirs for parent in [folder, *folder.parents]
        ):
            unlabeled += [str(p) for p in _images_in(folder)]
    return records, ["all", "hem"], {"unlabeled": np.asarray(sorted(set(unlabeled)), dtype=str)}


def _read_xyc(path: Path) -> np.ndarray:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return np.asarray([[int(float(v)) for v in row[:2]] for row in rows], dtype=int).reshape(-1, 2)


def _records_idb(root: Path, variant: str):
    records, centroids = [], {}
    for path in _idb_files(root):
        label = "ALL" if _IDB_NAME.match(path.stem).group(2) == "1" else "normal"
        records.append((path, label, None))
        xyc = path.with_suffix(".xyc")
        if xyc.is_file():
            centroids[str(path)] = _read_xyc(xyc)
    extras = {"centroids": centroids} if centroids else {}
    return records, ["normal", "ALL"], extras


def _records_class_folders(root: Path, variant: str):
    records = []
    for folder in _subdirs(root):
        records += [(p, folder.name, None) for p in _images_in(folder, recursive=True)]
    names = sorted({name for _, name, _ in records})
    return records, names, {}


_READERS = {
    "aria": _records_aria,
    "cnmc": _records_cnmc,
    "all_idb1": _records_idb,
    "all_idb2": _records_idb,
    "class_folders": _records_class_folders,
}


def _check_files(records, *, verify, on_error, max_pixels, show_progress):
    """Drop unreadable files from ``records``; return (kept, skipped) or raise."""
    kept, skipped = [], []
    for record in progress(records, desc="checking images", enabled=show_progress and verify):
        path = record[0]
        try:
            if path.stat().st_size == 0:
                raise ImageReadError(path, "file is empty (0 bytes)")
            if verify:
                read_image(path, max_pixels=max_pixels)
        except ImageReadError as exc:
            if on_error == "raise":
                raise
            skipped.append((str(path), exc.reason))
            continue
        kept.append(record)
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} unreadable image(s), e.g. {skipped[0][0]}: {skipped[0][1]}; "
            "the full list is in the returned Bunch's `skipped`",
            UserWarning,
            stacklevel=3,
        )
    return kept, skipped


def load_image_folder(
    path,
    *,
    layout="auto",
    variant="original",
    on_error="raise",
    verify=False,
    group_duplicates=False,
    max_pixels=DEFAULT_MAX_PIXELS,
    show_progress=True,
):
    """List a labelled image dataset folder.

    Parameters
    ----------
    path : str or path-like
        The dataset folder.
    layout : {"auto", "aria", "cnmc", "all_idb1", "all_idb2", "class_folders"}
        ``"auto"`` detects it (the result's ``layout`` says which).
    variant : {"original", "segmented"}, default="original"
        For the Aria dataset when both ``Original/`` and ``Segmented/`` exist.
    on_error : {"raise", "skip"}, default="raise"
        What to do with an unreadable file: raise ``ImageReadError`` naming it,
        or leave it out and list it in ``skipped`` (with a warning).
    verify : bool, default=False
        Decode every image now (slower) rather than only checking for empty
        files; truncated or non-image files are then caught here.
    group_duplicates : bool, default=False
        When the layout has no subject IDs, set ``groups`` to groups of
        byte-identical or near-identical images
        (:func:`featleuk.datasets.find_duplicate_groups`), so a group-aware
        cross-validation keeps copies of one field in one fold.
    max_pixels : int or None
        Decompression-bomb limit passed to ``read_image`` when verifying.

    Returns
    -------
    sklearn.utils.Bunch
        ``filenames`` (str array), ``target`` (int array), ``target_names``,
        ``groups`` (subject IDs, duplicate groups, or None), ``skipped``
        (list of (path, reason)), ``layout``, ``DESCR``, and per layout
        ``centroids`` (ALL-IDB1 ``.xyc`` blast centres, (k, 2) arrays of
        x, y by file name) or ``unlabeled`` (C-NMC test images).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if variant not in ("original", "segmented"):
        raise ValueError(f"variant must be 'original' or 'segmented', got {variant!r}")
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {str(root)!r} does not exist or is not a folder")
    if layout == "auto":
        layout = _detect(root, variant)
    records, target_names, extras = _READERS[layout](root, variant)
    if not records:
        raise ValueError(f"no images found in {str(root)!r} for layout {layout!r}")
    records, skipped = _check_files(records, verify=verify, on_error=on_error,
                                    max_pixels=max_pixels, show_progress=show_progress)
    index = {name: i for i, name in enumerate(target_names)}
    filenames = np.asarray([str(p) for p, _, _ in records], dtype=str)
    target = np.asarray([index[name] for _, name, _ in records], dtype=int)
    groups = None
    if any(g is not None for _, _, g in records):
        groups = np.asarray([g if g is not None else "" for _, _, g in records], dtype=str)
    elif group_duplicates:
        from ._duplicates import find_duplicate_groups

        groups = find_duplicate_groups(filenames, show_progress=show_progress)
    counts = ", ".join(f"{n}: {int((target == i).sum())}" for i, n in enumerate(target_names))
    descr = f"{len(filenames)} images from {root} (layout {layout}); {counts}."
    return Bunch(filenames=filenames, target=target, target_names=list(target_names), groups=groups,
                 skipped=skipped, layout=layout, DESCR=descr, **extras)
