"""Loading labelled image folders in the layouts of the public ALL datasets.

Each layout is a small function that lists :class:`_Record` s (path, class
name, group, per-file extras); :func:`load_image_folder` detects the layout,
checks the files and builds the ``Bunch``. Layouts (data/README.md shows the
trees):

- ``"aria"``: Aria et al. ALL dataset, ``Benign/Early/Pre/Pro`` or the Kaggle
  names, optionally under ``Original/`` or ``Segmented/``;
- ``"cnmc"``: C-NMC 2019, ``fold_k/all|hem`` with subject IDs in file names;
- ``"all_idb1"`` / ``"all_idb2"``: ``ImNNN_L.jpg|tif``, label in the name;
- ``"class_folders"``: any tree with one sub-folder per class.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import warnings
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch

from ..io import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, ImageReadError, read_image
from ..utils import parallel_map

__all__ = ["load_image_folder", "LAYOUTS", "ARIA_CLASS_NAMES", "MASK_MIN_FRACTION"]

ARIA_CLASS_NAMES = ["Benign", "Early", "Pre", "Pro"]
#: Folder names (lower case, single spaces) of the Aria classes: Mendeley's and Kaggle's.
_ARIA_FOLDERS = {
    "benign": 0, "early": 1, "pre": 2, "pro": 3,
    "[malignant] early pre-b": 1, "[malignant] pre-b": 2, "[malignant] pro-b": 3,
}
_ARIA_VARIANTS = ("original", "segmented")
CNMC_CLASS_NAMES = ["all", "hem"]
IDB_CLASS_NAMES = ["normal", "ALL"]
_CNMC_SUBJECT = re.compile(r"^UID_(H?\d+)_", re.IGNORECASE)
_CNMC_FOLD = re.compile(r"^fold_(\d+)$", re.IGNORECASE)
_IDB_NAME = re.compile(r"^Im(\d+)_([01])$", re.IGNORECASE)
LAYOUTS = ("auto", "aria", "cnmc", "all_idb1", "all_idb2", "class_folders")

_DESCRIPTIONS = {
    "aria": (
        "Aria et al. acute lymphoblastic leukemia (ALL) image dataset: peripheral blood smear "
        "fields from Taleqani Hospital (Tehran), classes Benign (hematogones), Early (early "
        "Pre-B ALL), Pre (Pre-B ALL), Pro (Pro-B ALL). Published on Kaggle "
        "(mehradaria/leukemia) and Mendeley Data by M. Aria et al.; cite them. No patient IDs "
        "are published, and the dataset holds byte-identical and near-identical fields: "
        "use group_duplicates=True to keep them in one fold."
    ),
    "cnmc": (
        "C-NMC 2019 (ISBI 2019 challenge, The Cancer Imaging Archive, CC BY 3.0; Mourya, Kant, "
        "Kumar, Gupta & Gupta): single segmented cells, classes all (leukemic blast) and hem "
        "(normal). groups are subject IDs: split by subject."
    ),
    "all_idb1": (
        "ALL-IDB1 (University of Milan; Labati, Piuri & Scotti, ICIP 2011): full smear fields, "
        "label from the ImNNN_L name (1 = contains ALL blasts, 0 = normal); centroids holds "
        "the blast centres of the .xyc files."
    ),
    "all_idb2": (
        "ALL-IDB2 (University of Milan; Labati, Piuri & Scotti, ICIP 2011): cropped cells, "
        "label from the ImNNN_L name (1 = blast, 0 = normal)."
    ),
    "class_folders": "A class-per-folder image tree; the class names are the sub-folder names.",
}


class _Record(NamedTuple):
    path: Path
    label: str
    group: str | None = None
    fold: int | None = None


def _is_image(path: Path) -> bool:
    """An entry that looks like an image: its suffix, not hidden, not a folder.

    Broken symbolic links and link loops count too (``is_file`` says False
    for them), so that they are reported in ``skipped`` rather than dropped.
    """
    if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
        return False
    return path.is_file() or (path.is_symlink() and not path.is_dir())


def _images_in(folder: Path, recursive=False):
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in found if _is_image(p) and not _hidden_below(p, folder))


def _hidden_below(path: Path, top: Path) -> bool:
    """True if a folder between ``top`` and ``path`` is hidden (``.git``, ``.ipynb_checkpoints``)."""
    return any(part.startswith(".") for part in path.relative_to(top).parts[:-1])


def _subdirs(folder: Path):
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- Aria -----------------------------------------------------------------------------


def _aria_label(name: str):
    return _ARIA_FOLDERS.get(" ".join(name.lower().split()))


def _aria_class_dirs(folder: Path):
    return {d: _aria_label(d.name) for d in _subdirs(folder) if _aria_label(d.name) is not None}


def _aria_base(root: Path, variant, require_all: bool):
    """The folder holding the Aria class folders (``root`` or its Original/Segmented), or None."""
    def ok(folder):
        labels = set(_aria_class_dirs(folder).values())
        return labels == {0, 1, 2, 3} if require_all else bool(labels)

    if ok(root):
        return root
    found = {d.name.lower(): d for d in _subdirs(root) if d.name.lower() in _ARIA_VARIANTS and ok(d)}
    # Default to Original when both exist (the Segmented copy has near-empty masks).
    for name in [variant] if variant is not None else _ARIA_VARIANTS:
        if name in found:
            return found[name]
    return None


def _records_aria(root: Path, variant, on_error):
    base = _aria_base(root, variant, require_all=False)
    if base is None:
        wanted = f"{variant.capitalize()}/" if variant else "Original/ or Segmented/"
        raise ValueError(
            f"{str(root)!r} has no Aria ALL class folders (Benign, Early, Pre, Pro or the Kaggle "
            f"names '[Malignant] early Pre-B', ...), directly or under {wanted}"
        )
    classes = _aria_class_dirs(base)
    others = [d.name for d in _subdirs(base) if d not in classes and _images_in(d, recursive=True)]
    if others:
        warnings.warn(f"ignoring folders that are not Aria classes in {str(base)!r}: {others}",
                      UserWarning, stacklevel=3)
    records = [_Record(p, ARIA_CLASS_NAMES[label], None)
               for folder, label in sorted(classes.items(), key=lambda item: item[1])
               for p in _images_in(folder, recursive=True)]
    return records, ARIA_CLASS_NAMES, {"variant": base.name if base != root else None,
                                       "_base": base}


# -- C-NMC 2019 -----------------------------------------------------------------------


def _cnmc_folds(root: Path):
    return sorted(p for p in root.rglob("*") if p.is_dir() and _CNMC_FOLD.match(p.name)
                  and not _hidden_below(p, root) and any(_is_cnmc_class(d) for d in _subdirs(p)))


def _is_cnmc_class(folder: Path) -> bool:
    return folder.name.lower() in CNMC_CLASS_NAMES


def _cnmc_subject(path: Path):
    match = _CNMC_SUBJECT.match(path.name)
    # Healthy IDs appear as UID_H3 and UID_h3: one subject, so normalise the case.
    return match.group(1).upper() if match else None


def _records_cnmc(root: Path, variant, on_error):
    folds = _cnmc_folds(root)
    records, unnamed = [], []
    for fold in folds:
        fold_number = int(_CNMC_FOLD.match(fold.name).group(1))
        for folder in filter(_is_cnmc_class, _subdirs(fold)):
            for path in _images_in(folder, recursive=True):
                subject = _cnmc_subject(path)
                if subject is None:
                    # Its own group: never merged with another unknown subject.
                    unnamed.append(path)
                    subject = f"?{path.relative_to(root)}"
                records.append(_Record(path, folder.name.lower(), subject, fold_number))
    if unnamed:
        warnings.warn(
            f"{len(unnamed)} C-NMC file(s) have no UID_<subject>_ prefix, e.g. {str(unnamed[0])!r}; "
            "each is put in a group of its own ('?<path>')", UserWarning, stacklevel=3)
    inside_folds = {f.resolve() for f in folds}
    unlabeled = [
        p for folder in root.rglob("*")
        if folder.is_dir() and "test" in folder.name.lower() and not _hidden_below(folder, root)
        and inside_folds.isdisjoint({folder.resolve(), *folder.resolve().parents})
        for p in _images_in(folder)
    ]
    return records, CNMC_CLASS_NAMES, {"unlabeled": sorted(set(unlabeled))}


# -- ALL-IDB1 / ALL-IDB2 --------------------------------------------------------------


def _idb_files(root: Path):
    return [p for p in _images_in(root, recursive=True) if _IDB_NAME.match(p.stem)]


def _read_xyc(path: Path) -> np.ndarray:
    """Blast centres of an ALL-IDB1 ``.xyc`` file: one ``x y`` pair per line (tabs or spaces)."""
    rows = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        fields = line.replace(",", " ").split()
        if not fields:
            continue
        try:
            rows.append([int(round(float(v))) for v in fields[:2]])
        except ValueError:
            raise ValueError(f"line {number} is not 'x y': {line.strip()!r}") from None
        if len(rows[-1]) != 2:
            raise ValueError(f"line {number} is not 'x y': {line.strip()!r}")
    return np.asarray(rows, dtype=int).reshape(-1, 2)


def _records_idb(root: Path, variant, on_error):
    records = [_Record(p, IDB_CLASS_NAMES[int(_IDB_NAME.match(p.stem).group(2))])
               for p in _idb_files(root)]
    # .xyc files sit beside the images or in a folder of their own (e.g. xyc/).
    xyc_files = {p.stem.lower(): p for p in sorted(root.rglob("*"))
                 if p.suffix.lower() == ".xyc" and p.is_file() and not _hidden_below(p, root)}
    centroids, bad = {}, []
    for record in records:
        xyc = xyc_files.get(record.path.stem.lower())
        if xyc is None:
            continue
        try:
            centroids[str(record.path)] = _read_xyc(xyc)
        except (ValueError, OSError) as exc:
            if on_error == "raise":
                raise ValueError(f"cannot read centroid file {str(xyc)!r}: {exc}") from exc
            bad.append((str(xyc), f"unreadable centroid file: {exc}"))
    extras = {"centroids": centroids} if xyc_files else {}
    return records, IDB_CLASS_NAMES, extras | ({"_bad_files": bad} if bad else {})


# -- generic class folders ------------------------------------------------------------


def _records_class_folders(root: Path, variant, on_error):
    records = [_Record(p, folder.name) for folder in _subdirs(root) for p in _images_in(folder, recursive=True)]
    return records, sorted({r.label for r in records}), {}


_READERS = {
    "aria": _records_aria,
    "cnmc": _records_cnmc,
    "all_idb1": _records_idb,
    "all_idb2": _records_idb,
    "class_folders": _records_class_folders,
}


def _detect(root: Path, variant) -> str:
    if _aria_base(root, variant, require_all=True) is not None:
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
        f"two class sub-folders holding images ({', '.join(sorted(IMAGE_SUFFIXES))}). "
        "Pass layout=... explicitly, or see data/README.md."
    )


# -- reference masks (Aria Segmented/) ---------------------------------------------------

#: Default of ``mask_min_fraction``: a reference mask covering less than 0.5%
#: of its field (250 px of a 224 x 224 field, well under one small
#: lymphocyte) is taken as a failed mask, not as a field without cells.
MASK_MIN_FRACTION = 0.005


def _segmented_sibling(base: Path):
    """The ``Segmented/`` folder beside an Aria ``Original/`` folder, or None."""
    if base.name.lower() != "original":
        return None
    found = [d for d in _subdirs(base.parent) if d.name.lower() == "segmented"]
    return found[0] if found else None


def _pair_masks(records, base: Path, segmented: Path):
    """The mask file of each record (same class, same path below it; else same stem), or None."""
    classes = {label: folder for folder, label in _aria_class_dirs(segmented).items()}
    by_stem = {}
    for label, folder in classes.items():
        for p in _images_in(folder, recursive=True):
            by_stem.setdefault((label, p.relative_to(folder).with_suffix("").as_posix().lower()), p)
    image_dirs = list(_aria_class_dirs(base))
    paired, used = [], set()
    for record in records:
        label = ARIA_CLASS_NAMES.index(record.label)
        folder = classes.get(label)
        match = None
        if folder is not None:
            rel = record.path.relative_to(next(d for d in image_dirs if d in record.path.parents))
            exact = folder / rel
            match = exact if exact.is_file() else by_stem.get(
                (label, rel.with_suffix("").as_posix().lower()))
        paired.append(match)
        if match is not None:
            used.add(match)
    unpaired = sum(1 for p in by_stem.values() if p not in used)
    return paired, unpaired


def _mask_fraction(path):
    """Fraction of the pixels of a mask file in the mask (``load_mask``), or the error."""
    from ..segmentation import load_mask

    try:
        return float(load_mask(path).mean())
    except (ImageReadError, OSError, ValueError) as exc:
        return exc


def _read_masks(records, base, *, on_error, min_fraction, n_jobs, show_progress):
    """Bunch entries ``masks``, ``masks_nearly_empty``, ``mask_min_fraction`` and bad mask files."""
    segmented = _segmented_sibling(base)
    if segmented is None:
        raise ValueError(
            f"masks=True needs an Aria 'Segmented/' folder beside 'Original/'; {str(base)!r} is "
            "not an Original/ folder with one. Pass the folder holding both (e.g. aria_all/).")
    paired, unpaired = _pair_masks(records, base, segmented)
    present = [p for p in paired if p is not None]
    fractions = dict(zip(present, parallel_map(_mask_fraction, present, n_jobs=n_jobs,
                                               desc="reading masks", show_progress=show_progress)))
    masks, nearly_empty, bad = [], [], []
    for record, mask_path in zip(records, paired):
        fraction = fractions.get(mask_path)
        if isinstance(fraction, Exception):
            if on_error == "raise":
                raise ImageReadError(str(mask_path), f"unreadable mask file: {fraction}")
            bad.append((str(mask_path), f"unreadable mask file: {fraction}"))
            mask_path = None
        elif fraction is not None and fraction < min_fraction:
            nearly_empty.append((str(record.path), str(mask_path), fraction))
            mask_path = None
        masks.append(None if mask_path is None else str(mask_path))
    entries = {"masks": np.asarray(masks, dtype=object), "masks_nearly_empty": nearly_empty,
               "mask_min_fraction": float(min_fraction)}
    summary = (f"masks: {sum(m is not None for m in masks)} reference masks from "
               f"{segmented.name}/ (read with featleuk.segmentation.load_mask); "
               f"{len(nearly_empty)} nearly empty (< {min_fraction:.2%} of the field) left out "
               "and listed in `masks_nearly_empty`")
    if unpaired:
        summary += f"; {unpaired} mask file(s) without a matching image ignored"
    return entries, bad, summary + "."


# -- checking files -------------------------------------------------------------------


def _unreachable(path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points back to itself)"
    if os.path.islink(path) and exc.errno == errno.ENOENT:
        return f"broken symbolic link (its target {os.readlink(path)!r} does not exist)"
    return f"cannot access file ({exc.strerror})"


def _problem(path, *, verify, max_pixels):
    """Why ``path`` cannot be used (a short reason), or None."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size == 0:
            return "file is empty (0 bytes)"
        if verify:
            read_image(path, max_pixels=max_pixels)
    except ImageReadError as exc:
        return exc.reason
    except OSError as exc:
        return _unreachable(path, exc)
    return None


def _check_files(paths, *, verify, on_error, max_pixels, n_jobs, show_progress):
    """Boolean mask of usable ``paths`` and the ``(path, reason)`` of the others.

    Without ``verify`` only the size is checked (one ``stat`` per file), so
    listing a dataset stays instant; ``verify`` decodes every image.
    """
    check = partial(_problem, verify=verify, max_pixels=max_pixels)
    reasons = parallel_map(check, [str(p) for p in paths], n_jobs=n_jobs if verify else None,
                           desc="checking images", show_progress=show_progress and verify)
    skipped = [(str(p), reason) for p, reason in zip(paths, reasons) if reason is not None]
    if skipped and on_error == "raise":
        raise ImageReadError(*skipped[0])
    return np.asarray([reason is None for reason in reasons], dtype=bool), skipped


def _describe(layout, root, target, target_names, groups_kind, skipped, variant, masks_line=None):
    counts = ", ".join(f"{name}: {int((target == i).sum())}" for i, name in enumerate(target_names))
    where = f"{root}" + (f" ({variant}/)" if variant else "")
    lines = [
        _DESCRIPTIONS[layout],
        "",
        f"Loaded by featleuk.datasets.load_image_folder (layout={layout!r}) from {where}:",
        f"{len(target)} images; {counts}.",
        f"groups: {groups_kind}.",
    ]
    if masks_line:
        lines.append(masks_line)
    if skipped:
        lines.append(f"{len(skipped)} unreadable file(s) left out, listed in `skipped`.")
    return "\n".join(lines)


def load_image_folder(
    path,
    *,
    layout="auto",
    variant=None,
    on_error="raise",
    verify=False,
    group_duplicates=False,
    masks=False,
    mask_min_fraction=MASK_MIN_FRACTION,
    max_pixels=DEFAULT_MAX_PIXELS,
    n_jobs=None,
    show_progress=True,
):
    """List a labelled image dataset folder.

    Files are listed, not decoded (unless ``verify=True``): pass
    ``bunch.filenames`` to any featleuk image step, which reads them lazily.
    Only ``featleuk.io.IMAGE_SUFFIXES`` files count (any case); hidden files
    and folders and other files (README, Thumbs.db, .csv) are ignored. Every
    entry with an image suffix is either listed or reported (``on_error``):
    empty files, broken symbolic links and link loops too.

    Parameters
    ----------
    path : str or path-like
        The dataset folder.
    layout : {"auto", "aria", "cnmc", "all_idb1", "all_idb2", "class_folders"}, default="auto"
        ``"auto"`` detects it (the result's ``layout`` says which); an
        unrecognised folder raises ``ValueError`` saying what was looked for.
        See data/README.md for the folder trees.
    variant : {"original", "segmented"} or None, default=None
        Aria only: which of ``Original/`` and ``Segmented/`` to read when
        the root holds them; ``None`` takes ``Original/`` if present.
    on_error : {"raise", "skip"}, default="raise"
        What to do with an unreadable file (empty, a broken symbolic link or
        link loop, or with ``verify`` one that does not decode): raise
        ``ImageReadError`` naming it, or leave it out, list it in ``skipped``
        with the reason and warn.
    verify : bool, default=False
        Decode every image now (slower) rather than only checking that no
        file is empty; truncated and non-image files are then caught here
        rather than when a pipeline reaches them.
    group_duplicates : bool, default=False
        When the layout has no subject IDs (all but C-NMC), set ``groups``
        to the groups of byte-identical or near-identical images found by
        :func:`featleuk.datasets.find_duplicate_groups`, so a group-aware
        cross-validation (``GroupKFold``) keeps copies of one field in one
        fold. Subject IDs, where the layout has them, are kept instead.
    masks : bool, default=False
        Aria only: pair each image of ``Original/`` with the file of the
        same class and name in the ``Segmented/`` folder beside it (the
        dataset authors' "background blacked out" copy, Benign and Early
        only) and return the mask paths in ``masks``. Each mask file is
        decoded once to measure it, then only its path is kept (read it
        with :func:`featleuk.segmentation.load_mask`: grey level > 20), so
        a whole dataset's masks cost no memory. Off by default because it
        decodes every mask file.
    mask_min_fraction : float, default=0.005
        With ``masks``: a mask covering less than this fraction of its
        field is taken as a failed mask. It is left out of ``masks`` (None)
        and listed in ``masks_nearly_empty`` rather than used as "no cell
        here". 0.005 is 250 px of a 224 x 224 field, well under one small
        lymphocyte; 0 keeps every mask.
    max_pixels : int or None, default=featleuk.io.DEFAULT_MAX_PIXELS
        Decompression-bomb limit used when verifying.
    n_jobs : int or None, default=None
        Parallel decoding for ``verify`` and ``group_duplicates``.
    show_progress : bool, default=True
        Progress bars while verifying / hashing.

    Returns
    -------
    sklearn.utils.Bunch
        filenames : ndarray of str
            Image paths in a deterministic order: class folder by class
            folder (C-NMC: fold by fold), sorted by path within each.
        target : ndarray of int
            Index into ``target_names``.
        target_names : list of str
            Canonical order per layout: Aria ``["Benign", "Early", "Pre",
            "Pro"]`` whichever folder names are on disk; C-NMC ``["all",
            "hem"]``; ALL-IDB ``["normal", "ALL"]``; otherwise the sorted
            sub-folder names.
        groups : ndarray or None
            C-NMC subject IDs (str, e.g. ``"11"``, ``"H3"``); duplicate
            group ids (int) with ``group_duplicates=True``; else None.
        skipped : list of (str, str)
            ``(path, reason)`` of the files left out (``on_error="skip"``).
        layout : str
            The layout read.
        DESCR : str
            What the dataset is, its source and citation, and the counts.
        variant : str or None
            Aria: the ``Original`` / ``Segmented`` folder read, if any.
        folds : ndarray of int
            C-NMC: the official ``fold_k`` of each image.
        unlabeled : ndarray of str
            C-NMC: images of the test folders (no labels).
        centroids : dict of str -> ndarray of shape (k, 2)
            ALL-IDB1: blast centres (x, y) from the ``.xyc`` files, keyed
            like ``filenames``; images without a file have no entry.
        masks : ndarray of object
            With ``masks=True``: the reference mask file of each image
            (aligned with ``filenames``), or None where there is none (no
            ``Segmented/`` file, e.g. the Pre and Pro classes) or where it
            is nearly empty or unreadable.
        masks_nearly_empty : list of (str, str, float)
            With ``masks=True``: ``(image, mask file, fraction of the field
            in the mask)`` of the masks under ``mask_min_fraction``.
        mask_min_fraction : float
            With ``masks=True``: the threshold used.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a folder.
    ValueError
        Unknown layout, or no images found.
    featleuk.io.ImageReadError
        With ``on_error="raise"``: the first unreadable file.

    Examples
    --------
    A folder tree written from synthetic smears; their classes carry the
    Aria et al. (2021) class names, so the layout is detected as ``"aria"``.
    A downloaded dataset is read the same way, e.g.
    ``load_image_folder("ALL_Aria/Original", group_duplicates=True)``:

    >>> import tempfile
    >>> from featleuk.datasets import load_image_folder, write_synthetic_smears
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_synthetic_smears(folder, 8, image_size=32, random_state=0)
    ...     data = load_image_folder(folder, show_progress=False)
    ...     print(data.layout, data.target_names, len(data.filenames))
    aria ['Benign', 'Early', 'Pre', 'Pro'] 8
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if variant is not None and variant not in _ARIA_VARIANTS:
        raise ValueError(f"variant must be 'original', 'segmented' or None, got {variant!r}")
    if not isinstance(mask_min_fraction, (int, float)) or not 0 <= mask_min_fraction < 1:
        raise ValueError(f"mask_min_fraction must be a float in [0, 1), got {mask_min_fraction!r}")
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {str(root)!r} does not exist or is not a folder")
    if layout == "auto":
        layout = _detect(root, variant)
    if masks and layout != "aria":
        raise ValueError(f"masks=True reads the Segmented/ folder of the Aria layout; {str(root)!r} "
                         f"was read as layout {layout!r}")
    records, target_names, extras = _READERS[layout](root, variant, on_error)
    base = extras.pop("_base", root)
    if not records:
        raise ValueError(f"no images found in {str(root)!r} for layout {layout!r}")

    check = partial(_check_files, verify=verify, on_error=on_error, max_pixels=max_pixels,
                    n_jobs=n_jobs, show_progress=show_progress)
    keep, skipped = check([r.path for r in records])
    records = [r for r, ok in zip(records, keep) if ok]
    skipped += extras.pop("_bad_files", [])
    if "unlabeled" in extras:
        paths = extras["unlabeled"]
        ok, bad = check(paths) if paths else (np.ones(0, bool), [])
        extras["unlabeled"] = np.asarray([str(p) for p, good in zip(paths, ok) if good], dtype=str)
        skipped += bad
    masks_line = None
    if masks:
        mask_entries, bad_masks, masks_line = _read_masks(
            records, base, on_error=on_error, min_fraction=mask_min_fraction, n_jobs=n_jobs,
            show_progress=show_progress)
        extras.update(mask_entries)
        skipped += bad_masks
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} unreadable file(s), e.g. {skipped[0][0]}: {skipped[0][1]}; "
            "the full list is in the returned Bunch's `skipped`", UserWarning, stacklevel=2)
    if not records:
        raise ValueError(f"none of the images in {str(root)!r} is readable (see the warning)")

    filenames = np.asarray([str(r.path) for r in records], dtype=str)
    index = {name: i for i, name in enumerate(target_names)}
    target = np.asarray([index[r.label] for r in records], dtype=int)
    if "centroids" in extras:
        extras["centroids"] = {f: extras["centroids"][f] for f in filenames if f in extras["centroids"]}
    if layout == "cnmc":
        extras["folds"] = np.asarray([r.fold for r in records], dtype=int)

    groups, groups_kind = None, "none (no subject IDs; group_duplicates=True groups copies)"
    if any(r.group is not None for r in records):
        groups, groups_kind = np.asarray([r.group for r in records], dtype=str), "subject IDs"
    elif group_duplicates:
        from ._duplicates import DEFAULT_MAX_DISTANCE, find_duplicate_groups

        groups = find_duplicate_groups(filenames, n_jobs=n_jobs, show_progress=show_progress)
        groups_kind = (f"{len(np.unique(groups))} duplicate groups (find_duplicate_groups, "
                       f"max_distance={DEFAULT_MAX_DISTANCE})")
    variant_read = extras.pop("variant", None)
    descr = _describe(layout, root, target, target_names, groups_kind, skipped, variant_read,
                      masks_line)
    return Bunch(filenames=filenames, target=target, target_names=list(target_names), groups=groups,
                 skipped=skipped, layout=layout, DESCR=descr, variant=variant_read, **extras)
