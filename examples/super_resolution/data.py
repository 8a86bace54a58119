"""The CIFAR-10 JPEGs shipped in data/ as (low-resolution, original) pairs of luminance (Y) images.

ESPCN works on the Y channel of YCbCr, as pytorch/examples' version does; colour is added back by
bicubic upscaling of Cb and Cr in super_resolve.py. Of each class's 100 images the first 80 train
and the last 20 are held out for testing.
"""
import pathlib

from PIL import Image

import flambeau.utils.data as data
from flambeau.vision.transforms import CenterCrop, Compose, Resize, ToTensor

SHIPPED_IMAGES = pathlib.Path(__file__).resolve().parents[2] / "data" / "cifar10-jpeg-subset" / "test"
IMAGE_SIZE = 32
TRAIN_PER_CLASS = 80


def load_img(path):
    y, _cb, _cr = Image.open(path).convert("YCbCr").split()
    return y


class DatasetFromFolder(data.Dataset):
    def __init__(self, paths, input_transform, target_transform):
        super().__init__()
        self.paths = paths
        self.input_transform = input_transform
        self.target_transform = target_transform

    def __getitem__(self, index):
        image = load_img(self.paths[index])
        return self.input_transform(image), self.target_transform(image)

    def __len__(self):
        return len(self.paths)


def calculate_valid_crop_size(crop_size, upscale_factor):
    return crop_size - (crop_size % upscale_factor)


def input_transform(crop_size, upscale_factor):
    return Compose([CenterCrop(crop_size), Resize(crop_size // upscale_factor), ToTensor()])


def target_transform(crop_size):
    return Compose([CenterCrop(crop_size), ToTensor()])


def image_paths(root, train, limit=None):
    """The training (first 80 of each class) or test (last 20) images, at most `limit` per class."""
    paths = []
    for class_dir in sorted(p for p in pathlib.Path(root).iterdir() if p.is_dir()):
        files = sorted(class_dir.glob("*.jpg"))
        chosen = files[:TRAIN_PER_CLASS] if train else files[TRAIN_PER_CLASS:]
        paths += chosen[:limit]
    return paths


def get_set(upscale_factor, train, root=SHIPPED_IMAGES, limit=None):
    crop_size = calculate_valid_crop_size(IMAGE_SIZE, upscale_factor)
    return DatasetFromFolder(image_paths(root, train, limit), input_transform(crop_size, upscale_factor),
                             target_transform(crop_size))
