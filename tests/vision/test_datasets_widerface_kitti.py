"""WIDERFace and Kitti on small trees written here, against torchvision."""
import numpy as np
import pytest
import torchvision

import flambeau
from flambeau.vision import datasets
from dsets_util import write_image


@pytest.fixture
def wider_root(tmp_path):
    base = tmp_path / "widerface"
    entries = [("0--Parade/0_Parade_1.jpg", [[1, 2, 3, 4, 0, 0, 0, 0, 0, 0], [5, 6, 7, 8, 2, 0, 1, 0, 0, 1]]),
               ("1--Handshaking/1_Hand_2.jpg", []),  # no face: a line of zeros follows the count
               ("0--Parade/0_Parade_3.jpg", [[9, 9, 2, 2, 1, 1, 0, 2, 0, 0]])]
    for split in ("train", "val"):
        lines = []
        for name, boxes in entries:
            write_image(base / f"WIDER_{split}" / "images" / name)
            lines += [name, str(len(boxes))] + [" ".join(map(str, b)) for b in (boxes or [[0] * 10])]
        (base / "wider_face_split").mkdir(parents=True, exist_ok=True)
        (base / "wider_face_split" / f"wider_face_{split}_bbx_gt.txt").write_text("\n".join(lines) + "\n")
    write_image(base / "WIDER_test" / "images" / "2--Demo/2_Demo_1.jpg")
    (base / "wider_face_split" / "wider_face_test_filelist.txt").write_text("2--Demo/2_Demo_1.jpg\n")
    return str(tmp_path)


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_widerface(wider_root, split):
    ours, theirs = datasets.WIDERFace(wider_root, split), torchvision.datasets.WIDERFace(wider_root, split)
    assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
    for i in range(len(ours)):
        (a, ta), (b, tb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        if tb is None:
            assert ta is None
            continue
        assert ta.keys() == tb.keys()
        for key in tb:
            assert isinstance(ta[key], flambeau.Tensor) and str(ta[key].dtype) == str(tb[key].dtype)
            np.testing.assert_array_equal(ta[key].numpy(), tb[key].numpy())


def test_widerface_missing(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.WIDERFace(str(tmp_path))


@pytest.mark.parametrize("train", [True, False])
def test_kitti(tmp_path, train):
    location = tmp_path / "Kitti" / "raw" / ("training" if train else "testing")
    for k in (2, 0, 1):
        write_image(location / "image_2" / f"00000{k}.png")
        if train:
            (location / "label_2").mkdir(parents=True, exist_ok=True)
            (location / "label_2" / f"00000{k}.txt").write_text(
                f"Car 0.00 {k % 3} -1.58 587.01 173.33 614.12 200.12 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59\n"
                "Pedestrian 0.50 1 0.21 423.17 173.67 433.17 224.03 1.87 0.77 0.90 -9.43 2.05 24.25 -0.18\n")
    ours, theirs = datasets.Kitti(str(tmp_path), train), torchvision.datasets.Kitti(str(tmp_path), train)
    assert sorted(ours.images) == sorted(theirs.images) and ours.images == sorted(ours.images)
    position = {path: i for i, path in enumerate(theirs.images)}
    for i, path in enumerate(ours.images):
        (a, ta), (b, tb) = ours[i], theirs[position[path]]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert ta == tb
