"""xgboost's classifier with scikit-learn's label handling.

Kept apart from ``_blocks`` so that xgboost is imported only when an
``xgboost`` step is built.
"""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from xgboost import XGBClassifier

__all__ = ["LabelEncodedXGBClassifier"]


class LabelEncodedXGBClassifier(XGBClassifier):
    """``XGBClassifier`` that accepts any class labels, as scikit-learn's classifiers do.

    xgboost (since 1.6) requires the labels to be ``0 .. n_classes - 1``; a
    folder of images gives class names. The labels are encoded in ``fit``
    and decoded in ``predict``; ``predict_proba`` columns follow
    ``classes_``. Every parameter is ``XGBClassifier``'s.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.pipelines import make_classifier
    >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
    >>> y = np.repeat(["Benign", "Pre"], 10)
    >>> clf = make_classifier("xgboost", n_estimators=5, n_jobs=1).fit(X, y)
    >>> clf.predict([[1.0, 1.0]]).tolist()
    ['Pre']
    """

    def fit(self, X, y, **fit_params):
        """Fit on labels of any type.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params
            Passed to ``XGBClassifier.fit``.

        Returns
        -------
        self
        """
        encoder = LabelEncoder().fit(y)
        # xgboost's own fit checks the encoded labels against classes_.
        self.__dict__.pop("label_classes_", None)
        super().fit(X, encoder.transform(y), **fit_params)
        self.label_classes_ = encoder.classes_
        return self

    @property
    def classes_(self):
        if "label_classes_" in self.__dict__:
            return self.label_classes_
        return super().classes_

    def predict(self, X, **predict_params):
        """Class labels of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        **predict_params
            Passed to ``XGBClassifier.predict``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.label_classes_[np.asarray(super().predict(X, **predict_params), dtype=int)]
