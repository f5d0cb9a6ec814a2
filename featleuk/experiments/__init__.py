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
from ._common import ExperimentResult, add_common_options, experiment_kwargs
from ._deep import add_deep_options, deep
from ._mobilenetv2 import HYBRID_PRESETS, add_mobilenetv2_options, mobilenetv2
from ._selection import add_selection_options, selection

__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "ExperimentResult",
    "HYBRID_PRESETS",
    "add_common_options",
    "build_parser",
    "classical",
    "deep",
    "experiment_kwargs",
    "main",
    "mobilenetv2",
    "selection",
]


@dataclass(frozen=True)
class Experiment:
    """An experiment function with its command-line options."""

    function: Callable
    add_options: Callable
    help: str
    n_samples: int = 400
    image_size: int = 224
    folds: bool = True
    cache: bool = True
    aliases: tuple = ()


EXPERIMENTS = {
    "mobilenetv2": Experiment(
        mobilenetv2, add_mobilenetv2_options,
        "MobileNetV2 features + SVM / RF / KNN / XGBoost (Das et al. 2022), k-fold CV",
        aliases=("mobilenetv2-svm",)),
    "classical": Experiment(
        classical, add_classical_options,
        "segmenter x feature family x classifier grid, and segmentation Dice scores",
        n_samples=200, image_size=96),
    "selection": Experiment(
        selection, add_selection_options,
        "feature reducer x classifier in GridSearchCV on MobileNetV2 features (Rahman et al.)"),
    "deep": Experiment(
        deep, add_deep_options,
        "end-to-end deep models (fine-tuned CNNs, MobileNet-BiLSTM, CNN-GRU) on one holdout split",
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


def run(name, args, *, command=None):
    """Run experiment ``name`` with parsed ``args``; print its summary; return the exit code."""
    experiment = EXPERIMENTS[name]
    kwargs = experiment_kwargs(experiment.function, args)
    if command is not None:
        kwargs["command"] = command
    if getattr(args, "data", None) is None:
        print("No --data given: using the built-in synthetic smears (not real images).",
              file=sys.stderr, flush=True)
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
    return run(name, args, command=" ".join([parser.prog, *argv]))
