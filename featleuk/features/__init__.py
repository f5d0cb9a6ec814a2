"""Feature extractors: frozen CNN features and handcrafted nucleus descriptors."""

from ._deep import DeepFeatures

__all__ = ["DeepFeatures"]
