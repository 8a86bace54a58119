"""torchvision.transforms' classes, one family per file."""
from ._transforms_conversion import *  # noqa: F401,F403
from ._transforms_geometry import *  # noqa: F401,F403
from ._transforms_color import *  # noqa: F401,F403
from ._transforms_containers import *  # noqa: F401,F403
