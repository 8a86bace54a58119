"""flambeau.linalg: torch.linalg - factorizations (LU, LDL, Cholesky, QR, SVD, eigen), inverses and solves,
matrix functions, norms.

Heavy math runs in numpy.linalg (LAPACK); results keep the input's dtype (float32 stays float32).
Gradients follow the standard matrix-calculus formulas, written in flambeau ops.
"""
from ..ops.einsum import tensordot
from ..ops.linalg import diagonal as _diagonal
from ..ops.matmul import matmul
from ._common import LinAlgError
from .decompositions import cholesky, cholesky_ex, eigh, eigvalsh, qr, svd, svdvals
from .eig import eig, eigvals
from .householder import householder_product
from .inverse import det, inv, inv_ex, lstsq, matrix_power, multi_dot, pinv, slogdet, solve, solve_ex
from .ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .lu import lu, lu_factor, lu_factor_ex, lu_solve
from .matrix_functions import matrix_exp, matrix_sqrth, polar
from .norms import cond, cross, matrix_norm, matrix_rank, norm, vecdot, vector_norm
from .tensors import tensorinv, tensorsolve
from .triangular import solve_triangular
from .vander import vander


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """linalg.diagonal: the diagonal of the last two dims by default (torch.diagonal's are 0 and 1)."""
    return _diagonal(A, offset, dim1, dim2)


__all__ = ["cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
           "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "LinAlgError", "lstsq", "lu", "lu_factor",
           "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_sqrth", "multi_dot", "norm", "pinv", "polar", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "vander", "vecdot",
           "vector_norm"]
