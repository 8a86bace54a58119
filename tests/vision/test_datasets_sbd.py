"""SBDataset on a small tree (scipy .mat targets with sparse boundary cells) written here, against torchvision."""
import numpy as np
import pytest
import scipy.io
import scipy.sparse
import torchvision
from PIL import Image

from flambeau.vision import datasets
from dsets_util import assert_same_error_message

RNG = np.random.default_rng(0)


@pytest.fixture
def root(tmp_path):
    names = ["2008_000002", "2008_000003"]
    (tmp_path / "img").mkdir()
    (tmp_path / "cls").mkdir()
    for name in names:
        Image.fromarray(RNG.integers(0, 256, (4, 5, 3), dtype=np.uint8)).save(tmp_path / "img" / f"{name}.jpg")
        boundaries = np.empty((20, 1), dtype=object)
        for k in range(20):
            boundaries[k, 0] = scipy.sparse.csc_matrix((RNG.uniform(size=(4, 5)) > 0.8).astype(np.uint8))
        scipy.io.savemat(tmp_path / "cls" / f"{name}.mat", {"GTcls": {
            "Segmentation": RNG.integers(0, 21, (4, 5), dtype=np.uint8), "Boundaries": boundaries}})
    (tmp_path / "train.txt").write_text("\n".join(names) + "\n")
    return str(tmp_path)


@pytest.mark.parametrize("mode", ["segmentation", "boundaries"])
def test_sbd(root, mode):
    ours, theirs = datasets.SBDataset(root, mode=mode), torchvision.datasets.SBDataset(root, mode=mode)
    assert ours.images == theirs.images and ours.masks == theirs.masks and repr(ours) == repr(theirs)
    for i in range(len(ours)):
        (a, ta), (b, tb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        ta, tb = np.asarray(ta), np.asarray(tb)
        assert ta.dtype == tb.dtype and ta.shape == tb.shape
        np.testing.assert_array_equal(ta, tb)


def test_sbd_bad_mode(root):
    assert_same_error_message(ValueError, lambda: datasets.SBDataset(root, mode="contours"),
                              lambda: torchvision.datasets.SBDataset(root, mode="contours"))
