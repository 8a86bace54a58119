"""torchvision.transforms (v1 API): transform classes here, their functions in .functional."""
from . import functional  # noqa: F401
from .transforms import *  # noqa: F401,F403
from .autoaugment import *  # noqa: F401,F403
