"""INaturalist (2021 and pre-2021 layouts) on small trees written here, against torchvision."""
import numpy as np
import pytest
import torchvision
from PIL import Image

from flambeau.vision import datasets

RNG = np.random.default_rng(0)


def _image(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(RNG.integers(0, 256, (4, 5, 3), dtype=np.uint8)).save(path)


def assert_same(ours, theirs):
    assert ours.all_categories == theirs.all_categories and ours.categories_map == theirs.categories_map
    assert ours.categories_index == theirs.categories_index and sorted(ours.index) == sorted(theirs.index)
    position = {entry: i for i, entry in enumerate(theirs.index)}
    for i, entry in enumerate(ours.index):
        (a, ta), (b, tb) = ours[i], theirs[position[entry]]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert ta == tb


@pytest.mark.parametrize("target_type", ["full", ["genus", "kingdom", "full"]])
def test_inaturalist_2021(tmp_path, target_type):
    folders = ["00000_Animalia_Chordata_Aves_Passeriformes_Corvidae_Corvus_corax",
               "00001_Animalia_Chordata_Aves_Passeriformes_Corvidae_Pica_pica",
               "00002_Plantae_Tracheophyta_Magnoliopsida_Rosales_Rosaceae_Rosa_canina"]
    for k, folder in enumerate(folders):
        for j in range(k + 1):
            _image(tmp_path / "2021_valid" / folder / f"img{j}.jpg")
    ours = datasets.INaturalist(str(tmp_path), "2021_valid", target_type)
    theirs = torchvision.datasets.INaturalist(str(tmp_path), "2021_valid", target_type)
    assert_same(ours, theirs)
    for rank, cid in (("genus", 1), ("full", 2), ("kingdom", 0)):
        assert ours.category_name(rank, cid) == theirs.category_name(rank, cid)


@pytest.mark.parametrize("version", ["2017", "2019"])
def test_inaturalist_pre2021(tmp_path, version):
    layout = {"Aves": ["3", "0"], "Plantae": ["1", "2"]} if version == "2019" else {"Aves": ["a", "b"], "Fungi": ["c"]}
    for super_category, subs in layout.items():
        for sub in subs:
            _image(tmp_path / version / super_category / sub / "x.jpg")
    ours = datasets.INaturalist(str(tmp_path), version, ["super", "full"])
    theirs = torchvision.datasets.INaturalist(str(tmp_path), version, ["super", "full"])
    assert_same(ours, theirs)


def test_inaturalist_errors(tmp_path):
    _image(tmp_path / "2021_valid" / "00001_A_B_C_D_E_F_g" / "x.jpg")
    with pytest.raises(RuntimeError, match="Unexpected category id 00001, expecting 00000"):
        datasets.INaturalist(str(tmp_path), "2021_valid")
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.INaturalist(str(tmp_path), "2018")
    with pytest.raises(ValueError, match="Unknown value '2020'"):
        datasets.INaturalist(str(tmp_path), "2020")
