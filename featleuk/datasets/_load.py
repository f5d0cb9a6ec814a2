"""The data every featleuk experiment starts from: a dataset folder or synthetic smears."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ._folders import load_image_folder
from ._synthetic import SYNTHETIC_CLASS_NAMES, make_synthetic_smears

__all__ = ["load_dataset"]


def _class_counts(target, target_names):
    return ", ".join(f"{name}: {int(np.sum(target == i))}" for i, name in enumerate(target_names))


def _synthetic(n_synthetic, n_classes, image_size, random_state):
    images, target = make_synthetic_smears(n_synthetic, n_classes=n_classes, image_size=image_size,
                                           random_state=random_state)
    description = (
        f"**Synthetic smears** (`featleuk.datasets.make_synthetic_smears`, {len(target)} images "
        f"of {image_size}x{image_size} px, {n_classes} classes, random_state={random_state}). No "
        "real data was given (`--data`), so these numbers say nothing about real leukemia "
        "images; they show the pipeline runs end to end."
    )
    return Bunch(images=images, data=images, target=target,
                 target_names=list(SYNTHETIC_CLASS_NAMES[:n_classes]), groups=None, skipped=[],
                 layout="synthetic", description=description)


def _folder(path, group_duplicates):
    bunch = load_image_folder(path, on_error="skip", verify=True, group_duplicates=group_duplicates)
    description = (f"`{path}` (layout `{bunch.layout}`): {len(bunch.filenames)} images "
                   f"({_class_counts(bunch.target, bunch.target_names)}).")
    if bunch.skipped:
        description += f" {len(bunch.skipped)} unreadable files were skipped (listed below)."
    if bunch.groups is not None:
        description += (
            f" Cross-validation keeps each of the {len(np.unique(bunch.groups))} groups in one fold"
            + (" (groups = byte-identical or near-identical images, since the layout has no "
               "patient IDs)." if group_duplicates and bunch.layout == "aria" else ".")
        )
    filenames = [str(name) for name in bunch.filenames]
    return Bunch(filenames=filenames, data=filenames, target=np.asarray(bunch.target),
                 target_names=list(bunch.target_names), groups=bunch.groups,
                 skipped=list(bunch.skipped), layout=bunch.layout, description=description)


def _subsample(bunch, max_images, random_state):
    """A stratified random subsample of ``max_images`` images, said so in the description."""
    keep, _ = train_test_split(np.arange(len(bunch.target)), train_size=max_images,
                               stratify=bunch.target, random_state=random_state)
    keep = np.sort(keep)
    for key in ("images", "filenames"):
        if key in bunch:
            bunch[key] = (bunch[key][keep] if isinstance(bunch[key], np.ndarray)
                          else [bunch[key][i] for i in keep])
            bunch.data = bunch[key]
    bunch.target = bunch.target[keep]
    if bunch.groups is not None:
        bunch.groups = np.asarray(bunch.groups)[keep]
    bunch.description += (
        f" This run uses a stratified random subsample of {len(keep)} of them "
        f"({_class_counts(bunch.target, bunch.target_names)}; `--max-images {max_images}`, "
        f"random_state={random_state}) to bound the run time."
    )
    return bunch


def load_dataset(path=None, *, n_synthetic=400, n_classes=4, image_size=224,
                 group_duplicates=True, max_images=None, random_state=0):
    """Load an experiment's images: a dataset folder, or synthetic smears when there is none.

    Parameters
    ----------
    path : str, path or None, default=None
        A dataset folder in any layout :func:`load_image_folder` reads
        (unreadable files are skipped and listed; ``verify=True``). ``None``
        makes ``n_synthetic`` synthetic smears instead, and the description
        says they are not real data.
    n_synthetic : int, default=400
        Number of synthetic images (``path=None`` only), balanced over classes.
    n_classes : int, default=4
        Classes of the synthetic smears.
    image_size : int, default=224
        Side of the synthetic images in pixels.
    group_duplicates : bool, default=True
        For a folder without patient IDs, group byte-identical and
        near-identical images so that cross-validation keeps each group in one
        fold (leakage-free CV on the Aria et al. (2021) data).
    max_images : int, default=None
        Keep a stratified random subsample of this many images (drawn with
        ``random_state``); the description says so.
    random_state : int, default=0
        Seeds the synthetic smears and the subsample.

    Returns
    -------
    sklearn.utils.Bunch
        ``data`` (what to feed a pipeline: the list of paths, or the image
        array), ``filenames`` (folder) or ``images`` (synthetic,
        ``(n, image_size, image_size, 3)`` uint8), ``target``,
        ``target_names``, ``groups`` (None when there are none), ``skipped``
        (``(path, reason)`` pairs), ``layout`` (``"synthetic"`` for smears)
        and ``description`` (Markdown for the report's Data section).

    Examples
    --------
    >>> from featleuk.datasets import load_dataset
    >>> data = load_dataset(None, n_synthetic=8, image_size=32)
    >>> data.images.shape, data.layout
    ((8, 32, 32, 3), 'synthetic')
    """
    bunch = (_synthetic(n_synthetic, n_classes, image_size, random_state) if path is None
             else _folder(path, group_duplicates))
    if max_images is not None and max_images < len(bunch.target):
        bunch = _subsample(bunch, max_images, random_state)
    return bunch
