"""NeuralNetRegressor: real-valued targets, one or several."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin

from ..nn import MSELoss
from .net import NeuralNet


class NeuralNetRegressor(RegressorMixin, NeuralNet):
    """A NeuralNet whose module outputs one column per target. y of shape (n,) is trained as (n, 1) and
    predicted as (n,); y of shape (n, k) as (n, k). The other parameters are NeuralNet's."""

    def __init__(self, module: type | Any, criterion: type | Any = MSELoss, **kwargs: Any) -> None:
        super().__init__(module, criterion=criterion, **kwargs)

    def predict(self, X: ArrayLike) -> np.ndarray:
        output = self._predict_output(X)
        return output.ravel() if output.ndim == 2 and output.shape[1] == 1 else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _target_validation(self) -> dict[str, Any]:
        return {"multi_output": True, "y_numeric": True}

    def _encode_target(self, y: np.ndarray, reset: bool) -> np.ndarray:
        return y.astype(np.float32).reshape(len(y), -1)

    def _output_size(self, y: np.ndarray) -> int:
        return y.shape[1]
