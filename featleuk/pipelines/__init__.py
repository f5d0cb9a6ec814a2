"""Named presets of published leukemia-classification pipelines, and their building blocks.

- One registry of presets (:func:`list_presets`): hybrid scikit-learn
  Pipelines (``kind="hybrid"``: image features + classical steps, built by
  :func:`make_hybrid`) and end-to-end deep models (``kind="deep"``:
  :class:`~featleuk.models.DeepClassifier` parameters, built by
  :func:`make_deep_model`); :func:`make_preset` builds either.
- The building blocks the presets are made of, each a name -> settings
  table with a builder whose keyword arguments override the settings:
  :func:`make_classifier` (:data:`CLASSIFIERS`, with :func:`needs_scaling`),
  :func:`make_reducer` (:data:`REDUCERS`), :func:`make_segmenter`
  (:data:`SEGMENTERS`), :func:`make_feature_family`
  (:data:`FEATURE_FAMILIES`), :func:`mobilenet_v2_features` and
  :func:`make_cnn_features` (:data:`CNN_FEATURES`: frozen VGG16, AlexNet and
  EfficientNet-Lite0 ImageNet features).
- :func:`set_routed_params`: ``set_params`` that names a misspelt parameter
  and suggests the closest valid one.
"""

from ._params import set_routed_params
from ._blocks import (
    CHI2_K,
    CLASSIFIERS,
    CNN_FEATURES,
    FEATURE_FAMILIES,
    MOBILENET_V2_PREPROCESS,
    MOBILENET_V2_WEIGHTS,
    REDUCERS,
    SEGMENTERS,
    BuildingBlock,
    make_classifier,
    make_cnn_features,
    make_feature_family,
    make_feature_union,
    make_reducer,
    make_segmenter,
    mobilenet_v2_features,
    needs_scaling,
)
from ._registry import (
    DEEP_MODEL_PRESETS,
    KINDS,
    Preset,
    list_presets,
    make_deep_model,
    make_hybrid,
    make_preset,
    register_deep_model,
    register_preset,
)

from . import _blocks, _params, _registry  # noqa: E402  (for __all__)

# Each module registers one family of presets.
from . import _selection_presets  # noqa: F401,E402  (MobileNetV2 + optional reducer + classifier)
from . import _classical_presets  # noqa: F401,E402  (segmentation + handcrafted features)
from . import _cnn_feature_presets  # noqa: F401,E402  (VGG16 / AlexNet / EfficientNet-Lite0 + classifier)
from . import _deep_model_presets  # noqa: F401,E402  (end-to-end deep models)

__all__ = [*_registry.__all__, *_params.__all__, *_blocks.__all__]
