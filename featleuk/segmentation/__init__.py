"""Nucleus segmentation: Otsu, k-means and (enhanced) fuzzy c-means segmenters.

Each segmenter is an image -> image transformer (:class:`BaseSegmenter`)
whose raw mask goes through the one shared :class:`MaskPostprocessor` and
comes out in one of three ``output`` modes: the image with the mask as a
4th channel, the RGB image with the background blanked, or a crop around
the largest nucleus. :func:`dice_score` and :func:`iou_score` measure masks
against ground truth (``make_synthetic_smears(..., return_masks=True)``);
:func:`evaluate_segmentation` scores a segmenter or a baseline function on a
set of fields with bootstrap confidence intervals, and :func:`load_mask`
reads a "background blacked out" reference mask;
:func:`segmentation_figure` draws the best and worst fields of a segmenter
against the reference masks.
"""

from ._base import BaseSegmenter
from ._channels import NUCLEUS_CHANNELS, nucleus_channel
from ._evaluate import SegmentationEvaluation, evaluate_segmentation, lab_a_otsu_baseline, load_mask
from ._figures import segmentation_figure
from ._fcm import FuzzyCMeansSegmenter, fuzzy_cmeans
from ._kmeans import KMeansSegmenter
from ._metrics import dice_score, iou_score
from ._otsu import OtsuSegmenter
from ._outputs import CROP_MODES, OUTPUT_MODES, compose_output
from ._postprocess import MaskPostprocessor, remove_small_objects, split_touching_nuclei

__all__ = [
    "BaseSegmenter",
    "CROP_MODES",
    "FuzzyCMeansSegmenter",
    "KMeansSegmenter",
    "MaskPostprocessor",
    "NUCLEUS_CHANNELS",
    "OUTPUT_MODES",
    "OtsuSegmenter",
    "SegmentationEvaluation",
    "compose_output",
    "dice_score",
    "evaluate_segmentation",
    "fuzzy_cmeans",
    "iou_score",
    "lab_a_otsu_baseline",
    "load_mask",
    "nucleus_channel",
    "remove_small_objects",
    "segmentation_figure",
    "split_touching_nuclei",
]
