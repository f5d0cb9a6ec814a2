"""Feature store: warm read speed (content hashing included) and the storage choice.

Times, for every image of a folder and a row of ``--n-features`` float32 per
image: hashing the files (:func:`featleuk.store.content_key`), writing the rows
in batches of ``--batch`` (how an extractor writes them), and a warm read of all
rows in a fresh process-like state (new connection). It does the same with a
chunked zarr array plus a key index (if zarr is installed) and with the older
one-``.npy``-per-image row cache (if present), so the storage choice rests on
numbers from one run.

    python benchmarks/feature_store.py --data ../shared/datasets/aria_all/Original
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from featleuk.store import FeatureStore, content_key

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"}


def _files(folder) -> list[str]:
    return sorted(str(p) for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def _best_of(repeats, run):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def _disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_sqlite(root, keys, rows, batch, repeats):
    path = Path(root) / "store.sqlite"
    config = {"benchmark": "feature_store", "n_features": rows.shape[1]}
    store = FeatureStore(path)
    table = store.table(config, n_features=rows.shape[1])
    start = time.perf_counter()
    for i in range(0, len(keys), batch):
        table.put_many(keys[i:i + batch], rows[i:i + batch])
    write = time.perf_counter() - start
    store.close()

    def read():
        fresh = FeatureStore(path)
        got, found = fresh.table(config, n_features=rows.shape[1]).get_many(keys)
        assert found.all() and np.array_equal(got, rows)
        fresh.close()

    best, median = _best_of(repeats, read)
    sidecars = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
    return {"write_s": write, "read_best_s": best, "read_median_s": median,
            "disk_mb": sum(_disk_bytes(p) for p in sidecars if p.exists()) / 1e6}


def bench_zarr(root, keys, rows, batch, repeats):
    """Rows appended to a resizable zarr array, keys in a JSON index beside it."""
    try:
        import zarr
    except ImportError:
        return {"skipped": "zarr is not installed"}
    path = Path(root) / "store.zarr"
    array = zarr.create_array(str(path), shape=(0, rows.shape[1]), chunks=(256, rows.shape[1]),
                              dtype="float32", overwrite=True)
    index = {}
    start = time.perf_counter()
    for i in range(0, len(keys), batch):
        part = rows[i:i + batch]
        n = array.shape[0]
        array.resize((n + len(part), rows.shape[1]))
        array[n:n + len(part)] = part
        index.update({k: n + j for j, k in enumerate(keys[i:i + batch])})
        (path / "keys.json").write_text(json.dumps(index))
    write = time.perf_counter() - start

    def read():
        positions = json.loads((path / "keys.json").read_text())
        stored = zarr.open_array(str(path), mode="r")[:]
        got = stored[[positions[k] for k in keys]]
        assert np.isfinite(got).all() and np.array_equal(got, rows)

    best, median = _best_of(repeats, read)
    return {"write_s": write, "read_best_s": best, "read_median_s": median, "disk_mb": _disk_bytes(path) / 1e6,
            "zarr": zarr.__version__}


def bench_npy_per_image(root, keys, rows, repeats):
    try:
        from featleuk.features._row_cache import RowCache
    except ImportError:
        return {"skipped": "featleuk.features._row_cache is gone"}
    cache = RowCache(root, {"benchmark": "npy"})
    start = time.perf_counter()
    for key, row in zip(keys, rows):
        cache.put(key, row)
    write = time.perf_counter() - start

    def read():
        got = np.stack([cache.get(key) for key in keys])
        assert np.array_equal(got, rows)

    best, median = _best_of(repeats, read)
    return {"write_s": write, "read_best_s": best, "read_median_s": median,
            "disk_mb": _disk_bytes(Path(root) / "featleuk_rows") / 1e6}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder of images (searched recursively)")
    parser.add_argument("--n-features", type=int, default=1280)
    parser.add_argument("--batch", type=int, default=32, help="rows per write, as an extractor writes them")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tmp", help="directory for the stores (default: a temporary one)")
    args = parser.parse_args(argv)
    files = _files(args.data)
    if not files:
        parser.error(f"no images under {args.data}")

    hash_best, hash_median = _best_of(args.repeats, lambda: [content_key(f) for f in files])
    keys = list(dict.fromkeys(content_key(f) for f in files))  # byte-identical copies share a row
    rows = np.random.default_rng(0).standard_normal((len(keys), args.n_features)).astype(np.float32)
    with tempfile.TemporaryDirectory(dir=args.tmp) as root:
        results = {
            "sqlite": bench_sqlite(os.path.join(root, "sqlite"), keys, rows, args.batch, args.repeats),
            "zarr": bench_zarr(os.path.join(root, "zarr"), keys, rows, args.batch, args.repeats),
            "npy_per_image": bench_npy_per_image(os.path.join(root, "npy"), keys, rows, args.repeats),
        }
    report = {"n_files": len(files), "n_unique": len(keys), "n_features": args.n_features,
              "hash_best_s": hash_best, "hash_median_s": hash_median}
    for name, result in results.items():
        if "read_best_s" in result:
            total = hash_best + result["read_best_s"]
            result["hash_plus_read_s"] = total
            result["rows_per_s"] = len(files) / total
        report[name] = result
    print(json.dumps(_rounded(report), indent=1))


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value, 4) if isinstance(value, float) else value


if __name__ == "__main__":
    main()
