"""histc puts every value in PyTorch's bin, including values on a bin edge (a 0-d input's range is [x-1, x+1],
so it sits exactly on the middle edge), over many random inputs, ranges and bin counts."""
import numpy as np
import pytest
import torch

import flambeau


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histc_bins_like_torch(dtype):
    rng = np.random.default_rng(7)
    for trial in range(300):
        x = (rng.standard_normal(rng.integers(0, 30)) * rng.choice([1, 3, 100])).astype(dtype)
        if trial % 3 == 0:
            x = (np.round(x * 4) / 4).astype(dtype)  # values on quarter steps land on bin edges
        if trial % 7 == 0:
            x = np.array(rng.standard_normal(), dtype)
        bins = int(rng.integers(1, 120))
        lo, hi = sorted(rng.standard_normal(2).round(1)) if trial % 5 else (0, 0)
        expected = torch.histc(torch.tensor(x), bins, lo, hi).numpy()
        np.testing.assert_array_equal(flambeau.histc(flambeau.tensor(x), bins, lo, hi).numpy(), expected)
