"""flambeau.vision.transforms conversions against torchvision on the same PIL images, arrays and tensors."""
import numpy as np
import pytest
import torch
import torchvision.transforms as TT
import torchvision.transforms.functional as TF
from PIL import Image

import flambeau
import flambeau.vision.transforms as T
import flambeau.vision.transforms.functional as F

RNG = np.random.default_rng(0)
BYTES = RNG.integers(0, 256, (5, 7, 4), dtype=np.uint8)

PIL_IMAGES = {
    "L": Image.fromarray(BYTES[..., 0]),
    "1": Image.fromarray(BYTES[..., 0]).convert("1"),
    "P": Image.fromarray(BYTES[..., :3]).convert("P"),
    "LA": Image.fromarray(BYTES[..., :2]),
    "RGB": Image.fromarray(BYTES[..., :3]),
    "RGBA": Image.fromarray(BYTES),
    "I": Image.fromarray(RNG.integers(-2**31, 2**31, (5, 7), dtype=np.int32)),
    "I;16": Image.fromarray(BYTES[..., 0].astype(np.uint16) * 250),
    "F": Image.fromarray(RNG.standard_normal((5, 7)).astype(np.float32)),
    "CMYK": Image.fromarray(BYTES).convert("CMYK"),
    "YCbCr": Image.fromarray(BYTES[..., :3]).convert("YCbCr"),
    "HSV": Image.fromarray(BYTES[..., :3]).convert("HSV"),
}


def same(ours, theirs):
    """Same dtype, shape and values (NaN-free inputs: exact equality)."""
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def same_pil(ours, theirs):
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("mode", list(PIL_IMAGES))
def test_to_tensor_and_pil_to_tensor_pil_modes(mode):
    img = PIL_IMAGES[mode]
    same(F.to_tensor(img), TF.to_tensor(img))
    if mode == "I;16":  # torchvision gives uint16, a dtype flambeau does not have (yet): a TypeError, not a wrong dtype
        assert TF.pil_to_tensor(img).dtype == torch.uint16
        with pytest.raises(TypeError):
            F.pil_to_tensor(img)
        return
    same(F.pil_to_tensor(img), TF.pil_to_tensor(img))


@pytest.mark.parametrize("array", [BYTES[..., 0], BYTES[..., :3], BYTES.astype(np.float32) / 7,
                                   BYTES.astype(np.int32), BYTES[..., 1].astype(np.float64)])
def test_to_tensor_ndarray(array):
    same(F.to_tensor(array), TF.to_tensor(array))


def test_to_tensor_follows_default_dtype():
    flambeau.set_default_dtype(flambeau.float64)
    torch.set_default_dtype(torch.float64)
    try:
        same(F.to_tensor(PIL_IMAGES["L"]), TF.to_tensor(PIL_IMAGES["L"]))
    finally:
        flambeau.set_default_dtype(flambeau.float32)
        torch.set_default_dtype(torch.float32)


def test_to_tensor_errors():
    for fn in (F.to_tensor, TF.to_tensor):
        with pytest.raises(TypeError):
            fn([[1, 2]])
        with pytest.raises(ValueError):
            fn(np.zeros((1, 2, 3, 4), np.uint8))
    for fn in (F.pil_to_tensor, TF.pil_to_tensor):
        with pytest.raises(TypeError):
            fn(BYTES)


@pytest.mark.parametrize("array,mode", [
    (BYTES[..., 0], None), (BYTES[..., :1], "L"), (BYTES[..., :2], None), (BYTES[..., :3], None),
    (BYTES[..., :3], "HSV"), (BYTES, None), (BYTES, "CMYK"), (BYTES, "RGBX"),
    (BYTES[..., 0].astype(np.int16), None), (BYTES[..., 0].astype(np.int32) * 1000, None),
    (BYTES[..., :1].astype(np.float32) / 255, None), (BYTES[..., :1].astype(np.float32) * 3, "F"),
    (BYTES[..., :3].astype(np.float64) / 255, None)])
def test_to_pil_image(array, mode):
    same_pil(F.to_pil_image(array, mode), TF.to_pil_image(array, mode))
    chw = np.ascontiguousarray(np.moveaxis(array, -1, 0)) if array.ndim == 3 else array
    same_pil(F.to_pil_image(flambeau.tensor(chw), mode), TF.to_pil_image(torch.tensor(chw), mode))
    same_pil(T.ToPILImage(mode)(flambeau.tensor(chw)), TT.ToPILImage(mode)(torch.tensor(chw)))


def test_pil_round_trip():
    for mode in ("L", "LA", "RGB", "RGBA"):
        img = PIL_IMAGES[mode]
        same_pil(F.to_pil_image(F.to_tensor(img)), img)
        same_pil(F.to_pil_image(F.pil_to_tensor(img)), img)


@pytest.mark.parametrize("array,mode,error", [
    (BYTES[..., :3], "RGBA", ValueError), (BYTES[..., :2], "RGB", ValueError), (BYTES, "RGB", ValueError),
    (BYTES[..., 0], "RGB", ValueError), (np.zeros((2, 2, 5), np.uint8), None, ValueError),
    (np.zeros((1, 2, 2, 3), np.uint8), None, ValueError), (BYTES[..., 0].astype(np.int64), None, TypeError),
    (BYTES[..., :3].astype(np.int32), None, TypeError), ([[1]], None, TypeError)])
def test_to_pil_image_errors(array, mode, error):
    for fn in (F.to_pil_image, TF.to_pil_image):
        with pytest.raises(error):
            fn(array, mode)


DTYPES = ["uint8", "int8", "int16", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_convert_image_dtype(src, dst):
    if src.startswith("float"):
        values = RNG.uniform(0, 1, (2, 3, 4)).astype(src)
        values[0, 0, :2] = (0, 1)
    else:
        info = np.iinfo(src)
        values = RNG.integers(max(info.min, 0), info.max, (2, 3, 4), dtype=src, endpoint=True)
        values[0, 0, :2] = (0, info.max)
    try:
        expected = TF.convert_image_dtype(torch.tensor(values), getattr(torch, dst))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            F.convert_image_dtype(flambeau.tensor(values), getattr(flambeau, dst))
        return
    same(F.convert_image_dtype(flambeau.tensor(values), getattr(flambeau, dst)), expected)
    same(T.ConvertImageDtype(getattr(flambeau, dst))(flambeau.tensor(values)), expected)


def test_convert_image_dtype_default_and_errors():
    same(F.convert_image_dtype(flambeau.tensor(BYTES)), TF.convert_image_dtype(torch.tensor(BYTES)))
    with pytest.raises(TypeError):
        F.convert_image_dtype(BYTES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
def test_normalize(dtype, shape):
    x = RNG.uniform(0, 1, shape).astype(dtype)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    expected = TF.normalize(torch.tensor(x), mean, std)
    ours = flambeau.tensor(x)
    same(F.normalize(ours, mean, std), expected)
    np.testing.assert_array_equal(ours.numpy(), x)  # out of place by default
    same(T.Normalize(mean, std)(ours), TT.Normalize(mean, std)(torch.tensor(x)))
    out = F.normalize(ours, mean, std, inplace=True)
    same(ours, expected)
    assert out is ours


def test_normalize_errors():
    image = flambeau.tensor(BYTES[..., :3].transpose(2, 0, 1).astype(np.float32))
    cases = [(BYTES, ((0.5,), (0.5,)), TypeError),  # not a tensor
             (image.to(flambeau.uint8), ((0.5,), (0.5,)), TypeError),  # not float
             (image[0], ((0.5,), (0.5,)), ValueError),  # no channel dim
             (image, ((0.5,), (0.0,)), ValueError)]  # zero std
    for ours, (mean, std), error in cases:
        theirs = torch.tensor(ours.numpy()) if isinstance(ours, flambeau.Tensor) else ours
        with pytest.raises(error):
            TF.normalize(theirs, mean, std)
        with pytest.raises(error):
            F.normalize(ours, mean, std)


def test_mnist_pipeline_classes():
    img = PIL_IMAGES["L"]
    ours = T.Normalize((0.1307,), (0.3081,))(T.ToTensor()(img))
    same(ours, TT.Normalize((0.1307,), (0.3081,))(TT.ToTensor()(img)))
    same(T.PILToTensor()(PIL_IMAGES["RGB"]), TT.PILToTensor()(PIL_IMAGES["RGB"]))
    for ours, theirs in [(T.ToTensor(), TT.ToTensor()), (T.PILToTensor(), TT.PILToTensor()),
                         (T.ToPILImage("LA"), TT.ToPILImage("LA")),
                         (T.Normalize([0.5], [0.2]), TT.Normalize([0.5], [0.2])),
                         (T.ConvertImageDtype(flambeau.uint8), TT.ConvertImageDtype(torch.uint8))]:
        assert repr(ours) == repr(theirs)


def test_tensor_transforms_need_no_pillow():
    """Pillow is the optional 'vision' extra: tensor pipelines work without it, to_pil_image says what to install."""
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = """
import sys
sys.modules['PIL'] = None  # makes `import PIL` fail
import numpy as np, flambeau
import flambeau.vision.transforms as T
pipeline = [T.ToTensor(), T.Normalize((0.5,), (0.2,)), T.RandomResizedCrop(4), T.RandomRotation(10), T.Pad(1)]
x = np.zeros((6, 6), np.uint8)
for t in pipeline:
    x = t(x)
assert tuple(x.shape) == (1, 6, 6)
try:
    T.ToPILImage()(x)
except ImportError as e:
    assert "flambeau[vision]" in str(e)
else:
    raise AssertionError("to_pil_image worked without Pillow")
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=root)


def test_normalize_tensor_mean_std():
    x = RNG.uniform(0, 1, (2, 3, 4, 5)).astype(np.float32)
    for mean, std in [([0.1, 0.2, 0.3], [[[0.5]], [[0.25]], [[2.0]]]), ([0.5], [0.5])]:
        expected = TF.normalize(torch.tensor(x), torch.tensor(mean), torch.tensor(std))
        same(F.normalize(flambeau.tensor(x), flambeau.tensor(mean), flambeau.tensor(std)), expected)
    tiny = [1e-50, 1.0, 1.0]  # zero only once cast to float32
    for lib, fn in ((torch, TF.normalize), (flambeau, F.normalize)):
        with pytest.raises(ValueError):
            fn(lib.tensor(x), [0.0] * 3, lib.tensor(tiny, dtype=lib.float64))
        with pytest.raises(ValueError):
            fn(lib.tensor(x), [0.0] * 3, tiny)
