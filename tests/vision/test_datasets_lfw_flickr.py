"""LFWPeople, LFWPairs, Flickr8k and Flickr30k on small trees written here, against torchvision."""
import hashlib

import numpy as np
import pytest
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_error_message, assert_same_samples, write_image

PEOPLE = {"Aaron_Eckhart": 1, "Abba_Eban": 2, "Zico": 3}


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def lfw_root(tmp_path, monkeypatch):
    base = tmp_path / "lfw-py"
    for name, count in PEOPLE.items():
        for i in range(1, count + 1):
            write_image(base / "lfw_funneled" / name / f"{name}_{i:04d}.jpg")
    (base / "lfw-funneled.tgz").write_bytes(b"archive stand-in")
    (base / "lfw-names.txt").write_text("".join(f"{n}\t{c}\n" for n, c in PEOPLE.items()))
    (base / "people.txt").write_text("2\n2\nAaron_Eckhart\t1\nZico\t3\n1\nAbba_Eban\t2\n")
    (base / "peopleDevTrain.txt").write_text("2\nAbba_Eban\t2\nZico\t3\n")
    (base / "pairs.txt").write_text("2\t1\nZico\t1\t3\nZico\t2\tAbba_Eban\t1\nAbba_Eban\t1\t2\n"
                                    "Aaron_Eckhart\t1\tZico\t2\n")
    (base / "pairsDevTest.txt").write_text("1\nAbba_Eban\t2\t1\nZico\t3\tAaron_Eckhart\t1\n")
    checksums = dict(datasets.LFWPeople.checksums)
    for name in ("lfw-names.txt", "people.txt", "peopleDevTrain.txt", "pairs.txt", "pairsDevTest.txt"):
        checksums[name] = _md5(base / name)
    file_dict = dict(datasets.LFWPeople.file_dict)
    file_dict["funneled"] = ("lfw_funneled", "lfw-funneled.tgz", _md5(base / "lfw-funneled.tgz"))
    for cls in (datasets.lfw._LFW, torchvision.datasets.lfw._LFW):  # shared by People and Pairs
        monkeypatch.setattr(cls, "checksums", checksums)
        monkeypatch.setattr(cls, "file_dict", file_dict)
    return str(tmp_path)


@pytest.mark.parametrize("split", ["10fold", "train"])
def test_lfw_people(lfw_root, split):
    ours, theirs = datasets.LFWPeople(lfw_root, split), torchvision.datasets.LFWPeople(lfw_root, split)
    assert ours.class_to_idx == theirs.class_to_idx and ours.data == theirs.data and ours.targets == theirs.targets
    assert_same_samples(ours, theirs)


@pytest.mark.parametrize("split", ["10fold", "test"])
def test_lfw_pairs(lfw_root, split):
    ours, theirs = datasets.LFWPairs(lfw_root, split), torchvision.datasets.LFWPairs(lfw_root, split)
    assert ours.pair_names == theirs.pair_names and ours.data == theirs.data and ours.targets == theirs.targets
    assert repr(ours) == repr(theirs)
    for i in range(len(ours)):
        a1, a2, ya = ours[i]
        b1, b2, yb = theirs[i]
        np.testing.assert_array_equal(np.asarray(a1), np.asarray(b1))
        np.testing.assert_array_equal(np.asarray(a2), np.asarray(b2))
        assert ya == yb


def test_lfw_errors(lfw_root, tmp_path):
    for kwargs in (dict(image_set="aligned"), dict(split="dev"), dict(download=True)):
        assert_same_error_message(ValueError, lambda: datasets.LFWPeople(lfw_root, **kwargs),
                                  lambda: torchvision.datasets.LFWPeople(lfw_root, **kwargs))
    with pytest.raises(RuntimeError, match="lfw-funneled.tgz"):
        datasets.LFWPeople(str(tmp_path / "none"))


FLICKR8K_HTML = """<html><body><table>
<tr><td><a href="http://www.flickr.com/photos/user/1000268201/">http://www.flickr.com/photos/user/1000268201/</a></td>
<td><ul><li>A child in a pink dress .</li><li>A girl going into a wooden building .</li></ul></td></tr>
<tr><td>Image Not Found</td><td><ul><li>ignored caption</li></ul></td></tr>
<tr><td><a href="http://www.flickr.com/photos/user/1001773457/">http://www.flickr.com/photos/user/1001773457/</a></td>
<td><ul><li>A black dog and a spotted dog are fighting</li></ul></td></tr>
</table></body></html>"""


def test_flickr8k(tmp_path):
    for name in ("1000268201_693b08cb0e.jpg", "1001773457_577c3a7d70.jpg"):
        write_image(tmp_path / "images" / name)
    (tmp_path / "captions.html").write_text(FLICKR8K_HTML)
    args = (str(tmp_path / "images"), str(tmp_path / "captions.html"))
    ours, theirs = datasets.Flickr8k(*args), torchvision.datasets.Flickr8k(*args)
    assert ours.ids == theirs.ids and ours.annotations == theirs.annotations and len(ours) == 2
    for i in range(len(ours)):
        np.testing.assert_array_equal(np.asarray(ours[i][0]), np.asarray(theirs[i][0]))
        assert ours[i][1] == theirs[i][1]


def test_flickr30k(tmp_path):
    for name in ("1000092795.jpg", "10002456.jpg"):
        write_image(tmp_path / "images" / name)
    names = ("1000092795.jpg", "10002456.jpg")
    (tmp_path / "results.token").write_text("".join(f"{n}#{k}\tcaption {k} of {n}\n" for n in names for k in range(3)))
    args = (str(tmp_path / "images"), str(tmp_path / "results.token"))
    ours, theirs = datasets.Flickr30k(*args), torchvision.datasets.Flickr30k(*args)
    assert ours.ids == theirs.ids and dict(ours.annotations) == dict(theirs.annotations)
    for i in range(len(ours)):
        np.testing.assert_array_equal(np.asarray(ours[i][0]), np.asarray(theirs[i][0]))
        assert ours[i][1] == theirs[i][1]
