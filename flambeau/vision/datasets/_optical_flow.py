"""Optical flow datasets: Sintel, FlyingChairs, FlyingThings3D, KittiFlow, HD1K. A sample is (image1, image2,
flow), the flow a float32 numpy array (2, H, W) or None where the split has no ground truth; KittiFlow and
HD1K add the boolean (H, W) mask of pixels whose flow is known."""
from __future__ import annotations

import itertools
import os
import pathlib
from glob import glob
from typing import Any, Callable, Optional, Union

import numpy as np

from flambeau.utils.data import ConcatDataset

from .._png16 import decode_png16
from .folder import default_loader
from .utils import _read_pfm, verify_str_arg
from .vision import VisionDataset

__all__ = ["Sintel", "FlyingChairs", "FlyingThings3D", "KittiFlow", "HD1K"]


def _read_flo(file_name: str) -> np.ndarray:
    """A Middlebury .flo file: 'PIEH', width and height as little-endian int32, then (H, W, 2) float32."""
    with open(file_name, "rb") as f:
        if f.read(4) != b"PIEH":
            raise ValueError("Magic number incorrect. Invalid .flo file")
        width, height = (int(v) for v in np.fromfile(f, "<i4", count=2))
        data = np.fromfile(f, "<f4", count=2 * width * height)
    if data.size != 2 * width * height:
        raise ValueError(f"{file_name}: truncated .flo file ({data.size} of {2 * width * height} values)")
    return data.reshape(height, width, 2).transpose(2, 0, 1)


def _read_16bits_png_with_flow_and_valid_mask(file_name: str) -> tuple[np.ndarray, np.ndarray]:
    """KITTI-style flow PNGs: 16-bit RGB holding u and v as 64 * flow + 2**15, and a validity channel."""
    with open(file_name, "rb") as f:
        flow_and_valid = decode_png16(f.read()).transpose(2, 0, 1).astype(np.float32)
    flow = (flow_and_valid[:2] - 2**15) / 64
    return flow, flow_and_valid[2].astype(bool)


def _sorted_glob(pattern: Union[str, pathlib.Path]) -> list[str]:
    return sorted(glob(str(pattern)))


class FlowDataset(VisionDataset):
    """Pairs of consecutive frames (`_image_list`) with their flow files (`_flow_list`, may be empty)."""

    def __init__(self, root: Union[str, pathlib.Path], transforms: Optional[Callable] = None,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root=root)
        self.transforms = transforms
        self._flow_list: list[str] = []
        self._image_list: list[list[str]] = []
        self._loader = loader

    def _read_flow(self, file_name: str) -> np.ndarray:
        raise NotImplementedError

    _has_builtin_flow_mask = False  # whether _read_flow returns (flow, valid mask)

    def __getitem__(self, index: int) -> tuple:
        first, second = (self._loader(path) for path in self._image_list[index])
        flow = mask = None
        if self._flow_list:
            flow = self._read_flow(self._flow_list[index])
            if self._has_builtin_flow_mask:
                flow, mask = flow
        if self.transforms is not None:
            first, second, flow, mask = self.transforms(first, second, flow, mask)
        if self._has_builtin_flow_mask or mask is not None:
            return first, second, flow, mask
        return first, second, flow

    def __len__(self) -> int:
        return len(self._image_list)

    def __rmul__(self, v: int) -> ConcatDataset:
        return ConcatDataset([self] * v)


class Sintel(FlowDataset):
    """MPI Sintel: `root/Sintel/{training,test}/{clean,final}/<scene>/frame_NNNN.png` and, for 'train',
    `training/flow/<scene>/frame_NNNN.flo`; `pass_name` 'clean', 'final' or 'both'."""

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", pass_name: str = "clean",
                 transforms: Optional[Callable] = None, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root=root, transforms=transforms, loader=loader)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        root = pathlib.Path(root) / "Sintel"
        for name in ["clean", "final"] if pass_name == "both" else [pass_name]:
            image_root = root / ("training" if split == "train" else split) / name
            for scene in sorted(os.listdir(image_root)):
                frames = _sorted_glob(image_root / scene / "*.png")
                self._image_list += [[a, b] for a, b in zip(frames, frames[1:])]
                if split == "train":
                    self._flow_list += _sorted_glob(root / "training" / "flow" / scene / "*.flo")

    def _read_flow(self, file_name: str) -> np.ndarray:
        return _read_flo(file_name)


class FlyingChairs(FlowDataset):
    """FlyingChairs: `root/FlyingChairs/data/NNNNN_img{1,2}.ppm` and `NNNNN_flow.flo`, split by
    FlyingChairs_train_val.txt (1 train, 2 val)."""

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train",
                 transforms: Optional[Callable] = None) -> None:
        super().__init__(root=root, transforms=transforms)
        verify_str_arg(split, "split", valid_values=("train", "val"))
        root = pathlib.Path(root) / "FlyingChairs"
        images = _sorted_glob(root / "data" / "*.ppm")
        flows = _sorted_glob(root / "data" / "*.flo")
        split_file = root / "FlyingChairs_train_val.txt"
        if not split_file.exists():
            raise FileNotFoundError("The FlyingChairs_train_val.txt file was not found - please download it from the "
                                    "dataset page (see docstring).")
        wanted = 1 if split == "train" else 2
        for i, split_id in enumerate(np.loadtxt(str(split_file), dtype=np.int32, ndmin=1)[:len(flows)]):
            if split_id == wanted:
                self._flow_list.append(flows[i])
                self._image_list.append([images[2 * i], images[2 * i + 1]])

    def _read_flow(self, file_name: str) -> np.ndarray:
        return _read_flo(file_name)


class FlyingThings3D(FlowDataset):
    """FlyingThings3D: frames `root/FlyingThings3D/frames_{clean,final}pass/{TRAIN,TEST}/<A|B|C>/<seq>/<camera>/`
    and .pfm flows in `optical_flow/.../<seq>/into_{future,past}/<camera>/`, both directions."""

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", pass_name: str = "clean",
                 camera: str = "left", transforms: Optional[Callable] = None,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root=root, transforms=transforms, loader=loader)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        split = split.upper()
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        passes = {"clean": ["frames_cleanpass"], "final": ["frames_finalpass"],
                  "both": ["frames_cleanpass", "frames_finalpass"]}[pass_name]
        verify_str_arg(camera, "camera", valid_values=("left", "right", "both"))
        cameras = ["left", "right"] if camera == "both" else [camera]
        root = pathlib.Path(root) / "FlyingThings3D"
        for frames_pass, cam, direction in itertools.product(passes, cameras, ("into_future", "into_past")):
            image_dirs = sorted(pathlib.Path(d) / cam for d in _sorted_glob(root / frames_pass / split / "*/*"))
            flow_dirs = sorted(pathlib.Path(d) / direction / cam
                               for d in _sorted_glob(root / "optical_flow" / split / "*/*"))
            if not image_dirs or not flow_dirs:
                raise FileNotFoundError("Could not find the FlyingThings3D flow images. Please make sure the "
                                        "directory structure is correct.")
            for image_dir, flow_dir in zip(image_dirs, flow_dirs):
                images = _sorted_glob(image_dir / "*.png")
                flows = _sorted_glob(flow_dir / "*.pfm")
                for i in range(len(flows) - 1):
                    if direction == "into_future":
                        self._image_list.append([images[i], images[i + 1]])
                        self._flow_list.append(flows[i])
                    else:  # the flow of frame i+1 points back to frame i
                        self._image_list.append([images[i + 1], images[i]])
                        self._flow_list.append(flows[i + 1])

    def _read_flow(self, file_name: str) -> np.ndarray:
        return _read_pfm(file_name)


class KittiFlow(FlowDataset):
    """KITTI 2015 flow: `root/KittiFlow/{training,testing}/image_2/*_{10,11}.png` and, for 'train',
    `flow_occ/*_10.png`; samples carry the valid-flow mask."""

    _has_builtin_flow_mask = True

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transforms: Optional[Callable] = None,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root=root, transforms=transforms, loader=loader)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = pathlib.Path(root) / "KittiFlow" / (split + "ing")
        first = _sorted_glob(base / "image_2" / "*_10.png")
        second = _sorted_glob(base / "image_2" / "*_11.png")
        if not first or not second:
            raise FileNotFoundError("Could not find the Kitti flow images. Please make sure the directory structure "
                                    "is correct.")
        self._image_list = [[a, b] for a, b in zip(first, second)]
        if split == "train":
            self._flow_list = _sorted_glob(base / "flow_occ" / "*_10.png")

    def _read_flow(self, file_name: str) -> tuple[np.ndarray, np.ndarray]:
        return _read_16bits_png_with_flow_and_valid_mask(file_name)


class HD1K(FlowDataset):
    """HD1K: `root/hd1k/hd1k_input/image_2/<seq>_<frame>.png` with `hd1k_flow_gt/flow_occ/` for 'train',
    `hd1k_challenge/image_2/` for 'test'; samples carry the valid-flow mask."""

    _has_builtin_flow_mask = True

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transforms: Optional[Callable] = None,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root=root, transforms=transforms, loader=loader)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = pathlib.Path(root) / "hd1k"
        if split == "train":
            for sequence in range(36):
                flows = _sorted_glob(base / "hd1k_flow_gt" / "flow_occ" / f"{sequence:06d}_*.png")
                images = _sorted_glob(base / "hd1k_input" / "image_2" / f"{sequence:06d}_*.png")
                for i in range(len(flows) - 1):
                    self._flow_list.append(flows[i])
                    self._image_list.append([images[i], images[i + 1]])
        else:
            first = _sorted_glob(base / "hd1k_challenge" / "image_2" / "*10.png")
            second = _sorted_glob(base / "hd1k_challenge" / "image_2" / "*11.png")
            self._image_list = [[a, b] for a, b in zip(first, second)]
        if not self._image_list:
            raise FileNotFoundError("Could not find the HD1K images. Please make sure the directory structure is "
                                    "correct.")

    def _read_flow(self, file_name: str) -> tuple[np.ndarray, np.ndarray]:
        return _read_16bits_png_with_flow_and_valid_mask(file_name)
