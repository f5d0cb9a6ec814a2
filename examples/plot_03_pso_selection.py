"""
Feature selection with particle swarm optimisation
==================================================

Wrapper selection searches a subset of features that a classifier scores
well on while keeping few of them. :class:`~featleuk.selection.PSOFeatureSelector`
runs a binary particle swarm over feature subsets and minimises
``(1 - alpha) * (1 - CV score) + alpha * fraction kept``; it is a
scikit-learn selector, so it sits in a pipeline before the classifier.
"""

# %%
# A feature matrix with a few informative columns
# -----------------------------------------------
# Selection works on any feature matrix; a synthetic one where only the first
# 6 of 40 columns carry information shows what the swarm finds.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=300, n_features=40, n_informative=6, n_redundant=0,
                           class_sep=1.5, shuffle=False, random_state=0)

# %%
# Fit the selector
# ----------------
from featleuk.selection import PSOFeatureSelector

selector = PSOFeatureSelector(n_particles=12, max_iter=10, random_state=0, show_progress=False)
selector.fit(X, y)
kept = np.flatnonzero(selector.support_)
print(f"kept {kept.size} of {X.shape[1]} features: {kept.tolist()}")
print(f"CV score of the subset: {selector.best_score_:.3f}")
print("informative columns kept:", np.intersect1d(kept, np.arange(6)).size, "of 6")

# %%
# The best cost after each iteration never increases:
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(np.arange(1, selector.n_iter_ + 1), selector.history_, marker="o")
ax.set_xlabel("iteration")
ax.set_ylabel("best cost")
ax.set_title("PSO search")
fig.tight_layout()

# %%
# In a pipeline
# -------------
# Selection learns from the labels, so it must be fitted inside each
# training fold: putting it in the pipeline does that.
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

pipe = make_pipeline(
    PSOFeatureSelector(n_particles=12, max_iter=10, random_state=0, show_progress=False),
    StandardScaler(), SVC())
print(f"3-fold accuracy with selection: {cross_val_score(pipe, X, y, cv=3).mean():.3f}")
print(f"3-fold accuracy, all features: "
      f"{cross_val_score(make_pipeline(StandardScaler(), SVC()), X, y, cv=3).mean():.3f}")

# %%
# A swarm search is noisy: it scores a few hundred subsets, not all
# :math:`2^{40}`, so it keeps some uninformative columns and can miss
# informative ones. ``alpha`` trades accuracy for fewer features; the
# cat swarm (:class:`~featleuk.selection.CatSwarmFeatureSelector`) has the
# same interface.
