"""Inception v3 (arXiv:1512.00567): factorised 7x7 and 3x3 convolutions in five kinds of mixed blocks, an
auxiliary classifier used in training; inputs of 299x299 (75x75 at least)."""
from __future__ import annotations

import warnings
from collections import namedtuple
from typing import Any, Callable, Optional

from ... import cat, flatten
from ..._tensor import Tensor
from ... import nn
from ...nn import functional as F
from ._api import WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, _ovewrite_named_param, handle_legacy_interface
from .googlenet import BasicConv2d, _imagenet_to_symmetric

__all__ = ["Inception3", "InceptionOutputs", "_InceptionOutputs", "Inception_V3_Weights", "inception_v3"]

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])
InceptionOutputs.__annotations__ = {"logits": Tensor, "aux_logits": Optional[Tensor]}
_InceptionOutputs = InceptionOutputs  # torchvision's older name

Block = Optional[Callable[..., nn.Module]]


class InceptionA(nn.Module):
    """35x35 grid: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1."""

    def __init__(self, in_channels: int, pool_features: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = conv_block(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = conv_block(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, padding=1)
        self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

    def _forward(self, x: Tensor) -> list[Tensor]:
        return [self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x: Tensor) -> Tensor:
        return cat(self._forward(x), 1)


class InceptionB(nn.Module):
    """Grid reduction 35 -> 17: strided 3x3 | 1x1-3x3-strided 3x3 | strided max pool."""

    def __init__(self, in_channels: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3 = conv_block(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)

    def _forward(self, x: Tensor) -> list[Tensor]:
        return [self.branch3x3(x), self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                F.max_pool2d(x, kernel_size=3, stride=2)]

    def forward(self, x: Tensor) -> Tensor:
        return cat(self._forward(x), 1)


class InceptionC(nn.Module):
    """17x17 grid, 7x7 convolutions factorised into 1x7 and 7x1."""

    def __init__(self, in_channels: int, channels_7x7: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        c7 = channels_7x7
        self.branch1x1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = conv_block(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = conv_block(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def _forward(self, x: Tensor) -> list[Tensor]:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d7 = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d7 = layer(d7)
        return [self.branch1x1(x), b7, d7, self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x: Tensor) -> Tensor:
        return cat(self._forward(x), 1)


class InceptionD(nn.Module):
    """Grid reduction 17 -> 8: 1x1-strided 3x3 | 1x1-1x7-7x1-strided 3x3 | strided max pool."""

    def __init__(self, in_channels: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = conv_block(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = conv_block(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = conv_block(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = conv_block(192, 192, kernel_size=3, stride=2)

    def _forward(self, x: Tensor) -> list[Tensor]:
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return [self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, kernel_size=3, stride=2)]

    def forward(self, x: Tensor) -> Tensor:
        return cat(self._forward(x), 1)


class InceptionE(nn.Module):
    """8x8 grid, with 3x3 convolutions split into parallel 1x3 and 3x1 whose outputs are concatenated."""

    def __init__(self, in_channels: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = conv_block(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = conv_block(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def _forward(self, x: Tensor) -> list[Tensor]:
        b3 = self.branch3x3_1(x)
        b3 = cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d3 = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d3 = cat([self.branch3x3dbl_3a(d3), self.branch3x3dbl_3b(d3)], 1)
        return [self.branch1x1(x), b3, d3, self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x: Tensor) -> Tensor:
        return cat(self._forward(x), 1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, conv_block: Block = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv0 = conv_block(in_channels, 128, kernel_size=1)
        self.conv1 = conv_block(128, 768, kernel_size=5)
        # init stds read by Inception3; torchvision sets conv1's on the block, where the init never looks
        self.conv1.stddev = 0.01
        self.fc = nn.Linear(768, num_classes)
        self.fc.stddev = 0.001

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class Inception3(nn.Module):
    """aux_logits: build the auxiliary classifier (train-mode forward then returns InceptionOutputs);
    transform_input: as GoogLeNet's; inception_blocks: the [conv, A, B, C, D, E, aux] classes."""

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, transform_input: bool = False,
                 inception_blocks: Optional[list[Callable[..., nn.Module]]] = None,
                 init_weights: Optional[bool] = None, dropout: float = 0.5) -> None:
        super().__init__()
        if inception_blocks is None:
            inception_blocks = [BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of inception_v3 will be changed in future releases of "
                          "torchvision. If you wish to keep the old behavior (which leads to long initialization "
                          "times due to scipy/scipy#11299), please set init_weights=True.", FutureWarning)
            init_weights = True
        if len(inception_blocks) != 7:
            raise ValueError(f"length of inception_blocks should be 7 instead of {len(inception_blocks)}")
        conv_block, inception_a, inception_b, inception_c, inception_d, inception_e, inception_aux = inception_blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = inception_a(192, pool_features=32)
        self.Mixed_5c = inception_a(256, pool_features=64)
        self.Mixed_5d = inception_a(288, pool_features=64)
        self.Mixed_6a = inception_b(288)
        self.Mixed_6b = inception_c(768, channels_7x7=128)
        self.Mixed_6c = inception_c(768, channels_7x7=160)
        self.Mixed_6d = inception_c(768, channels_7x7=160)
        self.Mixed_6e = inception_c(768, channels_7x7=192)
        self.AuxLogits = inception_aux(768, num_classes) if aux_logits else None
        self.Mixed_7a = inception_d(768)
        self.Mixed_7b = inception_e(1280)
        self.Mixed_7c = inception_e(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)
        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    std = float(getattr(m, "stddev", 0.1))
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _transform_input(self, x: Tensor) -> Tensor:
        return _imagenet_to_symmetric(x) if self.transform_input else x

    def _forward(self, x: Tensor) -> tuple[Tensor, Optional[Tensor]]:
        x = self.maxpool1(self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x))))
        x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e):
            x = block(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = flatten(self.dropout(self.avgpool(x)), 1)
        return self.fc(x), aux

    def eager_outputs(self, x: Tensor, aux: Optional[Tensor]) -> Any:
        return InceptionOutputs(x, aux) if self.training and self.aux_logits else x

    def forward(self, x: Tensor) -> Any:
        """The logits; in training with aux_logits, InceptionOutputs(logits, aux_logits)."""
        return self.eager_outputs(*self._forward(self._transform_input(x)))


class Inception_V3_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet1k_weights(
        "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth", 27161264, 77.294, 93.45, 5.713,
        103.903, crop_size=299, resize_size=342, min_size=(75, 75),
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#inception-v3",
        docs="These weights are ported from the original paper.")
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", Inception_V3_Weights.IMAGENET1K_V1))
def inception_v3(*, weights: Optional[Inception_V3_Weights] = None, progress: bool = True,
                 **kwargs: Any) -> Inception3:
    """Inception v3; with weights, transform_input defaults to True and the (trained) auxiliary head is part
    of the model. kwargs go to Inception3."""
    weights = Inception_V3_Weights.verify(weights)
    if weights is not None:
        kwargs.setdefault("transform_input", True)
        _ovewrite_named_param(kwargs, "aux_logits", True)  # the checkpoint holds it
        _ovewrite_named_param(kwargs, "init_weights", False)
    return _build_model(Inception3, weights, progress, **kwargs)
