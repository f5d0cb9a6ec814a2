"""What every experiment shares: its options, its data and its result."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

from ..datasets import load_dataset
from ..evaluation import METRIC_UNITS, format_seconds, metrics_table

__all__ = ["ExperimentResult", "add_common_options", "experiment_kwargs"]


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


def add_common_options(parser, *, n_samples=400, image_size=224, folds=True, cache=True):
    """Add the options every experiment shares to an ``argparse`` parser.

    ``--data``, ``--out``, ``--folds``, ``--seed``, ``--cache``, ``--jobs``,
    ``--no-progress``, ``--quick``, and the data options ``--n-samples``,
    ``--image-size`` (synthetic smears), ``--max-images`` and
    ``--no-group-duplicates``. Their destinations are the experiment
    functions' parameter names (``--no-progress`` sets ``progress=False``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
    n_samples, image_size : int
        This experiment's defaults for the synthetic smears.
    folds, cache : bool, default=True
        Whether the experiment has cross-validation folds and a cache (the
        end-to-end deep models have a single split and nothing frozen).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser.add_argument("--data", help="dataset folder (default: built-in synthetic smears, "
                                       "not real images)")
    parser.add_argument("--out", help="report folder (default: results/<experiment>)")
    if folds:
        parser.add_argument("--folds", "--n-splits", dest="folds", type=int, default=5,
                            help="cross-validation folds")
    parser.add_argument("--seed", "--random-state", dest="seed", type=int, default=0,
                        help="seeds the folds, the splits and the synthetic smears")
    if cache:
        parser.add_argument("--cache", help="folder of the per-image cache of frozen steps' "
                                            "outputs (reused across runs)")
    parser.add_argument("--jobs", "--n-jobs", dest="jobs", type=int, default=None,
                        help="parallel workers (what runs in parallel depends on the experiment)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bars")
    parser.add_argument("--quick", action="store_true",
                        help="a small fast configuration, to check that everything runs")
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
