"""torchvision.transforms.v2: transforms that move images, videos, boxes, masks and keypoints together."""
from flambeau.vision.transforms._functional_geometry import InterpolationMode  # noqa: F401

from . import functional  # noqa: F401
from ._transform import Transform  # noqa: F401
from ._utils import check_type, get_bounding_boxes, get_keypoints, has_all, has_any, query_chw, query_size  # noqa: F401
