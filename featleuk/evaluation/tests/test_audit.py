"""The leakage audit finds a planted leak: runs of near-duplicate consecutive files."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from featleuk.evaluation import CVResult
from featleuk.evaluation._audit import (
    _merge_groupings,
    _parse_numbers,
    feature_clusters,
    file_sequence_blocks,
    leakage_audit,
)


def _leaky(n_runs=24, run=8, n_features=20, seed=0):
    """Two classes whose images come in runs of near-copies with a weak class signal.

    Each run of ``run`` consecutive file numbers is one random "cell" plus
    small noise, so a model that memorises a run's neighbours looks good on
    random folds and has little to go on once whole runs are held out.
    """
    rng = np.random.default_rng(seed)
    X, y, names = [], [], []
    for label, cls in enumerate(["Benign", "Malignant"]):
        for r in range(n_runs):
            centre = rng.normal(size=n_features)
            centre[0] += 0.4 * label  # weak real signal
            for i in range(run):
                X.append(centre + 0.05 * rng.normal(size=n_features))
                y.append(label)
                names.append(f"WBC-{cls}-{r * run + i + 1:03d}.jpg")
    return np.array(X), np.array(y), names


def test_parse_trailing_numbers():
    prefixes, numbers = _parse_numbers(
        ["a/WBC-Malignant-Early-001.jpg", b"WBC-Pro-12.png", "notes.jpg", "x7y.tif"])
    assert numbers.tolist() == [1, 12, -1, -1]
    assert prefixes.tolist() == ["WBC-Malignant-Early-", "WBC-Pro-", "notes", "x7y"]


def test_blocks_follow_class_and_numbers():
    names = [f"A-{i:03d}.jpg" for i in (1, 2, 3, 4, 5)] + [f"B-{i:03d}.jpg" for i in (1, 2)]
    blocks, info = file_sequence_blocks(names, [0] * 5 + [1] * 2, block_size=2)
    assert blocks.tolist()[:5] == [0, 0, 1, 1, 2]
    assert blocks[5] == blocks[6] and blocks[5] not in blocks[:5]
    assert info == {"block_size": 2, "n_blocks": 4, "n_unnumbered": 0}
    with pytest.raises(ValueError, match="block_size"):
        file_sequence_blocks(names, [0] * 7, block_size=0)
    with pytest.raises(ValueError, match="needs the feature matrix"):
        file_sequence_blocks(names, [0] * 7)


def test_auto_block_size_sees_the_runs():
    X, y, names = _leaky()
    _, info = file_sequence_blocks(names, y, X=X, cv=4)
    assert info["neighbour_distance_ratio"] < 0.5  # neighbours are near-copies
    assert 7 <= info["correlation_gap"] <= 9  # the runs are 8 long
    assert info["block_size"] == 12  # 10 x 8, capped at a quarter of a fold (192 / 16)
    assert "capped at 12" in info["rule"]


def test_merge_groupings_is_transitive():
    merged = _merge_groupings([0, 0, 1, 2, 3], [5, 6, 6, 7, 8])
    assert merged[0] == merged[1] == merged[2] and len(set(merged.tolist())) == 3


def test_clusters_are_small_and_not_the_classes():
    X, y, _ = _leaky()
    clusters, info = feature_clusters(X, y)
    assert info["n_clusters"] == len(X) // 10 == len(np.unique(clusters))
    assert info["purity"] > 0.9  # look-alikes share a class
    assert info["adjusted_rand"] < 0.2  # but 38 clusters are not 2 classes
    assert "Ward" in info["method"]


def test_audit_finds_the_planted_leak():
    X, y, names = _leaky()
    audit = leakage_audit(KNeighborsClassifier(n_neighbors=1), X, y, filenames=names,
                          groups=np.arange(len(y)), cv=4, n_resamples=200)
    by_name = {s["name"]: s for s in audit["strategies"]}
    assert list(by_name) == ["random", "duplicates", "sequence", "clusters"]
    assert by_name["random"]["mean_accuracy"] > 0.95  # memorised runs
    assert by_name["sequence"]["mean_accuracy"] < 0.75
    assert by_name["sequence"]["mean_accuracy"] < by_name["random"]["mean_accuracy"] - 0.2
    assert audit["strictest"] in ("sequence", "clusters")
    for s in audit["strategies"]:
        assert len(s["fold_accuracy"]) == 4 and isinstance(s["result"], CVResult)
        ci = s["accuracy_ci"]
        assert ci["low"] <= ci["value"] <= ci["high"]
        assert s["guards_against"].endswith(".") and s["description"]
    assert "blocks of 12 consecutive file numbers" in by_name["sequence"]["description"]
    assert by_name["sequence"]["bootstrap_unit"] == "group"


def test_subject_ids_are_the_strictest_when_given():
    X, y, _ = _leaky(n_runs=10)
    subjects = np.arange(len(y)) // 8
    audit = leakage_audit(KNeighborsClassifier(), X, y, subjects=subjects, cv=3,
                          n_resamples=100)
    assert [s["name"] for s in audit["strategies"]] == ["random", "clusters", "subjects"]
    assert audit["strictest"] == "subjects"
    with pytest.raises(ValueError, match="2-D matrix"):
        leakage_audit(KNeighborsClassifier(), X[:, 0], y)
