"""Test helpers shared by the subpackages' test suites."""

from __future__ import annotations

import functools

import pytest


@functools.lru_cache(maxsize=None)
def weights_available(backbone: str = "mobilenet_v2", weights: str = "IMAGENET1K_V1") -> bool:
    """True when ``featleuk.weights`` can find these weights offline."""
    from ..weights import WeightsUnavailableError, resolve_weights

    try:
        resolve_weights(backbone, weights)
        return True
    except WeightsUnavailableError:
        return False


def requires_weights(backbone: str = "mobilenet_v2", weights: str = "IMAGENET1K_V1"):
    """A skip marker for tests that need pretrained weights on this machine."""
    return pytest.mark.skipif(
        not weights_available(backbone, weights),
        reason=f"{backbone} {weights} weights are not available offline (see `featleuk weights`)",
    )
