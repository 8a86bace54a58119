"""Keypoint R-CNN: Faster R-CNN with a keypoint branch predicting one heatmap per keypoint inside each detection,
and its ResNet-50 FPN builder (COCO person keypoints)."""
from __future__ import annotations

from typing import Any

from flambeau import nn, Tensor
from flambeau.nn import functional as F

from ...ops import MultiScaleRoIAlign
from .._api import register_model, WeightsEnum
from .._meta import _COCO_PERSON_CATEGORIES, _COCO_PERSON_KEYPOINT_NAMES
from .._utils import _ovewrite_value_param, handle_legacy_interface
from ..resnet import ResNet50_Weights
from ._utils import _coco_weights, _resolve_weights, overwrite_eps
from .faster_rcnn import _init_relu_convs, _load_weights, _PAPER_RECIPE, _RECIPES, _resnet50_fpn, FasterRCNN

__all__ = ["KeypointRCNN", "KeypointRCNN_ResNet50_FPN_Weights", "keypointrcnn_resnet50_fpn"]


class KeypointRCNN(FasterRCNN):
    """Faster R-CNN (every argument of FasterRCNN, in its order; min_size defaults to a random choice among
    640..800 in training) plus a keypoint branch: keypoint_roi_pool (14 x 14 RoIAlign), keypoint_head (eight
    3x3 convolutions) and keypoint_predictor (num_keypoints heatmaps, upsampled to 56 x 56). Training targets
    also need "keypoints" (FloatTensor[N, K, 3], x, y, visibility); in evaluation each detection gets
    "keypoints" (x, y, 1) and "keypoints_scores"."""

    def __init__(self, backbone: nn.Module, num_classes: int | None = None, min_size: Any = None, *args: Any,
                 keypoint_roi_pool: MultiScaleRoIAlign | None = None, keypoint_head: nn.Module | None = None,
                 keypoint_predictor: nn.Module | None = None, num_keypoints: int | None = None,
                 **kwargs: Any) -> None:
        if not isinstance(keypoint_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(f"keypoint_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(keypoint_roi_pool)}")
        if min_size is None:
            min_size = (640, 672, 704, 736, 768, 800)
        if num_keypoints is not None and keypoint_predictor is not None:
            raise ValueError("num_keypoints should be None when keypoint_predictor is specified")
        if num_keypoints is None:
            num_keypoints = 17
        out_channels = backbone.out_channels
        if keypoint_roi_pool is None:
            keypoint_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=14,
                                                   sampling_ratio=2)
        if keypoint_head is None:
            keypoint_head = KeypointRCNNHeads(out_channels, tuple(512 for _ in range(8)))
        if keypoint_predictor is None:
            keypoint_predictor = KeypointRCNNPredictor(512, num_keypoints)
        super().__init__(backbone, num_classes, min_size, *args, **kwargs)
        self.roi_heads.keypoint_roi_pool = keypoint_roi_pool
        self.roi_heads.keypoint_head = keypoint_head
        self.roi_heads.keypoint_predictor = keypoint_predictor


class KeypointRCNNHeads(nn.Sequential):
    """3x3 conv + ReLU layers with the given output channels."""

    def __init__(self, in_channels: int, layers: tuple[int, ...]) -> None:
        blocks = []
        next_feature = in_channels
        for out_channels in layers:
            blocks += [nn.Conv2d(next_feature, out_channels, 3, stride=1, padding=1), nn.ReLU(inplace=True)]
            next_feature = out_channels
        super().__init__(*blocks)
        _init_relu_convs(self)


class KeypointRCNNPredictor(nn.Module):
    """A stride-2 transposed convolution to one heatmap per keypoint, then a further 2x bilinear upsampling."""

    def __init__(self, in_channels: int, num_keypoints: int) -> None:
        super().__init__()
        deconv_kernel = 4
        self.kps_score_lowres = nn.ConvTranspose2d(in_channels, num_keypoints, deconv_kernel, stride=2,
                                                   padding=deconv_kernel // 2 - 1)
        nn.init.kaiming_normal_(self.kps_score_lowres.weight, mode="fan_out", nonlinearity="relu")
        nn.init.constant_(self.kps_score_lowres.bias, 0)
        self.up_scale = 2
        self.out_channels = num_keypoints

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(self.kps_score_lowres(x), scale_factor=float(self.up_scale), mode="bilinear",
                             align_corners=False, recompute_scale_factor=False)


def _person_weights(url: str, recipe: str, metrics: dict[str, float], ops: float, docs: str):
    return _coco_weights(url, 59137258, recipe, metrics, ops, 226.054, docs, categories=_COCO_PERSON_CATEGORIES,
                         keypoint_names=_COCO_PERSON_KEYPOINT_NAMES)


class KeypointRCNN_ResNet50_FPN_Weights(WeightsEnum):
    COCO_LEGACY = _person_weights(
        "https://download.pytorch.org/models/keypointrcnn_resnet50_fpn_coco-9f466800.pth",
        "https://github.com/pytorch/vision/issues/1606", {"box_map": 50.6, "kp_map": 61.1}, 133.924,
        "These weights were produced by following a similar training recipe as on the paper but use a checkpoint "
        "from an early epoch.")
    COCO_V1 = _person_weights("https://download.pytorch.org/models/keypointrcnn_resnet50_fpn_coco-fc266e95.pth",
                              f"{_RECIPES}#keypoint-r-cnn", {"box_map": 54.6, "kp_map": 65.0}, 137.42, _PAPER_RECIPE)
    DEFAULT = COCO_V1


@register_model()
@handle_legacy_interface(
    weights=("pretrained", lambda kwargs: (KeypointRCNN_ResNet50_FPN_Weights.COCO_LEGACY
                                           if kwargs["pretrained"] == "legacy"
                                           else KeypointRCNN_ResNet50_FPN_Weights.COCO_V1)),
    weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def keypointrcnn_resnet50_fpn(*, weights: KeypointRCNN_ResNet50_FPN_Weights | None = None, progress: bool = True,
                              num_classes: int | None = None, num_keypoints: int | None = None,
                              weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                              trainable_backbone_layers: int | None = None, **kwargs: Any) -> KeypointRCNN:
    """Keypoint R-CNN on a ResNet-50 FPN (Mask R-CNN paper); without weights, 2 classes and 17 keypoints."""
    weights = KeypointRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes,
                                                                 default_num_classes=2)
    if weights is not None:
        num_keypoints = _ovewrite_value_param("num_keypoints", num_keypoints, len(weights.meta["keypoint_names"]))
    elif num_keypoints is None:
        num_keypoints = 17
    backbone = _resnet50_fpn(weights_backbone, progress, is_trained, trainable_backbone_layers)
    model = KeypointRCNN(backbone, num_classes, num_keypoints=num_keypoints, **kwargs)
    _load_weights(model, weights, progress)
    if weights == KeypointRCNN_ResNet50_FPN_Weights.COCO_V1:
        overwrite_eps(model, 0.0)  # trained before torchvision's FrozenBatchNorm2d eps fix
    return model
