"""Compatibility module: the MobileNetV2 experiment is :func:`featleuk.experiments.mobilenetv2`.

Kept for the code that still imports the preset names and the extractor check
from here; new code uses :mod:`featleuk.experiments` (the experiment) and
:func:`featleuk.evaluation.cross_validate_frozen` (which finds the shared
feature step itself).
"""

from __future__ import annotations

from .experiments import HYBRID_PRESETS

__all__ = ["HYBRID_PRESETS", "check_shared_extractor"]


def check_shared_extractor(pipelines: dict) -> None:
    """Raise if the pipelines' first (``features``) steps differ in their parameters.

    Parameters
    ----------
    pipelines : dict of {str: Pipeline}

    Raises
    ------
    ValueError
        Naming the first two pipelines whose feature steps differ.
    """
    configs = {name: pipe.steps[0][1].get_params() for name, pipe in pipelines.items()}
    first_name, first = next(iter(configs.items()))
    for name, config in configs.items():
        if config != first:
            raise ValueError(
                f"presets {first_name!r} and {name!r} have different feature steps; "
                "they cannot share one extraction"
            )
