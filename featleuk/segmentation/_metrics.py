"""Overlap scores of predicted against true nucleus masks."""

from __future__ import annotations

import numpy as np

__all__ = ["dice_score", "iou_score"]


def _as_mask_batch(masks, name):
    if isinstance(masks, (list, tuple)):
        return [np.asarray(m) != 0 for m in masks], False
    masks = np.asarray(masks) != 0
    if masks.ndim == 2:
        return [masks], True
    if masks.ndim != 3:
        raise ValueError(f"{name} must be a (H, W) mask or (N, H, W) masks, got shape {masks.shape}")
    return list(masks), False


def _overlap(true, pred, score):
    true, single = _as_mask_batch(true, "true")
    pred, _ = _as_mask_batch(pred, "pred")
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} true masks but {len(pred)} predicted masks")
    values = []
    for i, (t, p) in enumerate(zip(true, pred)):
        if t.shape != p.shape:
            raise ValueError(f"mask {i}: true shape {t.shape} differs from predicted {p.shape}")
        intersection = np.count_nonzero(t & p)
        values.append(score(intersection, np.count_nonzero(t), np.count_nonzero(p)))
    return np.array(values), single


def _reduce(values, single, average):
    if single:
        return float(values[0])
    return float(values.mean()) if average else values


def dice_score(true, pred, *, average=True):
    """Dice coefficient ``2 |T & P| / (|T| + |P|)`` of nucleus masks.

    Parameters
    ----------
    true, pred : array-like of shape (H, W) or (N, H, W), or lists of (H, W) masks
        Non-zero = nucleus.
    average : bool, default=True
        Return the mean over images; ``False`` gives one score per image.

    Returns
    -------
    float or ndarray of shape (N,)
        A float for a single ``(H, W)`` pair. Two empty masks score 1.0
        (correctly found no nucleus); one empty mask against a non-empty
        one scores 0.0.

    See Also
    --------
    iou_score : intersection over union of the same masks.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import dice_score
    >>> true = np.zeros((4, 4), bool)
    >>> true[:2] = True                 # 8 nucleus pixels
    >>> pred = np.zeros((4, 4), bool)
    >>> pred[:1] = True                 # 4 of them found
    >>> round(dice_score(true, pred), 3)  # 2 * 4 / (8 + 4)
    0.667
    >>> dice_score(np.stack([true, true]), np.stack([pred, true]), average=False).round(3)
    array([0.667, 1.   ])
    """
    values, single = _overlap(true, pred, lambda i, t, p: 1.0 if t + p == 0 else 2.0 * i / (t + p))
    return _reduce(values, single, average)


def iou_score(true, pred, *, average=True):
    """Intersection over union (Jaccard) ``|T & P| / |T | P|`` of nucleus masks.

    Parameters
    ----------
    true, pred : array-like of shape (H, W) or (N, H, W), or lists of (H, W) masks
        Reference and predicted masks; non-zero = nucleus.
    average : bool, default=True
        Return the mean over images; ``False`` gives one score per image.

    Returns
    -------
    float or ndarray of shape (N,)
        A float for a single ``(H, W)`` pair. As for :func:`dice_score`, two
        empty masks score 1.0 and one empty mask against a non-empty one
        0.0. For one image, ``IoU = Dice / (2 - Dice)``.

    See Also
    --------
    dice_score : the Dice coefficient of the same masks.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.segmentation import iou_score
    >>> true = np.zeros((4, 4), bool)
    >>> true[:2] = True                 # 8 nucleus pixels
    >>> pred = np.zeros((4, 4), bool)
    >>> pred[:1] = True                 # 4 of them found
    >>> iou_score(true, pred)           # 4 / 8
    0.5
    >>> iou_score([true, true], [pred, np.zeros((4, 4))], average=False)
    array([0.5, 0. ])
    """
    values, single = _overlap(true, pred, lambda i, t, p: 1.0 if t + p == 0 else i / (t + p - i))
    return _reduce(values, single, average)
