"""Feature extractors: frozen CNN features and handcrafted nucleus descriptors.

Each family is one module; every extractor turns images (paths, or
``(N, H, W, 3|4)`` uint8 arrays where channel 4 is a nucleus mask) into a
named feature matrix.
"""

from ._color import COLOR_SPACES, ColorFeatures
from ._deep import DeepFeatures
from ._glcm import GLCM_PROPERTIES, GLCMFeatures
from ._glrlm import GLRLM_FEATURES, GLRLMFeatures
from ._lbp import LBPFeatures
from ._morphology import MorphologyFeatures

__all__ = [
    "DeepFeatures",
    "GLCMFeatures",
    "GLRLMFeatures",
    "MorphologyFeatures",
    "ColorFeatures",
    "LBPFeatures",
    "GLCM_PROPERTIES",
    "GLRLM_FEATURES",
    "COLOR_SPACES",
]
