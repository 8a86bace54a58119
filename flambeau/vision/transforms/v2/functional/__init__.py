"""torchvision.transforms.v2.functional: functionals dispatching on the input's type (plain tensor, PIL image
or TVTensor) to kernels, and the kernels themselves."""
from flambeau.vision.transforms._functional_geometry import InterpolationMode  # noqa: F401

from ._utils import is_pure_tensor, register_kernel  # noqa: F401
from ._meta import *  # noqa: F401,F403
