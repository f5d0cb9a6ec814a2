"""Reproduce the hybrid MobileNetV2-SVM result of Das et al. (2022).

Runs the presets mobilenetv2-{svm,rf,knn,xgboost} under 5-fold CV with one
shared MobileNetV2 feature pass (:func:`featleuk.experiments.mobilenetv2`) and
writes metrics.json, report.md and figures. The same as ``featleuk reproduce
mobilenetv2``, with the same options::

    python experiments/reproduce_mobilenetv2_svm.py --data ../shared/datasets/aria_all/Original --out results/aria
"""

import sys

from featleuk.experiments import main

if __name__ == "__main__":
    sys.exit(main("mobilenetv2", prog="python experiments/reproduce_mobilenetv2_svm.py"))
