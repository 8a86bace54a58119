"""The generated shapes the detection and segmentation examples learn from: boxes and masks agree."""
import importlib.util
import pathlib

import flambeau as torch

_spec = importlib.util.spec_from_file_location("shapes", pathlib.Path(__file__).parent.parent / "examples" / "shapes" / "shapes.py")
shapes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shapes)


def test_boxes_are_the_tight_boxes_of_disjoint_masks():
    dataset = shapes.ShapesDataset(40, seed=3, size=96)
    counts = set()
    for image, target in dataset:
        assert image.shape == (3, 96, 96) and image.dtype == torch.float32
        assert 0 <= image.min().item() and image.max().item() <= 1
        boxes, labels, masks = target["boxes"], target["labels"], target["masks"]
        counts.add(len(labels))
        assert masks.shape == (len(labels), 96, 96) and set(labels.tolist()) <= {1, 2, 3}
        assert masks.sum(dim=0).max().item() == 1  # every shape drawn, none overlapping another
        for box, mask in zip(boxes.tolist(), masks):
            ys, xs = torch.nonzero(mask, as_tuple=True)
            assert box == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
    assert counts == {1, 2, 3}


def test_an_item_depends_only_on_the_seed_and_index():
    a, b = shapes.ShapesDataset(5, seed=7)[4], shapes.ShapesDataset(9, seed=7)[4]
    assert torch.equal(a[0], b[0]) and torch.equal(a[1]["boxes"], b[1]["boxes"])
    assert not torch.equal(a[0], shapes.ShapesDataset(5, seed=8)[4][0])
