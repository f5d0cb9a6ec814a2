"""A backbone tapped at one layer, as a picklable ``nn.Module`` (kept apart so torch loads lazily)."""

from __future__ import annotations

import torch

__all__ = ["FeatureTap"]


class FeatureTap(torch.nn.Module):
    """Run a backbone and return the activation of one layer, globally pooled.

    ``layer="pool"`` taps the input of the last ``nn.Linear`` - the pooled
    penultimate features of any torchvision classifier (1280 for MobileNetV2,
    2048 for ResNet-50, 4096 for VGG) - without knowing each model's layout.
    A module-level class, so the torch engine's runner can be pickled and the
    module exported to ONNX.

    Parameters
    ----------
    model : torch.nn.Module
    layer : str
    """

    def __init__(self, model, layer):
        super().__init__()
        self.model = model
        self.layer = layer
        if layer == "pool":
            linears = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
            if not linears:
                raise ValueError(f"{type(model).__name__} has no Linear layer to tap for layer='pool'")
            self.target, self.use_input = linears[-1], True
        else:
            modules = dict(model.named_modules())
            if layer not in modules or not layer:
                names = [n for n in modules if n][:40]
                raise ValueError(f"layer {layer!r} not found; some of the model's layers: {names}")
            self.target, self.use_input = layer, False

    def forward(self, batch):
        captured = {}

        def hook(module, inputs, output):
            captured["x"] = inputs[0] if self.use_input else output

        handle = self.model.get_submodule(self.target).register_forward_hook(hook)
        try:
            self.model(batch)
        finally:
            handle.remove()
        x = captured["x"]
        if x.ndim == 4:  # a feature map: global average pool it
            x = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.flatten(x, 1)
