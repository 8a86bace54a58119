"""Shared by the dataset tests: random image files for the small trees they write, and comparisons
with torchvision of samples and of error messages."""
import numpy as np
import pytest
from PIL import Image

RNG = np.random.default_rng(0)


def write_image(path, mode="RGB", fmt=None, size=(5, 6)):
    """A random uint8 RGB (or single-band) image of size (height, width) at path; folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (*size, 3) if mode == "RGB" else size
    Image.fromarray(RNG.integers(0, 256, shape, dtype=np.uint8)).save(path, format=fmt)


def assert_equal(x, y):
    assert x == y


def assert_same_samples(ours, theirs, check_targets=assert_equal):
    """Same length and repr, and every (image, target) with the same mode, pixels and target."""
    assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert a.mode == b.mode
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        check_targets(ya, yb)


def assert_same_error_message(exc, ours, theirs):
    """ours() and theirs() both raise exc, with the same message."""
    with pytest.raises(exc) as our_error:
        ours()
    with pytest.raises(exc) as their_error:
        theirs()
    assert str(our_error.value) == str(their_error.value)
