import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from featleuk.models import DeepClassifier, TrainingDivergedError
from featleuk.utils._sklearn_compat import InvalidParameterError
from featleuk.utils._testing import requires_weights


def small(**params):
    """A DeepClassifier that trains in about a second on the toy images."""
    base = dict(backbone="small_cnn", weights=None, image_size=32, max_epochs=2, batch_size=8,
                show_progress=False)
    return DeepClassifier(**{**base, **params})


@pytest.mark.parametrize("head", ["linear", "bilstm", "gru"])
def test_each_head_trains_and_predicts(toy, head):
    X, y = toy
    clf = small(head=head).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert set(clf.predict(X)) <= {"blast", "normal"}
    assert list(clf.classes_) == ["blast", "normal"]
    assert [row["epoch"] for row in clf.history_] == [1, 2]
    assert {"train_loss", "valid_loss", "train_acc", "valid_acc", "lr", "dur"} <= set(clf.history_[0])
    assert clf.pretrained_ is False and clf.weights_name_ is None
    assert clf.n_images_seen_ == len(X) - int(np.ceil(0.1 * len(X)))


def test_learns_an_easy_problem(toy):
    X, y = toy
    clf = small(max_epochs=8, lr=3e-3, validation_fraction=0, random_state=1).fit(X, y)
    assert clf.score(X, y) >= 0.9
    assert clf.history_[-1]["train_loss"] < clf.history_[0]["train_loss"]


def test_torchvision_backbone_with_frozen_stages(toy):
    X, y = toy
    clf = small(backbone="mobilenet_v2", head="bilstm", trainable_layers=2, max_epochs=1).fit(X, y)
    assert 0 < clf.n_trainable_params_ < clf.n_params_
    net = clf.module_
    assert len(net.frozen_stages) == len(net.stage_names) - 2
    net.train()
    frozen = net.get_submodule(net.frozen_stages[0])
    assert not frozen.training and net.get_submodule(net.stage_names[-1]).training
    assert not any(p.requires_grad for p in frozen.parameters())
    net.eval()


@pytest.mark.weights
@requires_weights()
def test_pretrained_weights_are_used_and_reported(toy):
    X, y = toy
    clf = small(backbone="mobilenet_v2", weights="IMAGENET1K_V1", trainable_layers=1,
                max_epochs=1).fit(X, y)
    assert clf.pretrained_ is True
    assert clf.weights_name_ == "MobileNet_V2_Weights.IMAGENET1K_V1"
    # Frozen pretrained stages are unchanged by training.
    from featleuk.weights import build_backbone

    reference, _ = build_backbone("mobilenet_v2", "IMAGENET1K_V1")
    torch.testing.assert_close(clf.module_.model.features[0][0].weight,
                               reference.features[0][0].weight)


def test_unfreeze_at_epoch(toy):
    X, y = toy
    clf = small(trainable_layers=0, unfreeze_at_epoch=2).fit(X, y)
    assert clf.n_trainable_params_ < clf.n_params_
    assert all(p.requires_grad for p in clf.module_.parameters())
    assert clf.module_.frozen_stages == []


def test_grid_search_tunes_lr_and_routed_params(toy):
    X, y = toy
    grid = GridSearchCV(small(max_epochs=1, validation_fraction=0),
                        {"lr": [1e-3, 1e-2], "optimizer__weight_decay": [0.0, 1e-4]}, cv=2)
    grid.fit(X, y)
    assert set(grid.best_params_) == {"lr", "optimizer__weight_decay"}
    assert grid.best_estimator_.optimizer__weight_decay in (0.0, 1e-4)
    assert grid.predict(X).shape == (len(X),)


def test_params_clone_and_routing():
    clf = small(optimizer__weight_decay=1e-4, callbacks__lr_scheduler__factor=0.3)
    params = clf.get_params()
    assert params["optimizer__weight_decay"] == 1e-4
    cloned = clone(clf)
    assert cloned.get_params() == params
    cloned.set_params(lr=0.5, optimizer__weight_decay=0.0)
    assert cloned.lr == 0.5 and cloned.optimizer__weight_decay == 0.0
    assert "weight_decay" in repr(clf)
    # Stored privately: the public attributes are exactly the signature's.
    assert not [name for name in vars(clf) if "__" in name]
    fresh = small().set_params(criterion__label_smoothing=0.1)
    assert clone(fresh).get_params()["criterion__label_smoothing"] == 0.1
    with pytest.raises(ValueError, match="Invalid parameter"):
        small().set_params(momentum=0.9)


@pytest.mark.parametrize("name, hint", [
    ("max_epoch", "did you mean 'max_epochs'"),
    ("optimiser__lr", "did you mean 'optimizer__lr'"),
    ("optimizer_weight_decay", "did you mean 'optimizer__weight_decay'"),
    ("momentum", "must start with one of"),
])
def test_unknown_params_are_stored_then_rejected_by_fit(toy, name, hint):
    X, y = toy
    clf = small(**{name: 3})  # the constructor only stores
    assert clone(clf).get_params()[name] == 3
    with pytest.raises(InvalidParameterError, match=hint):
        clf.fit(X, y)
    with pytest.raises(InvalidParameterError, match=hint):
        clf.lr_range_test(X, y)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("params", [{}, {"optimizer__weight_decay": 1e-4,
                                         "callbacks__lr_scheduler__factor": 0.3}])
def test_sklearn_init_and_set_params_checks(params):
    from sklearn.utils.estimator_checks import (
        check_do_not_raise_errors_in_init_or_set_params,
        check_no_attributes_set_in_init,
    )

    clf = small(**params)
    check_no_attributes_set_in_init("DeepClassifier", clf)
    check_do_not_raise_errors_in_init_or_set_params("DeepClassifier", clf)


def test_device(toy, monkeypatch):
    X, y = toy
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"device='cuda' .*torch.cuda.is_available\(\) is False"):
        small(device="cuda").fit(X, y)
    with pytest.raises(ValueError, match="device='cuda:1'"):
        small(device="cuda:1").lr_range_test(X, y)
    with pytest.raises(InvalidParameterError, match="device='gpu'"):
        small(device="gpu").fit(X, y)
    clf = small(device="cpu", max_epochs=1).fit(X, y)
    assert {p.device.type for p in clf.module_.parameters()} == {"cpu"}


def test_batch_size_sets_the_decoding_batches(toy, monkeypatch):
    from featleuk.models import _classifier

    X, y = toy
    sizes, original = [], _classifier.iter_image_batches

    def recording(X, batch_size=32, **kwargs):
        sizes.append(batch_size)
        return original(X, batch_size, **kwargs)

    monkeypatch.setattr(_classifier, "iter_image_batches", recording)
    small(batch_size=5, max_epochs=1).fit(X, y).predict(X)
    assert sizes == [5, 5]  # training images, then prediction


def test_pinned_predictions(toy):
    # Probabilities of the code before the scikit-learn-conventions rework
    # (same seed, same settings): a change here means results changed.
    X, y = toy
    expected = {
        "linear": [0.65937722, 0.30169833, 0.65207905],
        "gru": [0.56117266, 0.36394960, 0.56197339],
    }
    for head, first_column in expected.items():
        proba = small(head=head).fit(X, y).predict_proba(X[:3])
        np.testing.assert_allclose(proba[:, 0], first_column, atol=1e-4, err_msg=head)


def test_failed_fit_and_random_state_forms(toy):
    X, y = toy
    clf = small()
    with pytest.raises(ValueError, match="too few images"):
        clf.fit(X[:3], ["a", "a", "b"])
    assert not [name for name in vars(clf) if name.endswith("_")]
    a = small(random_state=np.random.RandomState(0), max_epochs=1).fit(X, y).predict_proba(X)
    b = small(random_state=np.random.RandomState(0), max_epochs=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    small(random_state=None, max_epochs=1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="random_state"):
        small(random_state="zero").fit(X, y)


def test_routed_params_reach_skorch(toy):
    X, y = toy
    # A relative threshold of 10 means "never improved": the rate is cut every epoch.
    clf = small(max_epochs=3, lr=1e-2, callbacks__lr_scheduler__patience=0,
                callbacks__lr_scheduler__factor=0.1, callbacks__lr_scheduler__threshold=10.0,
                early_stopping=None).fit(X, y)
    np.testing.assert_allclose([row["lr"] for row in clf.history_], [1e-2, 1e-3, 1e-4])


def test_same_seed_same_model_other_seed_other_model(toy):
    X, y = toy
    a = small(random_state=3).fit(X, y).predict_proba(X)
    b = small(random_state=3).fit(X, y).predict_proba(X)
    c = small(random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_global_rng_alone(toy):
    X, y = toy
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small(max_epochs=1).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_pickle_and_save_load_round_trip(toy, tmp_path):
    X, y = toy
    clf = small(head="gru", optimizer__weight_decay=1e-4).fit(X, y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)

    path = tmp_path / "model.pt"
    clf.save(path)
    loaded = DeepClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert loaded.history_ == clf.history_
    assert loaded.get_params() == clf.get_params()
    assert loaded.best_epoch_ == clf.best_epoch_


def test_save_load_integer_labels_and_errors(toy, tmp_path):
    X, y = toy
    y_int = np.where(y == "blast", 3, 7)
    clf = small(max_epochs=1).fit(X, y_int)
    clf.save(tmp_path / "m.pt")
    loaded = DeepClassifier.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.predict(X).dtype == y_int.dtype

    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file written by"):
        DeepClassifier.load(tmp_path / "other.pt")
    clf.set_params(augment=lambda image: image)
    with pytest.raises(ValueError, match="pickle the estimator"):
        clf.save(tmp_path / "x.pt")


def test_predict_before_fit_raises(toy):
    with pytest.raises(NotFittedError):
        small().predict(toy[0])


def test_single_class_is_rejected(toy):
    X, _ = toy
    with pytest.raises(ValueError, match="at least 2 classes"):
        small().fit(X, np.zeros(len(X)))


def test_too_few_images_for_validation(toy):
    X, y = toy
    with pytest.raises(ValueError, match="too few images for a stratified validation split"):
        small().fit(X[:3], ["a", "a", "b"])
    # ... and without a validation split the same images train.
    small(validation_fraction=0, max_epochs=1).fit(X[:3], ["a", "a", "b"])


def test_nan_loss_stops_with_a_clear_error(toy):
    X, y = toy

    def poison(image):
        return torch.full(image.shape, float("nan"))

    with pytest.raises(TrainingDivergedError, match="loss became nan at epoch 1, batch 1"):
        small(augment=poison).fit(X, y)


def test_mixed_sizes_modes_and_paths(toy, tmp_path):
    from PIL import Image

    X, y = toy
    images = [X[0], np.ascontiguousarray(X[1][:20, :28]), np.dstack([X[2], np.full((32, 32), 255, np.uint8)])]
    images += [np.kron(X[i], np.ones((2, 2, 1), np.uint8)) for i in range(3, len(X))]  # 64 px
    clf = small(max_epochs=1, preprocess="weights", mask="blank").fit(images, y)
    assert clf.predict(images).shape == (len(X),)

    paths = []
    for i, image in enumerate(X):
        paths.append(str(tmp_path / f"img{i}.png"))
        Image.fromarray(image).save(paths[-1])
    from_paths = small(max_epochs=1).fit(paths, y)
    from_arrays = small(max_epochs=1).fit(X, y)
    np.testing.assert_allclose(from_paths.predict_proba(paths), from_arrays.predict_proba(X),
                               atol=1e-6)


def test_explicit_validation_set_and_no_validation(toy):
    X, y = toy
    clf = small(max_epochs=1).fit(X[:16], y[:16], X_val=X[16:], y_val=y[16:])
    assert clf.n_images_seen_ == 16 and "valid_loss" in clf.history_[0]
    with pytest.raises(ValueError, match="not in y"):
        small().fit(X[:16], y[:16], X_val=X[16:], y_val=["other"] * 8)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        small().fit(X, y, X_val=X)
    none = small(validation_fraction=0, early_stopping=3).fit(X, y)
    assert "valid_loss" not in none.history_[0] and none.n_images_seen_ == len(X)


def test_time_budget_stops_training(toy):
    X, y = toy
    clf = small(max_epochs=50, max_time=1e-3).fit(X, y)
    assert len(clf.history_) == 1 and clf.stop_reason_ == "max_time"


def test_imbalance_options_optimizers_and_schedules(toy):
    X, y = toy
    keep = np.r_[np.flatnonzero(y == "blast"), np.flatnonzero(y == "normal")[:4]]
    for params in [dict(class_weight="balanced"), dict(sampler="balanced"),
                   dict(class_weight={"blast": 1.0, "normal": 3.0}),
                   dict(optimizer="sgd", lr_schedule="onecycle", max_epochs=3),
                   dict(optimizer="adamax", lr_schedule="constant"),
                   dict(optimizer="adamw", precision="bfloat16", augment=None)]:
        clf = small(**params).fit(X[keep], y[keep])
        assert clf.predict_proba(X).shape == (len(X), 2), params
    onecycle = small(optimizer="sgd", lr_schedule="onecycle", max_epochs=3, lr=0.1).fit(X, y)
    lrs = [row["lr"] for row in onecycle.history_]
    assert lrs[0] < lrs[1]  # warm-up
    with pytest.raises(ValueError, match="labels not in y"):
        small(class_weight={"other": 2.0}).fit(X, y)


def test_lr_range_test(toy):
    X, y = toy
    clf = small(batch_size=4)
    result = clf.lr_range_test(X, y, start_lr=1e-5, end_lr=10.0, num_iter=30)
    assert len(result.lrs) == len(result.losses) >= 2
    assert np.all(np.diff(result.lrs) > 0)
    assert 1e-5 <= result.suggestion <= 10.0 and 1e-5 <= result.min_loss_lr <= 10.0
    assert not hasattr(clf, "classes_")  # the estimator is left unfitted
    assert result.plot() is not None


@pytest.mark.parametrize("params, match", [
    (dict(backbone="small_cnn", weights="DEFAULT"), "trained from scratch"),
    (dict(backbone="vit_b_16", head="bilstm"), "convolutional backbone"),
    (dict(trainable_layers=9), "has 4 stages"),
    (dict(backbone="mobilenet_v9"), "unknown backbone"),
    (dict(head="transformer"), "head"),
])
def test_bad_parameters(toy, params, match):
    X, y = toy
    with pytest.raises(ValueError, match=match):
        small(**params).fit(X, y)


def test_estimator_conventions(toy):
    from featleuk.utils.estimator_checks import (
        check_clone_and_params,
        check_init_stores_params,
    )

    X, y = toy
    check_init_stores_params(small(), X, y)
    clf = small(optimizer__weight_decay=1e-4)
    check_clone_and_params(clf, X, y)
    fitted = clone(clf).fit(X, y)
    assert fitted.fit(X, y) is fitted
    assert not hasattr(clf, "classes_")
