"""Optimisation passes on the jit IR, and the pass manager that runs them in order.

Each pass is a function (graph, constants) -> (graph, constants), constants mapping constant value names
to arrays; each leaves the graph verifiable (the manager checks after every pass) and computing the same
outputs. Passes change the graph they are given in place (freeze hands them a copy). run_passes reports what
each changed. Nodes with blocks (jit.script's control flow) are opaque: nothing is folded, fused or merged
across or inside them, and what they read stays alive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..ir import Graph, verify
from .channels_last import to_channels_last
from .constant_fold import fold_constants
from .conv_bn import fold_conv_bn
from .cse import eliminate_common_subexpressions
from .dce import eliminate_dead_code
from .fusion import fuse_elementwise
from .max_pool import pool_values_only
from .memory_plan import MemoryPlan, memory_plan, plan_memory

__all__ = ["run_passes", "PassReport", "FREEZE_PASSES", "REROUNDING", "MemoryPlan", "memory_plan", "plan_memory",
           "fold_constants", "fold_conv_bn", "eliminate_common_subexpressions", "eliminate_dead_code",
           "fuse_elementwise", "pool_values_only", "to_channels_last"]

Pass = Callable[[Graph, dict], "tuple[Graph, dict]"]

# what freeze runs: weights-only computations folded, batch norm into the convolutions, max pooling without its
# argmax, what is left unused dropped, duplicates merged, elementwise chains fused, runs of convolutions moved
# to channels-last (after fusion: the chains it moves are whole), what that left unused dropped, and in-place
# buffers planned last (fusion makes them)
FREEZE_PASSES: list[tuple[str, Pass]] = [
    ("constant folding", fold_constants),
    ("conv+bn folding", fold_conv_bn),
    ("max pooling values only", pool_values_only),
    ("dead-code elimination", eliminate_dead_code),
    ("common-subexpression elimination", eliminate_common_subexpressions),
    ("elementwise fusion", fuse_elementwise),
    ("channels-last layout", to_channels_last),
    ("dead-code elimination", eliminate_dead_code),
    ("memory planning", plan_memory),
]
# the passes whose results round differently from the graph's (a folded weight; sums in another order): what
# freeze(optimize_numerics=False) leaves out
REROUNDING = ("conv+bn folding", "channels-last layout")


@dataclass(frozen=True)
class PassReport:
    name: str
    nodes: tuple[int, int]        # before, after
    constants: tuple[int, int]

    def __str__(self) -> str:
        return (f"{self.name}: {self.nodes[0]} -> {self.nodes[1]} nodes, "
                f"{self.constants[0]} -> {self.constants[1]} constants")


def run_passes(graph: Graph, constants: dict, passes: list[tuple[str, Pass]] = FREEZE_PASSES
               ) -> tuple[Graph, dict, list[PassReport]]:
    """Run `passes` in order, verifying the graph after each; what each changed, in order."""
    reports = []
    for name, run in passes:
        before = (len(graph.nodes), len(graph.constants))
        graph, constants = run(graph, constants)
        verify(graph)
        reports.append(PassReport(name, (before[0], len(graph.nodes)), (before[1], len(graph.constants))))
    return graph, constants, reports
