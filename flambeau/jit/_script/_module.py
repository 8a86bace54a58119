"""What jit.script returns: a ScriptModule (a module's forward and its @jit.export methods) or a scripted
function. Each entry point is the converted source run under the tracer, one graph per input signature, traced
again whenever a call's signature or a guard is new (the source is kept, so it always can)."""
from __future__ import annotations

from contextlib import contextmanager
from types import FunctionType, MethodType
from typing import Any, Callable

from ..ir import Graph
from .._traced import ScriptFunction, TracedModule
from . import _blocks, _runtime
from ._frontend import convert
from ._types import Signature


class _Entry:
    """One scripted entry point: its signature checks and its traces; `ignored`: the @jit.ignore functions the
    traces called (they ran as Python, so the traces cannot be saved)."""
    _what = "jit.script"

    def _setup(self, fn: Callable, skip_self: bool) -> None:
        self._signature = Signature(fn, skip_self)
        self.ignored: set[str] = set()

    def _traced_call(self, args: tuple, kwargs: dict):
        inputs = self._signature.bind(args, kwargs)
        if _blocks.active_tracer() is not None:   # called inside a trace: the outer trace records its code
            return self._fn(*inputs)
        return ScriptFunction.__call__(self, *inputs)

    @property
    def graph(self) -> Graph:
        if not self._traces:
            raise RuntimeError("jit.script builds a graph for each input signature on the first call with it: call "
                               "the scripted function or module before reading graph or code")
        return ScriptFunction.graph.fget(self)

    def _run(self, run: Callable, *inputs):
        _runtime.ignored_calls.append(self.ignored)
        try:
            return run(*inputs)
        finally:
            _runtime.ignored_calls.pop()


class ScriptedFunction(_Entry, ScriptFunction):
    """jit.script of a function."""

    def __init__(self, fn: FunctionType):
        converted = convert(fn)
        super().__init__(lambda *inputs: self._run(converted, *inputs), {}, strict=False)
        self._setup(fn, skip_self=False)
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __call__(self, *args, **kwargs):
        return self._traced_call(args, kwargs)


class ScriptMethod(_Entry, ScriptFunction):
    """An exported method of a ScriptModule (@jit.export)."""

    def __init__(self, module, name: str, params: dict):
        run = _method_runner(module, name)
        super().__init__(lambda *inputs: self._run(run, *inputs), params, strict=False, training=module.training)
        self._setup(getattr(type(module), name), skip_self=True)

    def __call__(self, *args, **kwargs):
        return self._traced_call(args, kwargs)


class _ScriptModuleBase(_Entry, TracedModule):
    """jit.script of an nn.Module (the class is made on first use, an nn.Module too: flambeau.jit loads and runs
    saved models without flambeau.nn). It shares the module's parameters, buffers and submodules (state_dict,
    parameters(), registering it inside another module), reads the module's other attributes through, is called
    like a module (hooks, then forward), and has graph, code and its @jit.export methods as attributes."""

    def __init__(self, module):
        from ...nn.modules.module import Module
        Module.__init__(self)
        for name in ("_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"):
            self.__dict__[name] = module.__dict__[name]
        params = dict(module.state_dict(keep_vars=True))
        exported = [name for name, member in vars(type(module)).items() if getattr(member, "_jit_export", False)]
        _compile_reachable(module, exported)
        run = _method_runner(module, "forward")
        TracedModule.__init__(self, lambda *inputs: self._run(run, *inputs), params, strict=False,
                              training=module.training)
        self._setup(type(module).forward, skip_self=True)
        self.__dict__["_module"] = module   # not a submodule: its children are this module's own
        self._methods = {name: ScriptMethod(module, name, params) for name in exported if name != "forward"}

    def forward(self, *args, **kwargs):
        return self._traced_call(args, kwargs)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if name in d.get("_methods", {}):
            return d["_methods"][name]
        for shared in ("_parameters", "_buffers", "_modules"):
            if name in d.get(shared, {}):
                return d[shared][name]
        if "_module" in d:
            return getattr(d["_module"], name)
        raise AttributeError(f"'ScriptModule' object has no attribute '{name}'")

    def train(self, mode: bool = True) -> "_ScriptModuleBase":
        """The mode calls run (and trace) in, for forward and the exported methods alike."""
        self.training = mode
        self._module.train(mode)
        for method in self._methods.values():
            method.training = mode
        return self

    def _apply(self, fn, recurse: bool = True):
        """.to(), .double(), ...: applied to the module; the traces, made for the old tensors, are dropped."""
        self._module._apply(fn, recurse)
        self._params.clear()
        self._params.update(self._module.state_dict(keep_vars=True))
        for entry in (self, *self._methods.values()):
            entry._traces.clear()
        return self

    @property
    def unsaveable(self) -> str | None:
        """Why jit.save must refuse this module (it called @jit.ignore functions as Python), else None."""
        names = sorted(set().union(self.ignored, *(m.ignored for m in self._methods.values())))
        return (f"jit.save: the scripted module calls Python function(s) {', '.join(names)} (@jit.ignore), "
                f"which a saved model cannot run; remove the calls before saving") if names else None


_script_module = None


def script_module_class() -> type:
    """ScriptModule: made on first use, since it is an nn.Module (flambeau.nn is not imported by flambeau.jit)."""
    global _script_module
    if _script_module is None:
        from ...nn.modules.module import Module
        _script_module = type("ScriptModule", (_ScriptModuleBase, Module), {
            "__module__": "flambeau.jit", "__doc__": _ScriptModuleBase.__doc__, "__call__": Module._call_impl,
            "state_dict": Module.state_dict, "__getattr__": _ScriptModuleBase.__getattr__,
            "__setattr__": Module.__setattr__})
    return _script_module


def _method_runner(module, name: str) -> Callable:
    """Run the converted method `name` on `module`, its user-written submodules' forwards converted too."""
    fn = getattr(type(module), name)
    converted = convert(fn) if _runtime.is_user_code(fn) else fn   # a library module's forward is traced as it is

    def run(*inputs):
        with _converted_forwards(module):
            return converted(module, *inputs)
    return run


def _user_forward(m) -> FunctionType | None:
    forward = getattr(type(m), "forward", None)
    return forward if isinstance(forward, FunctionType) and _runtime.is_user_code(forward) else None


@contextmanager
def _converted_forwards(root):
    """While a call traces: each user-written submodule's forward is its converted one (also when a library
    container such as nn.Sequential calls it)."""
    patched = []
    for m in root.modules():
        forward = _user_forward(m)
        if m is not root and forward is not None and "forward" not in m.__dict__:
            m.__dict__["forward"] = MethodType(_runtime.call(forward), m)
            patched.append(m)
    try:
        yield
    finally:
        for m in patched:
            del m.__dict__["forward"]


def _compile_reachable(root, exported: list[str]) -> None:
    """Convert now what the entry points reach (the forwards of user-written submodules, the methods they call on
    self), so that an unsupported construct is reported by jit.script itself."""
    for m in root.modules():
        names = ["forward", *exported] if m is root else ["forward"]
        seen: set[str] = set()
        while names:
            name = names.pop()
            fn = getattr(type(m), name, None)
            if name in seen or not isinstance(fn, FunctionType) or not _runtime.is_user_code(fn) or \
                    getattr(fn, "_jit_ignore", False) or getattr(fn, "_jit_unused", False):
                continue
            seen.add(name)
            names += convert(fn)._jit_self_calls
