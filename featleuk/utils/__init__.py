"""Shared helpers: progress bars, parallel map and estimator checks."""

from ._progress import progress
from ._parallel import parallel_map

__all__ = ["progress", "parallel_map"]
