"""flambeau.vision.datasets: torchvision's datasets, read without executing code from the files."""
from .cifar import CIFAR10, CIFAR100
from .mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["VisionDataset", "StandardTransform", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST",
           "CIFAR10", "CIFAR100"]
