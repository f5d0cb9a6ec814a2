"""Reproduce the hybrid MobileNetV2-SVM result (Das et al. 2022; seed 003, Tables 4-5).

Runs the presets mobilenetv2-{svm,rf,knn,xgboost} under 5-fold CV with one
shared MobileNetV2 feature pass, and writes metrics.json, report.md and
figures. Same as ``featleuk reproduce mobilenetv2-svm``; takes the same options:

    python experiments/reproduce_mobilenetv2_svm.py --data ../shared/datasets/aria_all/Original --out results/aria
"""

import sys

from featleuk.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "mobilenetv2-svm", *sys.argv[1:]]))
