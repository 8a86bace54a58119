"""Conversions shared by the detection tests: the same arrays as torch and flambeau tensors, nested outputs back
to NumPy, and torchvision's state_dict loaded into a flambeau model."""
import numpy as np
import torch

import flambeau


def to_torch(a):
    return torch.from_numpy(np.array(a))


def to_flambeau(a):
    return flambeau.tensor(np.array(a))


def as_numpy(x):
    """Tensors of either library (inside lists, tuples and dicts) as NumPy arrays."""
    if isinstance(x, dict):
        return {k: as_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [as_numpy(v) for v in x]
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, flambeau.Tensor):
        return x.detach().numpy()
    return x


def assert_close(got, expected, atol=1e-5, rtol=1e-5):
    """Same nesting, shapes and dtypes; values within tolerance (exact for integers and booleans)."""
    got, expected = as_numpy(got), as_numpy(expected)
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected)
        for k in expected:
            assert_close(got[k], expected[k], atol, rtol)
    elif isinstance(expected, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_close(g, e, atol, rtol)
    elif isinstance(expected, np.ndarray):
        assert got.shape == expected.shape and got.dtype == expected.dtype, (got.shape, got.dtype, expected.shape,
                                                                              expected.dtype)
        if np.issubdtype(expected.dtype, np.floating):
            np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)
        else:
            np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


def load_from_torch(f_model, t_model) -> None:
    """Copy torchvision's state_dict into the flambeau twin, strictly."""
    f_model.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in t_model.state_dict().items()}, strict=True)


def random_boxes(rng, n, size=100.0, min_side=2.0):
    """n valid xyxy float32 boxes inside a size x size image."""
    xy = rng.uniform(0, size * 0.7, (n, 2))
    wh = rng.uniform(min_side, size * 0.3, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
