"""Mask R-CNN: Faster R-CNN with a mask branch predicting a 28 x 28 mask per detection and class, and its
ResNet-50 FPN builders (v1 and v2)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

from flambeau import nn

from ...ops import misc as misc_nn_ops, MultiScaleRoIAlign
from .._api import register_model, WeightsEnum
from .._utils import handle_legacy_interface
from ..resnet import ResNet50_Weights
from ._utils import _coco_weights, _resolve_weights, overwrite_eps
from .faster_rcnn import (_ENHANCED_RECIPE, _init_relu_convs, _load_weights, _PAPER_RECIPE, _RECIPES, _resnet50_fpn,
                          _v2_heads, FasterRCNN)

__all__ = ["MaskRCNN", "MaskRCNN_ResNet50_FPN_Weights", "MaskRCNN_ResNet50_FPN_V2_Weights", "maskrcnn_resnet50_fpn",
           "maskrcnn_resnet50_fpn_v2"]


class MaskRCNN(FasterRCNN):
    """Faster R-CNN (every argument of FasterRCNN, in its order) plus a mask branch: mask_roi_pool (14 x 14
    RoIAlign on the FPN), mask_head (four 3x3 convolutions) and mask_predictor (2x upsampling and one logit map
    per class). Training targets also need "masks" (UInt8Tensor[N, H, W]); in evaluation each detection gets
    "masks" (FloatTensor[N, 1, H, W], probabilities pasted on the original image)."""

    def __init__(self, backbone: nn.Module, num_classes: int | None = None, *args: Any,
                 mask_roi_pool: MultiScaleRoIAlign | None = None, mask_head: nn.Module | None = None,
                 mask_predictor: nn.Module | None = None, **kwargs: Any) -> None:
        if not isinstance(mask_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(f"mask_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(mask_roi_pool)}")
        if num_classes is not None and mask_predictor is not None:
            raise ValueError("num_classes should be None when mask_predictor is specified")
        out_channels = backbone.out_channels
        if mask_roi_pool is None:
            mask_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=14, sampling_ratio=2)
        if mask_head is None:
            mask_head = MaskRCNNHeads(out_channels, (256, 256, 256, 256), 1)
        if mask_predictor is None:
            mask_predictor = MaskRCNNPredictor(256, 256, num_classes)
        super().__init__(backbone, num_classes, *args, **kwargs)
        self.roi_heads.mask_roi_pool = mask_roi_pool
        self.roi_heads.mask_head = mask_head
        self.roi_heads.mask_predictor = mask_predictor


class MaskRCNNHeads(nn.Sequential):
    """3x3 conv(-norm)-ReLU blocks with the given output channels and dilation."""

    _version = 2

    def __init__(self, in_channels: int, layers: list[int], dilation: int,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        blocks = []
        next_feature = in_channels
        for layer_features in layers:
            blocks.append(misc_nn_ops.Conv2dNormActivation(next_feature, layer_features, kernel_size=3, stride=1,
                                                           padding=dilation, dilation=dilation,
                                                           norm_layer=norm_layer))
            next_feature = layer_features
        super().__init__(*blocks)
        _init_relu_convs(self)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # version 1 checkpoints named the convolutions mask_fcn1, mask_fcn2, ...
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            for i in range(len(self)):
                for kind in ("weight", "bias"):
                    old_key = f"{prefix}mask_fcn{i + 1}.{kind}"
                    if old_key in state_dict:
                        state_dict[f"{prefix}{i}.0.{kind}"] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class MaskRCNNPredictor(nn.Sequential):
    """A stride-2 transposed convolution, ReLU, and a 1x1 convolution to one mask logit map per class."""

    def __init__(self, in_channels: int, dim_reduced: int, num_classes: int) -> None:
        super().__init__(OrderedDict([
            ("conv5_mask", nn.ConvTranspose2d(in_channels, dim_reduced, 2, 2, 0)),
            ("relu", nn.ReLU(inplace=True)),
            ("mask_fcn_logits", nn.Conv2d(dim_reduced, num_classes, 1, 1, 0)),
        ]))
        for name, param in self.named_parameters():
            if "weight" in name:
                nn.init.kaiming_normal_(param, mode="fan_out", nonlinearity="relu")


class MaskRCNN_ResNet50_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth", 44401393,
                            f"{_RECIPES}#mask-r-cnn", {"box_map": 37.9, "mask_map": 34.6}, 134.38, 169.84,
                            _PAPER_RECIPE)
    DEFAULT = COCO_V1


class MaskRCNN_ResNet50_FPN_V2_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth",
                            46359409, "https://github.com/pytorch/vision/pull/5773",
                            {"box_map": 47.4, "mask_map": 41.8}, 333.577, 177.219, _ENHANCED_RECIPE)
    DEFAULT = COCO_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", MaskRCNN_ResNet50_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def maskrcnn_resnet50_fpn(*, weights: MaskRCNN_ResNet50_FPN_Weights | None = None, progress: bool = True,
                          num_classes: int | None = None,
                          weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                          trainable_backbone_layers: int | None = None, **kwargs: Any) -> MaskRCNN:
    """Mask R-CNN on a ResNet-50 FPN (He et al., 2017)."""
    weights = MaskRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    backbone = _resnet50_fpn(weights_backbone, progress, is_trained, trainable_backbone_layers)
    model = MaskRCNN(backbone, num_classes=num_classes, **kwargs)
    _load_weights(model, weights, progress)
    if weights == MaskRCNN_ResNet50_FPN_Weights.COCO_V1:
        overwrite_eps(model, 0.0)  # trained before torchvision's FrozenBatchNorm2d eps fix
    return model


@register_model()
@handle_legacy_interface(weights=("pretrained", MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def maskrcnn_resnet50_fpn_v2(*, weights: MaskRCNN_ResNet50_FPN_V2_Weights | None = None, progress: bool = True,
                             num_classes: int | None = None, weights_backbone: ResNet50_Weights | None = None,
                             trainable_backbone_layers: int | None = None, **kwargs: Any) -> MaskRCNN:
    """The improved Mask R-CNN of "Benchmarking Detection Transfer Learning with Vision Transformers"."""
    weights = MaskRCNN_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    backbone = _resnet50_fpn(weights_backbone, progress, is_trained, trainable_backbone_layers, v2=True)
    mask_head = MaskRCNNHeads(backbone.out_channels, [256, 256, 256, 256], 1, norm_layer=nn.BatchNorm2d)
    model = MaskRCNN(backbone, num_classes=num_classes, **_v2_heads(backbone.out_channels), mask_head=mask_head,
                     **kwargs)
    _load_weights(model, weights, progress)
    return model
