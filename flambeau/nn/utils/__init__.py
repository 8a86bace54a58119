"""nn.utils: gradient clipping, parameter/vector conversion, parametrizations, sequence padding, weight/spectral
norm hooks, conv/linear + batch norm fusion, skip_init."""
from __future__ import annotations

from . import parametrizations, parametrize, rnn  # noqa: F401
from .clip_grad import *  # noqa: F401,F403
from .clip_grad import __all__ as _clip_all
from .convert_parameters import *  # noqa: F401,F403
from .convert_parameters import __all__ as _convert_all
from .fusion import *  # noqa: F401,F403
from .fusion import __all__ as _fusion_all
from .init import skip_init  # noqa: F401
from .memory_format import *  # noqa: F401,F403
from .memory_format import __all__ as _memory_format_all
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = [*_clip_all, *_convert_all, *_fusion_all, *_memory_format_all, "parametrizations", "parametrize", "rnn",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "skip_init"]
