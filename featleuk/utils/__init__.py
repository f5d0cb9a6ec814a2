"""Shared helpers: progress bars, parallel map, dask scale-out, docstring fragments and estimator checks."""

from ._color import STAIN_CHANNELS, stain_concentrations
from ._dask import add_dask_option, dask_backend, extract_on_dask, parse_dask_spec
from ._docstring import Substitution
from ._parallel import parallel_map
from ._progress import progress

__all__ = [
    "progress",
    "parallel_map",
    "dask_backend",
    "add_dask_option",
    "parse_dask_spec",
    "extract_on_dask",
    "Substitution",
    "STAIN_CHANNELS",
    "stain_concentrations",
]
