"""jit.freeze (torch.jit.freeze): a traced module's parameters and buffers become constants of its graphs,
and the optimisation passes (flambeau/jit/passes) run on them.

The frozen module holds no parameters: later changes to the original module's weights do not reach it.
Dropout in eval mode records no node, so a frozen graph has none. freeze keeps the eval-mode traces only.
"""
from __future__ import annotations

import copy

import numpy as np

from ._interpreter import Program
from ._traced import TracedModule
from .ir import Graph
from .passes import FREEZE_PASSES, REROUNDING, MemoryPlan, PassReport, memory_plan, run_passes


class FrozenModule(TracedModule):
    """What freeze returns: a traced module whose graphs run the optimised programs."""

    def __init__(self, programs: list[Program], reports: list[list[PassReport]]):
        super().__init__(None, {}, True, False)
        for program in programs:
            self._add(program, False)
        self.pass_reports = reports

    @property
    def memory_plan(self) -> MemoryPlan:
        """The buffer plan of the first graph: its peak against the naive sum of its intermediates."""
        return memory_plan(self.graph)

    def train(self, mode: bool = True) -> "FrozenModule":
        if mode:
            raise RuntimeError("a frozen module runs in eval mode only; freeze the module again after training")
        return self


def freeze(mod: TracedModule, preserved_attrs: list[str] | None = None,
           optimize_numerics: bool = True) -> FrozenModule:
    """Inline the parameters and buffers of a traced module in eval mode as constants, then fold batch norm into
    the convolutions, drop dead code, merge duplicates, fuse elementwise chains, keep runs of convolutions
    channels-last and plan in-place buffers. optimize_numerics=False skips the passes that round differently."""
    if not isinstance(mod, TracedModule):   # a traced or scripted function has no module state to inline
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() "
                           "on your module before freezing.")
    if preserved_attrs:
        raise NotImplementedError("jit.freeze: preserved_attrs is not supported (a frozen graph keeps no attributes)")
    params = {key: t._data for key, t in mod.state_dict().items()}
    programs, reports = [], []
    for signature, traced in mod._traces.items():
        if signature[2]:   # a trace of training mode
            continue
        for program in traced:
            graph, constants = _inline(program, params)
            passes = FREEZE_PASSES if optimize_numerics else [p for p in FREEZE_PASSES if p[0] not in REROUNDING]
            graph, constants, report = run_passes(graph, constants, passes)
            programs.append(Program(graph, constants))
            reports.append(report)
    if not programs:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode: the module holds no "
                           "graph recorded in eval mode; trace it after calling .eval() (a scripted module records "
                           "its graphs on its first calls: call it once in eval mode)")
    return FrozenModule(programs, reports)


def _inline(program: Program, params: dict) -> tuple[Graph, dict]:
    """A copy of the program's graph with its parameters turned into constants (copies of their arrays)."""
    graph = copy.deepcopy(program.graph)
    constants = {v.name: a for v, a in zip(graph.constants, program.constants)}
    for key, v in graph.params.items():
        graph.constants.append(v)
        constants[v.name] = np.array(params[key], copy=True)
    graph.params = {}
    return graph, constants


def optimize_for_inference(mod: TracedModule, other_methods: list[str] | None = None) -> FrozenModule:
    """torch.jit.optimize_for_inference: freeze the module unless it is frozen already (the same passes)."""
    return mod if isinstance(mod, FrozenModule) else freeze(mod)
