"""Test-wide settings: no progress bars, one BLAS thread.

Tiny fits spend most of their time spinning up BLAS threads on a 2-core
machine (0.4 s vs 0.02 s per small LogisticRegression fit), so every test runs
with one BLAS thread; torch's own thread pool is left alone.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _quiet_and_single_blas_thread(monkeypatch):
    monkeypatch.setenv("FEATLEUK_PROGRESS", "0")
    with threadpool_limits(limits=1, user_api="blas"):
        yield
