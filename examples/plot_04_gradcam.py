"""
Grad-CAM on a fine-tuned network
================================

:class:`~featleuk.models.DeepClassifier` trains a CNN end to end on images
(a torchvision backbone, or the small from-scratch CNN used here) and is a
scikit-learn classifier. :func:`~featleuk.models.gradcam_figure` shows where
the fitted network looks: Grad-CAM (Selvaraju et al., 2017) weights the last
convolutional feature map by the gradient of the class score.
"""

# %%
# Train a small CNN on synthetic smears
# -------------------------------------
# Two synthetic classes ("Benign" and "Early"), 64-pixel images and eight
# epochs: about twenty seconds on a laptop CPU. Real runs use a pretrained
# backbone and the training recipes of :func:`featleuk.models.make_deep_model`.
import numpy as np

from featleuk.datasets import SYNTHETIC_CLASS_NAMES, make_synthetic_smears
from featleuk.models import DeepClassifier

X, y = make_synthetic_smears(96, n_classes=2, image_size=64, random_state=0)
X_test, y_test = make_synthetic_smears(40, n_classes=2, image_size=64, random_state=1)

clf = DeepClassifier("small_cnn", None, image_size=64, max_epochs=8, batch_size=16,
                     validation_fraction=0, random_state=0, show_progress=False)
clf.fit(X, y)
print(f"test accuracy: {np.mean(clf.predict(X_test) == y_test):.3f}")

# %%
# Grad-CAM overlays
# -----------------
# Each panel is titled with the true and the predicted class; the heatmap is
# that of the predicted class.
import matplotlib.pyplot as plt

from featleuk.models import gradcam_figure

names = SYNTHETIC_CLASS_NAMES[:2]
fig = gradcam_figure(clf, X_test[:8], y_true=y_test[:8], target_names=names, ncols=4,
                     title="Grad-CAM, small CNN")
plt.figure(fig)  # featleuk builds figures without pyplot; hand this one to it to show it

# %%
# The raw heatmaps are available too, one ``(H, W)`` map in ``[0, 1]`` per
# image, for your own figures:
from featleuk.models import gradcam

heatmaps = gradcam(clf, X_test[:4])
print(heatmaps.shape, float(heatmaps.min()), float(heatmaps.max()))
