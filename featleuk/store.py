"""A feature store on disk: one row per image, keyed by content and configuration.

Deep features are the expensive step of every hybrid pipeline. The store keeps
the feature row of each image under two keys:

- the *content key* of the image: the sha256 of the file's bytes (or of an
  array's shape, dtype and pixels), so a renamed or copied file is found again
  and an edited one is not;
- the *configuration key*: the sha256 of a JSON configuration that the caller
  builds from everything that changes the output (backbone, weights name and
  sha256, layer, preprocessing, engine precision, ``random_state`` of random
  weights, ...).

GridSearchCV candidates, cross-validation folds, presets and the worker
processes of joblib or dask then share one extraction per image, whatever
subset of images each call sees.

The store is one SQLite database in write-ahead-log mode: every ``put_many`` is
one transaction, so several processes can write at once and a reader never sees
half a batch; a full disk rolls the transaction back. Every row read back is
checked (shape, dtype, CRC-32 and finiteness); a bad row is deleted and reported
as missing, so the caller recomputes it. SQLite's locking needs a local file
system: on NFS, give each machine its own store.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = ["FeatureStore", "FeatureTable", "StoreFullError", "config_key", "content_key"]

#: File name of the store inside a directory given as ``path``.
STORE_FILE = "featleuk_features.sqlite"

_CHUNK = 1 << 20  # bytes hashed per read, so large files need not fit in memory twice
_IN_LIMIT = 900  # keys per ``IN (...)`` query, below SQLite's oldest variable limit (999)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    id INTEGER PRIMARY KEY,
    config_key TEXT UNIQUE NOT NULL,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rows (
    table_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    dtype TEXT NOT NULL,
    crc INTEGER NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (table_id, key)
);
"""
# A rowid table with a unique index, not WITHOUT ROWID: rows of a few kB would spill
# into overflow pages of a WITHOUT ROWID b-tree (measured: 2.5x slower reads, 1.6x
# the disk, see benchmarks/feature_store.py).


class StoreFullError(OSError):
    """The disk holding a feature store is full; nothing of the failed write was kept."""


def config_key(config: dict) -> str:
    """The sha256 of a configuration, as canonical JSON.

    Parameters
    ----------
    config : dict
        JSON-able values only (str, int, float, bool, None, lists and dicts of
        them); path-like values are converted with ``os.fspath``. Anything else
        raises ``TypeError`` rather than being hashed by its ``repr``, which may
        change between runs.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> config_key({"backbone": "mobilenet_v2", "layer": "pool"}) == config_key(
    ...     {"layer": "pool", "backbone": "mobilenet_v2"})
    True
    """

    def strict(value):
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        raise TypeError(
            f"feature store configuration values must be JSON-able; got {type(value).__name__} "
            f"{value!r}: convert it to a string or number first"
        )

    blob = json.dumps(config, sort_keys=True, separators=(",", ":"), default=strict, allow_nan=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def content_key(item) -> str:
    """The sha256 of an image: of a file's bytes, or of an array's shape, dtype and bytes.

    Parameters
    ----------
    item : str, path-like or array-like
        An image file (its bytes are hashed, not decoded) or an image array.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((4, 4, 3), dtype=np.uint8)
    >>> content_key(image) == content_key(image.copy())
    True
    >>> content_key(image) == content_key(image.astype(np.float32))
    False
    """
    digest = hashlib.sha256()
    if isinstance(item, (str, os.PathLike)):
        with open(item, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    else:
        array = np.ascontiguousarray(item)
        digest.update(f"{array.shape}|{array.dtype.str}|".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)
    )


class FeatureStore:
    """Feature rows on disk, keyed by image content and extractor configuration.

    Parameters
    ----------
    path : str, path-like or joblib.Memory
        The store's SQLite file, created if missing. A directory (or a
        ``joblib.Memory``, whose ``location`` is used) holds the store as
        ``featleuk_features.sqlite``.
    timeout : float, default=60.0
        Seconds a write waits for another process's write to finish.

    Attributes
    ----------
    path : pathlib.Path
        The SQLite file.

    Notes
    -----
    The connection is opened on first use and again in each process a store is
    pickled to or forked into, so a store can be handed to joblib or dask
    workers. Writes are atomic per ``put_many`` call; reads see committed rows
    only.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> store = FeatureStore(tempfile.mkdtemp())
    >>> table = store.table({"extractor": "demo"}, n_features=3)
    >>> images = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    >>> images[1] += 1
    >>> keys = [content_key(image) for image in images]
    >>> table.put_many(keys[:1], np.ones((1, 3), dtype=np.float32))
    >>> rows, found = table.get_many(keys)
    >>> found.tolist(), rows[0].tolist()
    ([True, False], [1.0, 1.0, 1.0])
    >>> store.close()
    """

    def __init__(self, path, *, timeout=60.0):
        location = Path(os.fspath(getattr(path, "location", path)))
        if location.is_dir():
            location = location / STORE_FILE
        self.path = location
        self.timeout = float(timeout)
        self._connection = None
        self._pid = None
        self._lock = threading.Lock()
        self._warned = False

    def __repr__(self):
        return f"FeatureStore({str(self.path)!r})"

    def __getstate__(self):
        return {"path": self.path, "timeout": self.timeout}

    def __setstate__(self, state):
        self.__init__(state["path"], timeout=state["timeout"])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Close this process's connection (it reopens on the next use).

        Examples
        --------
        >>> import tempfile
        >>> store = FeatureStore(tempfile.mkdtemp())
        >>> store.close()
        """
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        # A connection inherited through fork belongs to the parent: open a new one.
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            # NORMAL is crash-safe in WAL mode (a power cut may lose the last commits,
            # never corrupt the file) and avoids an fsync per transaction.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            if _is_disk_full(exc):
                raise StoreFullError(errno.ENOSPC, f"no space left to create the feature store {self.path}: "
                                     "free disk space or give another path") from exc
            raise OSError(f"cannot open the feature store {self.path}: {exc}") from exc
        self._connection, self._pid = connection, os.getpid()
        return connection

    def table(self, config: dict, *, n_features: int, dtype="float32") -> "FeatureTable":
        """The rows of one extractor configuration.

        Parameters
        ----------
        config : dict
            Everything that changes the output (see :func:`config_key`). It is
            stored with the rows, so ``tables()`` can tell what a store holds.
        n_features : int
            Length of every row; rows of another length are invalid.
        dtype : str or numpy dtype, default="float32"

        Returns
        -------
        FeatureTable

        Examples
        --------
        >>> import tempfile
        >>> store = FeatureStore(tempfile.mkdtemp())
        >>> store.table({"backbone": "mobilenet_v2"}, n_features=1280).n_features
        1280
        """
        key = config_key(config)
        blob = json.dumps(config, sort_keys=True, default=os.fspath)
        with self._lock:
            connection = self._connect()
            select = "SELECT id FROM tables WHERE config_key = ?"
            found = connection.execute(select, (key,)).fetchone()
            if found is None:  # write only when new, so a full disk can still be read
                try:
                    connection.execute("INSERT OR IGNORE INTO tables (config_key, config) VALUES (?, ?)",
                                       (key, blob))
                except sqlite3.Error as exc:
                    self._raise_write_error(exc)
                found = connection.execute(select, (key,)).fetchone()
            (table_id,) = found
        return FeatureTable(self, table_id, key, n_features=n_features, dtype=dtype)

    def tables(self) -> list[dict]:
        """The configurations in the store, with their number of rows.

        Returns
        -------
        list of dict
            ``{"config_key", "config", "n_rows"}`` for each configuration.

        Examples
        --------
        >>> import tempfile
        >>> store = FeatureStore(tempfile.mkdtemp())
        >>> _ = store.table({"backbone": "resnet50"}, n_features=2048)
        >>> [(t["config"], t["n_rows"]) for t in store.tables()]
        [({'backbone': 'resnet50'}, 0)]
        """
        with self._lock:
            found = self._connect().execute(
                "SELECT t.config_key, t.config, COUNT(r.key) FROM tables t "
                "LEFT JOIN rows r ON r.table_id = t.id GROUP BY t.id ORDER BY t.id"
            ).fetchall()
        return [{"config_key": k, "config": json.loads(c), "n_rows": n} for k, c, n in found]

    def _raise_write_error(self, exc: BaseException):
        if _is_disk_full(exc):
            raise StoreFullError(
                errno.ENOSPC,
                f"no space left on the disk of the feature store {self.path}: nothing of this write was "
                "kept; free space, or put the store on a larger disk",
            ) from exc
        raise exc

    def _warn_bad_rows(self, n_bad: int, reason: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"feature store {self.path}: dropped {n_bad} invalid row(s) ({reason}); they are "
                "recomputed. Further invalid rows of this store are dropped silently.",
                RuntimeWarning,
                stacklevel=4,  # the caller of FeatureTable.get_many
            )


class FeatureTable:
    """The rows of one configuration in a :class:`FeatureStore` (see ``FeatureStore.table``).

    Parameters
    ----------
    store : FeatureStore
    table_id : int
    config_key : str
    n_features : int
    dtype : str or numpy dtype, default="float32"

    Attributes
    ----------
    config_key : str
    n_features : int
    dtype : numpy.dtype

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> table = FeatureStore(tempfile.mkdtemp()).table({"demo": 1}, n_features=2)
    >>> table.put_many(["a", "b"], np.eye(2, dtype=np.float32))
    >>> rows, found = table.get_many(["b", "c"])
    >>> rows[found].tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, store, table_id, config_key, *, n_features, dtype="float32"):
        self.store = store
        self.table_id = int(table_id)
        self.config_key = config_key
        self.n_features = int(n_features)
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"FeatureTable({self.store!r}, config_key={self.config_key[:12]!r}, n_features={self.n_features})"

    def __len__(self):
        with self.store._lock:
            (count,) = self.store._connect().execute(
                "SELECT COUNT(*) FROM rows WHERE table_id = ?", (self.table_id,)
            ).fetchone()
        return count

    def get_many(self, keys):
        """Look up rows by content key.

        Every row found is checked: length, dtype, CRC-32 of its bytes and
        finiteness. An invalid row is deleted from the store and reported as
        not found, so the caller recomputes it; the first one of each store
        raises a ``RuntimeWarning`` that names the store file.

        Parameters
        ----------
        keys : sequence of str
            Content keys (:func:`content_key`); repeats are allowed.

        Returns
        -------
        rows : ndarray of shape (len(keys), n_features)
            Rows not found are zero.
        found : ndarray of shape (len(keys),), dtype bool

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> table = FeatureStore(tempfile.mkdtemp()).table({"demo": 2}, n_features=2)
        >>> rows, found = table.get_many(["missing"])
        >>> found.tolist(), rows.shape
        ([False], (1, 2))
        """
        keys = list(keys)
        rows = np.zeros((len(keys), self.n_features), dtype=self.dtype)
        found = np.zeros(len(keys), dtype=bool)
        positions: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            positions.setdefault(key, []).append(i)
        unique = list(positions)
        expected_bytes = self.n_features * self.dtype.itemsize
        bad: dict[str, str] = {}
        with self.store._lock:
            connection = self.store._connect()
            for start in range(0, len(unique), _IN_LIMIT):
                part = unique[start:start + _IN_LIMIT]
                query = (f"SELECT key, n, dtype, crc, data FROM rows WHERE table_id = ? "
                         f"AND key IN ({','.join('?' * len(part))})")
                for key, n, dtype, crc, data in connection.execute(query, (self.table_id, *part)):
                    if n != self.n_features or len(data) != expected_bytes:
                        bad[key] = f"{n} values instead of {self.n_features}"
                    elif dtype != self.dtype.str:
                        bad[key] = f"dtype {dtype} instead of {self.dtype.str}"
                    elif zlib.crc32(data) != crc:
                        bad[key] = "checksum mismatch"
                    else:
                        row = np.frombuffer(data, dtype=self.dtype)
                        for i in positions[key]:
                            rows[i] = row
                            found[i] = True
        if found.any():
            finite = np.isfinite(rows).all(axis=1)
            for i in np.flatnonzero(found & ~finite):
                bad[keys[i]] = "not finite"
                found[positions[keys[i]]] = False
        if bad:
            rows[~found] = 0
            self._delete(list(bad))
            self.store._warn_bad_rows(len(bad), sorted(set(bad.values()))[0])
        return rows, found

    def put_many(self, keys, rows) -> None:
        """Store rows under content keys, in one transaction.

        Either every row is stored or, on an error such as a full disk, none
        is. A key already present is overwritten; concurrent writers of the
        same key and configuration write the same row, so the last one wins
        harmlessly.

        Parameters
        ----------
        keys : sequence of str
        rows : array-like of shape (len(keys), n_features)
            Finite values only: the store holds no NaN or infinite row.

        Raises
        ------
        StoreFullError
            The disk is full; the store is left as it was before the call.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> table = FeatureStore(tempfile.mkdtemp()).table({"demo": 3}, n_features=2)
        >>> table.put_many(["k"], np.array([[1.0, 2.0]], dtype=np.float32))
        >>> len(table)
        1
        """
        keys = list(keys)
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape != (len(keys), self.n_features):
            raise ValueError(
                f"put_many got rows of shape {rows.shape} for {len(keys)} keys; "
                f"expected ({len(keys)}, {self.n_features})"
            )
        not_finite = np.flatnonzero(~np.isfinite(rows).all(axis=1))
        if len(not_finite):
            raise ValueError(
                f"rows {not_finite[:5].tolist()} are not finite; the feature store {self.store.path} "
                "keeps finite rows only"
            )
        if not keys:
            return
        records = [
            (self.table_id, key, self.n_features, self.dtype.str, zlib.crc32(data), data)
            for key, data in zip(keys, map(bytes, rows))
        ]
        self._write(records)

    def _write(self, records) -> None:
        with self.store._lock:
            connection = self.store._connect()
            try:
                # IMMEDIATE takes the write lock up front, so two writers wait for each
                # other (busy timeout) instead of deadlocking on a lock upgrade.
                connection.execute("BEGIN IMMEDIATE")
                try:
                    _insert(connection, records)
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as exc:
                self.store._raise_write_error(exc)

    def _delete(self, keys) -> None:
        with self.store._lock:
            connection = self.store._connect()
            try:
                connection.executemany(
                    "DELETE FROM rows WHERE table_id = ? AND key = ?", [(self.table_id, k) for k in keys]
                )
            except sqlite3.Error:
                pass  # a read-only or full store keeps its bad rows; they are still not returned


def _insert(connection, records) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO rows (table_id, key, n, dtype, crc, data) VALUES (?, ?, ?, ?, ?, ?)", records
    )
