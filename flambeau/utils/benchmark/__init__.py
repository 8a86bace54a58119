"""flambeau.utils.benchmark (torch.utils.benchmark): time Python statements, summarize and compare the times."""
from .measurement import Measurement, TaskSpec, select_unit
from .timer import Timer

__all__ = ["Timer", "Measurement", "TaskSpec", "select_unit"]
