"""PhotoTour (Brown's multi-view patches): 64x64 patches of Notre Dame, Yosemite and Liberty, with matches."""
from __future__ import annotations

import os
import pathlib
import zipfile
from typing import Any, Callable, Optional, Union

import numpy as np

import flambeau

from .._pil import pil_image
from .utils import download_url
from .vision import VisionDataset

__all__ = ["PhotoTour"]


class PhotoTour(VisionDataset):
    """`name` is 'notredame', 'yosemite', 'liberty' or their '_harris' variants. With `train`, samples are the
    uint8 (64, 64) patches; otherwise (patch1, patch2, 1 if they match else 0) from the 100k pairs. The
    patches are cut from the .bmp sheets once and cached in `root/<name>.pt` (flambeau.save)."""

    urls = {
        "notredame_harris": ["http://matthewalunbrown.com/patchdata/notredame_harris.zip", "notredame_harris.zip",
                             "69f8c90f78e171349abdf0307afefe4d"],
        "yosemite_harris": ["http://matthewalunbrown.com/patchdata/yosemite_harris.zip", "yosemite_harris.zip",
                            "a73253d1c6fbd3ba2613c45065c00d46"],
        "liberty_harris": ["http://matthewalunbrown.com/patchdata/liberty_harris.zip", "liberty_harris.zip",
                           "c731fcfb3abb4091110d0ae8c7ba182c"],
        "notredame": ["http://icvl.ee.ic.ac.uk/vbalnt/notredame.zip", "notredame.zip",
                      "509eda8535847b8c0a90bbb210c83484"],
        "yosemite": ["http://icvl.ee.ic.ac.uk/vbalnt/yosemite.zip", "yosemite.zip", "533b2e8eb7ede31be40abc317b2fd4f0"],
        "liberty": ["http://icvl.ee.ic.ac.uk/vbalnt/liberty.zip", "liberty.zip", "fdd9152f138ea5ef2091746689176414"],
    }
    means = {"notredame": 0.4854, "yosemite": 0.4844, "liberty": 0.4437, "notredame_harris": 0.4854,
             "yosemite_harris": 0.4844, "liberty_harris": 0.4437}
    stds = {"notredame": 0.1864, "yosemite": 0.1818, "liberty": 0.2019, "notredame_harris": 0.1864,
            "yosemite_harris": 0.1818, "liberty_harris": 0.2019}
    lens = {"notredame": 468159, "yosemite": 633587, "liberty": 450092, "liberty_harris": 379587,
            "yosemite_harris": 450912, "notredame_harris": 325295}
    image_ext = "bmp"
    info_file = "info.txt"
    matches_files = "m50_100000_100000_0.txt"

    def __init__(self, root: Union[str, pathlib.Path], name: str, train: bool = True,
                 transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform)
        self.name = name
        self.data_dir = os.path.join(self.root, name)
        self.data_down = os.path.join(self.root, f"{name}.zip")
        self.data_file = os.path.join(self.root, f"{name}.pt")
        self.train = train
        self.mean = self.means[name]
        self.std = self.stds[name]
        if download:
            self.download()
        if not self._check_datafile_exists():
            self.cache()
        self.data, self.labels, self.matches = flambeau.load(self.data_file, weights_only=True)

    def __getitem__(self, index: int) -> Any:
        if self.train:
            data = self.data[index]
            return data if self.transform is None else self.transform(data)
        first, second, same = self.matches[index]
        data1, data2 = self.data[first], self.data[second]
        if self.transform is not None:
            data1, data2 = self.transform(data1), self.transform(data2)
        return data1, data2, same

    def __len__(self) -> int:
        return len(self.data if self.train else self.matches)

    def _check_datafile_exists(self) -> bool:
        return os.path.exists(self.data_file)

    def _check_downloaded(self) -> bool:
        return os.path.exists(self.data_dir)

    def download(self) -> None:
        if self._check_datafile_exists() or self._check_downloaded():
            return
        url, filename, md5 = self.urls[self.name]
        download_url(url, self.root, filename, md5)
        path = os.path.join(self.root, filename)
        with zipfile.ZipFile(path, "r") as z:
            z.extractall(self.data_dir)
        os.unlink(path)

    def cache(self) -> None:
        if not self._check_downloaded():
            raise RuntimeError(f"Dataset not found: neither {self.data_file} nor {self.data_dir} exists. "
                               "You can use download=True to download it")
        dataset = (read_image_file(self.data_dir, self.image_ext, self.lens[self.name]),
                   read_info_file(self.data_dir, self.info_file), read_matches_files(self.data_dir, self.matches_files))
        flambeau.save(dataset, self.data_file)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


def read_image_file(data_dir: str, image_ext: str, n: int) -> flambeau.Tensor:
    """The first `n` 64x64 patches of the sorted image sheets, row by row."""
    patches = []
    for name in sorted(f for f in os.listdir(data_dir) if f.endswith(image_ext)):
        sheet = np.asarray(pil_image().open(os.path.join(data_dir, name)).convert("L"))
        rows, cols = -(-sheet.shape[0] // 64), -(-sheet.shape[1] // 64)
        # a sheet that does not fill its last row/column is padded with zeros, as PIL's crop does
        padded = np.zeros((rows * 64, cols * 64), np.uint8)
        padded[:sheet.shape[0], :sheet.shape[1]] = sheet
        patches.extend(padded.reshape(rows, 64, cols, 64).transpose(0, 2, 1, 3).reshape(-1, 64, 64))
    return flambeau.from_numpy(np.array(patches[:n], dtype=np.uint8).reshape(-1, 64, 64))


def read_info_file(data_dir: str, info_file: str) -> flambeau.Tensor:
    """The 3D point id of each patch (the first column of info.txt)."""
    with open(os.path.join(data_dir, info_file)) as f:
        return flambeau.tensor([int(line.split()[0]) for line in f], dtype=flambeau.int64)


def read_matches_files(data_dir: str, matches_file: str) -> flambeau.Tensor:
    """(patch1, patch2, same point) rows from the matches file's 'p1 id1 _ p2 id2 _' lines."""
    with open(os.path.join(data_dir, matches_file)) as f:
        rows = [[int(v[0]), int(v[3]), int(v[1] == v[4])] for v in (line.split() for line in f)]
    return flambeau.tensor(rows, dtype=flambeau.int64)
