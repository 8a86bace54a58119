"""BatchNorm1d/2d/3d and their shared base with InstanceNorm: affine parameters, running statistics
(running_mean, running_var, num_batches_tracked), momentum=None as a cumulative average; the Lazy forms,
whose num_features is read from the first input."""
from __future__ import annotations

from ..._dtype import int64
from ..._tensor import Tensor
from ...ops.creation import empty, ones, tensor, zeros
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedBuffer, UninitializedParameter, is_lazy
from .linear import LazyMixin
from .module import Module, ModuleInputError

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"]


class ModuleValueError(ModuleInputError, ValueError):
    """A wrong input where PyTorch's layer raises ValueError: the type stays ValueError (PyTorch's),
    the message names the layer like every ModuleInputError."""


class _NormBase(Module):
    """Common base of batch and instance norm: parameters, buffers, repr and state_dict upgrade."""

    _version = 2
    _dims: tuple = ()  # the input ranks the layer accepts

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in self._dims:
            dims = " or ".join(f"{d}D" for d in self._dims)
            raise ModuleValueError(self, f"expected {dims} input (got {input.dim()}D input)")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # version 2 added num_batches_tracked; older checkpoints lack it and start it at 0
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                                   else tensor(0, dtype=int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ModuleInputError(self, f"expected input with {self.num_features} channels (dim 1), "
                                         f"got shape {tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # momentum=None: a cumulative moving average over the batches seen so far
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return self._batch_norm(input, self.running_mean if use_buffers else None,
                                self.running_var if use_buffers else None, bn_training, factor)

    def _batch_norm(self, input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                    momentum: float) -> Tensor:
        """F.batch_norm with this layer's parameters: the step SyncBatchNorm replaces to share statistics."""
        return F.batch_norm(input, running_mean, running_var, self.weight, self.bias, training, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    _dims = (5,)


class LazyNormBase(LazyMixin):
    """A batch or instance norm whose num_features is input.shape[1] of the first input (as PyTorch reads it,
    for unbatched inputs too); weight, bias, running_mean and running_var stay uninitialised until then."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        # built empty (num_features=0, no parameters or buffers), then given uninitialised ones
        _NormBase.__init__(self, 0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=int64, device=device)

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        self.num_features = input.shape[1]
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if t is not None:
                t.materialize((self.num_features,))

    def _load_from_state_dict(self, state_dict, prefix, *args) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args)
        # loading materialises the parameters: num_features follows them (PyTorch leaves it at 0)
        for t in (self.weight, self.running_mean):
            if t is not None and not is_lazy(t):
                self.num_features = t.shape[0]
                break


def lazy_norm(base: type, name: str, module: str) -> type:
    doc = f"{base.__name__} whose num_features is inferred from the first input's dim 1."
    return type(name, (LazyNormBase, base), {"cls_to_become": base, "__doc__": doc, "__module__": module})


LazyBatchNorm1d = lazy_norm(BatchNorm1d, "LazyBatchNorm1d", __name__)
LazyBatchNorm2d = lazy_norm(BatchNorm2d, "LazyBatchNorm2d", __name__)
LazyBatchNorm3d = lazy_norm(BatchNorm3d, "LazyBatchNorm3d", __name__)
