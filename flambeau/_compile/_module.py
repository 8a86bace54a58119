"""What compile(module) returns: a Module wrapping the original (`_orig_mod`), whose calls are compiled.

As torch's OptimizedModule, its state_dict keys carry the `_orig_mod.` prefix, and attributes it does not
have are looked up on the original module.
"""
from __future__ import annotations

from ..nn import Module
from ._function import CompiledFunction


class OptimizedModule(Module):
    def __init__(self, mod: Module, compiled: CompiledFunction):
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", compiled)
        self.training = mod.training

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"OptimizedModule({self._orig_mod!r})"
