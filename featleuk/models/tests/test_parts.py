import copy

import numpy as np
import pytest
import torch
import torchvision

from featleuk._torch_preprocess import normalize_batch, to_tensor_batch, to_uint8_batch
from featleuk.models import DeepNet, SequenceHead, SmearAugment
from featleuk.models._backbones import feature_stages, replace_classifier
from featleuk.weights import Preprocessing


@pytest.mark.parametrize("name", ["resnet18", "regnet_x_400mf", "shufflenet_v2_x0_5", "mnasnet0_5",
                                  "squeezenet1_1", "mobilenet_v3_small"])
def test_stages_reproduce_the_feature_map(name):
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None).eval()
    stages = feature_stages(model, name)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        fmap = x
        for _, stage in stages:
            fmap = stage(fmap)
    assert fmap.ndim == 4
    replace_classifier(model, 3)
    with torch.no_grad():
        assert model(x).shape == (1, 3)


def test_inception_input_transform_is_folded_into_the_normalisation(monkeypatch):
    from featleuk.models import _network

    torch.manual_seed(0)
    reference = torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=True,
                                             init_weights=False).eval()
    monkeypatch.setattr(_network, "load_backbone", lambda *args, **kwargs: copy.deepcopy(reference))
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    net = DeepNet("googlenet", None, "linear", 1000, mean=mean, std=std, channels_last=False)
    net.model.fc.load_state_dict(reference.fc.state_dict())
    net.eval()
    assert net.model.transform_input is False
    x = torch.randint(0, 256, (2, 3, 64, 64), dtype=torch.uint8)
    expected = reference(normalize_batch(x, Preprocessing(mean=mean, std=std)))
    torch.testing.assert_close(net(x), expected, atol=1e-4, rtol=1e-4)


def test_sequence_head_shapes():
    fmap = torch.rand(5, 16, 3, 4)
    bilstm = SequenceHead(16, 4, cell="lstm", bidirectional=True, hidden_size=6)
    gru = SequenceHead(16, 4, cell="gru", bidirectional=False, hidden_size=6, dense_size=6)
    assert bilstm(fmap).shape == gru(fmap).shape == (5, 4)
    assert bilstm.rnn.input_size == 16 and bilstm.classifier[-1].in_features == 12


def test_smear_augment_per_image_and_seeded():
    batch = torch.randint(0, 256, (6, 3, 24, 24), dtype=torch.uint8)
    batch[1:] = batch[0]
    torch.manual_seed(0)
    a = SmearAugment()(batch)
    torch.manual_seed(0)
    b = SmearAugment()(batch)
    torch.testing.assert_close(a, b)
    assert a.dtype == torch.float32 and a.shape == batch.shape
    assert 0.0 <= a.min() and a.max() <= 1.0
    # One draw per image: identical inputs come out different.
    assert not torch.allclose(a[1], a[2])
    still = SmearAugment(degrees=0, flip=False, scale=(1, 1), brightness=0, contrast=0)
    torch.manual_seed(1)
    out = still(batch)
    # Only right-angle rotations remain: the pixel multiset of each channel is kept.
    torch.testing.assert_close(out[0].flatten(1).sort().values,
                               batch[0].float().div(255).flatten(1).sort().values)


def test_uint8_batch_matches_normalised_batch():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (40, 30, 3), dtype=np.uint8),
              rng.integers(0, 256, (20, 20, 4), dtype=np.uint8)]
    prep = Preprocessing(resize_size=36, crop_size=32)
    for mode in ("weights", "resize"):
        for fill in (False, True):
            as_uint8 = to_uint8_batch(images, prep, mode=mode, fill_mask=fill)
            assert as_uint8.dtype == torch.uint8 and as_uint8.shape == (2, 3, 32, 32)
            expected = to_tensor_batch(images, prep, mode=mode, fill_mask=fill)
            # Same up to the uint8 rounding of the mean colour under the mask.
            torch.testing.assert_close(normalize_batch(as_uint8, prep), expected,
                                       atol=0.01, rtol=0)
