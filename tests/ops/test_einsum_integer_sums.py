"""einsum's sums over one bool or integer operand count in int64, as PyTorch's sum() does (not OR-ed bools,
not wrapped uint8)."""
import numpy as np
import pytest

from oracle import check

BOOLS = np.array([[True, False, True], [False, True, False], [True, True, True]])


@pytest.mark.parametrize("equation", ["ii", "ij->", "ij->i", "ij->j", "ii->i"])
@pytest.mark.parametrize("array", [BOOLS, np.full((3, 3), 200, np.uint8), np.arange(9, dtype=np.int32).reshape(3, 3)],
                         ids=["bool", "uint8", "int32"])
def test_single_operand_integer_sums(equation, array):
    check(lambda t, a: t.einsum(equation, a), array)
