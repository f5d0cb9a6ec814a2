"""Feature reducer x classifier grid on MobileNetV2 features (Rahman et al.; Das et al. 2022).

Every preset ``mobilenetv2-{reducer}-{classifier}`` in GridSearchCV inside an
outer 5-fold cross-validation, the CNN run once per image. Runs
:func:`featleuk.experiments.selection`; the same as ``featleuk reproduce
selection``, with the same options::

    python experiments/selection_grid.py --data ../shared/datasets/aria_all/Original \\
        --out results/selection-grid --cache /tmp/featleuk-cache
    python experiments/selection_grid.py --out /tmp/grid --quick --weights none \\
        --n-samples 40 --image-size 64
"""

import sys

from featleuk.experiments import main

if __name__ == "__main__":
    sys.exit(main("selection", prog="python experiments/selection_grid.py"))
