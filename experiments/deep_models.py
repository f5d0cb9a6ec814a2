"""End-to-end deep models next to the hybrids: fine-tuned CNNs, MobileNet-BiLSTM, CNN-GRU.

Trains each listed model on one stratified train / validation / test split
(the hybrids' test images) and writes metrics, report and figures (training
curves, Grad-CAM). Runs :func:`featleuk.experiments.deep`; the same as
``featleuk reproduce deep``, with the same options::

    python experiments/deep_models.py --data ../shared/datasets/aria_all/Original \\
        --models mobilenet_v2:25,mobilenet_bilstm:12,cnn_gru:12 --out results/deep
    python experiments/deep_models.py --quick --out /tmp/deep

A model is ``name`` or ``name:minutes`` (its training budget); backbones whose
ImageNet weights are not on this machine are skipped unless ``--scratch``.
"""

import sys

from featleuk.experiments import main

if __name__ == "__main__":
    sys.exit(main("deep", prog="python experiments/deep_models.py"))
