"""Shared helpers: progress bars, parallel map, docstring fragments and estimator checks."""

from ._color import STAIN_CHANNELS, stain_concentrations
from ._docstring import Substitution
from ._parallel import parallel_map
from ._progress import progress

__all__ = ["progress", "parallel_map", "Substitution", "STAIN_CHANNELS", "stain_concentrations"]
