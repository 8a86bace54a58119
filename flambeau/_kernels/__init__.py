"""Compiled CPU kernels (numba), for the fused multi-pass work NumPy cannot do in one pass on all cores.

Every module in this package imports numba at its top, so `import flambeau` never loads it: an op
imports its kernel module inside the function that needs it (`from .._kernels import norm`), which
costs a dictionary lookup after the first call. The first call of a kernel with a new argument type
compiles it (about a second) and writes it to numba's on-disk cache; later processes load it from
there in milliseconds.

Conventions, so every kernel composes with `ops._parallel.parallel_rows`:
- `@kernel` compiles with nogil (the intra-op threads run kernels side by side), the on-disk cache,
  the fast-math flags below and NumPy's error model (a division by zero gives inf or nan, as the arrays
  would; Python's model checks every divisor and raises, a branch that stops LLVM from vectorising).
  `@kernel(fastmath=...)` takes other flags: an empty set for PyTorch's exact order of rounded operations.
- Loops index from 0 over slices (`for i in range(n): a[i]` with `a = x[start:stop]`): an index that may
  be negative gets a wraparound check per load, which keeps loops scalar.
- A kernel takes C-contiguous arrays and a row range `(start, stop)`, and writes its results into
  output arrays the caller allocates; each row is written by exactly one call, so results do not
  depend on the thread count.
- half types are computed in float32 by the caller (PyTorch's accumulate type) and rounded once.
"""
from __future__ import annotations

import numba

# NOTE: reassociation and contraction let LLVM vectorise reductions and fuse multiply-adds, as
# PyTorch's own vectorised kernels do; nnan/ninf are left out so nan and inf propagate exactly.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def kernel(fn=None, *, fastmath=FASTMATH):
    """Compile fn as a flambeau kernel (see the module docstring); `@kernel(fastmath=flags)` for other flags."""
    if fn is None:
        return lambda f: kernel(f, fastmath=fastmath)
    return numba.njit(nogil=True, cache=True, fastmath=set(fastmath), error_model="numpy")(fn)
