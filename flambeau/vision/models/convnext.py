"""ConvNeXt tiny/small/base/large ("A ConvNet for the 2020s", Liu et al., 2022), as torchvision."""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Callable

from ... import nn
from ..._tensor import Tensor
from ...nn import functional as F
from ...ops.creation import ones
from ..ops.misc import Conv2dNormActivation, Permute
from ..ops.stochastic_depth import StochasticDepth
from ._api import Weights, WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, handle_legacy_interface

__all__ = ["ConvNeXt", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
           "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large"]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) tensor."""

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """Depthwise 7x7 -> LayerNorm -> Linear 4x -> GELU -> Linear, scaled per channel, plus the input."""

    def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),  # channels last for the LayerNorm and the Linears
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input: Tensor) -> Tensor:
        return self.stochastic_depth(self.layer_scale * self.block(input)) + input


class CNBlockConfig:
    """A stage: num_layers blocks at input_channels, then (unless out_channels is None) a 2x downsampling."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    def __init__(self, block_setting: list[CNBlockConfig], stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000, block: Callable[..., nn.Module] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None, **kwargs: Any) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not (isinstance(block_setting, Sequence) and all(isinstance(s, CNBlockConfig) for s in block_setting)):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        block = block or CNBlock
        norm_layer = norm_layer or partial(LayerNorm2d, eps=1e-6)
        # stem: a 4x4 "patchify" convolution
        layers: list[nn.Module] = [Conv2dNormActivation(3, block_setting[0].input_channels, kernel_size=4, stride=4,
                                                        padding=0, norm_layer=norm_layer, activation_layer=None,
                                                        bias=True)]
        total_blocks = sum(cnf.num_layers for cnf in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                # drop probability from 0 at the first block up to stochastic_depth_prob at the last
                stage.append(block(cnf.input_channels, layer_scale,
                                   stochastic_depth_prob * block_id / (total_blocks - 1.0)))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        last_channels = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = nn.Sequential(norm_layer(last_channels), nn.Flatten(1),
                                        nn.Linear(last_channels, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _convnext(block_setting: list[CNBlockConfig], default_sd_prob: float, weights: WeightsEnum | None,
              progress: bool, **kwargs: Any) -> ConvNeXt:
    stochastic_depth_prob = kwargs.pop("stochastic_depth_prob", default_sd_prob)
    return _build_model(partial(ConvNeXt, block_setting, stochastic_depth_prob=stochastic_depth_prob), weights,
                        progress, **kwargs)


def _stages(widths: tuple[int, int, int, int], depths: tuple[int, int, int, int]) -> list[CNBlockConfig]:
    outs = (*widths[1:], None)
    return [CNBlockConfig(w, o, d) for w, o, d in zip(widths, outs, depths)]


def _weights(url: str, resize: int, num_params: int, acc1: float, acc5: float, ops: float,
             file_size: float) -> Weights:
    return _imagenet1k_weights(url, num_params, acc1, acc5, ops, file_size, min_size=(32, 32),
                               recipe="https://github.com/pytorch/vision/tree/main/references/classification#convnext",
                               docs="These weights improve upon the results of the original paper by using a "
                                    "modified version of TorchVision's new training recipe.",
                               resize_size=resize)


class ConvNeXt_Tiny_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/convnext_tiny-983f1562.pth", 236, 28589128,
                             82.520, 96.146, 4.456, 109.119)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/convnext_small-0c510722.pth", 230, 50223688,
                             83.616, 96.650, 8.684, 191.703)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Base_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/convnext_base-6075fbad.pth", 232, 88591464,
                             84.062, 96.870, 15.355, 338.064)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("https://download.pytorch.org/models/convnext_large-ea097f82.pth", 232, 197767336,
                             84.414, 96.976, 34.361, 754.537)
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", ConvNeXt_Tiny_Weights.IMAGENET1K_V1))
def convnext_tiny(*, weights: ConvNeXt_Tiny_Weights | None = None, progress: bool = True,
                  **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-T; kwargs go to ConvNeXt (stochastic_depth_prob defaults to 0.1)."""
    return _convnext(_stages((96, 192, 384, 768), (3, 3, 9, 3)), 0.1, ConvNeXt_Tiny_Weights.verify(weights),
                     progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ConvNeXt_Small_Weights.IMAGENET1K_V1))
def convnext_small(*, weights: ConvNeXt_Small_Weights | None = None, progress: bool = True,
                   **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-S; kwargs go to ConvNeXt (stochastic_depth_prob defaults to 0.4)."""
    return _convnext(_stages((96, 192, 384, 768), (3, 3, 27, 3)), 0.4, ConvNeXt_Small_Weights.verify(weights),
                     progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ConvNeXt_Base_Weights.IMAGENET1K_V1))
def convnext_base(*, weights: ConvNeXt_Base_Weights | None = None, progress: bool = True,
                  **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-B; kwargs go to ConvNeXt (stochastic_depth_prob defaults to 0.5)."""
    return _convnext(_stages((128, 256, 512, 1024), (3, 3, 27, 3)), 0.5, ConvNeXt_Base_Weights.verify(weights),
                     progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ConvNeXt_Large_Weights.IMAGENET1K_V1))
def convnext_large(*, weights: ConvNeXt_Large_Weights | None = None, progress: bool = True,
                   **kwargs: Any) -> ConvNeXt:
    """ConvNeXt-L; kwargs go to ConvNeXt (stochastic_depth_prob defaults to 0.5)."""
    return _convnext(_stages((192, 384, 768, 1536), (3, 3, 27, 3)), 0.5, ConvNeXt_Large_Weights.verify(weights),
                     progress, **kwargs)
