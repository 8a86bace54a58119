"""Parameters passed through **kwargs, visible to get_params/set_params and so to clone and GridSearchCV."""
from __future__ import annotations

from typing import Any


class KwargsParams:
    """Mixin (before BaseEstimator) for an estimator whose constructor also takes **kwargs.

    The keyword arguments live in the private dict `self._kwargs`: sklearn's checks allow no public
    attribute beyond the constructor's named parameters, and clone rebuilds the estimator from
    get_params, which lists them beside the named ones. `_is_kwarg` says which keys they are.
    """

    _kwargs: dict

    def _is_kwarg(self, key: str) -> bool:
        raise NotImplementedError

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**super().get_params(deep=deep), **self._kwargs}

    def set_params(self, **params: Any):
        for key in [key for key in params if self._is_kwarg(key)]:
            self._kwargs[key] = params.pop(key)
        return super().set_params(**params)
