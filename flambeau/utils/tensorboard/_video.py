"""Videos for TensorBoard: a batch of clips tiled frame by frame, stored as an animated GIF."""
from __future__ import annotations

import io

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary

from ._image import pil_image


def tile_video(video: np.ndarray) -> np.ndarray:
    """B x T x C x H x W clips (uint8, or floats in [0, 1]) as T x H' x W' x C uint8 frames.

    The batch is padded with black clips to a power of two and laid out in a grid at most as tall as wide.
    """
    batch, frames, channels, height, width = video.shape
    if video.dtype == np.uint8:
        video = np.float32(video) / 255.0
    padded = 1 << (batch - 1).bit_length()
    if padded != batch:
        video = np.concatenate([video, np.zeros((padded - batch, frames, channels, height, width))])
    rows = 2 ** ((batch.bit_length() - 1) // 2)
    cols = padded // rows
    grid = video.reshape(rows, cols, frames, channels, height, width).transpose(2, 0, 4, 1, 5, 3)
    grid = grid.reshape(frames, rows * height, cols * width, channels)
    return (grid.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)


def make_video(frames: np.ndarray, fps: float) -> Summary.Image:
    """T x H x W x C uint8 frames as a looping GIF shown at `fps` frames a second (encoded by Pillow)."""
    _, height, width, channels = frames.shape
    Image = pil_image()
    pictures = [Image.fromarray(frame[:, :, 0] if channels == 1 else frame) for frame in frames]
    with io.BytesIO() as buffer:
        pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:],
                         duration=1000 / fps, loop=0)
        encoded = buffer.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)
