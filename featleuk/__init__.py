"""featleuk: reproducible, fast and honest leukemia blood-smear image classification.

Each part of a published "hybrid" classifier - segmentation, deep and
handcrafted features, feature selection, classical classifier - is a
scikit-learn estimator, so a paper's pipeline is one ``make_pipeline`` call.
"""

__version__ = "0.1.0"
