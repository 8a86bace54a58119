"""torchvision.transforms.v2.functional: functionals dispatching on the input's type (plain tensor, PIL image
or TVTensor) to kernels, and the kernels themselves."""
from flambeau.vision.transforms._functional_geometry import InterpolationMode  # noqa: F401

from ._utils import is_pure_tensor, register_kernel  # noqa: F401
from ._meta import *  # noqa: F401,F403
from ._augment import *  # noqa: F401,F403
from ._color import *  # noqa: F401,F403
from ._geometry import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
from ._temporal import *  # noqa: F401,F403
from ._type_conversion import *  # noqa: F401,F403
from ..._functional_conversion import to_tensor  # noqa: F401  (deprecated in v2)
from ..._image import get_image_size  # noqa: F401  (deprecated in v2)
