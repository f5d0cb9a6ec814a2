"""Segmenter x feature family x classifier grid under 5-fold CV, with Dice scores.

The classical pipelines of the related work of Das et al. (2022), Rahman et al.
and Dharani et al. (2020): segment the nucleus, describe it with handcrafted
features, classify. Runs :func:`featleuk.experiments.classical`; the same as
``featleuk reproduce classical``, with the same options::

    nice -n 5 python experiments/classical_pipelines.py \\
        --data ../shared/datasets/aria_all/Original --out results/classical   # ~55 min, 2 cores
    python experiments/classical_pipelines.py --out /tmp/classical --quick --n-samples 40
"""

import sys

from featleuk.experiments import main

if __name__ == "__main__":
    sys.exit(main("classical", prog="python experiments/classical_pipelines.py"))
