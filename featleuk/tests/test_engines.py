import pickle
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from featleuk import engines  # noqa: E402
from featleuk.engines import ENGINES, best_available_engine, engine_status, export_onnx, make_runner  # noqa: E402

SIZE = 224


def _relative_difference(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def _require(engine):
    reason = engine_status(engine)
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def mobilenet():
    """A randomly initialised MobileNetV2 tapped at its pooled features, exported once."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torchvision.models.mobilenet_v2(weights=None)
    model.classifier = torch.nn.Identity()
    model.eval()
    onnx_model = export_onnx(model, SIZE) if engine_status("onnxruntime") is None else None
    batch = np.random.default_rng(0).standard_normal((3, 3, SIZE, SIZE)).astype(np.float32)
    with torch.inference_mode():
        reference = model(torch.from_numpy(batch)).numpy()
    return model, onnx_model, batch, reference


def _small_net():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, stride=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        ).eval()


@pytest.fixture(autouse=True)
def _fresh_warning_registry(monkeypatch):
    monkeypatch.setattr(engines, "_warned", set())


@pytest.mark.parametrize("engine", ENGINES)
def test_fp32_engines_match_torch(mobilenet, engine):
    _require(engine)
    model, onnx_model, batch, reference = mobilenet
    run = make_runner(model, SIZE, engine=engine, onnx_model=onnx_model)
    assert (run.engine, run.precision, run.n_features) == (engine, "fp32", 1280)
    features = run(batch)
    assert features.dtype == np.float32 and features.shape == (3, 1280)
    assert _relative_difference(features, reference) < 1e-4
    assert run.cache_config == {"precision": "fp32"}  # fp32 rows are shared across engines
    # Picklable: the session is dropped and rebuilt from the stored model in the copy.
    copy = pickle.loads(pickle.dumps(run))
    assert copy._session is None
    np.testing.assert_allclose(copy(batch[:1]), features[:1], rtol=1e-5, atol=1e-6)
    assert copy(batch[:0]).shape == (0, 1280)


def test_auto_uses_the_first_installed_engine():
    net = _small_net()
    run = make_runner(net, 32)
    assert run.engine == next(e for e in ENGINES if engine_status(e) is None)


def test_batch_shape_is_checked():
    run = make_runner(_small_net(), (32, 24), engine="torch")
    assert run(np.zeros((2, 3, 32, 24))).shape == (2, 32)
    with pytest.raises(ValueError, match=r"\(N, 3, 32, 24\); got \(2, 3, 24, 32\)"):
        run(np.zeros((2, 3, 24, 32), dtype=np.float32))


def test_unsupported_choices_say_what_to_use():
    net = _small_net()
    with pytest.raises(ValueError, match="does not run precision='int8'"):
        make_runner(net, 32, engine="torch", precision="int8")
    with pytest.raises(ValueError, match="engine='tensorrt' is not one of"):
        make_runner(net, 32, engine="tensorrt")
    if engine_status("onnxruntime") is None:
        with pytest.raises(ValueError, match="needs calibration="):
            make_runner(net, 32, engine="onnxruntime", precision="int8")


def _hide(monkeypatch, *packages):
    for package in packages:
        monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail


def test_fallback_says_what_is_missing_once_at_the_callers_line(monkeypatch):
    _hide(monkeypatch, "onnxruntime")
    with pytest.warns(RuntimeWarning) as record:
        engine = best_available_engine()
    assert engine == ("openvino" if engine_status("openvino") is None else "torch")
    message = str(record[0].message)
    assert message.startswith("onnxruntime is not installed (pip install onnx onnxruntime)")
    assert "export" not in message
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert best_available_engine() == engine  # said once per process


def test_fallback_to_torch_from_make_runner_points_at_the_user(monkeypatch):
    _hide(monkeypatch, "onnxruntime", "openvino")
    with pytest.warns(RuntimeWarning, match="openvino is not installed.*using torch") as record:
        run = make_runner(_small_net(), 32)
    assert run.engine == "torch" and record[0].filename == __file__
    with pytest.raises(ImportError, match="onnxruntime is not installed"):
        make_runner(_small_net(), 32, engine="onnxruntime")


def test_export_failure_falls_back_under_auto_only(monkeypatch):
    _require("onnxruntime")

    def broken_export(module, input_size):
        raise RuntimeError("unsupported operator aten::frobnicate")

    monkeypatch.setattr(engines, "export_onnx", broken_export)
    with pytest.warns(RuntimeWarning, match="ONNX export of Sequential failed.*frobnicate.*using torch") as record:
        run = make_runner(_small_net(), 32)
    assert run.engine == "torch" and record[0].filename == __file__
    with pytest.raises(RuntimeError, match="ONNX export of Sequential for engine='onnxruntime' failed"):
        make_runner(_small_net(), 32, engine="onnxruntime")


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_int8_is_close_and_keyed_by_its_calibration(engine):
    _require(engine)
    if engine == "openvino" and engines._nncf_status() is not None:
        pytest.skip(engines._nncf_status())
    net = _small_net()
    rng = np.random.default_rng(1)
    calibration = [rng.random((8, 3, 32, 32), dtype=np.float32) for _ in range(2)]
    batch = rng.random((4, 3, 32, 32), dtype=np.float32)
    run = make_runner(net, 32, engine=engine, precision="int8", calibration=calibration)
    exact = make_runner(net, 32, engine="torch")(batch)
    assert 0 < _relative_difference(run(batch), exact) < 0.05
    assert run.cache_config["precision"] == "int8" and run.cache_config["engine"] == engine
    other = make_runner(net, 32, engine=engine, precision="int8", calibration=calibration[:1])
    assert other.cache_config["calibration"] != run.cache_config["calibration"]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(run))(batch), run(batch))


def test_bf16_is_close_and_not_shared_with_fp32():
    _require("openvino")
    import openvino as ov

    if "BF16" not in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        with pytest.raises(ValueError, match="bf16 instructions"):
            make_runner(_small_net(), 32, engine="openvino", precision="bf16")
        return
    net = _small_net()
    batch = np.random.default_rng(2).random((4, 3, 32, 32), dtype=np.float32)
    run = make_runner(net, 32, engine="openvino", precision="bf16")
    assert 0 < _relative_difference(run(batch), make_runner(net, 32, engine="torch")(batch)) < 0.05
    assert run.cache_config == {"precision": "bf16", "engine": "openvino"}
