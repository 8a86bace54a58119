"""The vision examples (super-resolution, detection, segmentation) run end to end in their short
configurations and reach the quality floors their READMEs state."""
import os
import re

import pytest

from test_examples import _run

# NOTE: one BLAS thread, as in test_examples.py: pytest -n 2 runs another worker on the other core
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_super_resolution_beats_bicubic_and_upscales_an_image(tmp_path):
    """8 epochs of ESPCN at 2x beat bicubic upscaling by more than 0.5 dB on the 200 held-out images
    (seeds 1-4 and 123 reach 1.1-1.5 dB); the saved network then upscales one image to a 64x64 PNG."""
    ckpt, png = tmp_path / "espcn.pt", tmp_path / "cat_x2.png"
    out = _run("examples/super_resolution/main.py", "--nEpochs", "8", "--checkpoint", str(ckpt), env=ENV)
    net, bicubic = map(float, re.search(r"Avg. PSNR: ([0-9.]+) dB \(bicubic: ([0-9.]+) dB\)", out).groups())
    assert net > bicubic + 0.5, out
    _run("examples/super_resolution/super_resolve.py", "--input_image", "data/cifar10-jpeg-subset/test/cat/0090.jpg",
         "--model", str(ckpt), "--output_filename", str(png), env=ENV)
    from PIL import Image

    assert png.read_bytes()[:8] == PNG
    assert Image.open(png).size == (64, 64)


@pytest.mark.slow
def test_segmentation_learns_the_shapes(tmp_path):
    """LR-ASPP from random weights, 96 steps of 8 generated images: the held-out mean IoU passes 0.3
    (predicting background everywhere scores about 0.2; seeds 1 and 2 reach 0.42 and 0.36) and the overlay is a PNG."""
    png = tmp_path / "segmentation.png"
    out = _run("examples/segmentation/train.py", "--train-images", "768", "--epochs", "1", "--overlay", str(png),
               "--checkpoint", str(tmp_path / "lraspp.pt"), env=ENV)
    assert float(re.search(r"mean IoU ([0-9.]+)", out).group(1)) > 0.3, out
    assert png.read_bytes()[:8] == PNG


@pytest.mark.slow
def test_detection_finds_the_shapes(tmp_path):
    """Faster R-CNN from random weights, 80 steps of 4 generated images (resized to 192 px): held-out mAP@0.5
    passes 0.05 (the untrained model scores 0.001-0.003; seeds 1 and 2 reach 0.100 and 0.101 here, 0.27 and 0.13
    after 128 steps, 0.55 and 0.53 after the default 256; the run takes about 100 CPU seconds) and the detections
    are drawn in a PNG."""
    png = tmp_path / "detections.png"
    out = _run("examples/detection/train.py", "--train-images", "320", "--epochs", "1", "--output", str(png),
               "--checkpoint", str(tmp_path / "fasterrcnn.pt"), env=ENV)
    found = re.search(r"mAP@0.5 ([0-9.]+) \(rectangle [0-9.]+, ellipse [0-9.]+, triangle [0-9.]+\)", out)
    assert found and float(found.group(1)) > 0.05, out
    assert png.read_bytes()[:8] == PNG
