"""Every experiment runs with --quick from the command line, with the shared option names."""

import json

import pytest

from featleuk.cli import build_parser, main
from featleuk.experiments import EXPERIMENTS
from featleuk.utils._testing import requires_weights

SHARED = ("--data", "--out", "--seed", "--jobs", "--no-progress")


@pytest.mark.parametrize("command", [["train", "otsu-knn"], ["predict", "m", "x"], ["evaluate", "m"],
                                     *[["reproduce", name] for name in EXPERIMENTS]])
def test_shared_options_have_the_same_names(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    text = capsys.readouterr().out
    wanted = SHARED if command[0] != "predict" else ("--out", "--seed", "--jobs", "--no-progress")
    for option in (*wanted, "--debug"):
        assert option in text, (command, option)


def test_reproduce_list_names_the_papers(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--list"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        assert name in out
    assert "Das et al. (2022)" in out and "Rahman et al. (2020)" in out


def _reproduce(name, tmp_path, *extra):
    out = tmp_path / name
    assert main(["reproduce", name, "--quick", "--no-progress", "--out", str(out), *extra]) == 0
    assert (out / "report.md").is_file()
    return json.loads((out / "metrics.json").read_text())


def test_classical_quick(tmp_path):
    _reproduce("classical", tmp_path, "--n-samples", "40", "--image-size", "64")


@requires_weights()
def test_mobilenetv2_quick(tmp_path):
    metrics = _reproduce("mobilenetv2", tmp_path, "--n-samples", "24", "--image-size", "64",
                         "--folds", "3", "--presets", "mobilenetv2-svm", "mobilenetv2-knn")
    assert set(metrics["pipelines"]) == {"mobilenetv2-svm", "mobilenetv2-knn"}


def test_selection_quick(tmp_path):
    _reproduce("selection", tmp_path, "--n-samples", "24", "--image-size", "64", "--weights", "none",
               "--reducers", "none", "pca", "--classifiers", "knn")


def test_deep_quick(tmp_path):
    _reproduce("deep", tmp_path, "--n-samples", "48", "--image-size", "32", "--models", "cnn_gru")


def test_reproduce_on_a_local_dask_cluster_gives_the_local_metrics(tmp_path):
    pytest.importorskip("distributed")
    options = ("--n-samples", "40", "--image-size", "64", "--jobs", "2")
    local = _reproduce("classical", tmp_path / "local", *options)
    on_dask = _reproduce("classical", tmp_path / "dask", *options, "--dask", "local:2")
    assert set(on_dask["pipelines"]) == set(local["pipelines"])
    for name, scores in local["pipelines"].items():
        for part in ("metrics", "pooled"):
            assert on_dask["pipelines"][name][part] == scores[part], (name, part)


def test_a_bad_dask_address_is_refused_before_any_work(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "classical", "--quick", "--dask", "local:zero"])
    assert exc.value.code == 2
    assert "--dask" in capsys.readouterr().err
