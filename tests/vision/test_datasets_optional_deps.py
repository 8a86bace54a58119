"""Pillow and scipy stay optional: not imported by the vision modules, and a clear ImportError when missing."""
import hashlib
import os
import subprocess
import sys

import pytest

from flambeau.vision import datasets

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def test_importing_vision_modules_pulls_no_optional_dependency():
    code = ("import sys, flambeau, flambeau.vision.datasets, flambeau.vision.io, flambeau.vision.utils; "
            "print(sorted(m for m in ('PIL', 'scipy', 'torch', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_pillow_names_the_extra(monkeypatch):
    ds = datasets.MNIST(os.path.join(REPO, "data"), train=False)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"flambeau\[vision\]"):
        ds[0]


def test_svhn_without_scipy_says_so(tmp_path, monkeypatch):
    (tmp_path / "test_32x32.mat").write_bytes(b"MATLAB 5.0")
    md5 = hashlib.md5(b"MATLAB 5.0").hexdigest()
    monkeypatch.setattr(datasets.SVHN, "split_list", {"test": ["unused", "test_32x32.mat", md5]})
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(ImportError, match="pip install scipy"):
        datasets.SVHN(str(tmp_path), "test")
