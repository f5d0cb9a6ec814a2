"""End-to-end deep models: fine-tuned CNNs, MobileNet-BiLSTM and CNN-GRU.

- :class:`DeepClassifier`: a scikit-learn classifier training any torchvision
  backbone (ImageNet weights where featleuk.weights finds them) or a small
  from-scratch CNN, with a linear, BiLSTM or GRU head (skorch underneath).
- :func:`gradcam`, :func:`overlay_heatmap`, :func:`gradcam_figure`:
  Grad-CAM explanations of a fitted model.
- :func:`make_deep_model` / :data:`DEEP_MODEL_PRESETS`: the published
  architectures with their training recipes (the ``kind="deep"`` presets of
  :func:`featleuk.pipelines.list_presets`).
"""

from ._augment import SmearAugment
from ._backbones import SMALL_CNN, SmallCNN
from ._classifier import ROUTED_PREFIXES, DeepClassifier
from ._gradcam import gradcam, gradcam_figure, overlay_heatmap
from ._heads import HEADS, SequenceHead
from ._network import DeepNet
from ._training import LRRangeTestResult, TrainingDivergedError
from ..pipelines import DEEP_MODEL_PRESETS, make_deep_model

__all__ = [
    "DeepClassifier",
    "DeepNet",
    "SmallCNN",
    "SMALL_CNN",
    "SequenceHead",
    "HEADS",
    "SmearAugment",
    "ROUTED_PREFIXES",
    "LRRangeTestResult",
    "TrainingDivergedError",
    "gradcam",
    "gradcam_figure",
    "overlay_heatmap",
    "DEEP_MODEL_PRESETS",
    "make_deep_model",
]
