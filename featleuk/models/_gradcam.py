"""Grad-CAM (Selvaraju et al. 2017) for a fitted :class:`DeepClassifier`.

The heatmap of class ``c`` is ``ReLU(sum_k w_k A_k)`` where ``A_k`` are the
channels of the backbone's last feature map and ``w_k`` the spatial mean of
``d score_c / d A_k``; it is upsampled to the network input and scaled to
[0, 1] per image. Works for every head (the gradient flows back through the
linear layer or the recurrent head alike) and for frozen backbones.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..images import check_images, iter_image_batches

__all__ = ["gradcam", "overlay_heatmap", "gradcam_figure"]


def _target_indices(model, target, n):
    if target is None:
        return None
    labels = np.asarray(target)
    labels = np.full(n, labels.item(), dtype=labels.dtype) if labels.ndim == 0 else labels
    if len(labels) != n:
        raise ValueError(f"target has {len(labels)} labels for {n} images")
    index = np.searchsorted(model.classes_, labels)
    index = np.clip(index, 0, len(model.classes_) - 1)
    bad = model.classes_[index] != labels
    if bad.any():
        raise ValueError(f"target labels not in classes_: {np.unique(labels[bad]).tolist()}")
    return index


def _batch_cams(module, layer, x, target_index):
    import torch
    import torch.nn.functional as F

    captured = {}

    def hook(_module, _inputs, output):
        # A leaf we can differentiate against even when the layer is frozen;
        # returning a clone keeps later in-place ops off the leaf itself.
        leaf = output.detach().requires_grad_(True)
        captured["fmap"] = leaf
        return leaf.clone()

    handle = layer.register_forward_hook(hook)
    try:
        with torch.enable_grad():
            logits = module(x).float()
            index = (logits.argmax(dim=1) if target_index is None
                     else torch.as_tensor(target_index, device=logits.device))
            score = logits.gather(1, index.view(-1, 1)).sum()
            (grads,) = torch.autograd.grad(score, captured["fmap"])
    finally:
        handle.remove()
    fmap = captured["fmap"].detach()
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * fmap).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)[:, 0]
    low = cam.amin(dim=(1, 2), keepdim=True)
    span = cam.amax(dim=(1, 2), keepdim=True) - low
    cam = torch.where(span > 0, (cam - low) / span.clamp_min(1e-12), torch.zeros_like(cam))
    return cam.cpu().numpy().astype(np.float32)


def gradcam(model, images, target=None, *, batch_size=16):
    """Grad-CAM heatmaps of a fitted :class:`DeepClassifier`.

    Parameters
    ----------
    model : DeepClassifier
        Fitted, with a convolutional backbone.
    images : paths or uint8 array (N, H, W, 3|4)
        The images to explain, as ``model.predict`` takes them.
    target : label, array-like of N labels, or None, default=None
        The class to explain (labels as in ``model.classes_``); ``None``
        explains each image's predicted class.
    batch_size : int, default=16
        Images per forward and backward pass (bounds memory).

    Returns
    -------
    ndarray of shape (N, S, S), float32 in [0, 1]
        One heatmap per image at the network's input size ``S`` (the
        image as the network saw it: see :func:`gradcam_figure`). An image
        whose map is all zero (no positive evidence) gets zeros.

    See Also
    --------
    overlay_heatmap : draw one map over its image.
    gradcam_figure : a grid of overlays for a report.

    References
    ----------
    R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh and
    D. Batra (2017), "Grad-CAM: visual explanations from deep networks via
    gradient-based localization", ICCV.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.models import DeepClassifier, gradcam
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["blast", "normal"] * 2)
    >>> clf = DeepClassifier("small_cnn", None, image_size=32, max_epochs=1,
    ...                      validation_fraction=0, show_progress=False).fit(X, y)
    >>> maps = gradcam(clf, X, target="blast")
    >>> maps.shape, maps.dtype
    ((4, 32, 32), dtype('float32'))
    >>> bool(maps.min() >= 0 and maps.max() <= 1)
    True
    """
    check_is_fitted(model, "module_")
    X = check_images(images, caller="gradcam")
    target_index = _target_indices(model, target, len(X))
    module = model.module_.eval()
    layer = module.feature_layer()
    device = module.mean.device
    maps = []
    for chunk, batch in iter_image_batches(X, batch_size):
        x = model._to_input(batch).to(device)
        maps.append(_batch_cams(module, layer, x,
                                None if target_index is None else target_index[chunk]))
    return np.concatenate(maps)


def overlay_heatmap(image, heatmap, *, alpha=0.4, colormap="jet"):
    """Blend a [0, 1] heatmap (resized to the image) over an RGB uint8 image.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3|4), uint8
        A mask channel is dropped.
    heatmap : ndarray of shape (h, w)
        Values in [0, 1], e.g. one map from :func:`gradcam`.
    alpha : float, default=0.4
        Weight of the coloured heatmap (0: the image unchanged).
    colormap : str, default="jet"
        A matplotlib colormap name.

    Returns
    -------
    ndarray of shape (H, W, 3), uint8
        ``(1 - alpha) * image + alpha * colormap(heatmap)``.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.models import overlay_heatmap
    >>> image = np.full((8, 8, 3), 255, np.uint8)
    >>> heatmap = np.zeros((4, 4))
    >>> overlay_heatmap(image, heatmap, alpha=0.0)[0, 0].tolist()
    [255, 255, 255]
    >>> overlay_heatmap(image, heatmap, alpha=1.0)[0, 0].tolist()  # jet at 0: dark blue
    [0, 0, 128]
    """
    import torch
    import torch.nn.functional as F
    from matplotlib import colormaps

    image = np.asarray(image)[..., :3]
    heat = torch.as_tensor(np.asarray(heatmap, dtype=np.float32))[None, None]
    heat = F.interpolate(heat, size=image.shape[:2], mode="bilinear", align_corners=False)[0, 0]
    colour = colormaps[colormap](heat.clamp(0, 1).numpy())[..., :3]
    blended = (1.0 - alpha) * image.astype(np.float64) / 255.0 + alpha * colour
    return (np.clip(blended, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def gradcam_figure(model, images, y_true=None, *, target=None, target_names=None, ncols=4,
                   title=None):
    """A grid of Grad-CAM overlays for a report, titled with true and predicted labels.

    Each panel shows the image as the network saw it (resized, cropped) with
    the heatmap of ``target`` (default: the predicted class) on top.

    Parameters
    ----------
    model : DeepClassifier
        Fitted, with a convolutional backbone.
    images : paths or uint8 array (N, H, W, 3|4)
        The images shown, one panel each.
    y_true : array-like of N labels or None, default=None
        Shown in the titles when given.
    target : label, array-like of N labels, or None, default=None
        As in :func:`gradcam`.
    target_names : sequence of str or None, default=None
        ``target_names[i]`` names ``model.classes_[i]`` in the titles.
    ncols : int, default=4
        Panels per row.
    title : str or None, default=None
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per image (``ncols`` per row), not attached to pyplot.

    See Also
    --------
    gradcam : the heatmaps themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.models import DeepClassifier, gradcam_figure
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["blast", "normal"] * 2)
    >>> clf = DeepClassifier("small_cnn", None, image_size=32, max_epochs=1,
    ...                      validation_fraction=0, show_progress=False).fit(X, y)
    >>> fig = gradcam_figure(clf, X, y, target_names=["Blast", "Normal"], ncols=2)
    >>> len(fig.axes)
    4
    >>> fig.axes[0].get_title().splitlines()[0]
    'true Blast'
    """
    from matplotlib.figure import Figure

    X = check_images(images, caller="gradcam_figure")
    heatmaps = gradcam(model, X, target=target)
    predicted = model.predict(X)
    views = np.concatenate([model._to_input(batch).permute(0, 2, 3, 1).numpy()
                            for _, batch in iter_image_batches(X, 64)])

    def name(label):
        if target_names is None:
            return label
        return target_names[int(np.searchsorted(model.classes_, label))]

    n = len(views)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(2.6 * ncols, 2.8 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(overlay_heatmap(views[i], heatmaps[i]))
        label = f"pred {name(predicted[i])}"
        if y_true is not None:
            label = f"true {name(np.asarray(y_true)[i])}\n" + label
        ax.set_title(label, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
