import warnings

import pytest
import torch
import torchvision

from featleuk.models import DEEP_MODEL_PRESETS, DeepClassifier, make_deep_model
from featleuk.models._backbones import SMALL_CNN, SmallCNN, feature_stages


@pytest.mark.parametrize("name", list(DEEP_MODEL_PRESETS))
def test_presets_are_valid_and_their_stages_exist(name):
    clf = make_deep_model(name)
    assert isinstance(clf, DeepClassifier)
    clf._validate_params()
    if clf.backbone == SMALL_CNN:
        model = SmallCNN()
    elif clf.backbone.startswith("efficientnet_lite"):  # featleuk's own architecture
        from featleuk.weights import build_backbone

        model, _ = build_backbone(clf.backbone, None, random_state=0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            try:
                # The architecture without allocating weights (VGG-19 has 143 M).
                with torch.device("meta"):
                    model = torchvision.models.get_model(clf.backbone, weights=None)
            except NotImplementedError:  # RegNet computes its widths from tensor data
                model = torchvision.models.get_model(clf.backbone, weights=None)
    if clf.trainable_layers is not None:
        assert clf.trainable_layers < len(feature_stages(model, clf.backbone))


def test_make_deep_model_overrides_and_unknown_names():
    assert make_deep_model("cnn_gru", lr=0.5, max_epochs=1).lr == 0.5
    with pytest.raises(ValueError, match="unknown deep model"):
        make_deep_model("resnet9000")
