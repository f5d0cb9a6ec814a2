"""End-to-end CNN classifiers as scikit-learn estimators (skorch underneath)."""

from __future__ import annotations

import math
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._torch_preprocess import PREPROCESS_MODES, to_uint8_batch
from ..images import check_images, iter_image_batches
from ..utils import progress
from ..weights import Preprocessing
from ._augment import make_augment
from ._backbones import SMALL_CNN, backbone_info
from ._heads import HEADS

__all__ = ["DeepClassifier", "ROUTED_PREFIXES"]

#: Parameter prefixes passed through to skorch, e.g. ``optimizer__weight_decay``,
#: ``criterion__label_smoothing``, ``callbacks__lr_scheduler__factor``,
#: ``iterator_train__num_workers``. They are ordinary parameters of the
#: estimator: ``get_params`` lists them and ``GridSearchCV`` can tune them.
ROUTED_PREFIXES = ("optimizer__", "criterion__", "callbacks__", "iterator_train__", "iterator_valid__")

_OPTIMIZERS = ("adam", "adamw", "adamax", "sgd")
_FORMAT = "featleuk.DeepClassifier"
_HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "train_acc", "valid_acc", "lr", "dur")


def _is_routed(name: str) -> bool:
    return name.startswith(ROUTED_PREFIXES)


def _optimizer_class(name):
    import torch

    return {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
            "adamax": torch.optim.Adamax, "sgd": torch.optim.SGD}[name]


class DeepClassifier(ClassifierMixin, BaseEstimator):
    """A CNN trained end to end on images: fine-tuned backbone, MobileNet-BiLSTM, CNN-GRU.

    Takes the same ``X`` as every featleuk step (image paths or ``uint8``
    arrays, see :mod:`featleuk.images`) and any labels ``y``. Images are
    decoded and resized once per ``fit`` (kept as ``uint8``), then augmented
    and normalised a batch at a time.

    Parameters
    ----------
    backbone : str, default="mobilenet_v2"
        Any torchvision classification model (``featleuk.weights.list_backbones()``)
        or ``"small_cnn"``, a four-block CNN trained from scratch for edge
        devices (:class:`~featleuk.models.SmallCNN`).
    weights : str, path-like or None, default="DEFAULT"
        ImageNet weights, resolved offline by :mod:`featleuk.weights`
        (``"DEFAULT"``, a torchvision weights name such as
        ``"IMAGENET1K_V1"``, or a state-dict file); ``None`` trains from
        random initialisation. ``pretrained_`` and ``weights_name_`` say
        what was used. Weights that are not on the machine raise
        :class:`~featleuk.weights.WeightsUnavailableError` in ``fit``.
    head : {"linear", "bilstm", "gru"}, default="linear"
        ``"linear"``: the backbone's own classifier with a new output layer
        (classic fine-tuning, seed 004). ``"bilstm"``: the last feature map
        read as a sequence of its ``H*W`` positions by a bidirectional LSTM
        (MobileNet-BiLSTM, seed 000). ``"gru"``: a GRU over the same
        sequence, then a dense layer with dropout (CNN-GRU, seed 003; use
        with ``backbone="small_cnn"`` for the edge model).
    trainable_layers : int or None, default=None
        Train only the last ``trainable_layers`` stages of the backbone
        (``features[i]`` blocks, ResNet ``layerN``, ...) plus the head; the
        others keep their weights and batch-norm statistics. ``0`` trains
        the head only; ``None`` trains everything. On a 2-core CPU,
        MobileNetV2 with ``trainable_layers=3`` trains 3-4x faster than a
        full fine-tune (docs/benchmarks.md).
    unfreeze_at_epoch : int or None, default=None
        Make the whole backbone trainable from this (1-based) epoch on.
    image_size : int or None, default=224
        Side of the square network input. ``None``: the weights' crop size.
    preprocess : {"resize", "weights"}, default="resize"
        ``"resize"``: resize the whole image to ``image_size`` (keeps the
        field's borders; non-square images are stretched). ``"weights"``:
        resize the shorter side by the weights' resize/crop ratio (256/224)
        then centre-crop ``image_size``.
    mask : {"ignore", "blank"}, default="ignore"
        For RGB + mask input: drop the mask, or paint the background (mask
        0) in the normalisation mean colour so only the nucleus is seen.
    hidden_size : int, default=128
        Units of the BiLSTM / GRU (per direction) and of the GRU's dense layer.
    dropout : float, default=0.3
        Dropout before the output layer of the sequence heads.
    optimizer : {"adam", "adamw", "adamax", "sgd"}, default="adam"
        ``"sgd"`` uses momentum 0.9 unless ``optimizer__momentum`` is given.
        Seed 002 trains with Adamax at ``lr=1e-3``.
    lr : float, default=1e-3
        Learning rate (the peak rate for ``lr_schedule="onecycle"``).
    lr_schedule : {"plateau", "onecycle", "constant"}, default="plateau"
        ``"plateau"``: halve the rate when the validation loss has not
        improved for 2 epochs (seed 002; tune with
        ``callbacks__lr_scheduler__factor`` / ``__patience`` / ``__threshold``
        / ``__min_lr``).
        ``"onecycle"``: Smith's one-cycle policy over ``max_epochs`` (seed 001).
    max_epochs : int, default=30
    batch_size : int, default=32
        Training and prediction batch size.
    early_stopping : int or None, default=5
        Stop when the validation loss has not improved for this many epochs
        and restore the weights of the best epoch. ``None``: train all epochs.
    validation_fraction : float, default=0.1
        Stratified share of the training images held out for the
        validation loss (early stopping, plateau schedule), unless ``fit``
        gets ``X_val, y_val``. ``0``: no validation.
    augment : "default", None or callable, default="default"
        ``"default"``: :class:`~featleuk.models.SmearAugment` (right-angle and
        +-15 degree rotations, flips, 0.9-1.1 zoom, brightness and contrast
        +-15 %), drawn per image. A callable is applied to each ``(3, H, W)``
        uint8 image tensor (e.g. a ``torchvision.transforms.v2.Compose``).
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss (scikit-learn's convention).
    sampler : {"balanced"} or None, default=None
        ``"balanced"`` draws training batches with replacement so that each
        class is seen equally often (an alternative to ``class_weight``).
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs the forward pass under CPU autocast; it can only
        pay off on CPUs with native bf16 (AVX512-BF16 / AMX); on the project
        machine, which has neither, it was no faster (docs/benchmarks.md).
    max_time : float or None, default=None
        Training budget in seconds: stop after the epoch when another one
        would exceed it (the best epoch's weights are kept when validating).
    random_state : int, RandomState or None, default=0
        Seeds the initialisation of new layers, the validation split,
        batch order, augmentation and dropout: equal seeds give equal models.
    show_progress : bool, default=True
        Progress bars while decoding, training and predicting.
    verbose : int, default=0
        ``1`` prints skorch's table of losses per epoch.
    **routed_params
        Parameters passed to skorch, with one of the prefixes in
        :data:`ROUTED_PREFIXES`.

    Attributes
    ----------
    classes_ : ndarray
        The labels, in the order of ``predict_proba``'s columns.
    module_ : torch.nn.Module
        The trained network (:class:`~featleuk.models.DeepNet`), in eval mode;
        it takes ``(N, 3, S, S)`` uint8 tensors.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``train_acc``,
        ``valid_acc``, ``lr``, ``dur`` (seconds).
    best_epoch_ : int
        The epoch whose weights the model has.
    stop_reason_ : str
        ``"early_stopping"``, ``"max_time"`` or ``"max_epochs"``.
    pretrained_ : bool
        Whether training started from pretrained weights.
    weights_name_ : str or None
        Which weights (e.g. ``"MobileNet_V2_Weights.IMAGENET1K_V1"``).
    preprocessing_ : Preprocessing
        Resize, crop and normalisation applied to the images.
    n_params_, n_trainable_params_ : int
        Parameters of the network, and those trained (at the start).
    n_images_seen_ : int
        Training images (without the validation images).

    See Also
    --------
    featleuk.models.gradcam : Grad-CAM heatmaps of a fitted model.
    featleuk.features.DeepFeatures : frozen CNN features for hybrid pipelines.
    """

    _parameter_constraints: dict = {
        "backbone": [str],
        "weights": [str, os.PathLike, None],
        "head": [StrOptions(set(HEADS))],
        "trainable_layers": [Interval(Integral, 0, None, closed="left"), None],
        "unfreeze_at_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "image_size": [Interval(Integral, 8, None, closed="left"), None],
        "preprocess": [StrOptions(set(PREPROCESS_MODES))],
        "mask": [StrOptions({"ignore", "blank"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"plateau", "onecycle", "constant"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "augment": [StrOptions({"default", "none"}), callable, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "sampler": [StrOptions({"balanced"}), None],
        "precision": [StrOptions({"float32", "bfloat16"})],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
        "show_progress": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        backbone="mobilenet_v2",
        weights="DEFAULT",
        head="linear",
        *,
        trainable_layers=None,
        unfreeze_at_epoch=None,
        image_size=224,
        preprocess="resize",
        mask="ignore",
        hidden_size=128,
        dropout=0.3,
        optimizer="adam",
        lr=1e-3,
        lr_schedule="plateau",
        max_epochs=30,
        batch_size=32,
        early_stopping=5,
        validation_fraction=0.1,
        augment="default",
        class_weight=None,
        sampler=None,
        precision="float32",
        max_time=None,
        random_state=0,
        show_progress=True,
        verbose=0,
        **routed_params,
    ):
        self.backbone = backbone
        self.weights = weights
        self.head = head
        self.trainable_layers = trainable_layers
        self.unfreeze_at_epoch = unfreeze_at_epoch
        self.image_size = image_size
        self.preprocess = preprocess
        self.mask = mask
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.augment = augment
        self.class_weight = class_weight
        self.sampler = sampler
        self.precision = precision
        self.max_time = max_time
        self.random_state = random_state
        self.show_progress = show_progress
        self.verbose = verbose
        unknown = [name for name in routed_params if not _is_routed(name)]
        if unknown:
            raise TypeError(
                f"DeepClassifier got unexpected keyword argument(s) {unknown}; parameters "
                f"passed to skorch must start with one of {ROUTED_PREFIXES}"
            )
        vars(self).update(routed_params)

    # -- parameters -----------------------------------------------------------------------

    def _routed_params(self) -> dict:
        return {name: value for name, value in vars(self).items() if _is_routed(name)}

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._routed_params())
        return params

    def set_params(self, **params):
        routed = {name: value for name, value in params.items() if _is_routed(name)}
        vars(self).update(routed)
        super().set_params(**{k: v for k, v in params.items() if k not in routed})
        return self

    # -- data -------------------------------------------------------------------------------

    def _preprocessing(self, weights_prep: Preprocessing) -> Preprocessing:
        size = self.image_size or weights_prep.crop_size
        ratio = weights_prep.resize_size / weights_prep.crop_size
        return Preprocessing(resize_size=int(round(size * ratio)), crop_size=size,
                             mean=weights_prep.mean, std=weights_prep.std,
                             interpolation=weights_prep.interpolation)

    def _to_input(self, images):
        """Decoded images -> the ``(N, 3, S, S)`` uint8 tensor the network takes."""
        return to_uint8_batch(images, self.preprocessing_, mode=self.preprocess,
                              fill_mask=self.mask == "blank")

    def _load_images(self, X, desc):
        import torch

        chunks = []
        bar = progress(total=len(X), desc=desc, enabled=self.show_progress)
        for _, images in iter_image_batches(X, 64):
            chunks.append(self._to_input(images))
            bar.update(len(images))
        bar.close()
        return torch.cat(chunks)

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _check_y(self, X, y, what="y"):
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"{what} has {len(y)} labels for {len(X)} images")
        check_classification_targets(y)
        return y

    def _validation_split(self, y_enc, seed):
        """Stratified (train, validation) positions for ``validation_fraction``."""
        from sklearn.model_selection import train_test_split

        n = len(y_enc)
        counts = np.bincount(y_enc)
        n_val = math.ceil(self.validation_fraction * n)
        n_classes = len(counts)
        if counts.min() < 2 or n_val < n_classes or n - n_val < n_classes:
            rarest = self.classes_[int(np.argmin(counts))]
            raise ValueError(
                f"too few images for a stratified validation split: validation_fraction="
                f"{self.validation_fraction} of {n} images is {n_val}, and every one of the "
                f"{n_classes} classes needs at least one image in both parts (class {rarest!r} "
                f"has {counts.min()}). Pass more images, a larger validation_fraction, "
                "X_val/y_val to fit(), or validation_fraction=0 (no early stopping)."
            )
        return train_test_split(np.arange(n), test_size=n_val, stratify=y_enc, random_state=seed)

    # -- building ---------------------------------------------------------------------------

    def _build_module(self, n_classes, weights, seed):
        from ._network import DeepNet

        return DeepNet(
            self.backbone, weights, self.head, n_classes,
            mean=self.preprocessing_.mean, std=self.preprocessing_.std,
            trainable_layers=self.trainable_layers, hidden_size=self.hidden_size,
            dropout=self.dropout, image_size=self.preprocessing_.crop_size, random_state=seed,
        )

    def _autocast_dtype(self):
        import torch

        return torch.bfloat16 if self.precision == "bfloat16" else None

    def _optimizer_kwargs(self):
        kwargs = {"optimizer": _optimizer_class(self.optimizer)}
        if self.optimizer == "sgd" and "optimizer__momentum" not in self._routed_params():
            kwargs["optimizer__momentum"] = 0.9
        return kwargs

    def _class_weights(self, y_enc):
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, dict):
            missing = set(self.class_weight) - set(self.classes_.tolist())
            if missing:
                raise ValueError(f"class_weight has labels not in y: {sorted(missing, key=str)}")
            weight = {int(np.searchsorted(self.classes_, k)): v for k, v in self.class_weight.items()}
        else:
            weight = self.class_weight
        return compute_class_weight(weight, classes=np.arange(len(self.classes_)), y=y_enc)

    def _callbacks(self, n_train, validating):
        from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler
        from torch.optim.lr_scheduler import OneCycleLR

        from ._training import ProgressBar, RecordLR, TimeBudget, Unfreeze

        monitor = "valid_loss" if validating else "train_loss"
        callbacks = []
        if self.max_time is not None:
            # First, so no other callback starts an epoch it then skips.
            callbacks.append(("time_budget", TimeBudget(self.max_time)))
        callbacks += [
            ("lr", RecordLR()),
            ("train_acc", EpochScoring("accuracy", on_train=True, name="train_acc",
                                       lower_is_better=False)),
        ]
        if self.lr_schedule == "plateau":
            callbacks.append(("lr_scheduler", LRScheduler(
                policy="ReduceLROnPlateau", monitor=monitor, factor=0.5, patience=2,
                threshold=1e-4, min_lr=0.0, event_name=None)))
        elif self.lr_schedule == "onecycle":
            steps = self.max_epochs * math.ceil(n_train / self.batch_size)
            callbacks.append(("lr_scheduler", LRScheduler(
                policy=OneCycleLR, max_lr=self.lr, total_steps=steps, step_every="batch",
                event_name=None)))
        if self.unfreeze_at_epoch is not None:
            callbacks.append(("unfreeze", Unfreeze(self.unfreeze_at_epoch)))
        if self.early_stopping is not None and validating:
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=self.early_stopping, load_best=True,
                sink=print if self.verbose else (lambda *a, **k: None))))
        callbacks.append(("progress", ProgressBar(self.show_progress)))
        return callbacks

    def _make_net(self, module, y_train, valid_dataset):
        import torch
        from skorch.helper import predefined_split

        from ._training import SkorchNet

        kwargs = self._optimizer_kwargs()
        weight = self._class_weights(y_train)
        if weight is not None:
            kwargs["criterion__weight"] = torch.as_tensor(weight, dtype=torch.float32)
        if self.sampler == "balanced":
            counts = np.bincount(y_train, minlength=len(self.classes_))
            sample_weight = torch.as_tensor(1.0 / counts[y_train], dtype=torch.double)
            kwargs["iterator_train__sampler"] = torch.utils.data.WeightedRandomSampler(
                sample_weight, num_samples=len(y_train), replacement=True)
            kwargs["iterator_train__shuffle"] = False
        else:
            kwargs["iterator_train__shuffle"] = True
        kwargs.update(self._routed_params())
        return SkorchNet(
            module,
            augment=make_augment(self.augment),
            autocast_dtype=self._autocast_dtype(),
            criterion=torch.nn.CrossEntropyLoss,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            callbacks=self._callbacks(len(y_train), valid_dataset is not None),
            classes=list(range(len(self.classes_))),
            verbose=self.verbose,
            device="cpu",
            **kwargs,
        )

    # -- fitting ----------------------------------------------------------------------------

    def _prepare(self, X, y, X_val=None, y_val=None):
        """Validate, encode labels, resolve weights; returns (X, y_enc, validation or None)."""
        X = check_images(X, caller=type(self).__name__)
        y = self._check_y(X, y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got only "
                f"{self.classes_[0]!r} in {len(y)} labels"
            )
        if self.head != "linear" and self.backbone.startswith(("vit_", "swin_", "maxvit")):
            raise ValueError(f"head={self.head!r} needs a convolutional backbone, not {self.backbone!r}")
        if self.backbone == SMALL_CNN and self.weights is not None:
            raise ValueError(f"backbone {SMALL_CNN!r} is trained from scratch; pass weights=None")
        self.pretrained_, self.weights_name_, weights_prep = backbone_info(self.backbone, self.weights)
        self.preprocessing_ = self._preprocessing(weights_prep)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = check_images(X_val, caller=f"{type(self).__name__} (X_val)")
            y_val = self._check_y(X_val, y_val, "y_val")
            unseen = set(np.unique(y_val).tolist()) - set(self.classes_.tolist())
            if unseen:
                raise ValueError(f"y_val has labels that are not in y: {sorted(unseen, key=str)}")
            validation = (X_val, encoder.transform(y_val))
        return X, encoder.transform(y), validation

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : sequence of paths or uint8 array of shape (N, H, W, 3|4)
        y : array-like of shape (N,)
        X_val, y_val : optional
            A fixed validation set (e.g. from
            :func:`featleuk.evaluation.holdout_split`), used instead of
            splitting off ``validation_fraction`` of ``X``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Fewer than two classes, or too few images for the validation split.
        featleuk.models.TrainingDivergedError
            The loss became NaN or infinite.
        featleuk.weights.WeightsUnavailableError
            The requested pretrained weights are not on this machine.
        """
        import torch
        from skorch.dataset import Dataset

        X, y_enc, validation = self._prepare(X, y, X_val, y_val)
        seed = self._seed()
        images = self._load_images(X, "decoding training images")
        if validation is not None:
            val_images, y_val_enc = self._load_images(validation[0], "decoding validation images"), validation[1]
        elif self.validation_fraction > 0:
            train_pos, val_pos = self._validation_split(y_enc, seed)
            val_images, y_val_enc = images[val_pos], y_enc[val_pos]
            images, y_enc = images[train_pos], y_enc[train_pos]
        else:
            val_images = None
        valid_dataset = None if val_images is None else Dataset(
            val_images, torch.as_tensor(y_val_enc, dtype=torch.long))
        with torch.random.fork_rng(devices=[]):
            # All of fit's randomness (new layers, batch order, augmentation,
            # dropout) comes from this seed and leaves the caller's RNG alone.
            torch.manual_seed(seed)
            module = self._build_module(len(self.classes_), self.weights, seed)
            self.n_params_ = sum(p.numel() for p in module.parameters())
            self.n_trainable_params_ = sum(p.numel() for p in module.parameters() if p.requires_grad)
            net = self._make_net(module, y_enc, valid_dataset)
            net.fit(Dataset(images, torch.as_tensor(y_enc, dtype=torch.long)), y=None)
        self._collect(net)
        self.n_images_seen_ = len(y_enc)
        return self

    def _collect(self, net):
        """Keep the trained module and a plain-dict history; drop skorch's state."""
        callbacks = dict(net.callbacks_)
        self.module_ = net.module_.eval()
        self.history_ = [
            {key: (int(row[key]) if key == "epoch" else float(row[key]))
             for key in _HISTORY_KEYS if key in row}
            for row in net.history
        ]
        stopper = callbacks.get("early_stopping")
        budget = callbacks.get("time_budget")
        n_epochs = len(self.history_)
        if budget is not None and budget.stopped_:
            self.stop_reason_ = "max_time"
        elif n_epochs < self.max_epochs:
            self.stop_reason_ = "early_stopping"
        else:
            self.stop_reason_ = "max_epochs"
        self.best_epoch_ = int(stopper.best_epoch_) if stopper is not None else n_epochs

    # -- learning-rate range test -------------------------------------------------------------

    def lr_range_test(self, X, y, *, start_lr=1e-7, end_lr=10.0, num_iter=100):
        """Learning-rate range test (Smith 2017; fastai's ``lr_find``, seed 001).

        Trains a fresh copy of the network on ``X, y`` for ``num_iter``
        mini-batches while the learning rate grows exponentially from
        ``start_lr`` to ``end_lr`` and records the smoothed loss. The
        estimator itself is not changed (nor fitted).

        Returns
        -------
        LRRangeTestResult
            ``lrs``, ``losses``, ``suggestion`` (steepest descent) and
            ``min_loss_lr``; ``.plot()`` draws the curve. Use
            ``set_params(lr=result.suggestion)`` before ``fit``.
        """
        import torch

        from ._training import run_lr_range_test

        self._validate_params()
        if not 0 < start_lr < end_lr:
            raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
        fitted = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}
        try:
            X, y_enc, _ = self._prepare(X, y)
            images = self._load_images(X, "decoding images")
            with torch.random.fork_rng(devices=[]):
                seed = self._seed()
                torch.manual_seed(seed)
                module = self._build_module(len(self.classes_), self.weights, seed)
                params = {k[len("optimizer__"):]: v for k, v in self._optimizer_kwargs().items()
                          if k.startswith("optimizer__")}
                params.update({k[len("optimizer__"):]: v for k, v in self._routed_params().items()
                               if k.startswith("optimizer__")})
                optimizer = _optimizer_class(self.optimizer)(
                    [p for p in module.parameters() if p.requires_grad], lr=start_lr, **params)
                weight = self._class_weights(y_enc)
                criterion = torch.nn.CrossEntropyLoss(
                    weight=None if weight is None else torch.as_tensor(weight, dtype=torch.float32))
                return run_lr_range_test(
                    module, optimizer, criterion, images, torch.as_tensor(y_enc, dtype=torch.long),
                    batch_size=self.batch_size, augment=make_augment(self.augment),
                    autocast_dtype=self._autocast_dtype(), start_lr=start_lr, end_lr=end_lr,
                    num_iter=num_iter, show_progress=self.show_progress,
                )
        finally:
            # _prepare sets classes_ etc.; leave the estimator as it was.
            for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                if key not in fitted:
                    delattr(self, key)
            vars(self).update(fitted)

    # -- prediction -------------------------------------------------------------------------

    def _logits(self, X):
        import torch

        from ._training import autocast

        check_is_fitted(self, "module_")
        X = check_images(X, caller=type(self).__name__)
        self.module_.eval()
        out = []
        bar = progress(total=len(X), desc="predicting", enabled=self.show_progress)
        with torch.inference_mode(), autocast(self._autocast_dtype()):
            for _, images in iter_image_batches(X, self.batch_size):
                out.append(self.module_(self._to_input(images)).float())
                bar.update(len(images))
        bar.close()
        return torch.cat(out)

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's output), columns in ``classes_`` order."""
        import torch

        return torch.softmax(self._logits(X), dim=1).numpy().astype(np.float64)

    def predict(self, X):
        """The most probable class of each image."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # -- persistence ------------------------------------------------------------------------

    def save(self, path) -> None:
        """Write the fitted model to ``path`` as a torch file of tensors and plain values.

        :meth:`load` reads it with ``torch.load(weights_only=True)``, which
        cannot execute code, unlike a pickle. A callable ``augment`` is a
        training-time object and cannot be stored: pickle such a model.
        """
        import torch

        check_is_fitted(self, "module_")
        params = {name: os.fspath(value) if isinstance(value, os.PathLike) else value
                  for name, value in self.get_params(deep=False).items()}
        for name, value in params.items():
            if not (value is None or isinstance(value, (str, int, float, bool, tuple, list, dict))):
                raise ValueError(
                    f"parameter {name}={value!r} cannot be stored by save(); pickle the "
                    "estimator instead (or set it to a plain value)"
                )
        prep = self.preprocessing_
        payload = {
            "format": _FORMAT,
            "version": 1,
            "params": params,
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "state_dict": self.module_.state_dict(),
            "history": self.history_,
            "preprocessing": [prep.resize_size, prep.crop_size, list(prep.mean), list(prep.std),
                              prep.interpolation],
            "fitted": {
                "pretrained_": bool(self.pretrained_),
                "weights_name_": self.weights_name_,
                "best_epoch_": self.best_epoch_,
                "stop_reason_": self.stop_reason_,
                "n_params_": self.n_params_,
                "n_trainable_params_": self.n_trainable_params_,
                "n_images_seen_": self.n_images_seen_,
            },
        }
        torch.save(payload, os.fspath(path))

    @classmethod
    def load(cls, path) -> "DeepClassifier":
        """Read a model written by :meth:`save`; it predicts exactly as the saved one."""
        import torch

        payload = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a file written by DeepClassifier.save()")
        est = cls(**payload["params"])
        resize, crop, mean, std, interpolation = payload["preprocessing"]
        est.preprocessing_ = Preprocessing(resize, crop, tuple(mean), tuple(std), interpolation)
        est.classes_ = np.asarray(payload["classes"], dtype=np.dtype(payload["classes_dtype"]))
        # The architecture only: the trained weights come from the state dict.
        module = est._build_module(len(est.classes_), None, 0)
        module.load_state_dict(payload["state_dict"])
        est.module_ = module.eval()
        est.history_ = payload["history"]
        vars(est).update(payload["fitted"])
        return est
