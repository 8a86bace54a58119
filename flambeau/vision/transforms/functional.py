"""torchvision.transforms.functional: each function takes a PIL image or a tensor (..., C, H, W)."""
from ._functional_conversion import *  # noqa: F401,F403
from ._functional_geometry import *  # noqa: F401,F403
from ._functional_color import *  # noqa: F401,F403
