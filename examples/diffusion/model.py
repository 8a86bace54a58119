"""A small U-Net that predicts the noise in a noised 28 x 28 digit, told the diffusion step by a sinusoidal embedding.

Two resolutions below the input (28 -> 14 -> 7), one residual block at each on the way down and up, skip
connections by concatenation, GroupNorm and SiLU as in Ho et al.'s DDPM U-Net (without its attention layers,
which 7 x 7 digits do not need).
"""
import math

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F


def timestep_embedding(t, dim):
    """Transformer-style sinusoids of the step numbers `t` (shape N): N x dim, frequencies from 1 to 1/10000."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with the step's embedding added in between; a 1x1 convolution on the skip path when
    the width changes."""

    def __init__(self, in_channels, out_channels, time_dim, groups=8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time = nn.Linear(time_dim, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    def __init__(self, width=32, time_dim=128):
        super().__init__()
        self.width = width
        self.time_mlp = nn.Sequential(nn.Linear(width, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.down1 = ResidualBlock(width, width, time_dim)  # 28 x 28
        self.pool1 = nn.Conv2d(width, width, 3, stride=2, padding=1)  # -> 14 x 14
        self.down2 = ResidualBlock(width, 2 * width, time_dim)
        self.pool2 = nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1)  # -> 7 x 7
        self.middle = ResidualBlock(2 * width, 2 * width, time_dim)
        self.up2 = ResidualBlock(4 * width, 2 * width, time_dim)  # 14 x 14, with down2's output alongside
        self.up1 = ResidualBlock(3 * width, width, time_dim)  # 28 x 28, with down1's output alongside
        self.head = nn.Sequential(nn.GroupNorm(8, width), nn.SiLU(), nn.Conv2d(width, 1, 3, padding=1))

    def forward(self, x, t):
        emb = self.time_mlp(timestep_embedding(t, self.width))
        h1 = self.down1(self.stem(x), emb)
        h2 = self.down2(self.pool1(h1), emb)
        h = self.middle(self.pool2(h2), emb)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2, mode="nearest"), h2], dim=1), emb)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2, mode="nearest"), h1], dim=1), emb)
        return self.head(h)
