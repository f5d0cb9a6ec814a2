"""The ONNX cache of featleuk.engines: keyed, verified on read, written atomically, optional."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from featleuk import engines  # noqa: E402
from featleuk.engines import (cache_dir, clear_onnx_cache, load_cached_onnx, make_runner,  # noqa: E402
                              store_cached_onnx)

KEY = {"net": "small", "input_size": 32}


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path):
    monkeypatch.setenv("FEATLEUK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _small_net():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                   torch.nn.Flatten()).eval()


def _counting_export(monkeypatch):
    calls = []
    real = engines.export_onnx

    def export(module, size):
        calls.append(size)
        return real(module, size)

    monkeypatch.setattr(engines, "export_onnx", export)
    return calls


def _entry(key=KEY):
    _, onnx_path, json_path = engines._onnx_cache_entry(key)
    return onnx_path, json_path


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    assert cache_dir() == tmp_path / "cache"
    for off in ("none", "None", ""):
        monkeypatch.setenv("FEATLEUK_CACHE_DIR", off)
        assert cache_dir() is None
        assert store_cached_onnx(KEY, b"x") is None and load_cached_onnx(KEY) is None
    monkeypatch.delenv("FEATLEUK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if engines.sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "xdg" / "featleuk"


def test_round_trip_and_clear(_cache):
    assert load_cached_onnx(KEY) is None
    path = store_cached_onnx(KEY, b"model bytes")
    assert path.parent == _cache / "onnx" and path.read_bytes() == b"model bytes"
    assert (path.parent.stat().st_mode & 0o077) == 0  # the owner's only
    assert load_cached_onnx(KEY) == b"model bytes"
    assert load_cached_onnx({**KEY, "input_size": 64}) is None
    assert not list(path.parent.glob("*.partial"))
    assert clear_onnx_cache() == 2 and load_cached_onnx(KEY) is None


def test_key_holds_the_exporter_versions(monkeypatch):
    name = _entry()[0].name
    monkeypatch.setattr(engines, "_export_versions", lambda: {"format": 1, "torch": "0.0-other"})
    assert _entry()[0].name != name


def test_a_damaged_or_mismatched_entry_is_ignored_and_rewritten(monkeypatch):
    calls = _counting_export(monkeypatch)
    net = _small_net()
    batch = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    expected = make_runner(net, 32, engine="onnxruntime", onnx_cache_key=KEY)(batch)
    onnx_path, json_path = _entry()
    good = onnx_path.read_bytes()
    assert len(calls) == 1

    onnx_path.write_bytes(good[:-10] + b"0123456789")  # damaged: its sha256 no longer matches
    assert load_cached_onnx(KEY) is None
    np.testing.assert_array_equal(make_runner(net, 32, engine="onnxruntime", onnx_cache_key=KEY)(batch),
                                  expected)
    assert len(calls) == 2 and onnx_path.read_bytes() == good  # exported again, and rewritten

    meta = json.loads(json_path.read_text())
    meta["key"]["key"]["input_size"] = 64  # an entry that claims another key
    json_path.write_text(json.dumps(meta))
    assert load_cached_onnx(KEY) is None
    json_path.write_text("{not json")
    assert load_cached_onnx(KEY) is None
    json_path.unlink()
    assert load_cached_onnx(KEY) is None
    make_runner(net, 32, engine="onnxruntime", onnx_cache_key=KEY)
    assert len(calls) == 3 and load_cached_onnx(KEY) == good


def test_make_runner_exports_once_across_processes(monkeypatch):
    calls = _counting_export(monkeypatch)
    net = _small_net()
    batch = np.random.default_rng(1).standard_normal((3, 3, 32, 32)).astype(np.float32)
    first = make_runner(net, 32, engine="onnxruntime", onnx_cache_key=KEY)
    second = make_runner(net, 32, engine="onnxruntime", onnx_cache_key=KEY)  # as a new process would
    assert len(calls) == 1 and second.onnx_model == first.onnx_model
    np.testing.assert_array_equal(second(batch), first(batch))
    make_runner(net, 32, engine="onnxruntime")  # no key: no cache
    assert len(calls) == 2


def test_an_unwritable_cache_costs_only_the_export(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FEATLEUK_CACHE_DIR", str(blocker))
    calls = _counting_export(monkeypatch)
    run = make_runner(_small_net(), 32, engine="onnxruntime", onnx_cache_key=KEY)
    assert run.engine == "onnxruntime" and len(calls) == 1
    assert store_cached_onnx(KEY, b"x") is None
