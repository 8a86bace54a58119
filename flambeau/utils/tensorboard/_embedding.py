"""The files TensorBoard's projector reads for one embedding: vectors, labels and a sprite of thumbnails."""
from __future__ import annotations

import io
import math
import os
from typing import Any

import numpy as np
from tensorboard.compat import tf
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

from ._image import make_grid, pil_image


def write_embedding(save_path: str, mat: np.ndarray, metadata: list[Any] | None, label_img: np.ndarray | None,
                    metadata_header: list[str] | None) -> None:
    """Write tensors.tsv and, when given, metadata.tsv and sprite.png into `save_path`."""
    if metadata is not None:
        if mat.shape[0] != len(metadata):
            raise AssertionError("#labels should equal with #data points")
        _write(save_path, "metadata.tsv", _metadata_tsv(metadata, metadata_header))
    if label_img is not None:
        if mat.shape[0] != label_img.shape[0]:
            raise AssertionError("#images should equal with #data points")
        _write(save_path, "sprite.png", _sprite_png(label_img))
    if mat.ndim != 2:
        raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
    rows = ("\t".join(str(v) for v in row) + "\n" for row in mat.tolist())
    _write(save_path, "tensors.tsv", "".join(rows).encode())


def embedding_info(tag: str, global_step: int, subdir: str, has_metadata: bool,
                   label_img: np.ndarray | None) -> EmbeddingInfo:
    """The projector config entry pointing at the files of one embedding (paths relative to the run)."""
    info = EmbeddingInfo(tensor_name=f"{tag}:{str(global_step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv")
    if has_metadata:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    return info


def _metadata_tsv(metadata: list[Any], header: list[str] | None) -> bytes:
    """One label per line, or with a header, tab-separated columns of label lists."""
    if not header:
        lines = [str(label) for label in metadata]
    else:
        if len(header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(cell) for cell in row) for row in [header, *metadata]]
    return ("\n".join(lines) + "\n").encode()


def _sprite_png(label_img: np.ndarray) -> bytes:
    """The NCHW thumbnails (floats in [0, 1]) tiled in a square grid, as the projector expects."""
    per_row = math.ceil(label_img.shape[0] ** 0.5)
    grid = make_grid(label_img, ncols=per_row).transpose(1, 2, 0)
    side = grid.shape[1]
    square = np.zeros((side, side, 3))
    square[:grid.shape[0]] = grid
    with io.BytesIO() as buffer:
        pil_image().fromarray(np.uint8((square * 255).clip(0, 255))).save(buffer, format="PNG")
        return buffer.getvalue()


def _write(directory: str, name: str, data: bytes) -> None:
    with tf.io.gfile.GFile(os.path.join(directory, name), "wb") as f:
        f.write(data)
