"""Whole-model workloads: training steps of an MLP, a LeNet-style CNN and a small ResNet, and inference."""
from __future__ import annotations

from . import Workload
from ._common import labels, randn, training_step, vision


def mlp(torch, quick):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    x, y = randn(torch, 128, 784), labels(torch, 128, 10)
    return training_step(model, torch.optim.Adam(model.parameters(), lr=1e-3),
                         lambda m: nn.functional.cross_entropy(m(x), y))


def lenet(torch, quick):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
    x, y = randn(torch, 64, 1, 28, 28), labels(torch, 64, 10)
    return training_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                         lambda m: nn.functional.cross_entropy(m(x), y))


def small_resnet(torch):
    """3x32x32 -> 10 classes: a stem, 4 residual blocks with BatchNorm (two at 32 channels, two at 64)."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.skip = nn.Sequential()
            if stride != 1 or cin != cout:
                self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = nn.functional.relu(self.bn1(self.conv1(x)))
            return nn.functional.relu(self.bn2(self.conv2(out)) + self.skip(x))

    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         Block(32, 32, 1), Block(32, 32, 1), Block(32, 64, 2), Block(64, 64, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def resnet_train(torch, quick):
    model = small_resnet(torch)
    x, y = randn(torch, 32, 3, 32, 32), labels(torch, 32, 10)
    return training_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                         lambda m: torch.nn.functional.cross_entropy(m(x), y))


def _inference(model, x, torch):
    model.eval()

    def step():
        with torch.no_grad():
            model(x)
    return step


def resnet_inference(torch, quick):
    return _inference(small_resnet(torch), randn(torch, 64 if quick else 256, 3, 32, 32), torch)


def resnet18_inference(torch, quick):
    torch.manual_seed(0)
    return _inference(vision(torch).models.resnet18(), randn(torch, 2 if quick else 8, 3, 224, 224), torch)


WORKLOADS = [
    Workload("MLP 784-512-512-10 train, batch 128, Adam", mlp, target=1.0),
    Workload("LeNet CNN train, batch 64, SGD momentum", lenet, target=1.3),
    Workload("small ResNet (BN) train, 3x32x32 batch 32", resnet_train, target=1.5, memory_target=1.2),
    Workload("small ResNet inference, batch 256", resnet_inference, target=1.3),
    Workload("ResNet-18 inference, 224x224 batch 8", resnet18_inference, target=1.5),
]
