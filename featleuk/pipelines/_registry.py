"""The preset registry behind :func:`make_hybrid`.

Each family of presets lives in its own module and registers its builders
here, so adding a preset never edits another family's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sklearn.pipeline import Pipeline


@dataclass(frozen=True)
class Preset:
    name: str
    build: Callable[[], Pipeline]
    description: str
    reference: str = ""


_PRESETS: dict[str, Preset] = {}


def register_preset(name: str, description: str, reference: str = ""):
    """Decorator: register a zero-argument function returning a fresh Pipeline."""

    def decorator(build):
        if name in _PRESETS:
            raise ValueError(f"preset {name!r} is registered twice")
        _PRESETS[name] = Preset(name, build, description, reference)
        return build

    return decorator


def list_presets() -> dict[str, Preset]:
    """All registered presets by name."""
    return dict(sorted(_PRESETS.items()))


def make_hybrid(name: str, *, memory=None, **params) -> Pipeline:
    """Build a named preset pipeline.

    Parameters
    ----------
    name : str
        A preset name, e.g. ``"mobilenetv2-svm"``; see :func:`list_presets`.
    memory : str, joblib.Memory or None
        Passed to :class:`~sklearn.pipeline.Pipeline` to cache fitted steps.
    **params
        Routed parameters applied with ``set_params``, e.g.
        ``features__batch_size=16`` or ``clf__C=10``.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    try:
        preset = _PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(_PRESETS)) or "(none)"
        raise ValueError(f"unknown preset {name!r}; known presets: {known}") from None
    pipeline = preset.build()
    pipeline.memory = memory
    if params:
        pipeline.set_params(**params)
    return pipeline
