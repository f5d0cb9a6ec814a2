"""External validation: a trained model tested on another dataset.

A cross-validated score says how a pipeline does on new images *from the
same collection*; a model trained on one dataset and tested on another
(another lab, scanner, stain and patient population) says how it travels.
:func:`evaluate_external` runs the test and returns a
:class:`~featleuk.evaluation.CVResult` marked as external, which
:func:`~featleuk.evaluation.write_report` renders with the same metrics and
intervals as a cross-validated one, labelled with both datasets' names.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping

import numpy as np

from ._cv import CVResult, _predict_with_scores, _score_method
from ._json import estimator_params

__all__ = ["evaluate_external"]


def _names_of(values, names, what):
    """Display name of each label in ``values`` (``names`` in sorted-label order)."""
    values = np.asarray(values)
    if names is None:
        return np.array([str(v) for v in values.tolist()], dtype=str)
    labels = np.unique(values)
    if len(names) != len(labels):
        raise ValueError(f"{what} has {len(names)} names for {len(labels)} classes "
                         f"{labels.tolist()}")
    lookup = {label: str(name) for label, name in zip(labels.tolist(), names)}
    return np.array([lookup[v] for v in values.tolist()], dtype=str)


def _check_class_map(class_map, model_names, external_names):
    if class_map is None:
        return {}
    if not isinstance(class_map, Mapping):
        raise TypeError(f"class_map must be a dict of {{class name: evaluated class}}, got "
                        f"{type(class_map).__name__}")
    class_map = {str(key): str(value) for key, value in class_map.items()}
    known = set(model_names) | set(external_names)
    unknown = sorted(set(class_map) - known)
    if unknown:
        raise ValueError(
            f"class_map names {unknown}, which are neither classes of the model "
            f"({sorted(set(model_names))}) nor of the test data ({sorted(set(external_names))}); "
            "check the spelling (keys are class names, as in target_names)")
    return class_map


def evaluate_external(model, X, y, *, class_map=None, target_names=None,
                      model_target_names=None, dataset_name, training_dataset, groups=None,
                      name=None):
    """Test a fitted model on another dataset; the result is labelled as external.

    Parameters
    ----------
    model : fitted classifier or Pipeline
        Trained on ``training_dataset`` (e.g. ``FrozenPipeline.load(...)``
        or a fitted preset).
    X : list of image paths, image array or feature matrix
        The external test data, in the form ``model`` takes.
    y : array-like of shape (n_samples,)
        Its labels, as the external dataset's loader gives them.
    class_map : dict of {str: str}, default=None
        How the two datasets' classes correspond. Keys are class names of
        the model (``model_target_names``, else ``str`` of
        ``model.classes_``) or of the test data (``target_names``, else
        ``str`` of ``y``); values are the classes the test is scored in.
        Both the true labels and the predictions go through it; names
        not in it are kept. Several classes may map to one, e.g. a model
        trained on Aria et al. (2021)'s four classes tested on C-NMC's
        healthy / blast cells: ``{"Benign": "benign", "Early":
        "malignant", "Pre": "malignant", "Pro": "malignant", "hem":
        "benign", "all": "malignant"}``. ``None``: the class names must
        already agree.
    target_names : list of str, default=None
        Display names of the sorted classes of ``y``.
    model_target_names : list of str, default=None
        Display names of ``model.classes_``.
    dataset_name : str
        The external dataset, as the report names it.
    training_dataset : str
        The dataset ``model`` was trained on.
    groups : array-like of shape (n_samples,), default=None
        Groups of the test images (subjects, duplicate groups): the units of
        the cluster-bootstrap intervals.
    name : str, default=None
        The result's name in reports; ``"<model> on <dataset_name>"``.

    Returns
    -------
    CVResult
        One "fold" holding every test image. ``classes`` and
        ``target_names`` are the scored class names; ``y_score`` sums the
        model's probabilities over the classes mapped together (the largest
        margin for ``decision_function`` models); ``external`` is
        ``{"dataset", "training_dataset", "class_map", "model_classes"}``.

    Raises
    ------
    ValueError
        No test class can be predicted (the class names do not agree and
        no ``class_map`` says how they correspond), or ``class_map`` names
        a class neither side has.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 30)
    >>> model = LogisticRegression().fit(rng.normal(size=(90, 3)) + 3 * np.eye(3)[y], y)
    >>> y_ext = np.repeat(["healthy", "blast"], 30)
    >>> X_ext = rng.normal(size=(60, 3)) + 3 * np.eye(3)[np.repeat([0, 2], 30)]
    >>> result = evaluate_external(
    ...     model, X_ext, y_ext, model_target_names=["Benign", "Early", "Pro"],
    ...     class_map={"Benign": "healthy", "Early": "blast", "Pro": "blast"},
    ...     dataset_name="lab B", training_dataset="lab A")
    >>> result.classes.tolist(), result.external["dataset"]
    (['blast', 'healthy'], 'lab B')
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if not dataset_name or not training_dataset:
        raise ValueError("name both datasets (dataset_name=..., training_dataset=...): the "
                         "report labels the test as external with them")
    model_classes = getattr(model, "classes_", None)
    if model_classes is None:
        raise ValueError(f"{type(model).__name__} has no classes_: pass a fitted classifier")
    model_classes = np.asarray(model_classes)
    if model_target_names is None:
        model_names = [str(c) for c in model_classes.tolist()]
    elif len(model_target_names) != len(model_classes):
        raise ValueError(f"{len(model_target_names)} model_target_names for "
                         f"{len(model_classes)} classes of the model")
    else:
        model_names = [str(n) for n in model_target_names]
    external_names = _names_of(y, target_names, "target_names")
    mapping = _check_class_map(class_map, model_names, set(external_names.tolist()))
    mapped_model = [mapping.get(n, n) for n in model_names]
    y_true = np.array([mapping.get(n, n) for n in external_names.tolist()], dtype=str)
    classes = np.array(sorted(set(mapped_model) | set(y_true.tolist())), dtype=str)
    if not set(mapped_model) & set(y_true.tolist()):
        raise ValueError(
            f"the model predicts {sorted(set(mapped_model))} but the test data has classes "
            f"{sorted(set(y_true.tolist()))}: no test image could be right. Pass class_map "
            "to say how the classes correspond")
    unreachable = sorted(set(y_true.tolist()) - set(mapped_model))
    if unreachable:
        warnings.warn(f"the model never predicts the test classes {unreachable} (add them to "
                      "class_map?); their recall is 0", UserWarning, stacklevel=2)
    extra_predicted = sorted(set(mapped_model) - set(y_true.tolist()))
    if extra_predicted:
        warnings.warn(f"the model can predict {extra_predicted}, which the test data does not "
                      "have; they count as errors and lower the macro averages (map them to a "
                      "test class in class_map to score them as that class)", UserWarning,
                      stacklevel=2)

    start = time.perf_counter()
    raw_pred, raw_scores = _predict_with_scores(model, X, model_classes)
    score_time = time.perf_counter() - start
    code = {c: i for i, c in enumerate(model_classes.tolist())}
    name_of = np.array(mapped_model, dtype=str)
    y_pred = name_of[[code[v] for v in np.asarray(raw_pred).tolist()]]
    method = _score_method(model)
    y_score = None
    if raw_scores is not None:
        y_score = np.full((len(y), len(classes)), 0.0 if method == "predict_proba" else np.nan)
        for j, cls in enumerate(classes.tolist()):
            columns = [i for i, n in enumerate(mapped_model) if n == cls]
            if columns:
                part = raw_scores[:, columns]
                y_score[:, j] = part.sum(axis=1) if method == "predict_proba" else part.max(axis=1)
    external = {"dataset": str(dataset_name), "training_dataset": str(training_dataset),
                "class_map": mapping or None, "model_classes": model_names}
    result = CVResult.from_predictions(
        y_true, y_pred, y_score, name=name or f"{type(model).__name__} on {dataset_name}",
        classes=classes, target_names=[str(c) for c in classes], score_time=score_time,
        groups=groups,
        extra={"evaluation": f"external test: trained on {training_dataset}, tested on "
                             f"{dataset_name}", "scores": method},
        params=estimator_params(model),
    )
    result.external = external
    return result
