"""Faster R-CNN: a backbone with an FPN, the region proposal network and box RoI heads, and its builders on
ResNet-50 (v1 and the improved v2) and MobileNetV3-Large (full resolution and 320 px)."""
from __future__ import annotations

from typing import Any, Callable

from flambeau import Tensor, nn
from flambeau.nn import functional as F

from ...ops import misc as misc_nn_ops, MultiScaleRoIAlign
from .._api import register_model, WeightsEnum
from .._utils import handle_legacy_interface
from ..mobilenetv3 import mobilenet_v3_large, MobileNet_V3_Large_Weights
from ..resnet import resnet50, ResNet50_Weights
from ._utils import _assert, _coco_weights, _resolve_weights, overwrite_eps
from .anchor_utils import AnchorGenerator
from .backbone_utils import (_mobilenet_extractor, _resnet_fpn_extractor, _validate_trainable_layers,
                             BackboneWithFPN)
from .generalized_rcnn import GeneralizedRCNN
from .roi_heads import RoIHeads
from .rpn import RegionProposalNetwork, RPNHead
from .transform import GeneralizedRCNNTransform

__all__ = ["FasterRCNN", "FasterRCNN_ResNet50_FPN_Weights", "FasterRCNN_ResNet50_FPN_V2_Weights",
           "FasterRCNN_MobileNet_V3_Large_FPN_Weights", "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights",
           "fasterrcnn_resnet50_fpn", "fasterrcnn_resnet50_fpn_v2", "fasterrcnn_mobilenet_v3_large_fpn",
           "fasterrcnn_mobilenet_v3_large_320_fpn"]


def _default_anchorgen() -> AnchorGenerator:
    """One anchor size per FPN level (32 to 512), three aspect ratios each."""
    anchor_sizes = ((32,), (64,), (128,), (256,), (512,))
    return AnchorGenerator(anchor_sizes, ((0.5, 1.0, 2.0),) * len(anchor_sizes))


class FasterRCNN(GeneralizedRCNN):
    """Faster R-CNN over `backbone` (a module with an out_channels attribute returning one feature map or an
    OrderedDict of them). Images are normalized with image_mean/std and resized to min_size/max_size; rpn_*
    configure the proposals, box_* the second stage. Give num_classes (background included) or a box_predictor.

    Training: model(images, targets) with targets[i] = {"boxes": FloatTensor[N, 4] (x1, y1, x2, y2),
    "labels": Int64Tensor[N]} returns the loss dict. Evaluation: model(images) returns, per image,
    {"boxes", "labels", "scores"} in the image's own coordinates."""

    def __init__(self, backbone: nn.Module, num_classes: int | None = None, min_size: int = 800,
                 max_size: int = 1333, image_mean: list[float] | None = None, image_std: list[float] | None = None,
                 rpn_anchor_generator: AnchorGenerator | None = None, rpn_head: nn.Module | None = None,
                 rpn_pre_nms_top_n_train: int = 2000, rpn_pre_nms_top_n_test: int = 1000,
                 rpn_post_nms_top_n_train: int = 2000, rpn_post_nms_top_n_test: int = 1000,
                 rpn_nms_thresh: float = 0.7, rpn_fg_iou_thresh: float = 0.7, rpn_bg_iou_thresh: float = 0.3,
                 rpn_batch_size_per_image: int = 256, rpn_positive_fraction: float = 0.5,
                 rpn_score_thresh: float = 0.0, box_roi_pool: MultiScaleRoIAlign | None = None,
                 box_head: nn.Module | None = None, box_predictor: nn.Module | None = None,
                 box_score_thresh: float = 0.05, box_nms_thresh: float = 0.5, box_detections_per_img: int = 100,
                 box_fg_iou_thresh: float = 0.5, box_bg_iou_thresh: float = 0.5,
                 box_batch_size_per_image: int = 512, box_positive_fraction: float = 0.25,
                 bbox_reg_weights: tuple[float, float, float, float] | None = None, **kwargs: Any) -> None:
        if not hasattr(backbone, "out_channels"):
            raise ValueError("backbone should contain an attribute out_channels specifying the number of output "
                             "channels (assumed to be the same for all the levels)")
        if not isinstance(rpn_anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError("rpn_anchor_generator should be of type AnchorGenerator or None instead of "
                            f"{type(rpn_anchor_generator)}")
        if not isinstance(box_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError("box_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(box_roi_pool)}")
        if num_classes is not None and box_predictor is not None:
            raise ValueError("num_classes should be None when box_predictor is specified")
        if num_classes is None and box_predictor is None:
            raise ValueError("num_classes should not be None when box_predictor is not specified")

        out_channels = backbone.out_channels
        if rpn_anchor_generator is None:
            rpn_anchor_generator = _default_anchorgen()
        if rpn_head is None:
            rpn_head = RPNHead(out_channels, rpn_anchor_generator.num_anchors_per_location()[0])
        rpn = RegionProposalNetwork(
            rpn_anchor_generator, rpn_head, rpn_fg_iou_thresh, rpn_bg_iou_thresh, rpn_batch_size_per_image,
            rpn_positive_fraction, dict(training=rpn_pre_nms_top_n_train, testing=rpn_pre_nms_top_n_test),
            dict(training=rpn_post_nms_top_n_train, testing=rpn_post_nms_top_n_test), rpn_nms_thresh,
            score_thresh=rpn_score_thresh)

        if box_roi_pool is None:
            box_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=7, sampling_ratio=2)
        representation_size = 1024
        if box_head is None:
            resolution = box_roi_pool.output_size[0]
            box_head = TwoMLPHead(out_channels * resolution**2, representation_size)
        if box_predictor is None:
            box_predictor = FastRCNNPredictor(representation_size, num_classes)
        roi_heads = RoIHeads(box_roi_pool, box_head, box_predictor, box_fg_iou_thresh, box_bg_iou_thresh,
                             box_batch_size_per_image, box_positive_fraction, bbox_reg_weights, box_score_thresh,
                             box_nms_thresh, box_detections_per_img)

        if image_mean is None:
            image_mean = [0.485, 0.456, 0.406]
        if image_std is None:
            image_std = [0.229, 0.224, 0.225]
        transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        super().__init__(backbone, rpn, roi_heads, transform)


def _init_relu_convs(module: nn.Module) -> None:
    """He-normal (fan out) weights and zero biases for every Conv2d in module (the heads feeding ReLUs)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


class TwoMLPHead(nn.Module):
    """The FPN box head: the pooled features flattened through two ReLU'd fully connected layers."""

    def __init__(self, in_channels: int, representation_size: int) -> None:
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.fc6(x.flatten(start_dim=1)))
        return F.relu(self.fc7(x))


class FastRCNNConvFCHead(nn.Sequential):
    """The v2 box head: conv_layers 3x3 conv-norm-ReLU blocks on the (C, H, W) = input_size pooled features,
    flattened, then fc_layers ReLU'd fully connected layers."""

    def __init__(self, input_size: tuple[int, int, int], conv_layers: list[int], fc_layers: list[int],
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        in_channels, in_height, in_width = input_size
        blocks = []
        previous = in_channels
        for channels in conv_layers:
            blocks.append(misc_nn_ops.Conv2dNormActivation(previous, channels, norm_layer=norm_layer))
            previous = channels
        blocks.append(nn.Flatten())
        previous = previous * in_height * in_width
        for channels in fc_layers:
            blocks += [nn.Linear(previous, channels), nn.ReLU(inplace=True)]
            previous = channels
        super().__init__(*blocks)
        _init_relu_convs(self)


class FastRCNNPredictor(nn.Module):
    """Class logits and per-class box deltas from the box head's features."""

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.dim() == 4:
            _assert(list(x.shape[2:]) == [1, 1], "x has the wrong shape, expecting the last two dimensions to be "
                                                 f"[1,1] instead of {list(x.shape[2:])}")
        x = x.flatten(start_dim=1)
        return self.cls_score(x), self.bbox_pred(x)


_PAPER_RECIPE = "These weights were produced by following a similar training recipe as on the paper."
_ENHANCED_RECIPE = "These weights were produced using an enhanced training recipe to boost the model accuracy."
_RECIPES = "https://github.com/pytorch/vision/tree/main/references/detection"


class FasterRCNN_ResNet50_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/fasterrcnn_resnet50_fpn_coco-258fb6c6.pth",
                            41755286, f"{_RECIPES}#faster-r-cnn-resnet-50-fpn", {"box_map": 37.0}, 134.38, 159.743,
                            _PAPER_RECIPE)
    DEFAULT = COCO_V1


class FasterRCNN_ResNet50_FPN_V2_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/fasterrcnn_resnet50_fpn_v2_coco-dd69338a.pth",
                            43712278, "https://github.com/pytorch/vision/pull/5763", {"box_map": 46.7}, 280.371,
                            167.104, _ENHANCED_RECIPE)
    DEFAULT = COCO_V1


class FasterRCNN_MobileNet_V3_Large_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth",
                            19386354, f"{_RECIPES}#faster-r-cnn-mobilenetv3-large-fpn", {"box_map": 32.8}, 4.494,
                            74.239, _PAPER_RECIPE)
    DEFAULT = COCO_V1


class FasterRCNN_MobileNet_V3_Large_320_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights(
        "https://download.pytorch.org/models/fasterrcnn_mobilenet_v3_large_320_fpn-907ea3f9.pth", 19386354,
        f"{_RECIPES}#faster-r-cnn-mobilenetv3-large-320-fpn", {"box_map": 22.8}, 0.719, 74.239, _PAPER_RECIPE)
    DEFAULT = COCO_V1


def _resnet50_fpn(weights_backbone: ResNet50_Weights | None, progress: bool, is_trained: bool,
                  trainable_backbone_layers: int | None, v2: bool = False) -> BackboneWithFPN:
    """The R-CNNs' ResNet-50 FPN backbone. v1 freezes its batch norms when it starts from trained weights; v2
    trains them and normalizes the FPN too."""
    trainable_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    if v2:
        backbone = resnet50(weights=weights_backbone, progress=progress)
        return _resnet_fpn_extractor(backbone, trainable_layers, norm_layer=nn.BatchNorm2d)
    norm_layer = misc_nn_ops.FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    return _resnet_fpn_extractor(backbone, trainable_layers)


def _load_weights(model: nn.Module, weights: WeightsEnum | None, progress: bool) -> None:
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))


@register_model()
@handle_legacy_interface(weights=("pretrained", FasterRCNN_ResNet50_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def fasterrcnn_resnet50_fpn(*, weights: FasterRCNN_ResNet50_FPN_Weights | None = None, progress: bool = True,
                            num_classes: int | None = None,
                            weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                            trainable_backbone_layers: int | None = None, **kwargs: Any) -> FasterRCNN:
    """Faster R-CNN on a ResNet-50 FPN (Ren et al., 2015). Without pretrained weights every backbone layer trains
    and uses BatchNorm2d; with them, FrozenBatchNorm2d and trainable_backbone_layers (default 3, of 5)."""
    weights = FasterRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    backbone = _resnet50_fpn(weights_backbone, progress, is_trained, trainable_backbone_layers)
    model = FasterRCNN(backbone, num_classes=num_classes, **kwargs)
    _load_weights(model, weights, progress)
    if weights == FasterRCNN_ResNet50_FPN_Weights.COCO_V1:
        overwrite_eps(model, 0.0)  # trained before torchvision's FrozenBatchNorm2d eps fix
    return model


@register_model()
@handle_legacy_interface(weights=("pretrained", FasterRCNN_ResNet50_FPN_V2_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def fasterrcnn_resnet50_fpn_v2(*, weights: FasterRCNN_ResNet50_FPN_V2_Weights | None = None, progress: bool = True,
                               num_classes: int | None = None, weights_backbone: ResNet50_Weights | None = None,
                               trainable_backbone_layers: int | None = None, **kwargs: Any) -> FasterRCNN:
    """The improved Faster R-CNN of "Benchmarking Detection Transfer Learning with Vision Transformers": batch
    norm in the FPN and a conv box head, a two-conv RPN head."""
    weights = FasterRCNN_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    backbone = _resnet50_fpn(weights_backbone, progress, is_trained, trainable_backbone_layers, v2=True)
    model = FasterRCNN(backbone, num_classes=num_classes, **_v2_heads(backbone.out_channels), **kwargs)
    _load_weights(model, weights, progress)
    return model


def _v2_heads(out_channels: int) -> dict[str, nn.Module]:
    """The v2 models' anchor generator, two-conv RPN head and conv box head."""
    anchor_generator = _default_anchorgen()
    return {"rpn_anchor_generator": anchor_generator,
            "rpn_head": RPNHead(out_channels, anchor_generator.num_anchors_per_location()[0], conv_depth=2),
            "box_head": FastRCNNConvFCHead((out_channels, 7, 7), [256, 256, 256, 256], [1024],
                                           norm_layer=nn.BatchNorm2d)}


def _fasterrcnn_mobilenet_v3_large_fpn(*, weights: WeightsEnum | None, progress: bool, num_classes: int | None,
                                       weights_backbone: MobileNet_V3_Large_Weights | None,
                                       trainable_backbone_layers: int | None, **kwargs: Any) -> FasterRCNN:
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 6, 3)
    norm_layer = misc_nn_ops.FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = mobilenet_v3_large(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    backbone = _mobilenet_extractor(backbone, True, trainable_backbone_layers)
    # the two returned stages and the max-pooled level all carry the five sizes
    anchor_sizes = ((32, 64, 128, 256, 512),) * 3
    aspect_ratios = ((0.5, 1.0, 2.0),) * len(anchor_sizes)
    model = FasterRCNN(backbone, num_classes, rpn_anchor_generator=AnchorGenerator(anchor_sizes, aspect_ratios),
                       **kwargs)
    _load_weights(model, weights, progress)
    return model


@register_model()
@handle_legacy_interface(weights=("pretrained", FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", MobileNet_V3_Large_Weights.IMAGENET1K_V1))
def fasterrcnn_mobilenet_v3_large_320_fpn(
        *, weights: FasterRCNN_MobileNet_V3_Large_320_FPN_Weights | None = None, progress: bool = True,
        num_classes: int | None = None,
        weights_backbone: MobileNet_V3_Large_Weights | None = MobileNet_V3_Large_Weights.IMAGENET1K_V1,
        trainable_backbone_layers: int | None = None, **kwargs: Any) -> FasterRCNN:
    """Faster R-CNN on a MobileNetV3-Large FPN tuned for mobile: images of 320 px, 150 proposals."""
    weights = FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    defaults = {"min_size": 320, "max_size": 640, "rpn_pre_nms_top_n_test": 150, "rpn_post_nms_top_n_test": 150,
                "rpn_score_thresh": 0.05}
    return _fasterrcnn_mobilenet_v3_large_fpn(weights=weights, progress=progress, num_classes=num_classes,
                                              weights_backbone=weights_backbone,
                                              trainable_backbone_layers=trainable_backbone_layers,
                                              **{**defaults, **kwargs})


@register_model()
@handle_legacy_interface(weights=("pretrained", FasterRCNN_MobileNet_V3_Large_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", MobileNet_V3_Large_Weights.IMAGENET1K_V1))
def fasterrcnn_mobilenet_v3_large_fpn(
        *, weights: FasterRCNN_MobileNet_V3_Large_FPN_Weights | None = None, progress: bool = True,
        num_classes: int | None = None,
        weights_backbone: MobileNet_V3_Large_Weights | None = MobileNet_V3_Large_Weights.IMAGENET1K_V1,
        trainable_backbone_layers: int | None = None, **kwargs: Any) -> FasterRCNN:
    """Faster R-CNN on a MobileNetV3-Large FPN, for high-resolution images."""
    weights = FasterRCNN_MobileNet_V3_Large_FPN_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    return _fasterrcnn_mobilenet_v3_large_fpn(weights=weights, progress=progress, num_classes=num_classes,
                                              weights_backbone=weights_backbone,
                                              trainable_backbone_layers=trainable_backbone_layers,
                                              **{"rpn_score_thresh": 0.05, **kwargs})
