"""ValidSplit: hold out part of the training data for validation, as skorch's ValidSplit."""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit


class ValidSplit(BaseEstimator):
    """Split (X, y) into training and validation indices.

    cv: an int k keeps the first fold of a k-fold split (1/k of the samples) for validation; a float in
    (0, 1) keeps that fraction, drawn at random. stratified keeps the class proportions (classification);
    random_state shuffles k-fold splits and seeds the fractional ones.
    """

    def __init__(self, cv: int | float = 5, stratified: bool = False, random_state: int | None = None) -> None:
        self.cv = cv
        self.stratified = stratified
        self.random_state = random_state

    def __call__(self, X: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if self.stratified and y is None:
            raise ValueError("ValidSplit(stratified=True) needs y")
        splitter = self._splitter()
        return next(iter(splitter.split(X, y if self.stratified else None)))

    def _splitter(self):
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and cv >= 2:
            kind = StratifiedKFold if self.stratified else KFold
            shuffle = self.random_state is not None
            return kind(n_splits=cv, shuffle=shuffle, random_state=self.random_state if shuffle else None)
        if isinstance(cv, numbers.Real) and 0 < cv < 1:
            kind = StratifiedShuffleSplit if self.stratified else ShuffleSplit
            return kind(n_splits=1, test_size=cv, random_state=self.random_state)
        raise ValueError(f"ValidSplit: cv must be an int of at least 2 or a float in (0, 1), got {cv!r}")
