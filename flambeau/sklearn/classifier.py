"""NeuralNetClassifier: class labels in, class labels and probabilities out."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from ..nn import CrossEntropyLoss
from .dataset import ValidSplit
from .net import NeuralNet


class NeuralNetClassifier(ClassifierMixin, NeuralNet):
    """A NeuralNet whose module outputs one score per class (logits for the default CrossEntropyLoss).
    Labels of any kind are encoded as their index in `classes_`; the validation split is stratified.
    The other parameters are NeuralNet's."""

    def __init__(self, module: type | Any, criterion: type | Any = CrossEntropyLoss,
                 train_split: Callable | None = ValidSplit(5, stratified=True), **kwargs: Any) -> None:
        super().__init__(module, criterion=criterion, train_split=train_split, **kwargs)

    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None,
                    classes: ArrayLike | None = None) -> "NeuralNetClassifier":
        """Train for max_epochs more. classes: every label y may hold, needed on the first call when
        that batch does not show them all."""
        return self._fit(X, y, restart=not hasattr(self, "module_"), classes=classes)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """The module's output after predict_nonlinearity: one column per class in classes_."""
        return self._predict_output(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        codes = self.predict_proba(X).argmax(axis=1)  # first: unfitted, it raises NotFittedError
        return self.classes_[codes]

    def _target_validation(self) -> dict[str, Any]:
        return {}

    def _encode_target(self, y: np.ndarray, reset: bool, classes=None) -> np.ndarray:
        check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y if classes is None else classes)
        codes = np.searchsorted(self.classes_, y).clip(max=len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if unknown.any():
            raise ValueError(f"y contains labels not in classes_ {self.classes_.tolist()}: "
                             f"{np.unique(y[unknown]).tolist()}")
        return codes.astype(np.int64)

    def _output_size(self, y: np.ndarray) -> int:
        return len(self.classes_)

    def _validation_scores(self, output, y: np.ndarray) -> dict[str, float]:
        return {"valid_acc": float((output.argmax(dim=1).cpu().numpy() == y).mean())}
