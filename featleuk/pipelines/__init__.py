"""Named presets of the seed papers' pipelines, as plain scikit-learn Pipelines."""

from ._registry import Preset, list_presets, make_hybrid, register_preset
from . import _deep_presets  # noqa: F401  (registers the MobileNetV2 hybrids)

__all__ = ["make_hybrid", "list_presets", "register_preset", "Preset"]
