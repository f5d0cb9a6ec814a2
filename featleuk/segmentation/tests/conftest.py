import numpy as np
import pytest

from featleuk.datasets import make_synthetic_smears


@pytest.fixture(scope="session")
def smears():
    """8 synthetic 96 px smears with their true nucleus masks."""
    return make_synthetic_smears(8, image_size=96, random_state=3, return_masks=True)


@pytest.fixture(scope="session")
def noise_fields():
    """Smear background with sensor noise and no nucleus."""
    rng = np.random.RandomState(0)
    return np.clip(np.array([232, 212, 214]) + 3 * rng.randn(3, 40, 40, 3), 0, 255).astype(np.uint8)
