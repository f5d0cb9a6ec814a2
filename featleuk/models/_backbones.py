"""Backbones for :class:`DeepClassifier`: torchvision models and a small CNN.

A backbone is split into *stages* -- the top-level blocks its forward pass
runs in order (``features[i]`` of MobileNet / EfficientNet / VGG / ConvNeXt,
``layer1..4`` of ResNet, ``block1..4`` of RegNet, the ``Mixed_*`` blocks of
Inception). Stages are what ``trainable_layers`` counts from the end and what
the sequence heads and Grad-CAM read the spatial feature map from.
"""

from __future__ import annotations

import torch
from torch import nn

from ..weights import Preprocessing, build_backbone, resolve_weights

__all__ = ["SMALL_CNN", "SmallCNN", "load_backbone", "backbone_info", "feature_stages",
           "replace_classifier", "is_convolutional"]

#: Name of featleuk's own from-scratch CNN (the CNN of Yousif et al.'s CNN-GRU).
SMALL_CNN = "small_cnn"

# Vision transformers have no spatial feature map in NCHW form (Swin keeps
# NHWC), so they only take the linear head without stage freezing.
_TRANSFORMER_PREFIXES = ("vit_", "swin_", "maxvit")

# Auxiliary classifiers that only run in training mode and would be stages otherwise.
_AUX_CHILDREN = ("AuxLogits", "aux1", "aux2")


class SmallCNN(nn.Module):
    """A compact CNN for edge devices, trained from scratch.

    Four blocks of 3x3 convolution, batch norm, ReLU and 2x2 max pooling
    (16, 32, 64, 128 channels; a 128 px input leaves an 8 x 8 map), then
    global average pooling, dropout and a linear layer -- the "CNN block
    (convolution, ReLU, pooling)" of the CNN-GRU of Yousif et al. (section
    6). ``features`` / ``classifier`` follow torchvision's layout.
    At 128 px the convolutions take 64 M multiply-adds per image (MobileNetV2
    at 224 px: 300 M).

    Parameters
    ----------
    num_classes : int, default=1000
        Outputs of the linear layer (torchvision's default;
        :class:`DeepClassifier` replaces that layer by one with a logit per
        class).
    channels : sequence of int, default=(16, 32, 64, 128)
        Output channels of the blocks, one block each.
    dropout : float, default=0.3
        Dropout probability before the linear layer.

    See Also
    --------
    DeepClassifier : trains it with ``backbone="small_cnn"``.

    Examples
    --------
    >>> import torch
    >>> from featleuk.models import SmallCNN
    >>> net = SmallCNN(num_classes=3).eval()
    >>> net.features(torch.zeros(1, 3, 128, 128)).shape
    torch.Size([1, 128, 8, 8])
    >>> net(torch.zeros(2, 3, 64, 64)).shape
    torch.Size([2, 3])
    """

    def __init__(self, num_classes: int = 1000, *, channels=(16, 32, 64, 128), dropout: float = 0.3):
        super().__init__()
        blocks, in_ch = [], 3
        for out_ch in channels:
            blocks.append(nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_ch),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ))
            in_ch = out_ch
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(in_ch, num_classes)
        )

    def forward(self, x):
        """Class logits of a batch of normalised images.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 3, H, W)
            Float images (H and W at least 16 for the four poolings).

        Returns
        -------
        torch.Tensor of shape (N, num_classes)
            Logits.
        """
        return self.classifier(self.features(x))


def is_convolutional(backbone: str) -> bool:
    """True for backbones with an NCHW feature map (all but the vision transformers)."""
    return not backbone.startswith(_TRANSFORMER_PREFIXES)


def backbone_info(backbone: str, weights) -> tuple[bool, str | None, Preprocessing]:
    """``(pretrained, weights name, preprocessing)`` without building the model.

    Raises :class:`~featleuk.weights.WeightsUnavailableError` when the
    requested weights cannot be had offline.
    """
    if backbone == SMALL_CNN:
        if weights is not None:
            raise ValueError(f"backbone {SMALL_CNN!r} has no pretrained weights; pass weights=None")
        return False, None, Preprocessing()
    resolved = resolve_weights(backbone, weights)
    return resolved.pretrained, resolved.name, resolved.preprocessing


def _drop_auxiliary_heads(model: nn.Module) -> None:
    # Inception-v3 and GoogLeNet return (logits, aux) tuples in training mode;
    # the auxiliary classifiers are a training aid of the original ImageNet
    # recipe, not part of the fine-tuned model.
    if getattr(model, "aux_logits", False):
        model.aux_logits = False
        for name in _AUX_CHILDREN:
            if hasattr(model, name):
                setattr(model, name, None)


def load_backbone(backbone: str, weights, *, random_state=0) -> nn.Module:
    """The full classification model (1000 ImageNet classes), weights loaded, on the CPU."""
    if backbone == SMALL_CNN:
        if weights is not None:
            raise ValueError(f"backbone {SMALL_CNN!r} has no pretrained weights; pass weights=None")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(random_state))
            return SmallCNN()
    model, _ = build_backbone(backbone, weights, random_state=random_state)
    _drop_auxiliary_heads(model)
    return model


def feature_stages(model: nn.Module, backbone: str) -> list[tuple[str, nn.Module]]:
    """``(qualified name, module)`` of each stage, in forward order.

    Running the stages one after another gives the backbone's last spatial
    feature map (before global pooling).
    """
    if not is_convolutional(backbone):
        raise ValueError(
            f"{backbone!r} is a vision transformer: it has no convolutional stages to freeze, "
            "read as a sequence or explain with Grad-CAM; use head='linear' and "
            "trainable_layers=None"
        )
    for container in ("features", "layers"):  # torchvision CNNs / MNASNet
        seq = getattr(model, container, None)
        if isinstance(seq, nn.Sequential):
            return [(f"{container}.{name}", child) for name, child in seq.named_children()]
    stages = []
    for name, child in model.named_children():
        if name == "avgpool" or isinstance(child, (nn.Linear, nn.AdaptiveAvgPool2d)):
            break
        if name in _AUX_CHILDREN or child is None:
            continue
        if name == "trunk_output":  # RegNet: stem, then block1..4
            stages += [(f"{name}.{sub}", block) for sub, block in child.named_children()]
        else:
            stages.append((name, child))
    if not stages:
        raise ValueError(f"cannot find the convolutional stages of {backbone!r}")
    return stages


def replace_classifier(model: nn.Module, n_classes: int) -> str:
    """Swap the model's last linear (or, for SqueezeNet, 1x1 conv) layer for an ``n_classes`` one.

    Returns the qualified name of the new layer.
    """
    last_name, last = None, None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            last_name, last = name, module
    if last is None:
        for name, module in model.named_modules():
            if isinstance(module, nn.Conv2d) and name.startswith("classifier"):
                last_name, last = name, module
    if last is None:
        raise ValueError(f"cannot find the classification layer of {type(model).__name__}")
    if isinstance(last, nn.Linear):
        new = nn.Linear(last.in_features, n_classes)
    else:
        new = nn.Conv2d(last.in_channels, n_classes, kernel_size=last.kernel_size)
    parent_name, _, attr = last_name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, new)
    return last_name
