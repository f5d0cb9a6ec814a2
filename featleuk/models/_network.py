"""The torch module trained by :class:`DeepClassifier`: normalise, backbone, head."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._backbones import (
    feature_stages,
    is_convolutional,
    load_backbone,
    replace_classifier,
)
from ._heads import make_head

__all__ = ["DeepNet"]


class DeepNet(nn.Module):
    """``uint8`` images in, class logits out.

    The input is an ``(N, 3, H, W)`` uint8 tensor (or float in [0, 1]); the
    module scales and normalises it with the weights' mean and std itself, so
    a saved model needs nothing but its state dict to be used.

    Parameters
    ----------
    backbone : str
        A torchvision classification model name or ``"small_cnn"`` (see
        :class:`DeepClassifier`).
    weights : str, path-like or None
        Pretrained weights as in :class:`DeepClassifier`; ``None`` for
        random initialisation.
    head : {"linear", "bilstm", "gru"}
        The classification head (:data:`HEADS`): the backbone's own
        classifier with a new output layer, or a :class:`SequenceHead` over
        the last feature map.
    n_classes : int
        Number of output logits.
    mean, std : tuple of 3 floats
        Normalisation of the backbone's weights (per RGB channel, for
        inputs scaled to [0, 1]).
    trainable_layers : int or None, default=None
        Train only the last ``trainable_layers`` stages (plus the head);
        ``None`` trains everything.
    hidden_size : int, default=128
        Units of the sequence heads' recurrent layer.
    dropout : float, default=0.3
        Dropout before the sequence heads' output layer.
    image_size : int, default=224
        Input size, used once to measure the feature map's channels.
    channels_last : bool, default=True
        Run convolutions in NHWC memory format (faster on CPUs with oneDNN).
    random_state : int, default=0
        Seeds the random initialisation of new layers.

    Attributes
    ----------
    stage_names : list of str
        Qualified names of the backbone's stages, in forward order.
    frozen_stages : list of str
        The stages whose parameters are not trained (:meth:`set_trainable`).

    See Also
    --------
    DeepClassifier : the estimator that builds and trains it (``module_``).

    Examples
    --------
    >>> import torch
    >>> from featleuk.models import DeepNet
    >>> net = DeepNet("small_cnn", None, "gru", 3, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25),
    ...               trainable_layers=1, hidden_size=16, image_size=32)
    >>> net.stage_names
    ['body.features_0', 'body.features_1', 'body.features_2', 'body.features_3']
    >>> net.frozen_stages
    ['body.features_0', 'body.features_1', 'body.features_2']
    >>> images = torch.zeros(2, 3, 32, 32, dtype=torch.uint8)
    >>> net.eval()(images).shape
    torch.Size([2, 3])
    """

    def __init__(self, backbone, weights, head, n_classes, *, mean, std, trainable_layers=None,
                 hidden_size=128, dropout=0.3, image_size=224, channels_last=True, random_state=0):
        super().__init__()
        model = load_backbone(backbone, weights, random_state=random_state)
        self.head_type = head
        self.channels_last = bool(channels_last)
        stages = feature_stages(model, backbone) if is_convolutional(backbone) else []
        if getattr(model, "transform_input", False):
            # Inception / GoogLeNet re-normalise ImageNet input to [-1, 1] inside
            # forward(); normalising that way here is the same and keeps it in
            # the state dict (a reloaded model is built without the flag).
            model.transform_input = False
            mean, std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(random_state))
            if head == "linear":
                replace_classifier(model, n_classes)
                self.model = model
                self.stage_names = [f"model.{name}" for name, _ in stages]
            else:
                if not stages:
                    feature_stages(model, backbone)  # raises the explanatory error
                self.body = nn.Sequential(OrderedDict(
                    (name.replace(".", "_"), module) for name, module in stages
                ))
                self.stage_names = [f"body.{name.replace('.', '_')}" for name, _ in stages]
                in_channels = self._probe_channels(image_size)
                self.head = make_head(head, in_channels, n_classes,
                                      hidden_size=hidden_size, dropout=dropout)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))
        self.frozen_stages: list[str] = []
        self.set_trainable(trainable_layers)
        if self.channels_last:
            self.to(memory_format=torch.channels_last)

    @torch.no_grad()
    def _probe_channels(self, image_size: int) -> int:
        was_training = self.body.training
        self.body.eval()
        fmap = self.body(torch.zeros(1, 3, image_size, image_size))
        self.body.train(was_training)
        if fmap.ndim != 4:
            raise ValueError(f"the backbone's stages give a {fmap.ndim}-D output, not a feature map")
        return int(fmap.shape[1])

    def set_trainable(self, trainable_layers: int | None) -> None:
        """Freeze all stages but the last ``trainable_layers`` (``None``: train all).

        Frozen stages stay in eval mode while the module trains, so their
        batch-norm statistics do not change either.

        Parameters
        ----------
        trainable_layers : int or None
            Number of stages, counted from the end, whose parameters are
            trained (0 to the number of stages; the head always trains);
            ``None`` trains every stage.

        Raises
        ------
        ValueError
            ``trainable_layers`` exceeds the number of stages.
        """
        for param in self.parameters():
            param.requires_grad_(True)
        self.frozen_stages = []
        if trainable_layers is None:
            return
        n_stages = len(self.stage_names)
        if not 0 <= trainable_layers <= n_stages:
            raise ValueError(
                f"trainable_layers={trainable_layers} but this backbone has {n_stages} stages; "
                f"use 0..{n_stages} or None"
            )
        self.frozen_stages = self.stage_names[: n_stages - trainable_layers]
        for name in self.frozen_stages:
            for param in self.get_submodule(name).parameters():
                param.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        """Set training mode, keeping the frozen stages in eval mode.

        Parameters
        ----------
        mode : bool, default=True
            Training (True) or evaluation (False) mode, as
            :meth:`torch.nn.Module.train`.

        Returns
        -------
        DeepNet
            ``self``.
        """
        super().train(mode)
        if mode:
            # Frozen stages keep their pretrained batch-norm statistics: in
            # training mode they would drift towards each mini-batch's.
            for name in getattr(self, "frozen_stages", ()):
                self.get_submodule(name).eval()
        return self

    def feature_layer(self) -> nn.Module:
        """The last stage: its output is the feature map Grad-CAM explains.

        Returns
        -------
        torch.nn.Module
            The module of ``stage_names[-1]``.

        Raises
        ------
        ValueError
            The backbone has no convolutional feature map (vision transformer).
        """
        if not self.stage_names:
            raise ValueError("this backbone has no convolutional feature map (vision transformer)")
        return self.get_submodule(self.stage_names[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of a batch of images.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 3, H, W)
            uint8 images (scaled to [0, 1] here), or floats already in [0, 1].

        Returns
        -------
        torch.Tensor of shape (N, n_classes)
            Logits (softmax is applied by the loss or ``predict_proba``).
        """
        x = x.float().div(255.0) if x.dtype == torch.uint8 else x
        x = (x - self.mean) / self.std
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if self.head_type == "linear":
            return self.model(x)
        return self.head(self.body(x))
