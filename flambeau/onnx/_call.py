"""What a translation sees of a primitive node (Call), its array arguments (Ref), and a trace (Traced)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..jit.ir import Graph


@dataclass(frozen=True)
class Ref:
    """An array argument: a reference to a graph value (ir), with its ONNX name once translated."""
    ir: str
    as_tensor: bool
    onnx: str | None = None
    dtype: str | None = None


@dataclass
class Call:
    op: str
    inputs: list[str]            # ONNX names
    shapes: list[tuple]          # the inputs' shapes (ints and Syms)
    dtypes: list[str]
    args: list                   # the primitive's static arguments; arrays as Refs
    out_shape: tuple
    out_dtype: str
    memo: dict = field(default_factory=dict)   # shared by the translations of one export


@dataclass
class Traced:
    """One trace: its graph and constants' arrays."""
    graph: Graph
    constants: dict
