import errno
import multiprocessing
import os
import pickle
import shutil
import sqlite3
import subprocess
import warnings
import zlib

import numpy as np
import pytest

from featleuk import store as fs
from featleuk.store import FeatureStore, StoreFullError, config_key, content_key

N_FEATURES = 16


def _row(key: str) -> np.ndarray:
    """A row determined by its key, so concurrent writers of one key agree."""
    seed = int(key[:8], 16)
    return np.random.default_rng(seed).standard_normal(N_FEATURES).astype(np.float32)


def _keys(n, start=0):
    return [content_key(np.array([i], dtype=np.int64)) for i in range(start, start + n)]


@pytest.fixture
def table(tmp_path):
    store = FeatureStore(tmp_path)
    yield store.table({"extractor": "test"}, n_features=N_FEATURES)
    store.close()


def test_content_key_follows_bytes_not_path(tmp_path):
    a = tmp_path / "a.jpg"
    a.write_bytes(b"\xff\xd8 some jpeg bytes")
    b = tmp_path / "sub" / "renamed.png"
    b.parent.mkdir()
    shutil.copyfile(a, b)
    assert content_key(a) == content_key(str(b))
    os.utime(b, (0, 0))
    assert content_key(a) == content_key(b)
    b.write_bytes(b"\xff\xd8 other bytes")
    assert content_key(a) != content_key(b)


def test_content_key_of_arrays_sees_shape_and_dtype():
    image = np.arange(12, dtype=np.uint8)
    keys = {content_key(image), content_key(image.reshape(3, 4)), content_key(image.reshape(4, 3)),
            content_key(image.astype(np.int16))}
    assert len(keys) == 4
    assert content_key(image.reshape(3, 4).T) == content_key(np.ascontiguousarray(image.reshape(3, 4).T))


def test_config_key_is_canonical_and_strict(tmp_path):
    assert config_key({"a": 1, "b": [1, 2]}) == config_key({"b": [1, 2], "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})
    assert config_key({"weights": tmp_path}) == config_key({"weights": str(tmp_path)})
    with pytest.raises(TypeError, match="JSON-able"):
        config_key({"model": object()})


def test_round_trip_missing_and_repeated_keys(table):
    keys = _keys(5)
    rows = np.stack([_row(k) for k in keys])
    table.put_many(keys[:3], rows[:3])
    got, found = table.get_many([keys[2], keys[4], keys[0], keys[2]])
    assert found.tolist() == [True, False, True, True]
    np.testing.assert_array_equal(got[[0, 2, 3]], rows[[2, 0, 2]])
    assert not got[1].any()
    assert len(table) == 3


def test_configurations_do_not_share_rows(tmp_path):
    store = FeatureStore(tmp_path / "s.sqlite")
    first = store.table({"layer": "pool"}, n_features=N_FEATURES)
    second = store.table({"layer": "features.18"}, n_features=N_FEATURES)
    keys = _keys(2)
    first.put_many(keys, np.ones((2, N_FEATURES)))
    assert not second.get_many(keys)[1].any()
    assert {t["config"]["layer"]: t["n_rows"] for t in store.tables()} == {"pool": 2, "features.18": 0}


def test_directory_and_joblib_memory_hold_the_store_file(tmp_path):
    joblib = pytest.importorskip("joblib")
    assert FeatureStore(tmp_path).path == tmp_path / fs.STORE_FILE
    assert FeatureStore(joblib.Memory(str(tmp_path), verbose=0)).path == tmp_path / fs.STORE_FILE


def test_put_many_rejects_bad_rows(table):
    with pytest.raises(ValueError, match=r"expected \(2, 16\)"):
        table.put_many(_keys(2), np.zeros((2, 3)))
    rows = np.zeros((2, N_FEATURES))
    rows[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"rows \[1\] are not finite"):
        table.put_many(_keys(2), rows)
    assert len(table) == 0


def _corrupt(path, key, **columns):
    connection = sqlite3.connect(path)
    sets = ", ".join(f"{name} = ?" for name in columns)
    connection.execute(f"UPDATE rows SET {sets} WHERE key = ?", (*columns.values(), key))
    connection.commit()
    connection.close()


def test_invalid_rows_are_dropped_with_one_warning_naming_the_store(table):
    keys = _keys(6)
    table.put_many(keys, np.stack([_row(k) for k in keys]))
    path = table.store.path
    nan_row = _row(keys[3])
    nan_row[0] = np.nan
    _corrupt(path, keys[0], n=N_FEATURES + 1)                        # shape
    _corrupt(path, keys[1], dtype="<f8")                             # dtype
    _corrupt(path, keys[2], data=bytes(np.zeros(N_FEATURES, np.float32)))  # bit rot: CRC
    _corrupt(path, keys[3], data=bytes(nan_row), crc=zlib.crc32(bytes(nan_row)))  # finiteness
    with pytest.warns(RuntimeWarning, match=str(path)):
        got, found = table.get_many(keys)
    assert found.tolist() == [False, False, False, False, True, True]
    assert np.isfinite(got).all() and not got[:4].any()
    assert len(table) == 2  # the bad rows are gone, so the caller's recomputed rows replace them
    _corrupt(path, keys[4], data=b"short")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per store: no second warning
        assert table.get_many(keys)[1].tolist() == [False] * 5 + [True]


def test_store_pickles_and_reopens(table):
    keys = _keys(3)
    table.put_many(keys, np.stack([_row(k) for k in keys]))
    store = pickle.loads(pickle.dumps(table.store))
    assert store._connection is None
    rows, found = store.table({"extractor": "test"}, n_features=N_FEATURES).get_many(keys)
    assert found.all()
    np.testing.assert_array_equal(rows[1], _row(keys[1]))


def _write_overlapping(store, worker, n_batches):
    table = store.table({"extractor": "test"}, n_features=N_FEATURES)
    for b in range(n_batches):
        # Workers shift by 5 keys: every key is written by two or three of them.
        keys = _keys(10, start=worker * 5 + b * 3)
        table.put_many(keys, np.stack([_row(k) for k in keys]))
        rows, found = table.get_many(keys)
        assert found.all()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def test_concurrent_writers_of_overlapping_keys(tmp_path):
    store = FeatureStore(tmp_path / "shared.sqlite", timeout=30)
    n_workers, n_batches = 3, 20
    processes = [_context().Process(target=_write_overlapping, args=(store, w, n_batches))
                 for w in range(n_workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    assert [p.exitcode for p in processes] == [0] * n_workers
    keys = _keys(5 * (n_workers - 1) + 3 * (n_batches - 1) + 10)
    rows, found = store.table({"extractor": "test"}, n_features=N_FEATURES).get_many(keys)
    assert found.all()
    np.testing.assert_array_equal(rows, np.stack([_row(k) for k in keys]))
    connection = sqlite3.connect(store.path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("SELECT COUNT(*) FROM rows").fetchone() == (len(keys),)


def test_disk_full_on_write_keeps_nothing_of_the_batch(table, monkeypatch):
    keys = _keys(8)
    table.put_many(keys[:4], np.stack([_row(k) for k in keys[:4]]))

    def insert_half_then_fail(connection, records):
        fs_insert(connection, records[: len(records) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    fs_insert = fs._insert
    monkeypatch.setattr(fs, "_insert", insert_half_then_fail)
    with pytest.raises(StoreFullError, match=str(table.store.path)) as info:
        table.put_many(keys[4:], np.stack([_row(k) for k in keys[4:]]))
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert table.get_many(keys)[1].tolist() == [True] * 4 + [False] * 4
    table.put_many(keys[4:], np.stack([_row(k) for k in keys[4:]]))  # the store still works
    assert len(table) == 8


def _fill_until_full(path, queue):
    table = FeatureStore(path).table({"extractor": "fill"}, n_features=1024)
    written = []
    for b in range(1000):
        keys = [f"{b}-{i}" for i in range(16)]
        try:
            table.put_many(keys, np.full((16, 1024), b, dtype=np.float32))
        except StoreFullError as exc:
            queue.put(("full", str(exc), written, b))
            return
        written.append(b)
    queue.put(("never full", "", written, None))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_on_a_real_small_file_system(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        path = mount / "store.sqlite"
        queue = _context().Queue()
        # In a child process: should SQLite ever die on a full disk, the test fails, pytest does not.
        child = _context().Process(target=_fill_until_full, args=(path, queue))
        child.start()
        child.join(60)
        assert child.exitcode == 0
        outcome, message, written, failed = queue.get(timeout=5)
        assert outcome == "full" and str(path) in message and written
        table = FeatureStore(path).table({"extractor": "fill"}, n_features=1024)
        for b in written + [failed]:
            rows, found = table.get_many([f"{b}-{i}" for i in range(16)])
            assert found.all() == (b != failed) and found.any() == (b != failed)
            assert (rows[found] == b).all()
        table.store.close()
    finally:
        subprocess.run(["umount", str(mount)], check=False)
