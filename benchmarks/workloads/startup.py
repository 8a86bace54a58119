"""`import torch` against `import flambeau`: wall time of the import in a fresh interpreter."""
from __future__ import annotations

from . import Workload

WORKLOADS = [Workload("import time", None, target=1.0, kind="import")]
