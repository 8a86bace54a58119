"""The data side: DataLoader throughput, per-sample transforms, and the MNIST example's training epoch."""
from __future__ import annotations

import gzip
import os

import numpy as np

from . import Workload
from ._common import vision

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "data")
MEAN, STD = (0.1307,), (0.3081,)


def _idx(name: str, offset: int) -> np.ndarray:
    with gzip.open(os.path.join(ROOT, "MNIST", "raw", name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def _digits(n: int) -> np.ndarray:
    """The first n MNIST test digits (28x28 uint8) from the repository's data/ folder."""
    return _idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)[:n].copy()


def _loader_epoch(workers: int):
    def build(torch, quick):
        images = _digits(2000 if quick else 10000)
        T = vision(torch).transforms
        transform = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])

        class Digits(torch.utils.data.Dataset):
            def __getitem__(self, i):
                return transform(images[i]), i % 10

            def __len__(self):
                return len(images)

        loader = torch.utils.data.DataLoader(Digits(), batch_size=64, shuffle=True, num_workers=workers)

        def epoch():  # a fresh iterator each time: starting the workers counts
            for _ in loader:
                pass
        return epoch
    return build


def _transform(make, image):
    def build(torch, quick):
        T = vision(torch).transforms
        transform, x = make(T), image(torch)
        return lambda: transform(x)
    return build


def _pil_digit(torch):
    from PIL import Image
    return Image.fromarray(_digits(1)[0])


def _photo(torch):
    return torch.tensor(np.random.default_rng(0).integers(0, 256, (3, 240, 320), dtype=np.uint8))


def mnist_epoch(torch, quick):
    """One training epoch of examples/mnist/main.py's model and settings on the shipped digits."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3, 1), nn.Conv2d(32, 64, 3, 1)
            self.dropout1, self.dropout2 = nn.Dropout(0.25), nn.Dropout(0.5)
            self.fc1, self.fc2 = nn.Linear(9216, 128), nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
            x = self.dropout1(torch.flatten(x, 1))
            return F.log_softmax(self.fc2(self.dropout2(F.relu(self.fc1(x)))), dim=1)

    from PIL import Image
    torch.manual_seed(1)
    T = vision(torch).transforms
    transform = T.Compose([T.RandomAffine(10, translate=(0.1, 0.1)), T.ToTensor(), T.Normalize(MEAN, STD)])
    n = 640 if quick else 8000
    images, targets = _digits(n), _idx("t10k-labels-idx1-ubyte.gz", 8)[:n].astype(np.int64)

    class Digits(torch.utils.data.Dataset):
        """What vision.datasets.MNIST serves (torchvision's wants the training files present too)."""
        def __getitem__(self, i):
            return transform(Image.fromarray(images[i], mode="L")), int(targets[i])

        def __len__(self):
            return n

    loader = torch.utils.data.DataLoader(Digits(), batch_size=64, shuffle=True)
    model = Net()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)

    def epoch():
        model.train()
        for x, y in loader:
            opt.zero_grad()
            F.nll_loss(model(x), y).backward()
            opt.step()
    return epoch


WORKLOADS = [
    Workload("DataLoader epoch, 10k MNIST digits, 0 workers", _loader_epoch(0)),
    Workload("DataLoader epoch, 10k MNIST digits, 2 workers", _loader_epoch(2)),
    Workload("ToTensor+Normalize, 28x28 PIL digit", _transform(
        lambda T: T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)]), _pil_digit), unit="us", per=1),
    Workload("Resize(128) antialias, uint8 3x240x320", _transform(lambda T: T.Resize(128), _photo), unit="us"),
    Workload("rotate(30) bilinear, uint8 3x240x320", _transform(
        lambda T: (lambda x: T.functional.rotate(x, 30.0, T.InterpolationMode.BILINEAR)), _photo), unit="us"),
    Workload("MNIST example epoch (8000 digits)", mnist_epoch, target=1.5),
]
