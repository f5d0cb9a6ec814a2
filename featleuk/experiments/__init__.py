"""featleuk's experiments as functions: each loads its data, evaluates, and writes a report.

- :func:`mobilenetv2`: the four MobileNetV2 hybrids of Das et al. (2022) and
  Rahman et al. under k-fold CV.
- :func:`classical`: segmenter x feature family x classifier, with the
  segmenters' Dice scores.
- :func:`selection`: feature reducer x classifier in GridSearchCV on
  MobileNetV2 features.
- :func:`deep`: end-to-end deep models on one holdout split.

They share their options (``data``, ``out``, ``folds``, ``seed``, ``cache``,
``jobs``, ``progress``, ``quick`` and the synthetic-data sizes) and return an
:class:`ExperimentResult`. :func:`main` is the command line of each (used by
``featleuk reproduce EXPERIMENT`` and by the scripts in ``experiments/``);
:func:`add_common_options` gives any parser the shared option names.

Examples
--------
>>> from featleuk.experiments import classical  # doctest: +SKIP
>>> result = classical(quick=True, n_samples=40, image_size=64, out="/tmp/classical")  # doctest: +SKIP
>>> print(result.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Callable

from ._classical import add_classical_options, classical
from ._common import (
    ExperimentResult,
    InputError,
    add_common_options,
    check_data,
    check_out_path,
    experiment_kwargs,
)
from ..utils._dask import dask_backend
from ._deep import add_deep_options, deep
from ._mobilenetv2 import HYBRID_PRESETS, add_mobilenetv2_options, mobilenetv2
from ._selection import add_selection_options, selection

__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "ExperimentResult",
    "HYBRID_PRESETS",
    "InputError",
    "add_common_options",
    "build_parser",
    "check_data",
    "check_out_path",
    "classical",
    "deep",
    "describe_experiments",
    "check_args",
    "experiment_kwargs",
    "main",
    "mobilenetv2",
    "selection",
]


@dataclass(frozen=True)
class Experiment:
    """An experiment function with its command-line options.

    Attributes
    ----------
    function : callable
        The experiment function.
    add_options : callable
        Adds its own options to a parser.
    help : str
        One line for ``--help``.
    reproduces : str
        What published result it reproduces, citing the paper by authors
        and year (``featleuk reproduce --list``).
    n_samples, image_size : int
        Its synthetic-smear defaults.
    folds, cache : bool
        Whether it has cross-validation folds and a cache.
    aliases : tuple of str
        Other names on the command line.
    """

    function: Callable
    add_options: Callable
    help: str
    reproduces: str = ""
    n_samples: int = 400
    image_size: int = 224
    folds: bool = True
    cache: bool = True
    aliases: tuple = ()


EXPERIMENTS = {
    "mobilenetv2": Experiment(
        mobilenetv2, add_mobilenetv2_options,
        "MobileNetV2 features + SVM / RF / KNN / XGBoost (Das et al. 2022), k-fold CV",
        "the hybrid MobileNetV2 + SVM of Das et al. (2022), with the random forest, KNN and "
        "XGBoost of Rahman et al. (2020) on the same frozen features",
        aliases=("mobilenetv2-svm",)),
    "classical": Experiment(
        classical, add_classical_options,
        "segmenter x feature family x classifier grid, and segmentation Dice scores",
        "the classical segment-describe-classify pipelines of Laosai & Chamnongthai (2014), "
        "Joshi et al. (2013) and Dharani et al. (2020): Otsu / k-means / fuzzy c-means nuclei, "
        "texture, shape and colour features, SVM / random forest / KNN",
        n_samples=200, image_size=96),
    "selection": Experiment(
        selection, add_selection_options,
        "feature reducer x classifier in GridSearchCV on MobileNetV2 features (Rahman et al.)",
        "the CNN-feature refinement of Rahman et al. (2020) (PCA, LDA, particle and cat swarm "
        "selection) and the chi-squared selection of Shahin et al. (2019), each with classical "
        "classifiers in nested cross-validation"),
    "deep": Experiment(
        deep, add_deep_options,
        "end-to-end deep models (fine-tuned CNNs, MobileNet-BiLSTM, CNN-GRU) on one holdout split",
        "end-to-end deep models on one holdout split: fine-tuned ImageNet CNNs (Pavithra (2023), "
        "Shehta et al. (2025)), the MobileNet-BiLSTM of Aravindkumaran et al. (2025) and the "
        "CNN-GRU reviewed by Yousif et al. (n.d.), with Grad-CAM",
        folds=False, cache=False),
}


def build_parser(name, parser=None):
    """The command-line parser of experiment ``name`` (common options first)."""
    experiment = EXPERIMENTS[name]
    if parser is None:
        parser = argparse.ArgumentParser(description=experiment.help)
    add_common_options(parser, n_samples=experiment.n_samples, image_size=experiment.image_size,
                       folds=experiment.folds, cache=experiment.cache)
    experiment.add_options(parser)
    return parser


def describe_experiments():
    """One line per experiment: its name (and aliases) and what it reproduces."""
    lines = []
    for name, experiment in EXPERIMENTS.items():
        names = ", ".join((name, *experiment.aliases))
        lines.append(f"{names}: {experiment.reproduces or experiment.help}")
    return "\n".join(lines)


def check_args(name, args):
    """The up-front checks of an experiment's options: its data and its report folder.

    Raises :class:`InputError` in the first seconds, before any image is
    decoded or any feature extracted.
    """
    experiment = EXPERIMENTS[name]
    check_out_path(args.out if getattr(args, "out", None) is not None else f"results/{name}")
    folds = getattr(args, "folds", None) if experiment.folds else None
    check_data(getattr(args, "data", None), folds=folds, n_samples=getattr(args, "n_samples", None),
               max_images=getattr(args, "max_images", None))


def run(name, args, *, command=None):
    """Run experiment ``name`` with parsed ``args``; print its summary; return the exit code."""
    experiment = EXPERIMENTS[name]
    check_args(name, args)
    kwargs = experiment_kwargs(experiment.function, args)
    if getattr(args, "dask", None) and kwargs.get("jobs", -1) is None:
        # Without --jobs the folds would run in this process, not on the cluster.
        kwargs["jobs"] = -1
    if command is not None:
        kwargs["command"] = command
    if getattr(args, "data", None) is None:
        print("No --data given: using the built-in synthetic smears (not real images).",
              file=sys.stderr, flush=True)
    with dask_backend(getattr(args, "dask", None)):
        result = experiment.function(**kwargs)
    print(result.summary(), flush=True)
    # An experiment that evaluated nothing because everything was skipped failed.
    return 0 if result.results or not result.extra.get("skipped_models") else 1


def main(name, argv=None, *, prog=None):
    """The command line of experiment ``name``: parse ``argv``, run, print the summary.

    Parameters
    ----------
    name : str
        A key of :data:`EXPERIMENTS`.
    argv : list of str, default=None
        ``sys.argv[1:]`` when None.
    prog : str, default=None
        The program name shown in help and quoted in the report's command.

    Returns
    -------
    int
        The exit code.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(name, argparse.ArgumentParser(prog=prog, description=EXPERIMENTS[name].help))
    args = parser.parse_args(argv)
    try:
        return run(name, args, command=" ".join([parser.prog, *argv]))
    except InputError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
