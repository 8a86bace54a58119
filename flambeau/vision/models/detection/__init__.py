"""flambeau.vision.models.detection: torchvision's detection models - the two-stage R-CNN family (Faster, Mask,
Keypoint R-CNN) and the one-stage RetinaNet, FCOS, SSD and SSDLite - with their shared pipeline (image transform,
anchors, box coding, RPN, RoI heads)."""
from .faster_rcnn import *  # noqa: F401,F403
from .fcos import *  # noqa: F401,F403
from .keypoint_rcnn import *  # noqa: F401,F403
from .mask_rcnn import *  # noqa: F401,F403
from .retinanet import *  # noqa: F401,F403
from .ssd import *  # noqa: F401,F403
from .ssdlite import *  # noqa: F401,F403
