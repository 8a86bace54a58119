"""torch.func.functional_call and stack_module_state: run a module with parameters and buffers given as dicts."""
from __future__ import annotations

import contextlib



def _merge(dicts) -> dict:
    merged: dict = {}
    for d in dicts:
        repeated = [k for k in d if k in merged]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        merged.update(d)
    return merged


def _tied_groups(module) -> list:
    """Lists of the names that share one tensor (tied weights), for the groups with more than one name."""
    by_tensor: dict = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        by_tensor.setdefault(id(t), []).append(name)
    return [names for names in by_tensor.values() if len(names) > 1]


def _tie(module, values: dict) -> dict:
    values = dict(values)
    for names in _tied_groups(module):
        given = [n for n in names if n in values]
        if not given:
            continue
        if len({id(values[n]) for n in given}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. Consider "
                             "using tie_weights=False")
        for n in names:
            values[n] = values[given[0]]
    return values


def _check_strict(module, values: dict) -> None:
    known = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    known |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
    missing, unexpected = sorted(known - set(values)), sorted(set(values) - known)
    if missing or unexpected:
        lines = []
        if unexpected:
            lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
        if missing:
            lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(lines))


@contextlib.contextmanager
def _reparametrized(module, values: dict):
    """Module attributes replaced by `values` (dotted names) for the duration of the block."""
    undo = []
    try:
        for name, value in values.items():
            owner = module
            *path, attr = name.split(".")
            for part in path:
                owner = owner._modules[part]
            for store in (owner._parameters, owner._buffers, owner.__dict__):
                if attr in store or store is owner.__dict__:
                    undo.append((store, attr, attr in store, store.get(attr)))
                    store[attr] = value
                    break
        yield
    finally:
        for store, attr, existed, old in reversed(undo):
            if existed:
                store[attr] = old
            else:
                del store[attr]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """module(*args, **kwargs) with its parameters and buffers replaced by the given tensors."""
    dicts = parameter_and_buffer_dicts
    values = _merge(dicts if isinstance(dicts, (tuple, list)) else (dicts,))
    if tie_weights:
        values = _tie(module, values)
    if strict:
        _check_strict(module, values)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrized(module, values):
        return module(*args, **(kwargs or {}))


def stack_module_state(models) -> tuple[dict, dict]:
    """(parameters, buffers) of identically structured modules, each stacked along a new leading dim; the
    stacked parameters are new leaves that require grad where the originals do."""
    from ..ops.joining import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named) -> dict:
        names = [n for n, _ in named(models[0])]
        out = {}
        for n in names:
            tensors = [dict(named(m))[n] for m in models]
            s = stack([t.detach() for t in tensors])
            out[n] = s.requires_grad_(True) if tensors[0].requires_grad else s
        return out

    return stacked(lambda m: m.named_parameters()), stacked(lambda m: m.named_buffers())
