"""torchvision.transforms.v2: transforms that move images, videos, boxes, masks and keypoints together."""
from flambeau.vision.transforms._functional_geometry import InterpolationMode  # noqa: F401

from . import functional  # noqa: F401
from ._transform import Transform  # noqa: F401
from ._color import (ColorJitter, Grayscale, RandomAdjustSharpness, RandomAutocontrast,  # noqa: F401
                     RandomChannelPermutation, RandomEqualize, RandomGrayscale, RandomInvert, RandomPhotometricDistort,
                     RandomPosterize, RandomSolarize, RGB)
from ._augment import *  # noqa: F401,F403
from ._auto_augment import *  # noqa: F401,F403
from ._geometry import *  # noqa: F401,F403
from ._container import Compose, RandomApply, RandomChoice, RandomOrder  # noqa: F401
from ._meta import ClampBoundingBoxes, ClampKeyPoints, ConvertBoundingBoxFormat, SetClampingMode  # noqa: F401
from ._misc import (ConvertImageDtype, GaussianBlur, GaussianNoise, Identity, Lambda,  # noqa: F401
                    LinearTransformation, Normalize, SanitizeBoundingBoxes, SanitizeKeyPoints, ToDtype)
from ._temporal import UniformTemporalSubsample  # noqa: F401
from ._type_conversion import PILToTensor, ToImage, ToPILImage, ToPureTensor, ToTensor  # noqa: F401
from ._utils import check_type, get_bounding_boxes, get_keypoints, has_all, has_any, query_chw, query_size  # noqa: F401
