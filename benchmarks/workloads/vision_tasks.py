"""Detection and segmentation inference (issue 10): a whole torchvision pipeline on one 320x320 image,
pre- and post-processing included, with the same weights in both libraries."""
from __future__ import annotations

import numpy as np

from . import Workload
from ._common import same_weights, vision


def _image(torch, size: int = 320):
    return torch.tensor(np.random.default_rng(0).random((3, size, size), dtype=np.float32))


def _eval_step(torch, model, call):
    model.eval()

    def step():
        with torch.no_grad():
            call()
    return step


def fasterrcnn_mobilenet_320(torch, quick):
    model = vision(torch).models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None)
    same_weights(model, torch)
    image = _image(torch)
    return _eval_step(torch, model, lambda: model([image]))


def deeplabv3_mobilenet(torch, quick):
    model = vision(torch).models.segmentation.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None)
    same_weights(model, torch)
    batch = _image(torch)[None]
    return _eval_step(torch, model, lambda: model(batch))


WORKLOADS = [
    Workload("FasterRCNN-MobileNetV3-320 inference, one 320x320 image", fasterrcnn_mobilenet_320, target=1.5),
    Workload("DeepLabV3-MobileNetV3 inference, one 320x320 image", deeplabv3_mobilenet, target=1.5),
]
