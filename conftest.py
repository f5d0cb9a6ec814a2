"""Test-wide settings: no progress bars, one BLAS thread.

Tiny fits spend most of their time spinning up BLAS threads on a 2-core
machine (0.4 s vs 0.02 s per small LogisticRegression fit), so every test runs
with one BLAS thread; torch's own thread pool is left alone.
"""

import os
import shutil
import tempfile

import pytest
from threadpoolctl import threadpool_limits

_CACHE = None


def pytest_configure(config):
    # featleuk's user cache (ONNX exports) goes to a folder of this run, shared by its
    # tests and their subprocesses, never to the user's ~/.cache.
    global _CACHE
    _CACHE = tempfile.mkdtemp(prefix="featleuk-test-cache-")
    os.environ["FEATLEUK_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config):
    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _quiet_and_single_blas_thread(monkeypatch):
    monkeypatch.setenv("FEATLEUK_PROGRESS", "0")
    with threadpool_limits(limits=1, user_api="blas"):
        yield
