"""featleuk: reproducible, fast and honest leukemia blood-smear image classification.

Each part of a published "hybrid" classifier - segmentation, deep and
handcrafted features, feature selection, classical classifier - is a
scikit-learn estimator, so a paper's pipeline is one ``make_pipeline`` call.
A fitted model is shared as a skops file: :func:`save_model` writes it and
:func:`load_model` reads it back, rebuilding only trusted types.
"""

__version__ = "0.1.0"

from .model_io import load_model, save_model  # noqa: E402

__all__ = ["__version__", "load_model", "save_model"]
