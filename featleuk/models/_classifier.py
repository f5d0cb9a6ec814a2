"""End-to-end CNN classifiers as scikit-learn estimators (skorch underneath)."""

from __future__ import annotations

import difflib
import math
import os
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._torch_preprocess import PREPROCESS_MODES, to_uint8_batch
from ..images import check_images, iter_image_batches
from ..utils import progress
from ..utils._sklearn_compat import Interval, InvalidParameterError, StrOptions, _fit_context
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
_ROUTED_COMPONENTS = tuple(prefix[:-2] for prefix in ROUTED_PREFIXES)

_OPTIMIZERS = ("adam", "adamw", "adamax", "sgd")
_FORMAT = "featleuk.DeepClassifier"
_HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "train_acc", "valid_acc", "lr", "dur")



def _is_routed(name: str) -> bool:
    return name.startswith(ROUTED_PREFIXES)


def _optimizer_class(name):
    import torch

    return {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
            "adamax": torch.optim.Adamax, "sgd": torch.optim.SGD}[name]


def _did_you_mean(name: str, param_names) -> str:
    """``" (did you mean 'x'?)"`` for a misspelt parameter name, or ``""``."""
    component, dunder, rest = name.partition("__")
    if dunder:  # e.g. optimiser__lr -> optimizer__lr
        matches = difflib.get_close_matches(component, _ROUTED_COMPONENTS, n=1)
        guess = f"{matches[0]}__{rest}" if matches else None
    else:
        # A single underscore after a component (optimizer_weight_decay) is
        # a routed parameter with its dunder missing, as skorch reports.
        component = next((c for c in _ROUTED_COMPONENTS if name.startswith(c + "_")), None)
        if component is not None:
            guess = f"{component}__{name[len(component) + 1:]}"
        else:
            matches = difflib.get_close_matches(name, param_names, n=1)
            guess = matches[0] if matches else None
    return f" (did you mean {guess!r}?)" if guess else ""


class _Prepared(NamedTuple):
    """What ``fit`` learns before training: checked data, encoded labels, preprocessing."""

    X: object
    y_enc: np.ndarray
    validation: tuple | None  # (X_val, y_val_enc)
    classes: np.ndarray
    pretrained: bool
    weights_name: str | None
    preprocessing: Preprocessing


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
        (classic fine-tuning, as in Pavithra's MobileNetV2). ``"bilstm"``:
        the last feature map read as a sequence of its ``H*W`` positions by
        a bidirectional LSTM (MobileNet-BiLSTM, Aravindkumaran et al. 2025).
        ``"gru"``: a GRU over the same sequence, then a dense layer with
        dropout (the CNN-GRU of Yousif et al.; use with
        ``backbone="small_cnn"`` for the edge model).
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
        Shehta et al. (2025) train with Adamax at ``lr=1e-3``.
    lr : float, default=1e-3
        Learning rate (the peak rate for ``lr_schedule="onecycle"``).
    lr_schedule : {"plateau", "onecycle", "constant"}, default="plateau"
        ``"plateau"``: halve the rate when the validation loss has not
        improved for 2 epochs (Shehta et al. 2025; tune with
        ``callbacks__lr_scheduler__factor`` / ``__patience`` / ``__threshold``
        / ``__min_lr``).
        ``"onecycle"``: Smith's one-cycle policy over ``max_epochs`` (as
        Yaseen et al. 2025 train).
    max_epochs : int, default=30
        Most passes over the training images (fewer with
        ``early_stopping`` or ``max_time``).
    batch_size : int, default=32
        Images per training step (the mini-batch of the optimizer), per
        prediction batch, and per decoding batch: image files are read and
        resized ``batch_size`` at a time (:func:`featleuk.images.iter_image_batches`).
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
        ``"bfloat16"`` runs the forward pass under autocast; on a CPU it can
        only pay off with native bf16 (AVX512-BF16 / AMX); on the project
        machine, which has neither, it was no faster (docs/benchmarks.md).
    max_time : float or None, default=None
        Training budget in seconds: stop after the epoch when another one
        would exceed it (the best epoch's weights are kept when validating).
    device : str, default="cpu"
        Where the network trains and predicts, as skorch's ``device``:
        ``"cpu"``, or ``"cuda"`` / ``"cuda:N"`` for a GPU. ``fit`` raises a
        ``ValueError`` when a GPU is asked for and
        ``torch.cuda.is_available()`` is false. Decoded images stay in CPU
        memory; each batch is moved to the device when it is used.
    random_state : int, RandomState instance or None, default=0
        Seeds the initialisation of new layers, the validation split,
        batch order, augmentation and dropout: equal integer seeds give
        equal models (on the same device).
    show_progress : bool, default=True
        Progress bars while decoding, training and predicting.
    verbose : int, default=0
        ``1`` prints skorch's table of losses per epoch.
    **routed_params
        Parameters passed to skorch, named with one of the prefixes in
        :data:`ROUTED_PREFIXES` (``optimizer__weight_decay=1e-4``). Like
        skorch's ``NeuralNet``, the constructor only stores them (as every
        other parameter): ``get_params``, ``set_params`` and ``clone`` carry
        them, and ``fit`` rejects a name without a known prefix, with a
        suggestion for a misspelt one (``max_epoch``, ``optimiser__lr``).

    Attributes
    ----------
    classes_ : ndarray
        The labels, in the order of ``predict_proba``'s columns.
    module_ : torch.nn.Module
        The trained network (:class:`~featleuk.models.DeepNet`), in eval mode
        on ``device``; it takes ``(N, 3, S, S)`` uint8 tensors.
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

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.models import DeepClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["blast", "normal"] * 4)
    >>> clf = DeepClassifier("small_cnn", None, image_size=32, max_epochs=1,
    ...                      validation_fraction=0, show_progress=False,
    ...                      optimizer__weight_decay=1e-4).fit(X, y)
    >>> clf.predict_proba(X).shape
    (8, 2)
    >>> clf.get_params()["optimizer__weight_decay"]
    0.0001
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
        "device": [str],
        "random_state": ["random_state"],
        "show_progress": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        backbone="mobilenet_v2",
        weights="DEFAULT",
        *,
        head="linear",
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
        device="cpu",
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
        self.device = device
        self.random_state = random_state
        self.show_progress = show_progress
        self.verbose = verbose
        if routed_params:
            # Stored, not checked (fit does that). A private attribute, as
            # scikit-learn allows, and only when there are some, so that an
            # estimator without them has exactly its signature's attributes.
            self._routed_params = dict(routed_params)

    # -- parameters -----------------------------------------------------------------------

    def _routed(self) -> dict:
        """The ``**routed_params`` given to ``__init__`` or ``set_params``."""
        return self.__dict__.get("_routed_params", {})

    def __getattr__(self, name):
        # Only reached when normal lookup fails: routed parameters read like
        # the others (``clf.optimizer__weight_decay``), as in skorch.
        routed = self.__dict__.get("_routed_params", {})
        if name in routed:
            return routed[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_params(self, deep=True):
        """Parameters of the estimator, routed ones (``optimizer__...``) included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of sub-objects that are estimators.

        Returns
        -------
        dict
        """
        params = super().get_params(deep=deep)
        params.update(self._routed())
        return params

    def set_params(self, **params):
        """Set parameters, routed ones (``optimizer__weight_decay``) included.

        Routed names are stored as given and checked by ``fit``.

        Parameters
        ----------
        **params
            Parameter names and values.

        Returns
        -------
        self
        """
        stored = self._routed()
        routed = {name: value for name, value in params.items()
                  if _is_routed(name) or name in stored}
        if routed:
            self._routed_params = {**stored, **routed}
        super().set_params(**{k: v for k, v in params.items() if k not in routed})
        return self

    def _validate_params(self):
        super()._validate_params()
        unknown = [name for name in self._routed() if not _is_routed(name)]
        if unknown:
            names = self._get_param_names()
            listed = ", ".join(f"{name!r}{_did_you_mean(name, names)}" for name in unknown)
            raise InvalidParameterError(
                f"{type(self).__name__} got unknown parameter(s) {listed}. Parameters passed "
                f"on to skorch must start with one of {', '.join(ROUTED_PREFIXES)}; the others "
                f"are listed in the {type(self).__name__} docstring."
            )

    def _torch_device(self):
        """``device`` as a ``torch.device`` usable on this machine."""
        import torch

        try:
            device = torch.device(self.device)
        except RuntimeError:
            device = None
        if device is None or device.type not in ("cpu", "cuda"):
            raise InvalidParameterError(
                f"device={self.device!r} is not a device DeepClassifier runs on; "
                "use 'cpu', 'cuda' or 'cuda:N'"
            )
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} asks for a GPU but torch.cuda.is_available() is False "
                "(no CUDA device, or a CPU-only torch build); pass device='cpu'"
            )
        return device

    # -- data -------------------------------------------------------------------------------

    def _preprocessing(self, weights_prep: Preprocessing) -> Preprocessing:
        size = self.image_size or weights_prep.crop_size
        ratio = weights_prep.resize_size / weights_prep.crop_size
        return Preprocessing(resize_size=int(round(size * ratio)), crop_size=size,
                             mean=weights_prep.mean, std=weights_prep.std,
                             interpolation=weights_prep.interpolation)

    def _to_input(self, images, preprocessing=None):
        """Decoded images -> the ``(N, 3, S, S)`` uint8 CPU tensor the network takes."""
        if preprocessing is None:
            preprocessing = self.preprocessing_
        return to_uint8_batch(images, preprocessing, mode=self.preprocess,
                              fill_mask=self.mask == "blank")

    def _input_batches(self, X, desc, preprocessing=None):
        """Network inputs of the (checked) images ``X``, ``batch_size`` images at a time."""
        bar = progress(total=len(X), desc=desc, enabled=self.show_progress)
        for _, images in iter_image_batches(X, self.batch_size):
            yield self._to_input(images, preprocessing)
            bar.update(len(images))
        bar.close()

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _check_y(self, X, y, what="y"):
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"{what} has {len(y)} labels for {len(X)} images")
        check_classification_targets(y)
        return y

    def _validation_split(self, y_enc, classes, seed):
        """Stratified (train, validation) positions for ``validation_fraction``."""
        from sklearn.model_selection import train_test_split

        n = len(y_enc)
        counts = np.bincount(y_enc)
        n_val = math.ceil(self.validation_fraction * n)
        n_classes = len(counts)
        if counts.min() < 2 or n_val < n_classes or n - n_val < n_classes:
            rarest = classes[int(np.argmin(counts))]
            raise ValueError(
                f"too few images for a stratified validation split: validation_fraction="
                f"{self.validation_fraction} of {n} images is {n_val}, and every one of the "
                f"{n_classes} classes needs at least one image in both parts (class {rarest!r} "
                f"has {counts.min()}). Pass more images, a larger validation_fraction, "
                "X_val/y_val to fit(), or validation_fraction=0 (no early stopping)."
            )
        return train_test_split(np.arange(n), test_size=n_val, stratify=y_enc, random_state=seed)

    # -- building ---------------------------------------------------------------------------

    def _build_module(self, n_classes, weights, seed, preprocessing):
        from ._network import DeepNet

        return DeepNet(
            self.backbone, weights, self.head, n_classes,
            mean=preprocessing.mean, std=preprocessing.std,
            trainable_layers=self.trainable_layers, hidden_size=self.hidden_size,
            dropout=self.dropout, image_size=preprocessing.crop_size, random_state=seed,
        )

    def _autocast_dtype(self):
        import torch

        return torch.bfloat16 if self.precision == "bfloat16" else None

    def _optimizer_kwargs(self):
        kwargs = {"optimizer": _optimizer_class(self.optimizer)}
        if self.optimizer == "sgd" and "optimizer__momentum" not in self._routed():
            kwargs["optimizer__momentum"] = 0.9
        return kwargs

    def _class_weights(self, y_enc, classes):
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, dict):
            missing = set(self.class_weight) - set(classes.tolist())
            if missing:
                raise ValueError(f"class_weight has labels not in y: {sorted(missing, key=str)}")
            weight = {int(np.searchsorted(classes, k)): v for k, v in self.class_weight.items()}
        else:
            weight = self.class_weight
        return compute_class_weight(weight, classes=np.arange(len(classes)), y=y_enc)

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

    def _make_net(self, module, y_train, valid_dataset, classes, device):
        import torch
        from skorch.helper import predefined_split

        from ._training import SkorchNet

        kwargs = self._optimizer_kwargs()
        weight = self._class_weights(y_train, classes)
        if weight is not None:
            kwargs["criterion__weight"] = torch.as_tensor(weight, dtype=torch.float32)
        if self.sampler == "balanced":
            counts = np.bincount(y_train, minlength=len(classes))
            sample_weight = torch.as_tensor(1.0 / counts[y_train], dtype=torch.double)
            kwargs["iterator_train__sampler"] = torch.utils.data.WeightedRandomSampler(
                sample_weight, num_samples=len(y_train), replacement=True)
            kwargs["iterator_train__shuffle"] = False
        else:
            kwargs["iterator_train__shuffle"] = True
        kwargs.update(self._routed())
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
            classes=list(range(len(classes))),
            verbose=self.verbose,
            device=str(device),
            **kwargs,
        )

    # -- fitting ----------------------------------------------------------------------------

    def _prepare(self, X, y, X_val=None, y_val=None):
        """Validate the data against the parameters; returns a :class:`_Prepared`, sets nothing."""
        X = check_images(X, caller=type(self).__name__)
        y = self._check_y(X, y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got only "
                f"{classes[0]!r} in {len(y)} labels"
            )
        if self.head != "linear" and self.backbone.startswith(("vit_", "swin_", "maxvit")):
            raise ValueError(f"head={self.head!r} needs a convolutional backbone, not {self.backbone!r}")
        if self.backbone == SMALL_CNN and self.weights is not None:
            raise ValueError(f"backbone {SMALL_CNN!r} is trained from scratch; pass weights=None")
        pretrained, weights_name, weights_prep = backbone_info(self.backbone, self.weights)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = check_images(X_val, caller=f"{type(self).__name__} (X_val)")
            y_val = self._check_y(X_val, y_val, "y_val")
            unseen = set(np.unique(y_val).tolist()) - set(classes.tolist())
            if unseen:
                raise ValueError(f"y_val has labels that are not in y: {sorted(unseen, key=str)}")
            validation = (X_val, encoder.transform(y_val))
        return _Prepared(X, encoder.transform(y), validation, classes, pretrained, weights_name,
                         self._preprocessing(weights_prep))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : sequence of paths or uint8 array of shape (N, H, W, 3|4)
            Training images (a 4th channel is a nucleus mask, see ``mask``).
        y : array-like of shape (N,)
            Their class labels (``classes_`` keeps them sorted).
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
            Fewer than two classes, too few images for the validation split,
            an unknown parameter name, or ``device="cuda"`` without a GPU.
        featleuk.models.TrainingDivergedError
            The loss became NaN or infinite.
        featleuk.weights.WeightsUnavailableError
            The requested pretrained weights are not on this machine.
        """
        import torch
        from skorch.dataset import Dataset

        device = self._torch_device()
        data = self._prepare(X, y, X_val, y_val)
        classes, prep, y_enc = data.classes, data.preprocessing, data.y_enc
        seed = self._seed()
        images = torch.cat(list(self._input_batches(data.X, "decoding training images", prep)))
        if data.validation is not None:
            X_val, y_val_enc = data.validation
            val_images = torch.cat(list(self._input_batches(
                X_val, "decoding validation images", prep)))
        elif self.validation_fraction > 0:
            train_pos, val_pos = self._validation_split(y_enc, classes, seed)
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
            module = self._build_module(len(classes), self.weights, seed, prep)
            n_params = sum(p.numel() for p in module.parameters())
            n_trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
            net = self._make_net(module, y_enc, valid_dataset, classes, device)
            net.fit(Dataset(images, torch.as_tensor(y_enc, dtype=torch.long)), y=None)
        self.classes_ = classes
        self.pretrained_, self.weights_name_ = data.pretrained, data.weights_name
        self.preprocessing_ = prep
        self.n_params_ = n_params
        self.n_trainable_params_ = n_trainable
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
        """Learning-rate range test (Smith 2017; fastai's ``lr_find``, as in Yaseen et al. 2025).

        Trains a fresh copy of the network on ``X, y`` for ``num_iter``
        mini-batches while the learning rate grows exponentially from
        ``start_lr`` to ``end_lr`` and records the smoothed loss. The
        estimator itself is not changed (nor fitted).

        Parameters
        ----------
        X : sequence of paths or uint8 array of shape (N, H, W, 3|4)
            Images to train on (a 4th channel is a nucleus mask, see ``mask``).
        y : array-like of shape (N,)
            Their labels.
        start_lr, end_lr : float, default=1e-7, 10.0
            First and last learning rate.
        num_iter : int, default=100
            Mini-batches to train (fewer when the loss diverges first).

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
        device = self._torch_device()
        data = self._prepare(X, y)
        classes, prep, y_enc = data.classes, data.preprocessing, data.y_enc
        images = torch.cat(list(self._input_batches(data.X, "decoding images", prep)))
        with torch.random.fork_rng(devices=[]):
            seed = self._seed()
            torch.manual_seed(seed)
            module = self._build_module(len(classes), self.weights, seed, prep).to(device)
            params = {k[len("optimizer__"):]: v for k, v in self._optimizer_kwargs().items()
                      if k.startswith("optimizer__")}
            params.update({k[len("optimizer__"):]: v for k, v in self._routed().items()
                           if k.startswith("optimizer__")})
            optimizer = _optimizer_class(self.optimizer)(
                [p for p in module.parameters() if p.requires_grad], lr=start_lr, **params)
            weight = self._class_weights(y_enc, classes)
            criterion = torch.nn.CrossEntropyLoss(
                weight=None if weight is None else torch.as_tensor(weight, dtype=torch.float32,
                                                                   device=device))
            return run_lr_range_test(
                module, optimizer, criterion, images, torch.as_tensor(y_enc, dtype=torch.long),
                batch_size=self.batch_size, augment=make_augment(self.augment),
                autocast_dtype=self._autocast_dtype(), start_lr=start_lr, end_lr=end_lr,
                num_iter=num_iter, show_progress=self.show_progress, device=device,
            )

    # -- prediction -------------------------------------------------------------------------

    def _logits(self, X):
        import torch

        from ._training import autocast

        check_is_fitted(self, "module_")
        X = check_images(X, caller=type(self).__name__)
        self.module_.eval()
        device = self.module_.mean.device
        with torch.inference_mode(), autocast(self._autocast_dtype(), device.type):
            return torch.cat([self.module_(x.to(device)).float().cpu()
                              for x in self._input_batches(X, "predicting")])

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's output).

        Parameters
        ----------
        X : sequence of paths or uint8 array of shape (N, H, W, 3|4)
            Images (a 4th channel is a nucleus mask, see ``mask``).

        Returns
        -------
        ndarray of shape (N, n_classes)
            Columns in ``classes_`` order.
        """
        import torch

        return torch.softmax(self._logits(X), dim=1).numpy().astype(np.float64)

    def predict(self, X):
        """The most probable class of each image.

        Parameters
        ----------
        X : sequence of paths or uint8 array of shape (N, H, W, 3|4)
            Images (a 4th channel is a nucleus mask, see ``mask``).

        Returns
        -------
        ndarray of shape (N,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # -- persistence ------------------------------------------------------------------------

    def __getstate__(self):
        # The trained network as a state dict of numpy arrays, not a torch
        # module: skops (featleuk.save_model) stores arrays and plain values
        # only, and pickles and copies get the same compact state.
        state = dict(super().__getstate__())  # may be the live __dict__: never edit it
        module = state.pop("module_", None)
        if module is not None:
            state["_module_state"] = {name: tensor.detach().cpu().numpy()
                                      for name, tensor in module.state_dict().items()}
        return state

    def __setstate__(self, state):
        state = dict(state)
        arrays = state.pop("_module_state", None)
        super().__setstate__(state)
        if arrays is not None:
            import torch

            # The architecture only: the trained weights come from the arrays.
            module = self._build_module(len(self.classes_), None, 0, self.preprocessing_)
            module.load_state_dict({name: torch.from_numpy(np.array(value))
                                    for name, value in arrays.items()})
            self.module_ = module.eval()

    def save(self, path) -> None:
        """Write the fitted model to ``path`` as a torch file of tensors and plain values.

        :meth:`load` reads it with ``torch.load(weights_only=True)``, which
        cannot execute code, unlike a pickle. A callable ``augment`` is a
        training-time object and cannot be stored: pickle such a model.

        Parameters
        ----------
        path : str or path-like
            The file to write (conventionally ``.pt``); overwritten if it exists.

        Raises
        ------
        ValueError
            A parameter is not a plain value (e.g. a callable ``augment``),
            which the file cannot hold.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from featleuk.models import DeepClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
        >>> y = np.array(["blast", "normal"] * 2)
        >>> clf = DeepClassifier("small_cnn", None, image_size=32, max_epochs=1,
        ...                      validation_fraction=0, show_progress=False).fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> clf.save(path)
        >>> again = DeepClassifier.load(path)
        >>> bool(np.allclose(again.predict_proba(X), clf.predict_proba(X)))
        True
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
        """Read a model written by :meth:`save`; it predicts exactly as the saved one.

        The network is loaded on the CPU whatever ``device`` it was trained on.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        DeepClassifier
            Fitted.
        """
        import torch

        payload = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a file written by DeepClassifier.save()")
        est = cls(**payload["params"])
        resize, crop, mean, std, interpolation = payload["preprocessing"]
        est.preprocessing_ = Preprocessing(resize, crop, tuple(mean), tuple(std), interpolation)
        est.classes_ = np.asarray(payload["classes"], dtype=np.dtype(payload["classes_dtype"]))
        # The architecture only: the trained weights come from the state dict.
        module = est._build_module(len(est.classes_), None, 0, est.preprocessing_)
        module.load_state_dict(payload["state_dict"])
        est.module_ = module.eval()
        est.history_ = payload["history"]
        vars(est).update(payload["fitted"])
        return est
