"""Every mistake in what is given: exit status 2, one line on stderr, no heavy work started."""

import os
import pickle
from pathlib import Path

import pytest

import featleuk.base
import featleuk.datasets
import featleuk.experiments._common
from featleuk.cli import main
from featleuk.datasets import write_synthetic_smears


@pytest.fixture(scope="module")
def smears(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smears")
    write_synthetic_smears(folder, 16, image_size=32, random_state=0)
    return folder


@pytest.fixture(autouse=True)
def no_heavy_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("heavy work started before the input was checked")

    # Decoding the dataset and any image step's fit / transform (feature extraction).
    monkeypatch.setattr(featleuk.datasets, "load_dataset", refuse)
    monkeypatch.setattr(featleuk.experiments._common, "load_dataset", refuse)
    monkeypatch.setattr(featleuk.base.BaseImageStep, "fit", refuse)
    for cls in (featleuk.base.ImageToImageStep, featleuk.base.ImageToFeaturesStep):
        monkeypatch.setattr(cls, "transform", refuse)


def _fails(capsys, argv, *expected):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _copy_classes(src, dst, classes, n=None):
    for name in classes:
        (dst / name).mkdir(parents=True)
        for path in sorted((src / name).iterdir())[:n]:
            (dst / name / path.name).write_bytes(path.read_bytes())
    return dst


def test_unknown_preset_says_did_you_mean(capsys, smears, tmp_path):
    _fails(capsys, ["train", "mobilenetv2-svn", "--data", str(smears), "--out", str(tmp_path / "m.skops")],
           "unknown preset 'mobilenetv2-svn'", "did you mean 'mobilenetv2-svm'")


def test_bad_set_name(capsys, smears, tmp_path):
    _fails(capsys, ["train", "otsu-knn", "--data", str(smears), "--out", str(tmp_path / "m.skops"),
                    "--set", "clf__n_neighbour=3"], "clf__n_neighbour", "did you mean 'clf__n_neighbors'")


def test_set_without_value(capsys, smears, tmp_path):
    _fails(capsys, ["train", "otsu-knn", "--data", str(smears), "--out", str(tmp_path / "m.skops"),
                    "--set", "clf__n_neighbors"], "expected NAME=VALUE")


@pytest.mark.parametrize("command", ["train", "reproduce"])
def test_wrong_data_path(capsys, tmp_path, command):
    argv = (["train", "otsu-knn", "--out", str(tmp_path / "m.skops")] if command == "train"
            else ["reproduce", "classical", "--out", str(tmp_path / "r")])
    _fails(capsys, [*argv, "--data", str(tmp_path / "missing")], "no such folder")


def test_data_is_a_file(capsys, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    _fails(capsys, ["train", "otsu-knn", "--data", str(tmp_path / "file.txt"), "--out",
                    str(tmp_path / "m.skops")], "is a file")


def test_folder_without_images(capsys, tmp_path):
    (tmp_path / "empty" / "Benign").mkdir(parents=True)
    (tmp_path / "empty" / "Benign" / "notes.txt").write_text("x")
    _fails(capsys, ["train", "otsu-knn", "--data", str(tmp_path / "empty"), "--out",
                    str(tmp_path / "m.skops")], "--data", "no images")


def test_one_class(capsys, smears, tmp_path):
    data = _copy_classes(smears, tmp_path / "one", ["Benign"])
    _fails(capsys, ["train", "otsu-knn", "--data", str(data), "--out", str(tmp_path / "m.skops")],
           "at least two class sub-folders")


def test_empty_class_folder_is_left_out_with_a_warning(smears, tmp_path):
    from featleuk.experiments import check_data

    data = _copy_classes(smears, tmp_path / "d", ["Benign", "Pre"])
    (data / "Zebra").mkdir()
    with pytest.warns(UserWarning, match="'Zebra' hold no images"):
        counts = check_data(data, folds=2)
    assert sorted(counts) == ["Benign", "Pre"]


@pytest.mark.parametrize("command", ["train", "reproduce"])
def test_too_few_images_for_the_folds_names_the_class(capsys, smears, tmp_path, command):
    data = _copy_classes(smears, tmp_path / "few", ["Benign", "Early", "Pre"])
    for path in sorted((data / "Pre").iterdir())[2:]:
        path.unlink()
    argv = (["train", "otsu-knn", "--out", str(tmp_path / "m.skops"), "--cv", "3"] if command == "train"
            else ["reproduce", "classical", "--out", str(tmp_path / "r"), "--folds", "3"])
    _fails(capsys, [*argv, "--data", str(data)], "class 'Pre' has 2 images", "3 folds")


@pytest.mark.parametrize("command", ["train", "reproduce"])
def test_out_under_a_file(capsys, smears, tmp_path, command):
    (tmp_path / "file").write_text("x")
    argv = (["train", "otsu-knn", "--out", str(tmp_path / "file" / "m.skops")] if command == "train"
            else ["reproduce", "classical", "--out", str(tmp_path / "file" / "r")])
    _fails(capsys, [*argv, "--data", str(smears)], "is a file")


def test_model_out_is_a_folder(capsys, smears, tmp_path):
    _fails(capsys, ["train", "otsu-knn", "--data", str(smears), "--out", str(tmp_path)], "is a folder")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_out_not_writable(capsys, smears, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        _fails(capsys, ["train", "otsu-knn", "--data", str(smears), "--out", str(locked / "m.skops")],
               "not writable")
    finally:
        locked.chmod(0o700)


def test_predict_missing_model_and_images(capsys, smears, tmp_path):
    _fails(capsys, ["predict", str(tmp_path / "none.skops"), str(smears), "--out",
                    str(tmp_path / "p.csv")], "does not exist")
    (tmp_path / "m.skops").write_bytes(b"PK")
    _fails(capsys, ["predict", str(tmp_path / "m.skops"), str(tmp_path / "nothing-here"), "--out",
                    str(tmp_path / "p.csv")], "no such file or folder")


def test_a_pickle_is_refused(capsys, smears, tmp_path):
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    _fails(capsys, ["predict", str(tmp_path / "model.pkl"), str(smears), "--out", str(tmp_path / "p.csv")],
           "looks like a pickle")


def test_debug_shows_the_traceback(smears, tmp_path):
    from featleuk.experiments import InputError

    with pytest.raises(InputError, match="unknown preset"):
        main(["train", "nope", "--data", str(smears), "--out", str(tmp_path / "m.skops"), "--debug"])


def test_usage_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "otsu-knn"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
