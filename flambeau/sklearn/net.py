"""NeuralNet: the scikit-learn estimator around an nn.Module, shared by the classifier and the regressor.

It follows skorch's NeuralNet: parameters are stored as given, and fit builds `module_`, `criterion_`,
`optimizer_` and `callbacks_` from them, then trains for max_epochs, recording each epoch in `history_`.
"""
from __future__ import annotations

import contextlib
import inspect
import time
from typing import Any, Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import Generator, as_tensor, cat, get_rng_state, no_grad, optim, randperm
from ..nn import CrossEntropyLoss, NLLLoss
from ..nn import functional as F
from ..random import fork_rng, set_rng_state
from ._build import build_callbacks, instantiate
from ._params import KwargsParams
from .callbacks import StopTraining
from .dataset import ValidSplit
from .history import History

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn before 1.6 has it as a method
    def validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

_PREFIXES = ("module__", "criterion__", "optimizer__", "callbacks__")


class NeuralNet(KwargsParams, BaseEstimator):
    """module: an nn.Module class (built with the `module__*` parameters, plus `in_features` and
    `out_features` taken from the data when its constructor has them and they are not given) or an
    instance (copied). criterion: a loss class (`criterion__*`) or instance. optimizer: an optimizer
    class built with lr and `optimizer__*`. train_split: called as train_split(X, y) to get training and
    validation indices (ValidSplit), or None to validate on nothing. callbacks: Callback instances or
    (name, callback) pairs, their parameters set as `callbacks__<name>__<param>`. predict_nonlinearity:
    applied to the module's output by predict: 'auto' (softmax after CrossEntropyLoss, exp after
    NLLLoss, else nothing), a callable, or None. random_state: an int
    gives the net its own random stream (weights, shuffling, dropout); None draws from flambeau's global
    generator, so flambeau.manual_seed makes training reproducible.
    """

    def __init__(self, module: type | Any, criterion: type | Any, optimizer: type = optim.SGD, lr: float = 0.01,
                 max_epochs: int = 10, batch_size: int = 128, train_split: Callable | None = ValidSplit(5),
                 callbacks: list | None = None, predict_nonlinearity: str | Callable | None = "auto",
                 warm_start: bool = False, verbose: int = 0, device: str = "cpu", random_state: int | None = None,
                 **kwargs: Any) -> None:
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.train_split = train_split
        self.callbacks = callbacks
        self.predict_nonlinearity = predict_nonlinearity
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.random_state = random_state
        for key in kwargs:
            if not key.startswith(_PREFIXES):
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {key!r} "
                                f"(routed parameters start with {', '.join(_PREFIXES)})")
        self._kwargs = kwargs

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # the classifier and the regressor name only the parameters whose defaults they change and pass
        # the rest on through **kwargs: the parameters are those of every __init__ down to NeuralNet's
        return sorted({name for klass in cls.__mro__ if issubclass(klass, NeuralNet)
                       for name, parameter in inspect.signature(klass.__init__).parameters.items()
                       if name != "self" and parameter.kind is not parameter.VAR_KEYWORD})

    def _is_kwarg(self, key: str) -> bool:
        return key.startswith(_PREFIXES)

    def _routed(self, name: str) -> dict[str, Any]:
        """The `<name>__*` parameters, without the prefix."""
        prefix = name + "__"
        return {key[len(prefix):]: value for key, value in self._kwargs.items() if key.startswith(prefix)}

    @property
    def history(self) -> History:
        return self.history_

    def set_params(self, **params: Any) -> "NeuralNet":
        """Set parameters; on a fitted net, rebuild what they change: the module (with the criterion,
        optimizer and callbacks) for module/criterion/device ones, the optimizer for optimizer ones
        (lr alone is changed in place, keeping the optimizer's state), the callbacks for callback ones."""
        super().set_params(**params)
        if hasattr(self, "module_"):
            self._rebuild_for(set(params))
        return self

    def _rebuild_for(self, keys: set[str]) -> None:
        def touched(name: str) -> set[str]:
            return {key for key in keys if key == name or key.startswith(name + "__")}

        if touched("module") or touched("criterion") or "device" in keys:
            self._initialize()
            return
        optimizer_keys = touched("optimizer") | touched("lr")
        if optimizer_keys and optimizer_keys <= {"lr", "optimizer__lr"}:
            for group in self.optimizer_.param_groups:
                group["lr"] = self._optimizer_kwargs()["lr"]
        elif optimizer_keys:
            self.optimizer_ = self._build_optimizer()
        if touched("callbacks"):
            self.callbacks_ = build_callbacks(self.callbacks, self._routed("callbacks"))

    # -- fitting ----------------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "NeuralNet":
        """Train for max_epochs from a fresh module (with warm_start, go on from the fitted one)."""
        return self._fit(X, y, restart=not (self.warm_start and hasattr(self, "module_")))

    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "NeuralNet":
        """Train for max_epochs more, building the module first if the net is not fitted yet."""
        return self._fit(X, y, restart=not hasattr(self, "module_"))

    def _fit(self, X, y, restart: bool, **target_options: Any) -> "NeuralNet":
        X, y = validate_data(self, X, y, reset=restart, dtype=np.float32, allow_nd=True,
                             **self._target_validation())
        y = self._encode_target(y, reset=restart, **target_options)
        if restart:
            in_features = {"in_features": X.shape[1]} if X.ndim == 2 else {}
            self._module_dims = {**in_features, "out_features": self._output_size(y)}
            seed = None if self.random_state is None else check_random_state(self.random_state).randint(2 ** 31)
            self._rng_state = None if seed is None else Generator().manual_seed(seed).get_state()
            self._initialize()
        with self._random_stream():
            self._train(X, y)
        return self

    def _initialize(self) -> None:
        with self._random_stream():
            self.module_ = instantiate(self.module, self._routed("module"), self._module_dims).to(self.device)
        self.criterion_ = instantiate(self.criterion, self._routed("criterion")).to(self.device)
        self.optimizer_ = self._build_optimizer()
        self.callbacks_ = build_callbacks(self.callbacks, self._routed("callbacks"))
        self.history_ = History()

    def _optimizer_kwargs(self) -> dict[str, Any]:
        return {"lr": self.lr, **self._routed("optimizer")}  # optimizer__lr, if given, wins

    def _build_optimizer(self):
        return self.optimizer(self.module_.parameters(), **self._optimizer_kwargs())

    @contextlib.contextmanager
    def _random_stream(self) -> Iterator[None]:
        """Draw from the net's own stream when random_state is set, leaving the global one untouched."""
        if self._rng_state is None:
            yield
            return
        with fork_rng():
            set_rng_state(self._rng_state)
            yield
            self._rng_state = get_rng_state()

    def _train(self, X: np.ndarray, y: np.ndarray) -> None:
        if self.train_split is None:
            X_train, y_train, X_valid, y_valid = X, y, None, None
        else:
            train, valid = self.train_split(X, y)
            X_train, y_train, X_valid, y_valid = X[train], y[train], X[valid], y[valid]
        self._notify("on_train_begin")
        try:
            for _ in range(self.max_epochs):
                self._run_epoch(X_train, y_train, X_valid, y_valid)
        except StopTraining as stop:
            if self.verbose:
                print(f"Stopping: {stop}")
        self._notify("on_train_end")

    def _run_epoch(self, X_train, y_train, X_valid, y_valid) -> None:
        record = self.history_.new_epoch()
        start = time.perf_counter()
        self._notify("on_epoch_begin")
        record["train_loss"] = self._train_batches(X_train, y_train)
        if X_valid is not None and len(X_valid):
            output = self._forward(X_valid)
            with no_grad():
                record["valid_loss"] = self.criterion_(output, self._tensor(y_valid)).item()
            record.update(self._validation_scores(output, y_valid))
        record["dur"] = time.perf_counter() - start
        if self.verbose:
            print("  ".join(f"{key}={value:.4g}" for key, value in record.items()))
        self._notify("on_epoch_end")

    def _train_batches(self, X: np.ndarray, y: np.ndarray) -> float:
        """One shuffled pass over the training data; the mean loss per sample."""
        self.module_.train()
        order = randperm(len(X)).numpy()
        total = 0.0
        for batch in self._batches(len(X)):
            indices = order[batch]
            self.optimizer_.zero_grad()
            loss = self.criterion_(self.module_(self._tensor(X[indices])), self._tensor(y[indices]))
            loss.backward()
            self.optimizer_.step()
            total += loss.item() * len(indices)
            self._notify("on_batch_end")
        return total / len(X)

    def _batches(self, n: int) -> Iterator[slice]:
        size = n if self.batch_size == -1 else self.batch_size
        return (slice(start, start + size) for start in range(0, n, size))

    def _tensor(self, array: np.ndarray):
        return as_tensor(array, device=self.device)

    def _notify(self, hook: str) -> None:
        for _, callback in self.callbacks_:
            getattr(callback, hook)(self)

    # -- predicting -------------------------------------------------------------------------------------

    def _forward(self, X: np.ndarray):
        """The module's output on X in eval mode, computed in batches without a graph."""
        self.module_.eval()
        with no_grad():
            return cat([self.module_(self._tensor(X[batch])) for batch in self._batches(len(X))])

    def _predict_output(self, X: ArrayLike) -> np.ndarray:
        """Validate X, run the module and apply predict_nonlinearity: NumPy on the host."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32, allow_nd=True)
        output = self._forward(X)
        with no_grad():
            output = self._nonlinearity()(output)
        return output.cpu().numpy()

    def _nonlinearity(self) -> Callable:
        if self.predict_nonlinearity != "auto":
            return self.predict_nonlinearity or (lambda output: output)
        if isinstance(self.criterion_, CrossEntropyLoss):
            return lambda output: F.softmax(output, dim=-1)
        if isinstance(self.criterion_, NLLLoss):
            return lambda output: output.exp()
        return lambda output: output

    # -- what the classifier and the regressor decide ------------------------------------------------------

    def _target_validation(self) -> dict[str, Any]:
        """Options for validate_data about y."""
        raise NotImplementedError

    def _encode_target(self, y: np.ndarray, reset: bool) -> np.ndarray:
        """y as the criterion takes it; with reset, learn what the encoding needs (the classes)."""
        raise NotImplementedError

    def _output_size(self, y: np.ndarray) -> int:
        """The module's output width for this (encoded) target: out_features."""
        raise NotImplementedError

    def _validation_scores(self, output, y: np.ndarray) -> dict[str, float]:
        """Scores recorded in the history beside valid_loss."""
        return {}
