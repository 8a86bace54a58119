"""CocoDetection / CocoCaptions on a small annotation file. pycocotools (torchvision's only way to read
COCO) is not installed here, so the expected targets come from pycocotools' documented rule: an image's
annotations in file order (getAnnIds(imgIds=id) then loadAnns)."""
import json

import numpy as np
import pytest
from PIL import Image

from flambeau.vision import datasets

RNG = np.random.default_rng(0)

ANNOTATIONS = {
    "images": [{"id": 42, "file_name": "b.jpg", "height": 4, "width": 5},
               {"id": 7, "file_name": "sub/a.jpg", "height": 4, "width": 5},
               {"id": 9, "file_name": "c.jpg", "height": 4, "width": 5}],
    "annotations": [{"id": 1, "image_id": 42, "bbox": [0, 0, 2, 2], "category_id": 3, "caption": "a dog"},
                    {"id": 5, "image_id": 7, "bbox": [1, 1, 2, 2], "category_id": 1, "caption": "a cat"},
                    {"id": 2, "image_id": 42, "bbox": [2, 1, 1, 1], "category_id": 1, "caption": "two pets"}],
    "categories": [{"id": 1, "name": "cat"}, {"id": 3, "name": "dog"}],
}


@pytest.fixture
def root(tmp_path):
    for image in ANNOTATIONS["images"]:
        path = tmp_path / "images" / image["file_name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(RNG.integers(0, 256, (4, 5), dtype=np.uint8)).save(path)  # grayscale: loaded as RGB
    (tmp_path / "instances.json").write_text(json.dumps(ANNOTATIONS))
    return tmp_path


def test_coco_detection(root):
    ds = datasets.CocoDetection(str(root / "images"), str(root / "instances.json"))
    assert ds.ids == [7, 9, 42] and len(ds) == 3
    for index, image_id in enumerate(ds.ids):
        image, target = ds[index]
        info = next(i for i in ANNOTATIONS["images"] if i["id"] == image_id)
        expected = Image.open(root / "images" / info["file_name"]).convert("RGB")
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), np.asarray(expected))
        assert target == [a for a in ANNOTATIONS["annotations"] if a["image_id"] == image_id]
    assert ds.coco.loadCats(3) == [{"id": 3, "name": "dog"}]
    with pytest.raises(ValueError, match="Index must be of type integer"):
        ds[np.int64(0)]


def test_coco_captions_and_joint_transforms(root):
    ds = datasets.CocoCaptions(str(root / "images"), str(root / "instances.json"),
                               transforms=lambda img, captions: (img.size, captions[::-1]))
    assert [ds[i] for i in range(3)] == [((5, 4), ["a cat"]), ((5, 4), []), ((5, 4), ["two pets", "a dog"])]
