"""Named presets of the seed papers' pipelines, as plain scikit-learn Pipelines."""

from ._registry import Preset, list_presets, make_hybrid, register_preset
# Each module registers one family of presets.
from . import _deep_presets  # noqa: F401  (MobileNetV2 + classifier hybrids)
from . import _selection_presets  # noqa: F401  (MobileNetV2 + reducer + classifier)
from . import _classical_presets  # noqa: F401  (segmentation + handcrafted features)

__all__ = ["make_hybrid", "list_presets", "register_preset", "Preset"]
