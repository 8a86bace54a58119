"""Stereo matching datasets. A sample is (left image, right image, left disparity) as (RGB PIL image,
RGB PIL image, float (1, H, W) numpy array or None), plus a boolean valid mask (H, W) (or None) for the
datasets that ship one."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
from glob import glob
from typing import Any, Callable, Optional, Union

import numpy as np

import flambeau

from .._pil import pil_image
from .utils import _read_pfm, download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["CarlaStereo", "Kitti2012Stereo", "Kitti2015Stereo", "Middlebury2014Stereo", "CREStereo",
           "FallingThingsStereo", "SceneFlowStereo", "SintelStereo", "InStereo2k", "ETH3DStereo"]

PathLike = Union[str, pathlib.Path]
Disparity = tuple[Optional[np.ndarray], Optional[np.ndarray]]


def _read_pfm_disparity(path: PathLike) -> np.ndarray:
    """A PFM disparity (its first channel), made non-negative (some sets store them negated)."""
    return np.abs(_read_pfm(path, slice_channels=1))


class StereoMatchingDataset(VisionDataset):
    """`_images` and `_disparities` hold (left, right) path pairs; `_read_disparity` gives (map, mask)."""

    _has_built_in_disparity_mask = False

    def __init__(self, root: PathLike, transforms: Optional[Callable] = None) -> None:
        super().__init__(root=root)
        self.transforms = transforms
        self._images: list[tuple[str, Optional[str]]] = []
        self._disparities: list[tuple[Optional[str], Optional[str]]] = []

    def _read_img(self, file_path: PathLike) -> Any:
        img = pil_image().open(file_path)
        return img if img.mode == "RGB" else img.convert("RGB")

    def _scan_pairs(self, left_pattern: str, right_pattern: Optional[str] = None) -> list[tuple[str, Optional[str]]]:
        """Sorted matches of the two patterns, paired in order (right None without a pattern)."""
        left = sorted(glob(left_pattern))
        right: list[Optional[str]] = sorted(glob(right_pattern)) if right_pattern else [None] * len(left)
        if not left:
            raise FileNotFoundError(f"Could not find any files matching the patterns: {left_pattern}")
        if not right:
            raise FileNotFoundError(f"Could not find any files matching the patterns: {right_pattern}")
        if len(left) != len(right):
            raise ValueError(f"Found {len(left)} left files but {len(right)} right files using:\n left pattern: "
                             f"{left_pattern}\nright pattern: {right_pattern}\n")
        return list(zip(left, right))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        raise NotImplementedError

    def __getitem__(self, index: int) -> tuple:
        images = tuple(self._read_img(path) for path in self._images[index])
        (left, left_mask), (right, right_mask) = (self._read_disparity(p) for p in self._disparities[index])
        maps, masks = (left, right), (left_mask, right_mask)
        if self.transforms is not None:
            images, maps, masks = self.transforms(images, maps, masks)
        if self._has_built_in_disparity_mask or masks[0] is not None:
            return images[0], images[1], maps[0], masks[0]
        return images[0], images[1], maps[0]

    def __len__(self) -> int:
        return len(self._images)


class CarlaStereo(StereoMatchingDataset):
    """The CARLA high-res set of CREStereo: `root/carla-highres/trainingF/<scene>/{im0,im1}.png, disp{0,1}GT.pfm`."""

    def __init__(self, root: PathLike, transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        base = pathlib.Path(root) / "carla-highres" / "trainingF" / "*"
        self._images = self._scan_pairs(str(base / "im0.png"), str(base / "im1.png"))
        self._disparities = self._scan_pairs(str(base / "disp0GT.pfm"), str(base / "disp1GT.pfm"))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        return _read_pfm_disparity(file_path), None


class _KittiStereo(StereoMatchingDataset):
    """KITTI disparities are 16-bit PNGs holding disparity * 256 (0 where unknown)."""

    _has_built_in_disparity_mask = True

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        if file_path is None:
            return None, None
        return (np.asarray(pil_image().open(file_path)) / 256.0)[None, :, :], None


class Kitti2012Stereo(_KittiStereo):
    """KITTI 2012: `root/Kitti2012/{training,testing}/colored_{0,1}/*_10.png` and `disp_noc/*.png`."""

    def __init__(self, root: PathLike, split: str = "train", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = pathlib.Path(root) / "Kitti2012" / (split + "ing")
        self._images = self._scan_pairs(str(base / "colored_0" / "*_10.png"), str(base / "colored_1" / "*_10.png"))
        self._disparities = (self._scan_pairs(str(base / "disp_noc" / "*.png")) if split == "train"
                             else [(None, None)] * len(self._images))


class Kitti2015Stereo(_KittiStereo):
    """KITTI 2015: `root/Kitti2015/{training,testing}/image_{2,3}/*.png` and `disp_occ_{0,1}/*.png`."""

    def __init__(self, root: PathLike, split: str = "train", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = pathlib.Path(root) / "Kitti2015" / (split + "ing")
        self._images = self._scan_pairs(str(base / "image_2" / "*.png"), str(base / "image_3" / "*.png"))
        self._disparities = (self._scan_pairs(str(base / "disp_occ_0" / "*.png"), str(base / "disp_occ_1" / "*.png"))
                             if split == "train" else [(None, None)] * len(self._images))


class Middlebury2014Stereo(StereoMatchingDataset):
    """Middlebury 2014: `root/Middlebury2014/<split>/<scene>[-perfect|-imperfect]/{im0,im1}.png, disp{0,1}.pfm`.

    With `use_ambient_views`, the right image is drawn (from flambeau's RNG) among im1.png and the
    im1E/im1L variants under other exposure or lighting."""

    splits = {
        "train": ["Adirondack", "Jadeplant", "Motorcycle", "Piano", "Pipes", "Playroom", "Playtable", "Recycle",
                  "Shelves", "Vintage"],
        "additional": ["Backpack", "Bicycle1", "Cable", "Classroom1", "Couch", "Flowers", "Mask", "Shopvac",
                       "Sticks", "Storage", "Sword1", "Sword2", "Umbrella"],
        "test": ["Plants", "Classroom2E", "Classroom2", "Australia", "DjembeL", "CrusadeP", "Crusade", "Hoops",
                 "Bicycle2", "Staircase", "Newkuba", "AustraliaP", "Djembe", "Livingroom", "Computer"],
    }
    _has_built_in_disparity_mask = True

    def __init__(self, root: PathLike, split: str = "train", calibration: Optional[str] = "perfect",
                 use_ambient_views: bool = False, transforms: Optional[Callable] = None,
                 download: bool = False) -> None:
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test", "additional"))
        self.split = split
        if calibration:
            verify_str_arg(calibration, "calibration", valid_values=("perfect", "imperfect", "both", None))
            if split == "test":
                raise ValueError("Split 'test' has only no calibration settings, please set `calibration=None`.")
        elif split != "test":
            raise ValueError(f"Split '{split}' has calibration settings, however None was provided as an argument."
                             f"\nSetting calibration to 'perfect' for split '{split}'. Available calibration "
                             "settings are: 'perfect', 'imperfect', 'both'.")
        if download:
            self._download_dataset(root)
        base = pathlib.Path(root) / "Middlebury2014"
        if not os.path.exists(base / split):
            raise FileNotFoundError(f"The {split} directory was not found in the provided root directory")
        if not any(scene.startswith(s) for scene in os.listdir(base / split) for s in self.splits[split]):
            raise FileNotFoundError(f"Provided root folder does not contain any scenes from the {split} split.")
        suffixes = {None: [""], "perfect": ["-perfect"], "imperfect": ["-imperfect"],
                    "both": ["-perfect", "-imperfect"]}[calibration]
        for suffix in suffixes:
            scenes = base / split / ("*" + suffix)
            self._images += self._scan_pairs(str(scenes / "im0.png"), str(scenes / "im1.png"))
            if split == "test":
                self._disparities = [(None, None)] * len(self._images)
            else:
                self._disparities += self._scan_pairs(str(scenes / "disp0.pfm"), str(scenes / "disp1.pfm"))
        self.use_ambient_views = use_ambient_views

    def _read_img(self, file_path: PathLike) -> Any:
        file_path = pathlib.Path(file_path)
        if file_path.name == "im1.png" and self.use_ambient_views:
            views = [p for p in (file_path.parent / "im1E.png", file_path.parent / "im1L.png") if p.exists()]
            views.append(file_path)
            file_path = views[int(flambeau.randint(len(views), ()))]
        return super()._read_img(file_path)

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        if file_path is None:
            return None, None
        disparity = _read_pfm_disparity(file_path)
        disparity[disparity == np.inf] = 0  # infinity marks unknown pixels
        return disparity, (disparity > 0).squeeze(0)

    def _download_dataset(self, root: PathLike) -> None:
        base_url = "https://vision.middlebury.edu/stereo/data/scenes2014/zip"
        base = pathlib.Path(root) / "Middlebury2014"
        if self.split != "test":
            split_root = base / self.split
            for scene in self.splits[self.split]:
                for calibration in ("perfect", "imperfect"):
                    name = f"{scene}-{calibration}"
                    if not (split_root / name).exists():
                        download_and_extract_archive(url=f"{base_url}/{name}.zip", filename=f"{name}.zip",
                                                     download_root=str(split_root), remove_finished=True)
            return
        os.makedirs(base / "test", exist_ok=True)
        if any(s not in os.listdir(base / "test") for s in self.splits["test"]):
            download_and_extract_archive(url="https://vision.middlebury.edu/stereo/submit3/zip/MiddEval3-data-F.zip",
                                         download_root=str(base), remove_finished=True)
            for scene_dir, scene_names, _ in os.walk(str(base / "MiddEval3" / "testF")):
                for scene in scene_names:
                    shutil.move(str(pathlib.Path(scene_dir) / scene), str(base / "test"))
            shutil.rmtree(str(base / "MiddEval3"))


class CREStereo(StereoMatchingDataset):
    """CREStereo's synthetic set: `root/CREStereo/{shapenet,reflective,tree,hole}/*_{left,right}.jpg` with
    `*_{left,right}.disp.png` (disparity * 32)."""

    _has_built_in_disparity_mask = True

    def __init__(self, root: PathLike, transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        base = pathlib.Path(root) / "CREStereo"
        for folder in ("shapenet", "reflective", "tree", "hole"):
            self._images += self._scan_pairs(str(base / folder / "*_left.jpg"), str(base / folder / "*_right.jpg"))
            self._disparities += self._scan_pairs(str(base / folder / "*_left.disp.png"),
                                                  str(base / folder / "*_right.disp.png"))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        return np.asarray(pil_image().open(file_path), dtype=np.float32)[None, :, :] / 32.0, None


class FallingThingsStereo(StereoMatchingDataset):
    """Falling Things: `root/FallingThings/{single/*/*,mixed/*}/*.{left,right}.jpg` with 16-bit depth PNGs,
    turned into disparity with the folder's camera focal length (baseline 6 cm, 100 pixels per cm)."""

    def __init__(self, root: PathLike, variant: str = "single", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        base = pathlib.Path(root) / "FallingThings"
        verify_str_arg(variant, "variant", valid_values=("single", "mixed", "both"))
        prefixes = {"single": pathlib.Path("*") / "*", "mixed": pathlib.Path("*")}
        for name in ["single", "mixed"] if variant == "both" else [variant]:
            scenes = base / name / prefixes[name]
            self._images += self._scan_pairs(str(scenes / "*.left.jpg"), str(scenes / "*.right.jpg"))
            self._disparities += self._scan_pairs(str(scenes / "*.left.depth.png"), str(scenes / "*.right.depth.png"))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        depth = np.asarray(pil_image().open(file_path))
        with open(pathlib.Path(file_path).parent / "_camera_settings.json") as f:
            focal = json.load(f)["camera_settings"][0]["intrinsic_settings"]["fx"]
        baseline, pixel_constant = 6, 100
        return (baseline * focal * pixel_constant / depth.astype(np.float32))[None, :, :], None


class SceneFlowStereo(StereoMatchingDataset):
    """SceneFlow (FlyingThings3D, Driving, Monkaa): frames_{clean,final}pass/.../{left,right}/*.png and
    disparity/.../{left,right}/*.pfm under `root/SceneFlow/<variant>/`."""

    def __init__(self, root: PathLike, variant: str = "FlyingThings3D", pass_name: str = "clean",
                 transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        verify_str_arg(variant, "variant", valid_values=("FlyingThings3D", "Driving", "Monkaa"))
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        passes = {"clean": ["frames_cleanpass"], "final": ["frames_finalpass"],
                  "both": ["frames_cleanpass", "frames_finalpass"]}[pass_name]
        base = pathlib.Path(root) / "SceneFlow" / variant
        prefix = pathlib.Path("*") if variant == "Monkaa" else pathlib.Path("*") / "*" / "*"
        for frames in passes:
            self._images += self._scan_pairs(str(base / frames / prefix / "left" / "*.png"),
                                             str(base / frames / prefix / "right" / "*.png"))
            self._disparities += self._scan_pairs(str(base / "disparity" / prefix / "left" / "*.pfm"),
                                                  str(base / "disparity" / prefix / "right" / "*.pfm"))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        return _read_pfm_disparity(file_path), None


class SintelStereo(StereoMatchingDataset):
    """Sintel stereo: `root/Sintel/training/{final,clean}_{left,right}/<scene>/*.png`; disparities are RGB
    PNGs (R * 4 + G / 2**6 + B / 2**14), valid where neither occlusions/ nor outofframe/ marks the pixel."""

    _has_built_in_disparity_mask = True

    def __init__(self, root: PathLike, pass_name: str = "final", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        verify_str_arg(pass_name, "pass_name", valid_values=("final", "clean", "both"))
        base = pathlib.Path(root) / "Sintel" / "training"
        for name in ["final", "clean"] if pass_name == "both" else [pass_name]:
            self._images += self._scan_pairs(str(base / f"{name}_left" / "*" / "*.png"),
                                             str(base / f"{name}_right" / "*" / "*.png"))
            self._disparities += self._scan_pairs(str(base / "disparities" / "*" / "*.png"))

    @staticmethod
    def _get_occlussion_mask_paths(file_path: str) -> tuple[str, str]:
        path = pathlib.Path(file_path)
        sample_dir = path.parent.parent.parent
        occlusion = str(sample_dir / "occlusions" / path.parent.name / path.name)
        out_of_frame = str(sample_dir / "outofframe" / path.parent.name / path.name)
        if not os.path.exists(occlusion):
            raise FileNotFoundError(f"Occlusion mask {occlusion} does not exist")
        if not os.path.exists(out_of_frame):
            raise FileNotFoundError(f"Out of frame mask {out_of_frame} does not exist")
        return occlusion, out_of_frame

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        if file_path is None:
            return None, None
        rgb = np.asarray(pil_image().open(file_path), dtype=np.float32)
        r, g, b = np.split(rgb, 3, axis=-1)
        disparity = np.transpose(r * 4 + g / 2**6 + b / 2**14, (2, 0, 1))
        occlusion, out_of_frame = self._get_occlussion_mask_paths(file_path)
        valid = (np.asarray(pil_image().open(occlusion)) == 0) & (np.asarray(pil_image().open(out_of_frame)) == 0)
        return disparity, valid


class InStereo2k(StereoMatchingDataset):
    """InStereo2k: `root/InStereo2k/<split>/<scene>/{left,right}.png, {left,right}_disp.png` (disparity * 1024)."""

    def __init__(self, root: PathLike, split: str = "train", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        base = pathlib.Path(root) / "InStereo2k" / split
        verify_str_arg(split, "split", valid_values=("train", "test"))
        self._images = self._scan_pairs(str(base / "*" / "left.png"), str(base / "*" / "right.png"))
        self._disparities = self._scan_pairs(str(base / "*" / "left_disp.png"), str(base / "*" / "right_disp.png"))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        return np.asarray(pil_image().open(file_path), dtype=np.float32)[None, :, :] / 1024.0, None


class ETH3DStereo(StereoMatchingDataset):
    """ETH3D two-view: `root/ETH3D/two_view_{training,test}/<scene>/{im0,im1}.png` and, for 'train',
    `two_view_training_gt/<scene>/disp0GT.pfm` with its mask0nocc.png."""

    _has_built_in_disparity_mask = True

    def __init__(self, root: PathLike, split: str = "train", transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = pathlib.Path(root) / "ETH3D"
        images = base / ("two_view_training" if split == "train" else "two_view_test") / "*"
        self._images = self._scan_pairs(str(images / "im0.png"), str(images / "im1.png"))
        self._disparities = (self._scan_pairs(str(base / "two_view_training_gt" / "*" / "disp0GT.pfm"))
                             if split == "train" else [(None, None)] * len(self._images))

    def _read_disparity(self, file_path: Optional[str]) -> Disparity:
        if file_path is None:
            return None, None
        mask = np.asarray(pil_image().open(pathlib.Path(file_path).parent / "mask0nocc.png")).astype(bool)
        return _read_pfm_disparity(file_path), mask
