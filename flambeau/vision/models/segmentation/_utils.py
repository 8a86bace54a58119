"""What the segmentation models share: the model that runs a backbone and upsamples its classifiers' maps to the
input's size, the builders' weights handling, their COCO-with-VOC-labels weights entries, and the choice of a
MobileNetV3's feature maps."""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import Any, Callable, Optional

from .... import nn
from ...._tensor import Tensor
from ....nn import functional as F
from ...transforms._presets import SemanticSegmentation
from .._api import Weights, WeightsEnum
from .._meta import _VOC_CATEGORIES
from .._utils import _ovewrite_value_param


class _SimpleSegmentationModel(nn.Module):
    """backbone(x) -> {"out", "aux"?}; each map goes through its classifier and is upsampled (bilinear) to x's
    size. The aux classifier is optional: it only helps training."""

    def __init__(self, backbone: nn.Module, classifier: nn.Module,
                 aux_classifier: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.backbone = backbone
        self.classifier = classifier
        self.aux_classifier = aux_classifier

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        size = x.shape[-2:]
        features = self.backbone(x)
        result = OrderedDict()
        result["out"] = _upsample(self.classifier(features["out"]), size)
        if self.aux_classifier is not None:
            result["aux"] = _upsample(self.aux_classifier(features["aux"]), size)
        return result


def _upsample(x: Tensor, size: Any) -> Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def _build_segmentation(assemble: Callable[[nn.Module, int, Optional[bool]], nn.Module],
                        backbone_builder: Callable[..., nn.Module], weights: Optional[WeightsEnum],
                        weights_backbone: Optional[WeightsEnum], num_classes: Optional[int],
                        aux_loss: Optional[bool], progress: bool, **backbone_kwargs: Any) -> nn.Module:
    """assemble(backbone, num_classes, aux_loss), the backbone built by backbone_builder(weights=weights_backbone,
    **backbone_kwargs). Whole-model weights replace the backbone's, fix the class count and the aux head they were
    trained with, and are loaded; without them the model has 21 classes (VOC's) unless num_classes says."""
    if weights is None:
        num_classes = 21 if num_classes is None else num_classes
    else:
        weights_backbone = None
        num_classes = _ovewrite_value_param("num_classes", num_classes, len(weights.meta["categories"]))
        aux_loss = _ovewrite_value_param("aux_loss", aux_loss, True)
    model = assemble(backbone_builder(weights=weights_backbone, **backbone_kwargs), num_classes, aux_loss)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def _voc_weights(url: str, num_params: int, recipe: str, miou: float, pixel_acc: float, ops: float,
                 file_size: float) -> Weights:
    """A Weights entry of a model trained on COCO's images of the 20 Pascal VOC categories, evaluated on COCO
    val2017 (mean IoU and pixel accuracy, %) with the SemanticSegmentation preset at 520."""
    meta = {"categories": _VOC_CATEGORIES, "min_size": (1, 1), "num_params": num_params,
            "recipe": "https://github.com/pytorch/vision/tree/main/references/segmentation#" + recipe,
            "_metrics": {"COCO-val2017-VOC-labels": {"miou": miou, "pixel_acc": pixel_acc}},
            "_ops": ops, "_file_size": file_size,
            "_docs": "These weights were trained on a subset of COCO, using only the 20 categories that are "
                     "present in the Pascal VOC dataset."}
    return Weights(url=url, transforms=partial(SemanticSegmentation, resize_size=520), meta=meta)


def _mobilenet_stage_ends(features: nn.Sequential) -> tuple[int, int]:
    """Indices into a dilated MobileNetV3's `features` of the block that brings the output stride to 8 (C2, the
    low-level map) and of the last layer (C5, stride 16). The stage boundaries are the first conv, each block built
    with stride 2 (dilated or not) and the last conv."""
    stage_starts = [0] + [i for i, block in enumerate(features) if getattr(block, "_is_cn", False)]
    stage_starts.append(len(features) - 1)
    return stage_starts[-4], stage_starts[-1]
