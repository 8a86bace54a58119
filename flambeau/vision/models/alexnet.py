"""AlexNet, in the "One weird trick" variant torchvision implements (arXiv:1404.5997)."""
from __future__ import annotations

from typing import Any, Optional

from ... import flatten
from ..._tensor import Tensor
from ... import nn
from ._api import WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, handle_legacy_interface

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(flatten(x, 1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet1k_weights(
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", 61100840, 56.522, 79.066, 0.714, 233.087,
        min_size=(63, 63), recipe="https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg",
        docs="These weights reproduce closely the results of the paper using a simplified training recipe.")
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", AlexNet_Weights.IMAGENET1K_V1))
def alexnet(*, weights: Optional[AlexNet_Weights] = None, progress: bool = True, **kwargs: Any) -> AlexNet:
    """AlexNet; weights: None, an AlexNet_Weights member or its name; kwargs go to AlexNet."""
    return _build_model(AlexNet, AlexNet_Weights.verify(weights), progress, **kwargs)
