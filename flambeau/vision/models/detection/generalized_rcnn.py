"""GeneralizedRCNN: the frame of the two-stage detectors - transform, backbone, region proposals, RoI heads,
and the predictions mapped back onto the input images."""
from __future__ import annotations

from collections import OrderedDict
from typing import Union

from flambeau import Tensor, nn

from ._utils import _assert, _check_degenerate_boxes


class GeneralizedRCNN(nn.Module):
    """images -> transform -> backbone -> rpn -> roi_heads -> transform.postprocess. In training, targets
    (one dict per image with at least "boxes" (N, 4) and "labels") are required and the losses are returned;
    in evaluation, one dict of detections per image."""

    def __init__(self, backbone: nn.Module, rpn: nn.Module, roi_heads: nn.Module, transform: nn.Module) -> None:
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.rpn = rpn
        self.roi_heads = roi_heads

    def eager_outputs(self, losses: dict[str, Tensor], detections: list[dict[str, Tensor]]
                      ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        return losses if self.training else detections

    def forward(self, images: list[Tensor], targets: list[dict[str, Tensor]] | None = None
                ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        if self.training:
            _assert(targets is not None, "targets should not be none when in training mode")
            for target in targets:
                boxes = target["boxes"]
                _assert(isinstance(boxes, Tensor), f"Expected target boxes to be of type Tensor, got {type(boxes)}.")
                _assert(len(boxes.shape) == 2 and boxes.shape[-1] == 4,
                        f"Expected target boxes to be a tensor of shape [N, 4], got {boxes.shape}.")
        original_image_sizes = []
        for img in images:
            size = img.shape[-2:]
            _assert(len(size) == 2, f"expecting the last two dimensions of the Tensor to be H and W instead got {size}")
            original_image_sizes.append((size[0], size[1]))

        images, targets = self.transform(images, targets)
        if targets is not None:
            _check_degenerate_boxes(targets)
        features = self.backbone(images.tensors)
        if isinstance(features, Tensor):
            features = OrderedDict([("0", features)])
        proposals, proposal_losses = self.rpn(images, features, targets)
        detections, detector_losses = self.roi_heads(features, proposals, images.image_sizes, targets)
        detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        return self.eager_outputs({**detector_losses, **proposal_losses}, detections)
