"""Deep-model presets: end-to-end networks of the published leukemia classifiers.

Each preset is a set of :class:`~featleuk.models.DeepClassifier` parameters
(backbone, head and training recipe); ``experiments/deep_models.py`` trains
them on one shared split. Nothing here imports torch: the classifier is
built by :func:`~featleuk.pipelines.make_deep_model`.
"""

from __future__ import annotations

from ._registry import register_deep_model

#: Shehta et al. (2025): Adamax at 1e-3, batch 40, early stopping with
#: patience 5 on the validation loss, learning rate halved after 2 stagnant epochs.
_SHEHTA_RECIPE = {"optimizer": "adamax", "lr": 1e-3, "batch_size": 40, "max_epochs": 40,
                  "early_stopping": 5, "lr_schedule": "plateau"}

register_deep_model(
    "mobilenet_v2",
    "MobileNetV2 fine-tuned from ImageNet weights (last 3 feature blocks + new classifier)",
    "Pavithra (2023): 98.58 % test accuracy on the 4-class ALL dataset",
    params={"backbone": "mobilenet_v2", "weights": "IMAGENET1K_V1", "head": "linear",
            "trainable_layers": 3, "optimizer": "adam", "lr": 1e-3, "batch_size": 32,
            "max_epochs": 30},
)
register_deep_model(
    "mobilenet_bilstm",
    "MobileNetV2 feature map (7x7 positions) read by a bidirectional LSTM",
    "Aravindkumaran et al. (2025): 98.5 % accuracy",
    params={"backbone": "mobilenet_v2", "weights": "IMAGENET1K_V1", "head": "bilstm",
            "trainable_layers": 3, "hidden_size": 128, "optimizer": "adam", "lr": 1e-3,
            "batch_size": 32, "max_epochs": 30},
)
register_deep_model(
    "cnn_gru",
    "Four-block CNN from scratch at 128 px, its 8x8 map as a sequence into a GRU, dense + dropout",
    "Yousif et al. (n.d.), section 6: the proposed edge CNN-GRU (no accuracy reported)",
    params={"backbone": "small_cnn", "weights": None, "head": "gru", "hidden_size": 128,
            "image_size": 128, "optimizer": "adam", "lr": 1e-3, "batch_size": 32, "max_epochs": 40},
)
register_deep_model(
    "efficientnet_b3",
    "EfficientNet-B3 fine-tuned with a learning-rate range test and one-cycle schedule",
    "Yaseen et al. (2025): 99.84 % on the 4-class ALL dataset",
    params={"backbone": "efficientnet_b3", "weights": "DEFAULT", "trainable_layers": 2,
            "optimizer": "adam", "lr": 1e-2, "lr_schedule": "onecycle", "max_epochs": 20,
            "batch_size": 32},
)
# The backbones Shehta et al. (2025) compare (Table 1), all with their recipe.
for _backbone, _title, _note, _result, _trainable_layers in [
    ("efficientnet_b0", "EfficientNet-B0", "", "EfficientNet: 93.0 %", 3),
    ("resnet50", "ResNet-50", " (stands in for ResNet-RS-50, not in torchvision)", "ResNetRS50: 97 %", 2),
    ("vgg19", "VGG-19", "", "VGG19: 93.5 %", 5),
    ("alexnet", "AlexNet", "", "AlexNet: 87.9 %", 4),
    ("convnext_tiny", "ConvNeXt-Tiny", "", "ConvNeXt: 94.2 %", 2),
    ("regnet_x_1_6gf", "RegNetX-1.6GF", "", "RegNetX016: 96.4 %", 2),
    ("inception_v3", "Inception-v3", "", "Inception_v3: 92.7 %", 3),
]:
    register_deep_model(
        _backbone,
        f"{_title} fine-tuned{_note}",
        f"Shehta et al. (2025), Table 1 ({_result})",
        params={"backbone": _backbone, "weights": "DEFAULT", "trainable_layers": _trainable_layers,
                **_SHEHTA_RECIPE},
    )
# EfficientNet-B3's ImageNet weights cannot be had offline; EfficientNet-Lite0's can
# (featleuk.weights). It is fine-tuned with the MobileNetV2 recipe above, so the two
# differ only in the backbone.
register_deep_model(
    "efficientnet_lite0",
    "EfficientNet-Lite0 fine-tuned from ImageNet weights (last 3 feature blocks + new classifier)",
    "Yaseen et al. (2025): EfficientNet-B3, 99.84 % on the 4-class ALL dataset (Lite0 stands in "
    "for B3, whose weights are not available offline)",
    params={"backbone": "efficientnet_lite0", "weights": "IMAGENET1K", "head": "linear",
            "trainable_layers": 3, "optimizer": "adam", "lr": 1e-3, "batch_size": 32,
            "max_epochs": 30},
)
