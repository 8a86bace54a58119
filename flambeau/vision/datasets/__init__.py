"""flambeau.vision.datasets: torchvision's datasets, read without executing code from the files."""
from ._optical_flow import HD1K, FlyingChairs, FlyingThings3D, KittiFlow, Sintel
from ._stereo_matching import (CarlaStereo, CREStereo, ETH3DStereo, FallingThingsStereo, InStereo2k, Kitti2012Stereo,
                               Kitti2015Stereo, Middlebury2014Stereo, SceneFlowStereo, SintelStereo)
from .caltech import Caltech101, Caltech256
from .celeba import CelebA
from .cifar import CIFAR10, CIFAR100
from .cityscapes import Cityscapes
from .clevr import CLEVRClassification
from .coco import CocoCaptions, CocoDetection
from .country211 import Country211
from .dtd import DTD
from .eurosat import EuroSAT
from .fakedata import FakeData
from .fer2013 import FER2013
from .fgvc_aircraft import FGVCAircraft
from .flickr import Flickr8k, Flickr30k
from .flowers102 import Flowers102
from .folder import DatasetFolder, ImageFolder
from .food101 import Food101
from .gtsrb import GTSRB
from .imagenet import ImageNet
from .imagenette import Imagenette
from .inaturalist import INaturalist
from .kitti import Kitti
from .lfw import LFWPairs, LFWPeople
from .mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST
from .moving_mnist import MovingMNIST
from .omniglot import Omniglot
from .oxford_iiit_pet import OxfordIIITPet
from .phototour import PhotoTour
from .places365 import Places365
from .rendered_sst2 import RenderedSST2
from .sbd import SBDataset
from .sbu import SBU
from .semeion import SEMEION
from .stanford_cars import StanfordCars
from .stl10 import STL10
from .sun397 import SUN397
from .svhn import SVHN
from .usps import USPS
from .vision import StandardTransform, VisionDataset
from .voc import VOCDetection, VOCSegmentation
from .widerface import WIDERFace

__all__ = [
    # bases
    "VisionDataset", "StandardTransform", "DatasetFolder", "ImageFolder", "FakeData",
    # image classification
    "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "USPS", "SEMEION", "MovingMNIST", "CIFAR10", "CIFAR100",
    "SVHN", "STL10", "ImageNet", "Imagenette", "INaturalist", "Caltech101", "Caltech256", "CelebA", "Country211",
    "DTD", "EuroSAT", "FER2013", "FGVCAircraft", "Flowers102", "Food101", "GTSRB", "OxfordIIITPet", "Places365",
    "RenderedSST2", "StanfordCars", "SUN397", "CLEVRClassification", "Omniglot", "LFWPeople", "LFWPairs",
    # detection, segmentation, captions
    "CocoDetection", "CocoCaptions", "VOCSegmentation", "VOCDetection", "SBDataset", "Cityscapes", "WIDERFace",
    "Kitti", "Flickr8k", "Flickr30k", "SBU", "PhotoTour",
    # optical flow and stereo
    "Sintel", "FlyingChairs", "FlyingThings3D", "KittiFlow", "HD1K", "CarlaStereo", "Kitti2012Stereo",
    "Kitti2015Stereo", "Middlebury2014Stereo", "CREStereo", "FallingThingsStereo", "SceneFlowStereo", "SintelStereo",
    "InStereo2k", "ETH3DStereo",
]
