"""
From nucleus segmentation to handcrafted features
=================================================

Classical leukemia pipelines segment the nucleus, then describe its texture
and shape. featleuk's segmenters are image -> image transformers: in
``output="mask_channel"`` mode they return the image with the nucleus mask
as a fourth channel, which every handcrafted feature family reads.
"""

# %%
# Segment synthetic smears with k-means
# -------------------------------------
# :func:`~featleuk.datasets.make_synthetic_smears` can also return the true
# nucleus masks, so we can measure the segmentation.
import matplotlib.pyplot as plt
import numpy as np

from featleuk.datasets import make_synthetic_smears
from featleuk.segmentation import KMeansSegmenter, dice_score

X, y, true_masks = make_synthetic_smears(12, image_size=96, random_state=0, return_masks=True)
segmenter = KMeansSegmenter(show_progress=False)
X_masked = segmenter.fit_transform(X)
print("output shape:", X_masked.shape)  # (N, H, W, 4): RGB + mask

masks = X_masked[..., 3] > 0
print(f"mean Dice against the true masks: {np.mean(dice_score(true_masks, masks)):.3f}")

# %%
# A mask overlay
# --------------
# The nucleus found by the segmenter (outline) on four fields.
fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
for ax, image, mask, label in zip(axes, X, masks, y):
    ax.imshow(image)
    ax.contour(mask, levels=[0.5], colors="yellow", linewidths=1.2)
    ax.set_title(f"class {label}")
    ax.axis("off")
fig.suptitle("KMeansSegmenter nucleus masks")
fig.tight_layout()

# %%
# Texture and shape features of the nucleus
# -----------------------------------------
# :class:`~featleuk.features.GLCMFeatures` computes grey-level co-occurrence
# (Haralick) statistics inside the mask;
# :class:`~featleuk.features.MorphologyFeatures` measures the nucleus outline
# (area, perimeter, circularity, Fourier descriptors, ...). Both name their
# columns.
from sklearn.pipeline import make_union

from featleuk.features import GLCMFeatures, MorphologyFeatures

features = make_union(GLCMFeatures(show_progress=False), MorphologyFeatures(show_progress=False))
F = features.fit_transform(X_masked)
names = features.get_feature_names_out()
print(F.shape)
print(list(names[:4]), "...", list(names[-3:]))

# %%
# The whole chain is one pipeline, ready for cross-validation:
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

X_more, y_more = make_synthetic_smears(40, image_size=96, random_state=1)
pipe = make_pipeline(KMeansSegmenter(show_progress=False), features,
                     RandomForestClassifier(n_estimators=100, random_state=0))
print(f"3-fold accuracy: {cross_val_score(pipe, X_more, y_more, cv=3).mean():.3f}")
