"""jit.save / jit.load: one zip holding JSON and raw buffers, no pickle.

  flambeau_jit/version             the format version, as text
  flambeau_jit/model.json          {"training": bool, "module": bool, "graphs": [{"training", "graph"}, ...]}: every
                                   specialisation traced; a scripted module's @jit.export methods under
                                   "methods": {name: [graph entries]} (constants "const/<name>/<index>/<value>")
  flambeau_jit/weights.safetensors parameters and buffers as "param/<state_dict key>", each graph's constants
                                   as "const/<graph index>/<value name>": little-endian, safetensors layout
Loading checks the zip's CRCs, the version, every JSON field, the graphs (verifier) and every weight's shape and
dtype against the graph before anything runs; it imports flambeau's own primitive modules and nothing else.
"""
from __future__ import annotations

import io
import json
import math
import os
import zipfile
from typing import IO, Union

from .._tensor import Tensor
from ..serialization import safetensors
from ..serialization.errors import CorruptFileError, source_name
from ._interpreter import Program
from ._serialize import graph_from_json, graph_to_json
from ._traced import ScriptFunction, TracedModule

VERSION = 1
_PREFIX = "flambeau_jit/"
_MEMBERS = {_PREFIX + "version", _PREFIX + "model.json", _PREFIX + "weights.safetensors"}
FileLike = Union[str, os.PathLike, IO[bytes]]


def save(m: ScriptFunction, f: FileLike) -> None:
    """Write a traced module or function to `f` (a path or a binary file)."""
    if not isinstance(m, ScriptFunction):
        raise TypeError(f"jit.save expects what jit.trace returns, not {type(m).__name__}")
    refused = getattr(m, "unsaveable", None)   # a scripted module that calls Python functions (@jit.ignore)
    if refused:
        raise RuntimeError(refused)
    entries = {"forward": m, **getattr(m, "_methods", {})}   # a ScriptModule's @jit.export methods
    for name, fn in entries.items():
        if not fn._traces:
            raise RuntimeError(f"jit.save: {name} has no graph yet (jit.script builds one for each input signature "
                               f"on the first call with it): call it before saving")
    weights = {"param/" + key: t.detach() for key, t in m.state_dict().items()}
    model = {"training": m.training, "module": isinstance(m, TracedModule), "graphs": _graphs(m, "", weights)}
    methods = {name: _graphs(fn, name + "/", weights) for name, fn in entries.items() if fn is not m}
    if methods:
        model["methods"] = methods
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(_PREFIX + "version", str(VERSION))
        zf.writestr(_PREFIX + "model.json", json.dumps(model, allow_nan=False))
        zf.writestr(_PREFIX + "weights.safetensors", safetensors.save(weights))
    data = buffer.getvalue()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            out.write(data)
    else:
        f.write(data)


def _graphs(fn: ScriptFunction, prefix: str, weights: dict) -> list:
    """The JSON of every specialisation of `fn`; their constants go into `weights` as const/<prefix><index>/."""
    graphs = []
    traces = [(signature[2], p) for signature, programs in fn._traces.items() for p in programs]
    for i, (training, program) in enumerate(traces):
        graphs.append({"training": training, "graph": graph_to_json(program.graph)})
        for v, array in zip(program.graph.constants, program.constants):
            weights[f"const/{prefix}{i}/{v.name}"] = Tensor._wrap(array)
    return graphs


def load(f: FileLike) -> ScriptFunction:
    """Read what jit.save wrote. A damaged, truncated or unknown file raises CorruptFileError; nothing in it runs."""
    source = source_name(f)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as stream:
            data = stream.read()
    else:
        data = f.read()
    members = _read_zip(data, source)
    version = members[_PREFIX + "version"]
    if version != str(VERSION).encode():
        raise CorruptFileError(source, f"unknown flambeau.jit format version {version[:20]!r} (this flambeau reads "
                                       f"version {VERSION})")
    weights = safetensors.load(members[_PREFIX + "weights.safetensors"], source=source)
    try:
        model = json.loads(members[_PREFIX + "model.json"])
        if not (isinstance(model, dict) and set(model) - {"methods"} == {"training", "module", "graphs"}
                and isinstance(model["training"], bool)):
            raise ValueError("model.json must hold training, module and a non-empty list of graphs")
        params = {k.removeprefix("param/"): t for k, t in weights.items() if k.startswith("param/")}
        forward = _programs(model["graphs"], "", weights, params)
        methods = model.get("methods", {})
        if not (isinstance(methods, dict) and all(name.isidentifier() and not name.startswith("_") and
                                                  not hasattr(TracedModule, name) for name in methods)):
            raise ValueError("methods must map method names to lists of graphs")
        methods = {name: _programs(entries, name + "/", weights, params) for name, entries in methods.items()}
    except (ValueError, RecursionError, ImportError) as e:
        raise CorruptFileError(source, f"not a valid flambeau.jit model: {e}") from None
    cls = TracedModule if model["module"] else ScriptFunction
    loaded = cls(None, params, True, model["training"])
    for training, program in forward:
        loaded._add(program, training)
    for name, programs in methods.items():
        method = ScriptFunction(None, params, True, model["training"])
        for training, program in programs:
            method._add(program, training)
        setattr(loaded, name, method)
    return loaded


def _programs(entries, prefix: str, weights: dict, params: dict) -> list:
    """(training, Program) of each graph entry, its constants and parameters checked against the weights."""
    if not (isinstance(entries, list) and entries):
        raise ValueError("expected a non-empty list of graphs")
    if not all(isinstance(g, dict) and set(g) == {"training", "graph"} and isinstance(g["training"], bool)
               for g in entries):
        raise ValueError("each entry of graphs must hold training and graph")
    programs = []
    for i, entry in enumerate(entries):
        g = graph_from_json(entry["graph"])
        programs.append((entry["training"], Program(g, _constants(g, prefix, i, weights))))
        for key, v in g.params.items():
            params[key] = Tensor._wrap(_check_weight(params.get(key), v, f"parameter {key!r}"))
    return programs


def _read_zip(data: bytes, source: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if names != _MEMBERS:
                raise CorruptFileError(source, f"not a flambeau.jit archive (members {sorted(names)[:5]})")
            bad = zf.testzip()  # every member's CRC
            if bad is not None:
                raise CorruptFileError(source, f"member {bad} is corrupted (CRC mismatch)")
            return {name: zf.read(name) for name in names}
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise CorruptFileError(source, f"not a readable zip archive ({e}): truncated or corrupted?") from None


def _constants(graph, prefix: str, index: int, weights: dict) -> dict:
    arrays = {}
    for v in graph.constants:
        arrays[v.name] = _check_weight(weights.get(f"const/{prefix}{index}/{v.name}"), v, f"constant %{v.name}")
    return arrays


def _check_weight(t: Tensor | None, v, what: str):
    """The weight's array in the graph's shape; its dtype and size must be the graph's."""
    if t is None:
        raise ValueError(f"the weights lack {what}")
    a = t._data
    if a.size != math.prod(v.type.shape) or a.dtype.name != v.type.dtype:
        raise ValueError(f"{what} is {a.dtype.name}{list(a.shape)} in the weights but {v.type} in the graph")
    # NOTE: flambeau's safetensors writer stores a 0-d tensor as shape [1]; the graph's type has the shape
    return a.reshape(v.type.shape)
