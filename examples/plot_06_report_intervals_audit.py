"""
Reading a report: confidence intervals and the leakage audit
============================================================

Every featleuk report gives each metric with a 95 % bootstrap confidence
interval, and experiments that extract frozen features add a *leakage
audit*: the same model cross-validated under increasingly strict splits,
and the name of the split whose number to quote. This example computes both
by hand on a small dataset with a built-in leak, so each number of a report
can be traced to a function call.
"""

# %%
# A dataset with a leak
# ---------------------
# Real datasets often hold several pictures of one smear field: re-exposed,
# refocused, or the stage moved a little. We imitate that with three
# overlapping 96-pixel crops of each of 40 synthetic fields (120 images).
# Files are numbered in capture order within each class, as in the Aria et
# al. dataset, so the views of one field get consecutive numbers.
import numpy as np

from featleuk.datasets import SYNTHETIC_CLASS_NAMES, find_duplicate_groups, make_synthetic_smears

fields, field_labels = make_synthetic_smears(40, image_size=104, random_state=0)
offsets = [(0, 0), (8, 0), (0, 8)]
X, y, filenames, field_of = [], [], [], []
for field_index, (field, label) in enumerate(zip(fields, field_labels)):
    name = SYNTHETIC_CLASS_NAMES[label]
    for dy, dx in offsets:
        X.append(field[dy:dy + 96, dx:dx + 96])
        y.append(name)
        filenames.append(f"{name}-{sum(n.startswith(name) for n in filenames):03d}.png")
        field_of.append(field_index)
X, y, field_of = np.stack(X), np.array(y), np.array(field_of)

# %%
# :func:`~featleuk.datasets.find_duplicate_groups` links near-identical
# images by a difference hash. It catches some of the shifted views, not all
# of them: a difference hash is not shift-invariant.
groups = find_duplicate_groups(X, show_progress=False)
print(f"{len(X)} images of {len(fields)} fields, {len(np.unique(groups))} duplicate groups")

# %%
# Features once, classifier in every fold
# ---------------------------------------
# The ``kmeans-svm`` preset (after Laosai & Chamnongthai, 2014) segments the
# nuclei and describes them with shape, texture and colour features; those
# steps learn nothing from the data, so their output is computed once and
# only the scaler and the SVM are cross-validated, as featleuk's
# experiments do. :func:`featleuk.base.frozen_prefix_length` says where the
# frozen part ends.
from featleuk.base import frozen_prefix_length
from featleuk.pipelines import make_hybrid

pipe = make_hybrid("kmeans-svm")
k = frozen_prefix_length(pipe)
features = pipe[:k].fit_transform(X)
tail = pipe[k:]
print("frozen steps:", [name for name, _ in pipe.steps[:k]], "->", features.shape)
print("cross-validated steps:", [name for name, _ in tail.steps])

# %%
# Grouped cross-validation
# ------------------------
# :func:`~featleuk.evaluation.make_cv` is the splitter of every featleuk
# experiment: stratified, and group-aware when groups are given.
# :func:`~featleuk.evaluation.cross_validate_predictions` keeps the
# out-of-fold prediction of every image.
from featleuk.evaluation import cross_validate_predictions, format_metric, make_cv

cv = make_cv(y, groups, n_splits=5, random_state=0)
result = cross_validate_predictions(tail, features, y, groups=groups, cv=cv,
                                    name="k-means + SVM", show_progress=False)
accuracy = result.summary()["accuracy"]
print("fold accuracies:", np.round(accuracy["folds"], 3))
print("mean ± sd over folds:", format_metric(accuracy["mean"], accuracy["std"]))

# %%
# Confidence intervals
# --------------------
# A report's main table does not average the folds: it pools all
# out-of-fold predictions, computes each metric once, and brackets it with a
# percentile bootstrap (:func:`~featleuk.evaluation.bootstrap_metrics`).
# With ``groups``, whole groups are drawn with replacement (a cluster
# bootstrap): copies of one field are not independent evidence, and
# resampling them one by one would give an interval that is too narrow.
from featleuk.evaluation import bootstrap_metrics, format_interval

rows = result.sample_indices
for unit, unit_groups in [("images", None), ("duplicate groups", groups[rows])]:
    ci = bootstrap_metrics(result.y_true, result.y_pred, result.y_score,
                           labels=result.classes, groups=unit_groups,
                           metrics=["accuracy", "f1", "mcc"], random_state=0)
    cells = ", ".join(f"{m} {format_interval(**v, metric=m)}" for m, v in ci["metrics"].items())
    print(f"resampling {ci['n_units']} {unit}: {cells}")

# %%
# A cell ``value [low, high]`` reads: ``value`` % of the pooled predictions
# are right, and datasets drawn like this one give between ``low`` and
# ``high`` in 95 % of the resamples. Resampling groups widens the interval a
# little here, because fewer independent units back the same predictions.
# The interval is about sampling noise only: it cannot see a leak that
# inflates every resample alike. That is what the audit is for.

# %%
# The leakage audit
# -----------------
# :func:`~featleuk.evaluation.leakage_audit` cross-validates the same tail
# on the same features under every split the data allows:
#
# - *random* stratified folds, the protocol of most papers;
# - *duplicates*: each duplicate group in one fold;
# - *sequence*: blocks of consecutive file numbers per class kept together
#   (on real data ``block_size="auto"`` measures how far neighbouring files
#   look alike; here we know each field gave three files);
# - *clusters*: look-alike images, clustered in feature space, kept
#   together (the default is one cluster per ten images; on 120 images
#   that leaves too few clusters per class for five folds, so we ask for
#   20);
# - *subjects*, when the dataset has patient IDs (C-NMC 2019 does).
from featleuk.evaluation import leakage_audit

audit = leakage_audit(tail, features, y, filenames=filenames, groups=groups,
                      block_size=len(offsets), n_clusters=20, cv=5, random_state=0,
                      n_resamples=500)
for s in audit["strategies"]:
    print(f"{s['title']:24s} {s['n_groups']:4d} groups  accuracy "
          f"{format_interval(**s['accuracy_ci'], metric='accuracy')}")
print("strictest:", audit["strictest"])

# %%
# Each strategy's accuracy with its interval (the figure a report draws
# with :func:`~featleuk.evaluation.plot_pipeline_comparison`):
import matplotlib.pyplot as plt

from featleuk.evaluation import plot_pipeline_comparison

fig = plot_pipeline_comparison({s["title"]: s["accuracy_ci"] for s in audit["strategies"]},
                               title="One pipeline, four ways to split the data")
plt.figure(fig)  # featleuk builds figures without pyplot; hand this one to it to show it

# %%
# What "strictest" means
# ----------------------
# Random folds put views of one field on both sides of the split, so the
# classifier is tested on near-copies of its training images: close to
# 100 %, and an upper bound, not an estimate. Grouping the duplicates
# removes the copies the hash recognises; the file-sequence blocks remove
# the rest here, because every view of a field has a neighbouring number,
# and the score falls to what the features really tell about the class.
#
# The audit names the split to quote: subject IDs when the dataset has
# them (the split a new patient meets), otherwise the applicable split
# with the lowest mean accuracy, because no leak the audit knows of inflates
# it. Clusters in feature space also hold out whole regions of appearance,
# so when they come out lowest, as here, check them against the next split:
# where the two agree within their intervals (here the file-sequence blocks,
# which follow the fields themselves), the leak is gone; where the clusters
# fall far below, read their number as a pessimistic bound. The gap
# between random folds and the strictest split is the part of a random-split
# score that the data's structure, not the model, explains.
#
# The strictest split's confusion matrix, as in a report
# (:func:`~featleuk.evaluation.plot_confusion_matrix`):
from featleuk.evaluation import plot_confusion_matrix

strictest = next(s for s in audit["strategies"] if s["name"] == audit["strictest"])
strict = strictest["result"]
fig = plot_confusion_matrix(strict.y_true, strict.y_pred, labels=strict.classes,
                            title=f"k-means + SVM, {strictest['title'].lower()}")
plt.figure(fig)

# %%
# In a report
# -----------
# :func:`~featleuk.evaluation.write_report` takes the audit
# (``write_report(out, results, title=..., audit=audit)``): the report's
# results section then names the number to quote, and its leakage-audit
# section has the table above with one line per split on what it guards
# against. ``featleuk reproduce mobilenetv2-svm --data PATH`` runs the
# audit on MobileNetV2 features of a real dataset.
