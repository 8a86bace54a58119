"""Array code that updates its temporaries in place, made safe for 0-d inputs.

NumPy ufuncs return a scalar, not a 0-d array, when given 0-d arrays, and a scalar cannot be passed as
`out=` ("return arrays must be of ArrayType"): the fused forwards that write into their own temporaries
run a 0-d input as shape (1,) instead.
"""
from __future__ import annotations

import functools


def on_0d_as_1d(fn):
    """Decorate fn(x, *args) -> array: a 0-d x (and any 0-d array among args) runs as shape (1,)."""
    @functools.wraps(fn)
    def run(x, *args):
        if x.ndim:
            return fn(x, *args)
        args = [a.reshape(1) if getattr(a, "ndim", None) == 0 else a for a in args]
        return fn(x.reshape(1), *args).reshape(())
    return run
