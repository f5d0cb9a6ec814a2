"""Wrapper feature selection by swarm optimisation.

Both selectors are scikit-learn ``SelectorMixin`` transformers that search a
feature subset minimising ``(1 - alpha) * (1 - CV score) + alpha * fraction
kept``. PCA, LDA and univariate selection (chi-squared, mutual information)
are scikit-learn's own ``PCA``, ``LinearDiscriminantAnalysis`` and
``SelectKBest``; the presets in :mod:`featleuk.pipelines` show them in use.
"""

from ._cso import CatSwarmFeatureSelector
from ._pso import PSOFeatureSelector

__all__ = ["PSOFeatureSelector", "CatSwarmFeatureSelector"]
