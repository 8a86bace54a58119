"""Swin Transformer ("Hierarchical Vision Transformer using Shifted Windows", Liu et al., 2021) T/S/B and its
V2 (scaled cosine attention, log-spaced continuous position bias, post-norm), as torchvision."""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable

import numpy as np

from ... import nn
from ..._tensor import Tensor
from ...nn import functional as F
from ...ops.creation import ones, tensor, zeros
from ...ops.joining import cat
from ..ops.misc import MLP, Permute
from ..ops.stochastic_depth import StochasticDepth
from ..transforms.functional import InterpolationMode
from ._api import Weights, WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, handle_legacy_interface

__all__ = ["SwinTransformer", "Swin_T_Weights", "Swin_S_Weights", "Swin_B_Weights", "Swin_V2_T_Weights",
           "Swin_V2_S_Weights", "Swin_V2_B_Weights", "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s",
           "swin_v2_b"]


def _patch_merging_pad(x: Tensor) -> Tensor:
    """[..., H, W, C] -> [..., ceil(H/2), ceil(W/2), 4C]: each 2x2 neighbourhood concatenated on channels."""
    h, w = x.shape[-3], x.shape[-2]
    x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
    return cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)


def _get_relative_position_bias(relative_position_bias_table: Tensor, relative_position_index: Tensor,
                                window_size: list[int]) -> Tensor:
    """(1, heads, N, N) bias of every query/key pair of a window from the per-offset table."""
    n = window_size[0] * window_size[1]
    bias = relative_position_bias_table[relative_position_index].reshape(n, n, -1)
    return bias.permute(2, 0, 1).contiguous().unsqueeze(0)


class PatchMerging(nn.Module):
    """Halve the resolution and double the channels: norm(4C) then Linear(4C -> 2C)."""

    def __init__(self, dim: int, norm_layer: Callable[..., nn.Module] = nn.LayerNorm) -> None:
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.reduction(self.norm(_patch_merging_pad(x)))


class PatchMergingV2(nn.Module):
    """V2's patch merging: Linear(4C -> 2C) then norm(2C)."""

    def __init__(self, dim: int, norm_layer: Callable[..., nn.Module] = nn.LayerNorm) -> None:
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(2 * dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.reduction(_patch_merging_pad(x)))


def _shift_mask(pad_h: int, pad_w: int, window_size: list[int], shift_size: list[int]) -> np.ndarray:
    """(windows, N, N) additive mask: after the cyclic shift a window may hold pixels of up to 4 regions that
    were not neighbours; pairs from different regions get -100 (softmax weight ~0), as the paper does."""
    region = np.zeros((pad_h, pad_w), dtype=np.float32)
    count = 0
    for h0, h1 in ((0, -window_size[0]), (-window_size[0], -shift_size[0]), (-shift_size[0], None)):
        for w0, w1 in ((0, -window_size[1]), (-window_size[1], -shift_size[1]), (-shift_size[1], None)):
            region[h0:h1, w0:w1] = count
            count += 1
    region = region.reshape(pad_h // window_size[0], window_size[0], pad_w // window_size[1], window_size[1])
    region = region.transpose(0, 2, 1, 3).reshape(-1, window_size[0] * window_size[1])
    return np.where(region[:, None, :] != region[:, :, None], np.float32(-100.0), np.float32(0.0))


def shifted_window_attention(input: Tensor, qkv_weight: Tensor, proj_weight: Tensor, relative_position_bias: Tensor,
                             window_size: list[int], num_heads: int, shift_size: list[int],
                             attention_dropout: float = 0.0, dropout: float = 0.0, qkv_bias: Tensor | None = None,
                             proj_bias: Tensor | None = None, logit_scale: Tensor | None = None,
                             training: bool = True) -> Tensor:
    """Window multi-head self-attention (W-MSA, or SW-MSA with a shift) with relative position bias, on
    [B, H, W, C]; logit_scale selects V2's scaled cosine attention."""
    b, h, w, c = input.shape
    pad_r = (window_size[1] - w % window_size[1]) % window_size[1]
    pad_b = (window_size[0] - h % window_size[0]) % window_size[0]
    x = F.pad(input, (0, 0, 0, pad_r, 0, pad_b))
    _, pad_h, pad_w, _ = x.shape
    # a window that covers the whole (padded) side needs no shift along it
    shift_size = [0 if window_size[i] >= (pad_h, pad_w)[i] else shift_size[i] for i in range(2)]
    shifted = sum(shift_size) > 0
    if shifted:
        x = x.roll(shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))

    # partition into windows: (B * windows, N, C)
    num_windows = (pad_h // window_size[0]) * (pad_w // window_size[1])
    x = x.reshape(b, pad_h // window_size[0], window_size[0], pad_w // window_size[1], window_size[1], c)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b * num_windows, window_size[0] * window_size[1], c)
    n = x.shape[1]

    if logit_scale is not None and qkv_bias is not None:
        # V2 has no key bias: its slot in qkv_bias is held at zero
        length = qkv_bias.shape[0] // 3
        qkv_bias = cat([qkv_bias[:length], zeros(length, dtype=qkv_bias.dtype, device=qkv_bias.device),
                        qkv_bias[2 * length:]])
    qkv = F.linear(x, qkv_weight, qkv_bias).reshape(x.shape[0], n, 3, num_heads, c // num_heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
    if logit_scale is not None:
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * logit_scale.clamp(max=math.log(100.0)).exp()
    else:
        attn = (q * (c // num_heads) ** -0.5) @ k.transpose(-2, -1)
    attn = attn + relative_position_bias
    if shifted:
        mask = tensor(_shift_mask(pad_h, pad_w, window_size, shift_size), dtype=attn.dtype, device=attn.device)
        attn = attn.reshape(-1, num_windows, num_heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
        attn = attn.reshape(-1, num_heads, n, n)
    attn = F.dropout(F.softmax(attn, dim=-1), p=attention_dropout, training=training)
    x = (attn @ v).transpose(1, 2).reshape(x.shape[0], n, c)
    x = F.dropout(F.linear(x, proj_weight, proj_bias), p=dropout, training=training)

    # merge the windows back, undo the shift and the padding
    x = x.reshape(b, pad_h // window_size[0], pad_w // window_size[1], window_size[0], window_size[1], c)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, pad_h, pad_w, c)
    if shifted:
        x = x.roll(shifts=(shift_size[0], shift_size[1]), dims=(1, 2))
    return x[:, :h, :w, :].contiguous()


def _relative_position_index(window_size: list[int]) -> np.ndarray:
    """For each (query, key) pair of a window, the row of its (dy, dx) offset in the bias table."""
    coords = np.stack(np.meshgrid(np.arange(window_size[0]), np.arange(window_size[1]), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0)
    rows = (rel[..., 0] + window_size[0] - 1) * (2 * window_size[1] - 1)
    return (rows + rel[..., 1] + window_size[1] - 1).reshape(-1)


class ShiftedWindowAttention(nn.Module):
    """See :func:`shifted_window_attention`."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int], num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0) -> None:
        super().__init__()
        if len(window_size) != 2 or len(shift_size) != 2:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window_size = window_size
        self.shift_size = shift_size
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.define_relative_position_bias_table()
        self.define_relative_position_index()

    def define_relative_position_bias_table(self) -> None:
        # one learned bias per head for each of the (2Wh-1)(2Ww-1) relative offsets
        self.relative_position_bias_table = nn.Parameter(
            zeros((2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1), self.num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def define_relative_position_index(self) -> None:
        self.register_buffer("relative_position_index", tensor(_relative_position_index(self.window_size)))

    def get_relative_position_bias(self) -> Tensor:
        return _get_relative_position_bias(self.relative_position_bias_table, self.relative_position_index,
                                           self.window_size)

    def forward(self, x: Tensor) -> Tensor:
        """[B, H, W, C] -> [B, H, W, C]."""
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, self.get_relative_position_bias(),
                                        self.window_size, self.num_heads, shift_size=self.shift_size,
                                        attention_dropout=self.attention_dropout, dropout=self.dropout,
                                        qkv_bias=self.qkv.bias, proj_bias=self.proj.bias, training=self.training)


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    """V2: cosine attention with a learned per-head temperature; the position bias comes from a small MLP over
    log-spaced relative coordinates (continuous position bias)."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int], num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0) -> None:
        super().__init__(dim, window_size, shift_size, num_heads, qkv_bias=qkv_bias, proj_bias=proj_bias,
                         attention_dropout=attention_dropout, dropout=dropout)
        self.logit_scale = nn.Parameter((10 * ones((num_heads, 1, 1))).log())
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True),
                                     nn.Linear(512, num_heads, bias=False))
        if qkv_bias:
            length = self.qkv.bias.shape[0] // 3
            nn.init.zeros_(self.qkv.bias.data[length:2 * length])

    def define_relative_position_bias_table(self) -> None:
        f32 = np.float32
        rel_h = np.arange(-(self.window_size[0] - 1), self.window_size[0], dtype=f32) / f32(self.window_size[0] - 1)
        rel_w = np.arange(-(self.window_size[1] - 1), self.window_size[1], dtype=f32) / f32(self.window_size[1] - 1)
        table = np.stack(np.meshgrid(rel_h, rel_w, indexing="ij")).transpose(1, 2, 0)[None] * f32(8)  # in [-8, 8]
        table = np.sign(table) * np.log2(np.abs(table) + f32(1.0)) / f32(3.0)
        self.register_buffer("relative_coords_table", tensor(table))

    def get_relative_position_bias(self) -> Tensor:
        bias = _get_relative_position_bias(self.cpb_mlp(self.relative_coords_table).reshape(-1, self.num_heads),
                                           self.relative_position_index, self.window_size)
        return 16 * bias.sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        """[B, H, W, C] -> [B, H, W, C]."""
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, self.get_relative_position_bias(),
                                        self.window_size, self.num_heads, shift_size=self.shift_size,
                                        attention_dropout=self.attention_dropout, dropout=self.dropout,
                                        qkv_bias=self.qkv.bias, proj_bias=self.proj.bias,
                                        logit_scale=self.logit_scale, training=self.training)


class SwinTransformerBlock(nn.Module):
    """Pre-norm block: x + drop(attn(norm1(x))), then x + drop(mlp(norm2(x)))."""

    def __init__(self, dim: int, num_heads: int, window_size: list[int], shift_size: list[int],
                 mlp_ratio: float = 4.0, dropout: float = 0.0, attention_dropout: float = 0.0,
                 stochastic_depth_prob: float = 0.0, norm_layer: Callable[..., nn.Module] = nn.LayerNorm,
                 attn_layer: Callable[..., nn.Module] = ShiftedWindowAttention) -> None:
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = attn_layer(dim, window_size, shift_size, num_heads, attention_dropout=attention_dropout,
                               dropout=dropout)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.norm2 = norm_layer(dim)
        self.mlp = MLP(dim, [int(dim * mlp_ratio), dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.mlp.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.stochastic_depth(self.attn(self.norm1(x)))
        return x + self.stochastic_depth(self.mlp(self.norm2(x)))


class SwinTransformerBlockV2(SwinTransformerBlock):
    """V2's post-norm block: x + drop(norm1(attn(x))), then x + drop(norm2(mlp(x)))."""

    def __init__(self, dim: int, num_heads: int, window_size: list[int], shift_size: list[int],
                 mlp_ratio: float = 4.0, dropout: float = 0.0, attention_dropout: float = 0.0,
                 stochastic_depth_prob: float = 0.0, norm_layer: Callable[..., nn.Module] = nn.LayerNorm,
                 attn_layer: Callable[..., nn.Module] = ShiftedWindowAttentionV2) -> None:
        super().__init__(dim, num_heads, window_size, shift_size, mlp_ratio=mlp_ratio, dropout=dropout,
                         attention_dropout=attention_dropout, stochastic_depth_prob=stochastic_depth_prob,
                         norm_layer=norm_layer, attn_layer=attn_layer)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.stochastic_depth(self.norm1(self.attn(x)))
        return x + self.stochastic_depth(self.norm2(self.mlp(x)))


class SwinTransformer(nn.Module):
    """Patch embedding, stages of (shifted-)window blocks with patch merging between them, pooled linear head."""

    def __init__(self, patch_size: list[int], embed_dim: int, depths: list[int], num_heads: list[int],
                 window_size: list[int], mlp_ratio: float = 4.0, dropout: float = 0.0,
                 attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.1, num_classes: int = 1000,
                 norm_layer: Callable[..., nn.Module] | None = None, block: Callable[..., nn.Module] | None = None,
                 downsample_layer: Callable[..., nn.Module] = PatchMerging) -> None:
        super().__init__()
        self.num_classes = num_classes
        block = block or SwinTransformerBlock
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-5)
        layers: list[nn.Module] = [nn.Sequential(
            nn.Conv2d(3, embed_dim, kernel_size=(patch_size[0], patch_size[1]),
                      stride=(patch_size[0], patch_size[1])),
            Permute([0, 2, 3, 1]),  # the blocks work channels-last
            norm_layer(embed_dim))]
        total_blocks = sum(depths)
        block_id = 0
        for i_stage, depth in enumerate(depths):
            dim = embed_dim * 2 ** i_stage
            stage: list[nn.Module] = []
            for i_layer in range(depth):
                stage.append(block(dim, num_heads[i_stage], window_size=window_size,
                                   # every other block shifts its windows by half a window
                                   shift_size=[0 if i_layer % 2 == 0 else w // 2 for w in window_size],
                                   mlp_ratio=mlp_ratio, dropout=dropout, attention_dropout=attention_dropout,
                                   stochastic_depth_prob=stochastic_depth_prob * block_id / (total_blocks - 1),
                                   norm_layer=norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if i_stage < len(depths) - 1:
                layers.append(downsample_layer(dim, norm_layer))
        self.features = nn.Sequential(*layers)
        num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(num_features)
        self.permute = Permute([0, 3, 1, 2])  # B H W C -> B C H W
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.head = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.permute(self.norm(self.features(x)))
        return self.head(self.flatten(self.avgpool(x)))


def _swin_transformer(patch_size: list[int], embed_dim: int, depths: list[int], num_heads: list[int],
                      window_size: list[int], stochastic_depth_prob: float, weights: WeightsEnum | None,
                      progress: bool, **kwargs: Any) -> SwinTransformer:
    return _build_model(partial(SwinTransformer, patch_size=patch_size, embed_dim=embed_dim, depths=depths,
                                num_heads=num_heads, window_size=window_size,
                                stochastic_depth_prob=stochastic_depth_prob), weights, progress, **kwargs)


def _weights(file: str, crop: int, resize: int, num_params: int, acc1: float, acc5: float, ops: float,
             size: float, v2: bool = False) -> Weights:
    recipe = "https://github.com/pytorch/vision/tree/main/references/classification#swintransformer"
    return _imagenet1k_weights("https://download.pytorch.org/models/" + file, num_params, acc1, acc5, ops, size,
                               min_size=(crop, crop), recipe=recipe + ("-v2" if v2 else ""),
                               docs="These weights reproduce closely the results of the paper using a similar "
                                    "training recipe.",
                               crop_size=crop, resize_size=resize, interpolation=InterpolationMode.BICUBIC)


class Swin_T_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_t-704ceda3.pth", 224, 232, 28288354, 81.474, 95.776, 4.491, 108.190)
    DEFAULT = IMAGENET1K_V1


class Swin_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_s-5e29d889.pth", 224, 246, 49606258, 83.196, 96.360, 8.741, 189.786)
    DEFAULT = IMAGENET1K_V1


class Swin_B_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_b-68c6b09e.pth", 224, 238, 87768224, 83.582, 96.640, 15.431, 335.364)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_T_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_t-b137f0e2.pth", 256, 260, 28351570, 82.072, 96.132, 5.94, 108.626, v2=True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_s-637d8ceb.pth", 256, 260, 49737442, 83.712, 96.816, 11.546, 190.675, v2=True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_B_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("swin_v2_b-781e5279.pth", 256, 272, 87930848, 84.112, 96.864, 20.325, 336.372, v2=True)
    DEFAULT = IMAGENET1K_V1


_V2 = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2}


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_T_Weights.IMAGENET1K_V1))
def swin_t(*, weights: Swin_T_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-T; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 96, [2, 2, 6, 2], [3, 6, 12, 24], [7, 7], 0.2, Swin_T_Weights.verify(weights),
                             progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_S_Weights.IMAGENET1K_V1))
def swin_s(*, weights: Swin_S_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-S; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 96, [2, 2, 18, 2], [3, 6, 12, 24], [7, 7], 0.3, Swin_S_Weights.verify(weights),
                             progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_B_Weights.IMAGENET1K_V1))
def swin_b(*, weights: Swin_B_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-B; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 128, [2, 2, 18, 2], [4, 8, 16, 32], [7, 7], 0.5,
                             Swin_B_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_V2_T_Weights.IMAGENET1K_V1))
def swin_v2_t(*, weights: Swin_V2_T_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-V2-T; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 96, [2, 2, 6, 2], [3, 6, 12, 24], [8, 8], 0.2,
                             Swin_V2_T_Weights.verify(weights), progress, **_V2, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_V2_S_Weights.IMAGENET1K_V1))
def swin_v2_s(*, weights: Swin_V2_S_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-V2-S; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 96, [2, 2, 18, 2], [3, 6, 12, 24], [8, 8], 0.3,
                             Swin_V2_S_Weights.verify(weights), progress, **_V2, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Swin_V2_B_Weights.IMAGENET1K_V1))
def swin_v2_b(*, weights: Swin_V2_B_Weights | None = None, progress: bool = True, **kwargs: Any) -> SwinTransformer:
    """Swin-V2-B; kwargs go to SwinTransformer."""
    return _swin_transformer([4, 4], 128, [2, 2, 18, 2], [4, 8, 16, 32], [8, 8], 0.5,
                             Swin_V2_B_Weights.verify(weights), progress, **_V2, **kwargs)
