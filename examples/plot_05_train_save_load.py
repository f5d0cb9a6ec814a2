"""
Train, save, load and predict with a model file
===============================================

A fitted featleuk pipeline is shared as a `skops <https://skops.readthedocs.io>`_
file: ``featleuk.save_model`` writes it, with a small header that describes
the model, and ``featleuk.load_model`` reads it back without unpickling
anything. This example trains a classical preset on a folder of images,
saves it with its model card, loads it and predicts new images; the same
steps are two commands on the command line (``featleuk train``,
``featleuk predict``).
"""

# %%
# A labelled image folder
# -----------------------
# :func:`~featleuk.datasets.write_synthetic_smears` writes synthetic smear
# fields into one sub-folder per class and reads the tree back with
# :func:`~featleuk.datasets.load_image_folder`, exactly as a real dataset in
# the ``class_folders`` layout would be read. The labels are the class
# names, so the model's ``classes_`` (and the probability columns) are the
# names too, not integer codes.
import tempfile
from pathlib import Path

import numpy as np

from featleuk.datasets import write_synthetic_smears

workdir = Path(tempfile.mkdtemp(prefix="featleuk-example-"))
data = write_synthetic_smears(workdir / "smears", 60, image_size=96, random_state=0)
X = list(data.filenames)
y = np.asarray(data.target_names)[data.target]
classes, counts = np.unique(y, return_counts=True)
print(f"{len(X)} images:", dict(zip(classes.tolist(), counts.tolist())))
print("first file:", Path(X[0]).relative_to(workdir))

# %%
# A preset
# --------
# ``featleuk presets`` (or :func:`featleuk.pipelines.list_presets`) lists
# the published pipelines featleuk rebuilds. ``kmeans-svm`` is a classical
# one that needs no CNN weights and fits in about a second: k-means nucleus
# segmentation, shape, texture and colour features of the nuclei,
# standardisation and an RBF SVM.
from featleuk.pipelines import list_presets, make_hybrid

preset = list_presets()["kmeans-svm"]
print(f"{preset.name}: {preset.description}")
print(f"after {preset.reference}")

model = make_hybrid("kmeans-svm")
model.fit(X, y)
print("classes:", model.classes_)

# %%
# Save the model with its card
# ----------------------------
# A model card records what the model is (preset, every parameter), what it
# learnt from (the folder, class counts and a SHA-256 of the files, so a
# reader can check they have the same data) and the library versions.
# ``featleuk train`` adds a cross-validation estimate with bootstrap
# intervals when it is given ``--cv``. The card goes into the model file's
# header and, as JSON and Markdown, beside it.
from featleuk import save_model
from featleuk.model_io import file_list_sha256, model_card, write_model_card

training_data = {
    "path": "smears",
    "n_images": len(X),
    "counts": dict(zip(classes.tolist(), counts.tolist())),
    "files_sha256": file_list_sha256(X, root=workdir / "smears"),
}
card = model_card(model, preset="kmeans-svm", data=training_data)
path = save_model(model, workdir / "model.skops", card=card)
json_card, md_card = write_model_card(card, path)
print(sorted(p.name for p in workdir.iterdir()))

# %%
# The start of the Markdown card:
print("\n".join(md_card.read_text().splitlines()[:12]))

# %%
# ``read_header`` reads the header without building the model, e.g. to
# check which classes a file predicts before loading it:
from featleuk.model_io import read_header

header = read_header(path)
print({key: header[key] for key in ("format", "featleuk_version", "classes")})
print("preset in the card:", header["card"]["preset"])

# %%
# Load it and check it predicts the same
# --------------------------------------
# ``load_model`` first lists every type stored in the file and refuses any
# that is not on featleuk's list of trusted types, then rebuilds the
# estimators from their stored state. The loaded pipeline gives the same
# probabilities as the one in memory.
from featleuk import load_model

loaded = load_model(path)
same = np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
print("same probabilities after loading:", same)
assert same

# %%
# Predict new images
# ------------------
# New files (here: smears drawn with another seed) go to ``predict`` and
# ``predict_proba`` as paths or as arrays; the columns of ``predict_proba``
# follow ``classes_``.
new = write_synthetic_smears(workdir / "new", 8, image_size=96, random_state=1)
new_files = list(new.filenames)
proba = loaded.predict_proba(new_files)
labels = loaded.predict(new_files)
true = np.asarray(new.target_names)[new.target]
for file, label, row, truth in zip(new_files, labels, proba, true):
    print(f"{Path(file).name}: {label:6s} (p = {row.max():.2f}; true class {truth})")

# %%
# The new images with their predicted class and its probability:
import matplotlib.pyplot as plt

from featleuk.io import read_image

fig, axes = plt.subplots(2, 4, figsize=(8, 4.8), layout="constrained")
for ax, file, label, row, truth in zip(axes.flat, new_files, labels, proba, true):
    ax.imshow(read_image(file))
    ax.set_title(f"{label} ({row.max():.2f})\ntrue: {truth}", fontsize=9)
    ax.axis("off")
fig.suptitle("Predictions of the loaded model")

# %%
# Why not a pickle
# ----------------
# Unpickling runs whatever code the file's author put into it, the moment
# the file is opened: a pickle from someone else can do anything your
# account can do. ``load_model`` therefore never reads one, and says so
# instead of loading it (writing our own pickle here is harmless; it is
# opening other people's that is not).
import pickle

from featleuk.model_io import UntrustedModelError

pickled = workdir / "model.pkl"
pickled.write_bytes(pickle.dumps(model))
try:
    load_model(pickled)
except UntrustedModelError as exc:
    print(exc)

# %%
# The same on the command line
# ----------------------------
# ``featleuk train`` fits a preset on every image of a dataset folder (any
# layout :func:`~featleuk.datasets.load_image_folder` reads) and writes the
# model file with ``model.skops.card.json`` and ``model.skops.card.md``
# beside it; ``--cv 5`` adds a grouped 5-fold estimate with bootstrap
# intervals to the card. ``featleuk predict`` writes one row per image:
# path, predicted label, one probability per class, and the error of any
# file it cannot read.
#
# .. code-block:: console
#
#    $ featleuk train kmeans-svm --data smears/ --out model.skops --cv 5
#    $ featleuk predict model.skops new/ --out predictions.csv
#
# ``featleuk evaluate model.skops --data OTHER/ --out report/`` scores the
# model on another labelled dataset without refitting it.
import shutil

shutil.rmtree(workdir, ignore_errors=True)
