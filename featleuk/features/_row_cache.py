"""A per-image feature cache on disk.

Deep features are the expensive step of every hybrid pipeline. A row cache
keyed by *image content* and *extractor configuration* lets GridSearchCV, the
folds of a cross-validation and several presets share one extraction per
image, whatever subset of images each call sees (sklearn's Pipeline
``memory=`` caches whole ``fit_transform`` calls, so it misses as soon as the
fold changes).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

__all__ = ["RowCache", "image_key", "config_key"]


def config_key(config: dict) -> str:
    """A short stable hash of a JSON-able configuration."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def image_key(item) -> str:
    """Key one image: a file by path, size and mtime; an array by its pixels."""
    if isinstance(item, str):
        stat = os.stat(item)
        blob = f"{os.path.abspath(item)}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    else:
        array = np.ascontiguousarray(item)
        blob = str(array.shape).encode() + array.tobytes()
    return hashlib.sha256(blob).hexdigest()[:32]


class RowCache:
    """Feature rows stored as one ``.npy`` file per image under ``directory/config``."""

    def __init__(self, directory, config: dict):
        location = getattr(directory, "location", directory)  # accept joblib.Memory
        self.root = Path(location) / "featleuk_rows" / config_key(config)
        self.root.mkdir(parents=True, exist_ok=True)
        meta = self.root / "config.json"
        if not meta.exists():
            meta.write_text(json.dumps(config, sort_keys=True, default=str, indent=1))

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str):
        path = self._path(key)
        try:
            return np.load(path)
        except (FileNotFoundError, ValueError, OSError):
            return None

    def put(self, key: str, row: np.ndarray) -> None:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, np.asarray(row, dtype=np.float32))
        os.replace(tmp, path)  # atomic: concurrent workers never read half a row
