import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Tiny tensors on a shared 2-core machine: one thread avoids OpenMP
    # synchronisation that makes small ops 10-50x slower under load. Restored
    # afterwards so other tests keep the default.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _toy_images(n_per_class=12, size=32, seed=0):
    """Two visibly different classes: a bright square vs a dark disc on noise."""
    rng = np.random.default_rng(seed)
    X = rng.integers(60, 200, (2 * n_per_class, size, size, 3), dtype=np.uint8)
    y = np.array(["blast", "normal"] * n_per_class)
    q = size // 4
    X[y == "blast", q:3 * q, q:3 * q] = 250
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2
    X[y == "normal"] = np.where(disc[None, :, :, None], 20, X[y == "normal"]).astype(np.uint8)
    return X, y


@pytest.fixture(scope="session")
def toy():
    return _toy_images()
