"""flambeau.utils.benchmark (torch.utils.benchmark): time Python statements, summarize and compare the times."""
from .compare import Colorize, Compare, trim_sigfig
from .measurement import Measurement, TaskSpec, select_unit
from .timer import Timer

__all__ = ["Timer", "Measurement", "TaskSpec", "Compare", "Colorize", "select_unit", "trim_sigfig"]
