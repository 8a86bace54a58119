"""Oxford 102 Flowers: 8,189 images of 102 flower categories (labels and splits in .mat files, via scipy)."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import check_integrity, download_and_extract_archive, download_url, verify_str_arg
from .vision import _LabelledImageFiles

__all__ = ["Flowers102"]


def _loadmat(path: pathlib.Path) -> dict:
    try:
        import scipy.io
    except ImportError as e:
        raise ImportError("Flowers102 reads its labels from MATLAB files with scipy: pip install scipy") from e
    return scipy.io.loadmat(path, squeeze_me=True)


class Flowers102(_LabelledImageFiles):
    """Split 'train', 'val' or 'test' (the official 1,020 / 1,020 / 6,149 images); targets 0..101."""

    _download_url_prefix = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/"
    _file_dict = {
        "image": ("102flowers.tgz", "52808999861908f626f3c1f4e79d11fa"),
        "label": ("imagelabels.mat", "e0620be6f572b9609742df49c70aed4d"),
        "setid": ("setid.mat", "a5357ecc9cb78c4bef273ce3793fc85c"),
    }
    _splits_map = {"train": "trnid", "val": "valid", "test": "tstid"}

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[Union[str, pathlib.Path]], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        self._base_folder = pathlib.Path(self.root) / "flowers-102"
        self._images_folder = self._base_folder / "jpg"
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {self._base_folder} lacks jpg/ or a .mat file with "
                               "the right MD5. You can use download=True to download it")
        image_ids = _loadmat(self._base_folder / self._file_dict["setid"][0])[self._splits_map[self._split]].tolist()
        labels = _loadmat(self._base_folder / self._file_dict["label"][0])["labels"]
        label_of = dict(enumerate((labels - 1).tolist(), 1))  # image ids and labels count from 1
        self._labels = [label_of[i] for i in image_ids]
        self._image_files = [self._images_folder / f"image_{i:05d}.jpg" for i in image_ids]
        self.loader = loader

    def extra_repr(self) -> str:
        return f"split={self._split}"

    def _check_integrity(self) -> bool:
        return self._images_folder.is_dir() and all(
            check_integrity(str(self._base_folder / name), md5)
            for name, md5 in (self._file_dict["label"], self._file_dict["setid"]))

    def download(self) -> None:
        if self._check_integrity():
            return
        name, md5 = self._file_dict["image"]
        download_and_extract_archive(self._download_url_prefix + name, str(self._base_folder), md5=md5)
        for name, md5 in (self._file_dict["label"], self._file_dict["setid"]):
            download_url(self._download_url_prefix + name, str(self._base_folder), md5=md5)

    classes = [
        "pink primrose", "hard-leaved pocket orchid", "canterbury bells", "sweet pea", "english marigold",
        "tiger lily", "moon orchid", "bird of paradise", "monkshood", "globe thistle", "snapdragon", "colt's foot",
        "king protea", "spear thistle", "yellow iris", "globe-flower", "purple coneflower", "peruvian lily",
        "balloon flower", "giant white arum lily", "fire lily", "pincushion flower", "fritillary", "red ginger",
        "grape hyacinth", "corn poppy", "prince of wales feathers", "stemless gentian", "artichoke",
        "sweet william", "carnation", "garden phlox", "love in the mist", "mexican aster", "alpine sea holly",
        "ruby-lipped cattleya", "cape flower", "great masterwort", "siam tulip", "lenten rose", "barbeton daisy",
        "daffodil", "sword lily", "poinsettia", "bolero deep blue", "wallflower", "marigold", "buttercup",
        "oxeye daisy", "common dandelion", "petunia", "wild pansy", "primula", "sunflower", "pelargonium",
        "bishop of llandaff", "gaura", "geranium", "orange dahlia", "pink-yellow dahlia?", "cautleya spicata",
        "japanese anemone", "black-eyed susan", "silverbush", "californian poppy", "osteospermum", "spring crocus",
        "bearded iris", "windflower", "tree poppy", "gazania", "azalea", "water lily", "rose", "thorn apple",
        "morning glory", "passion flower", "lotus", "toad lily", "anthurium", "frangipani", "clematis", "hibiscus",
        "columbine", "desert-rose", "tree mallow", "magnolia", "cyclamen", "watercress", "canna lily",
        "hippeastrum", "bee balm", "ball moss", "foxglove", "bougainvillea", "camellia", "mallow",
        "mexican petunia", "bromelia", "blanket flower", "trumpet creeper", "blackberry lily",
    ]
