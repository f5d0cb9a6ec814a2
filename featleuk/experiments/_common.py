"""What every experiment shares: its options, its data and its result."""

from __future__ import annotations

import inspect
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..datasets import load_dataset, load_image_folder
from ..evaluation import METRIC_UNITS, format_seconds, metrics_table
from ..utils._dask import add_dask_option

__all__ = ["ExperimentResult", "InputError", "add_common_options", "check_data", "check_out_path",
           "experiment_kwargs"]


class InputError(ValueError):
    """What the user gave cannot work: a path, a dataset, an option value.

    Raised by the up-front checks (:func:`check_data`, :func:`check_out_path`)
    before any heavy work starts; the command line prints its message on one
    line and exits with status 2.
    """


@dataclass
class ExperimentResult:
    """What an experiment function returns.

    Attributes
    ----------
    name : str
        The experiment (``"classical"``, ...).
    out_dir : Path
        Where ``report.md``, ``metrics.json`` and the figures are.
    results : dict of {str: CVResult}
        Every evaluated pipeline or model.
    timings : dict
        The report's timing table (seconds).
    description : str
        The report's Data section.
    extra : dict
        Experiment-specific tables (grid rows, Dice scores, skipped models).
    """

    name: str
    out_dir: Path
    results: dict
    timings: dict
    description: str
    extra: dict = field(default_factory=dict)

    def summary(self, metrics=("accuracy", "f1", "mcc")):
        """The console table: mean ± std over folds of ``metrics`` (x100), and the wall time."""
        lines = [METRIC_UNITS]
        if self.results:
            lines.append(metrics_table(self.results, metrics, style="text"))
        if "total_wall_s" in self.timings:
            lines.append(f"total wall time: {format_seconds(self.timings['total_wall_s'])} s")
        lines.append(f"report: {self.out_dir / 'report.md'}")
        return "\n".join(lines)


def add_common_options(parser, *, n_samples=400, image_size=224, folds=True, cache=True,
                       data=True, synthetic=True, out_help=None, out_required=False, dask=True):
    """Add the options every experiment shares to an ``argparse`` parser.

    ``--data``, ``--out``, ``--folds``, ``--seed``, ``--cache``, ``--jobs``,
    ``--dask``, ``--no-progress``, ``--quick``, and the data options ``--n-samples``,
    ``--image-size`` (synthetic smears), ``--max-images`` and
    ``--no-group-duplicates``. Their destinations are the experiment
    functions' parameter names (``--no-progress`` sets ``progress=False``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
    n_samples, image_size : int
        This experiment's defaults for the synthetic smears.
    folds : bool or "optional", default=True
        Whether the command has cross-validation folds (the end-to-end deep
        models have a single split); ``"optional"`` adds ``--cv`` /
        ``--folds`` without a default (no cross-validation unless given).
    cache : bool, default=True
        Whether the command has a cache of frozen steps' outputs.
    data : bool or "required", default=True
        Whether the command reads a dataset folder (``--data`` and the data
        options); ``"required"`` makes ``--data`` mandatory.
    synthetic : bool, default=True
        Whether the command falls back on synthetic smears without
        ``--data`` (``--n-samples``, ``--image-size``).
    out_help : str, default=None
        The help of ``--out`` (default: the report folder).
    out_required : bool, default=False
        Whether ``--out`` must be given.
    dask : bool, default=True
        Whether the command takes ``--dask`` (its parallel work on a dask
        cluster, see :func:`featleuk.utils.dask_backend`).

    Returns
    -------
    argparse.ArgumentParser
    """
    if data:
        parser.add_argument("--data", required=data == "required",
                            help="dataset folder" + ("" if data == "required" or not synthetic else
                                                     " (default: built-in synthetic smears, not real "
                                                     "images)"))
    parser.add_argument("--out", required=out_required,
                        help=out_help or "report folder (default: results/<experiment>)")
    if folds == "optional":
        parser.add_argument("--cv", "--folds", "--n-splits", dest="folds", type=int, default=None,
                            help="also estimate the accuracy by grouped K-fold cross-validation")
    elif folds:
        parser.add_argument("--folds", "--n-splits", dest="folds", type=int, default=5,
                            help="cross-validation folds")
    parser.add_argument("--seed", "--random-state", dest="seed", type=int, default=0,
                        help="seeds the folds, the splits and the synthetic smears")
    if cache:
        parser.add_argument("--cache", help="folder of the per-image cache of frozen steps' "
                                            "outputs (reused across runs)")
    parser.add_argument("--jobs", "--n-jobs", dest="jobs", type=int, default=None,
                        help="parallel workers (what runs in parallel depends on the command)")
    if dask:
        add_dask_option(parser)
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bars")
    if not data:
        return parser
    parser.add_argument("--quick", action="store_true",
                        help="a small fast configuration, to check that everything runs")
    if synthetic:
        parser.add_argument("--n-samples", type=int, default=n_samples,
                            help="synthetic images when there is no --data")
        parser.add_argument("--image-size", type=int, default=image_size,
                            help="side of the synthetic images")
    parser.add_argument("--max-images", type=int, default=None,
                        help="stratified random subsample of the data (said so in the report)")
    parser.add_argument("--no-group-duplicates", dest="group_duplicates", action="store_false",
                        help="do not keep duplicate images in one fold")
    return parser


def experiment_kwargs(function, args):
    """The parsed options that are parameters of ``function``."""
    names = inspect.signature(function).parameters
    return {name: value for name, value in vars(args).items() if name in names}


def load_data(data, *, n_samples, image_size, max_images, group_duplicates, seed):
    """:func:`featleuk.datasets.load_dataset` with the experiments' option names."""
    return load_dataset(data, n_synthetic=n_samples, image_size=image_size,
                        group_duplicates=group_duplicates, max_images=max_images,
                        random_state=seed)


def skipped_files_section(dataset):
    """The report section listing unreadable files, or none."""
    if not dataset.skipped:
        return []
    return [("Skipped files", "\n".join(f"- `{path}`: {reason}" for path, reason in dataset.skipped))]


def out_dir(out, name):
    return Path(out if out is not None else f"results/{name}")


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_out_path(path, *, option="--out", kind="folder"):
    """Check that ``path`` can be written (created if missing) before any work starts.

    Parameters
    ----------
    path : str or path-like
        A folder (``kind="folder"``) or a file (``kind="file"``) to write.
    option : str, default="--out"
        The option's name, for the message.
    kind : {"folder", "file"}, default="folder"

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        If ``path`` (or a parent) is a file where a folder is needed, a file
        path is an existing folder, or the nearest existing folder is not
        writable.
    """
    path = Path(path).expanduser()
    if kind == "folder" and path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file, not a folder; give a folder to write to")
    if kind == "file" and path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give the file to write, e.g. {path / 'model.skops'}")
    start = path if kind == "folder" else path.parent
    existing = _nearest_existing(start.absolute())
    if not existing.is_dir():
        raise InputError(f"{option} {path}: {existing} is a file, so no folder can be created under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: folder {existing} is not writable; choose another {option}")
    return path


def _class_counts(target, target_names):
    return {name: int(np.sum(np.asarray(target) == i)) for i, name in enumerate(target_names)}


def check_counts(counts, *, folds=None, what="the data", min_classes=2):
    """Check per-class image counts: two classes or more, each with at least ``folds`` images.

    Parameters
    ----------
    counts : dict of {str: int}
        Class name -> number of images.
    folds : int, default=None
        Cross-validation folds the data must support.
    what : str
        The data, for the message (e.g. ``"--data /x"``).
    min_classes : int, default=2
        Fewest classes accepted (1 for an external test set).

    Raises
    ------
    InputError
        An empty class, fewer than two classes, or a class with fewer images
        than ``folds``; the message names the class.
    """
    empty = [name for name, n in counts.items() if n == 0]
    if empty:
        raise InputError(f"{what}: class {empty[0]!r} has no images; add images or remove its folder")
    if len(counts) < min_classes:
        raise InputError(f"{what}: only one class ({', '.join(counts) or 'none'}); a classifier "
                         "needs at least two class folders")
    if folds is not None:
        if folds < 2:
            raise InputError(f"--folds {folds}: cross-validation needs at least 2 folds")
        name, n = min(counts.items(), key=lambda item: item[1])
        if n < folds:
            raise InputError(f"{what}: class {name!r} has {n} images, fewer than the {folds} folds; "
                             f"add images or use --folds {max(2, n)}" if n >= 2 else
                             f"{what}: class {name!r} has {n} image, too few for cross-validation")


def check_data(data, *, folds=None, n_samples=None, n_classes=4, max_images=None, min_classes=2):
    """List a dataset folder cheaply (nothing decoded) and check it can be used.

    Run before any heavy work, so a wrong path or an unusable dataset fails
    in the first seconds rather than after feature extraction. A class
    folder without images is left out with a warning (the loaders do not
    list it).

    Parameters
    ----------
    data : str, path or None
        A dataset folder; ``None`` checks the synthetic smears' size instead.
    folds : int, default=None
        Cross-validation folds every class must have images for.
    n_samples : int, default=None
        Synthetic smears (``data=None``), balanced over ``n_classes``.
    n_classes : int, default=4
    max_images : int, default=None
        A stratified subsample to this many images is taken later: the
        per-class counts are checked as they will be after it.
    min_classes : int, default=2
        Fewest classes accepted (1 for an external test set).

    Returns
    -------
    dict of {str: int} or None
        Class name -> number of images of the folder (None for synthetic data).

    Raises
    ------
    InputError
        The path does not exist or is a file, no images, an empty class,
        fewer than two classes, or too few images in a class for ``folds``.
    """
    if data is None:
        if n_samples is not None:
            n = min(n_samples, max_images or n_samples)
            check_counts({f"class {i}": n // n_classes + (i < n % n_classes) for i in range(n_classes)},
                         folds=folds, what=f"--n-samples {n_samples}")
        return None
    path = Path(data).expanduser()
    if not path.exists():
        raise InputError(f"--data {data}: no such folder")
    if not path.is_dir():
        raise InputError(f"--data {data}: is a file; give the dataset folder (one sub-folder per class)")
    from ..io import IMAGE_SUFFIXES

    if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.rglob("*")):
        raise InputError(f"--data {data}: no images in this folder or below it "
                         f"({', '.join(sorted(IMAGE_SUFFIXES))}); give the dataset folder")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bunch = load_image_folder(path, on_error="skip", show_progress=False)
    except (ValueError, OSError) as exc:
        raise InputError(f"--data {data}: {exc}") from None
    counts = _class_counts(bunch.target, bunch.target_names)
    if bunch.layout == "class_folders":
        empty = sorted(d.name for d in path.iterdir()
                       if d.is_dir() and not d.name.startswith(".") and d.name not in counts)
        if empty:
            warnings.warn(f"--data {data}: class folder(s) {', '.join(map(repr, empty))} hold no "
                          "images and are left out", UserWarning, stacklevel=2)
    check_counts(counts, what=f"--data {data}", min_classes=min_classes)
    if max_images is not None and max_images < sum(counts.values()):
        total = sum(counts.values())
        counts = {name: int(np.floor(n * max_images / total)) for name, n in counts.items()}
    check_counts(counts, folds=folds, min_classes=min_classes, what=f"--data {data}"
                 + (f" (subsampled to --max-images {max_images})" if max_images is not None else ""))
    return _class_counts(bunch.target, bunch.target_names)
