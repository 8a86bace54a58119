"""Transforms: invertible (or not) maps between constrained spaces with the log |det Jacobian|
needed to push densities through them (torch.distributions.transforms).

`Transform(cache_size=1)` remembers the last (x, y) pair so that `inv(t(x))` returns `x` itself,
which keeps samples of a TransformedDistribution exact under log_prob.
"""
from ._transform_base import _InverseTransform  # noqa: F401  (PyTorch code checks isinstance against it)
from ._transform_base import ComposeTransform, IndependentTransform, ReshapeTransform, Transform, identity_transform
from ._transforms_elementwise import (AbsTransform, AffineTransform, CumulativeDistributionTransform, ExpTransform,
                                      PowerTransform, SigmoidTransform, SoftplusTransform, TanhTransform)
from ._transforms_vector import (CatTransform, CorrCholeskyTransform, LowerCholeskyTransform,
                                 PositiveDefiniteTransform, SoftmaxTransform, StackTransform, StickBreakingTransform)

__all__ = [
    "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
    "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
    "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftplusTransform",
    "TanhTransform", "SoftmaxTransform", "StackTransform", "StickBreakingTransform", "Transform",
    "identity_transform",
]
