"""flow_to_image: optical flow (u, v) to colours on the Middlebury colour wheel (torchvision.utils)."""
from __future__ import annotations

import math

import numpy as np

import flambeau
from flambeau import Tensor

# hue segments of the wheel: red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red
_SEGMENTS = (15, 6, 4, 11, 13, 6)


def _colorwheel() -> np.ndarray:
    """The (55, 3) wheel of Baker et al. (ICCV 2007): in each segment one channel ramps up or down."""
    wheel = np.zeros((sum(_SEGMENTS), 3), np.float32)
    start = 0
    # (channel held at 255, channel that ramps, whether it ramps up) per segment
    for n, (full, ramp, up) in zip(_SEGMENTS, ((0, 1, True), (1, 0, False), (1, 2, True),
                                               (2, 1, False), (2, 0, True), (0, 2, False))):
        steps = np.floor(np.float32(255) * np.arange(n, dtype=np.float32) / np.float32(n))
        wheel[start:start + n, full] = 255
        wheel[start:start + n, ramp] = steps if up else 255 - steps
        start += n
    return wheel


@flambeau.no_grad()
def flow_to_image(flow: Tensor) -> Tensor:
    """A float32 flow (2, H, W) or (N, 2, H, W) as uint8 RGB images (3, H, W) / (N, 3, H, W): the direction
    picks the hue, the magnitude (relative to the largest in the input) the saturation."""
    if flow.dtype != flambeau.float32:
        raise ValueError(f"Flow should be of dtype torch.float, got {flow.dtype}.")
    shape = flow.shape
    if flow.ndim == 3:
        flow = flow[None]
    if flow.ndim != 4 or flow.shape[1] != 2:
        raise ValueError(f"Input flow should have shape (2, H, W) or (N, 2, H, W), got {shape}.")
    max_norm = flambeau.sum(flow.pow(2), dim=1).sqrt().max()
    flow = flow / (max_norm + flambeau.finfo(flow.dtype).eps)
    wheel = flambeau.from_numpy(_colorwheel()).to(flow.device)
    count = wheel.shape[0]
    norm = flambeau.sum(flow.pow(2), dim=1).sqrt()
    angle = flambeau.atan2(-flow[:, 1], -flow[:, 0]) / math.pi
    position = (angle + 1) / 2 * (count - 1)
    k0 = flambeau.floor(position).to(flambeau.long)
    k1 = flambeau.where(k0 + 1 == count, flambeau.zeros_like(k0), k0 + 1)
    f = position - k0
    channels = []
    for c in range(3):
        col = (1 - f) * (wheel[:, c][k0] / 255.0) + f * (wheel[:, c][k1] / 255.0)
        col = 1 - norm * (1 - col)
        channels.append(flambeau.floor(255 * col).to(flambeau.uint8))
    image = flambeau.stack(channels, dim=1)
    return image[0] if len(shape) == 3 else image
