"""flambeau.vision.datasets: torchvision's datasets, read without executing code from the files."""
from .celeba import CelebA
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .imagenet import ImageNet
from .mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST
from .stl10 import STL10
from .svhn import SVHN
from .usps import USPS
from .vision import StandardTransform, VisionDataset
from .voc import VOCDetection, VOCSegmentation

__all__ = ["VisionDataset", "StandardTransform", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST",
           "CIFAR10", "CIFAR100", "SVHN", "STL10", "USPS", "VOCSegmentation", "VOCDetection",
           "ImageNet", "CelebA", "DatasetFolder", "ImageFolder", "FakeData"]
