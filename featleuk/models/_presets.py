"""The end-to-end architectures of the seed papers, with their training recipes.

Each preset is a set of :class:`DeepClassifier` parameters; the experiment
``experiments/deep_models.py`` trains them on one shared split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._classifier import DeepClassifier

__all__ = ["DeepModelPreset", "DEEP_MODEL_PRESETS", "make_deep_model"]


@dataclass(frozen=True)
class DeepModelPreset:
    name: str
    description: str
    reference: str
    params: dict = field(default_factory=dict)


# Seed 002 (Shehta et al. 2025): Adamax at 1e-3, batch 40, early stopping with
# patience 5 on the validation loss, learning rate halved after 2 stagnant epochs.
_SEED_002 = {"optimizer": "adamax", "lr": 1e-3, "batch_size": 40, "max_epochs": 40,
             "early_stopping": 5, "lr_schedule": "plateau"}
_SEED_002_REF = "Shehta et al. 2025 (seed 002), Table 1"

_PRESETS = [
    DeepModelPreset(
        "mobilenet_v2",
        "MobileNetV2 fine-tuned from ImageNet weights (last 3 feature blocks + new classifier)",
        "Pavithra (seed 004): 98.58 % test accuracy on the 4-class ALL dataset",
        {"backbone": "mobilenet_v2", "weights": "IMAGENET1K_V1", "head": "linear",
         "trainable_layers": 3, "optimizer": "adam", "lr": 1e-3, "batch_size": 32,
         "max_epochs": 30},
    ),
    DeepModelPreset(
        "mobilenet_bilstm",
        "MobileNetV2 feature map (7x7 positions) read by a bidirectional LSTM",
        "Aravindkumaran et al. (seed 000): 98.5 % accuracy",
        {"backbone": "mobilenet_v2", "weights": "IMAGENET1K_V1", "head": "bilstm",
         "trainable_layers": 3, "hidden_size": 128, "optimizer": "adam", "lr": 1e-3,
         "batch_size": 32, "max_epochs": 30},
    ),
    DeepModelPreset(
        "cnn_gru",
        "Four-block CNN from scratch at 128 px, its 8x8 map as a sequence into a GRU, dense + dropout",
        "Yousif et al. (seed 003), section 6: the proposed edge CNN-GRU (no accuracy reported)",
        {"backbone": "small_cnn", "weights": None, "head": "gru", "hidden_size": 128,
         "image_size": 128, "optimizer": "adam", "lr": 1e-3, "batch_size": 32, "max_epochs": 40},
    ),
    DeepModelPreset(
        "efficientnet_b3",
        "EfficientNet-B3 fine-tuned with a learning-rate range test and one-cycle schedule",
        "Yaseen et al. (seed 001): 99.84 % on the 4-class ALL dataset",
        {"backbone": "efficientnet_b3", "weights": "DEFAULT", "trainable_layers": 2,
         "optimizer": "adam", "lr": 1e-2, "lr_schedule": "onecycle", "max_epochs": 20,
         "batch_size": 32},
    ),
    *(
        DeepModelPreset(backbone, f"{title} fine-tuned{note}", f"{_SEED_002_REF} ({paper})",
                        {"backbone": backbone, "weights": "DEFAULT",
                         "trainable_layers": trainable_layers, **_SEED_002})
        for backbone, title, note, paper, trainable_layers in [
            ("efficientnet_b0", "EfficientNet-B0", "", "EfficientNet: 93.0 %", 3),
            ("resnet50", "ResNet-50", " (stands in for ResNet-RS-50, not in torchvision)",
             "ResNetRS50: 97 %", 2),
            ("vgg19", "VGG-19", "", "VGG19: 93.5 %", 5),
            ("alexnet", "AlexNet", "", "AlexNet: 87.9 %", 4),
            ("convnext_tiny", "ConvNeXt-Tiny", "", "ConvNeXt: 94.2 %", 2),
            ("regnet_x_1_6gf", "RegNetX-1.6GF", "", "RegNetX016: 96.4 %", 2),
            ("inception_v3", "Inception-v3", "", "Inception_v3: 92.7 %", 3),
        ]
    ),
]

#: name -> :class:`DeepModelPreset`.
DEEP_MODEL_PRESETS = {preset.name: preset for preset in _PRESETS}


def make_deep_model(name: str, **params) -> DeepClassifier:
    """A :class:`DeepClassifier` with preset ``name``'s parameters, updated by ``params``."""
    try:
        preset = DEEP_MODEL_PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown deep model {name!r}; known: {', '.join(DEEP_MODEL_PRESETS)}"
        ) from None
    return DeepClassifier(**{**preset.params, **params})
