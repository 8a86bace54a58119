"""torch.func.vmap: batching rules at the dispatch point.

Inside vmap the function sees logical tensors: one sample's shape, dtype and values (their array is sample
0's slice of the physical tensor, so metadata and shape checks behave as for one sample). Every primitive
call reaches `BatchLevel.handle` (see autograd/_levels.py), which computes the whole batch on the physical
tensors, whose dim 0 is the batch, with the primitive's batching rule (_batching_rules.py), or with a loop
over the samples for a primitive that has none. The logical result is then wrapped like any op result, so
autograd records the logical graph: grad inside vmap differentiates each sample (per-sample gradients),
and the backward formulas batch through the same rules.
"""
from __future__ import annotations

import functools

from .._dispatch import apply
from .._tensor import Tensor
from ..autograd import _levels
from ._batching_rules import expand_batch, rule_for
from ._pytree import broadcast_prefix, flatten, unflatten

_RANDOMNESS = ("error", "different", "same")
_HOST_READ_ERRORS = {  # PyTorch's messages for reading a batched tensor's value on the host
    "item": "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on a "
            "Tensor, please try to rewrite what you're doing with other operations.",
    "tolist": "Cannot access data pointer of Tensor that doesn't have storage",
}


class BatchLevel(_levels.Level):
    """One vmap level: its table maps a logical array to its physical Tensor (batch at dim 0)."""

    def __init__(self, size: int, randomness: str) -> None:
        super().__init__()
        self.size = size
        self.randomness = randomness

    def random_draw(self, batched_by_rule: bool = False) -> None:
        if self.randomness == "error":
            raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                               "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                               "out of vmap")
        # NOTE: the public random functions run through random_call, and dropout through its batching rule;
        # anything else that draws on arrays here would give every sample the same draws, whatever was asked
        if not batched_by_rule:
            raise NotImplementedError(f"vmap: this random operation does not support randomness='{self.randomness}' "
                                      "in flambeau yet; draw the random values outside vmap and pass them in")

    def random_call(self, fn, args: tuple, kwargs: dict):
        """A public random function: with randomness='different', drawn for each sample (the batched inputs'
        samples, or the same arguments again); with 'same', once for every sample (the generator rewound
        before each sample when a batched tensor lends only its shape: rand_like, in-place fills)."""
        if self.randomness == "error":
            self.random_draw()
        name = fn.__name__
        inplace = name.endswith("_")
        shape_only = 1 if inplace or name.endswith("_like") else 0  # a leading argument read for its shape only
        if inplace and self.randomness == "different" and not (args and self.lookup(args[0]) is not None):
            raise RuntimeError("vmap: Cannot ask for different inplace randomness on an unbatched tensor. This will "
                               "appear like same randomness. If this is necessary for your usage, please file an "
                               "issue with functorch.")
        batched = [isinstance(a, Tensor) and self.lookup(a) is not None for a in (*args, *kwargs.values())]
        if self.randomness == "same" and any(batched[shape_only:]):
            raise RuntimeError("Vmap does not currently support same randomness with a batched tensor input. Please "
                               "file an issue with functorch")
        if self.randomness == "same" and not any(batched):
            return super().random_call(fn, args, kwargs)  # one draw; its result is the same for every sample
        from ..ops.joining import stack
        from ..ops.random import _rng
        bits = _rng(kwargs.get("generator"), batched_by_rule=True).bit_generator
        rewind = bits.state if self.randomness == "same" else None
        outs = []
        with self.lowered():
            for b in range(self.size):
                if rewind is not None:
                    bits.state = rewind
                outs.append(fn(*[self._sample_tensor(a, b) for a in args],
                               **{k: self._sample_tensor(v, b) for k, v in kwargs.items()}))
        if inplace:
            return args[0]  # each sample was filled in place, a view of the physical tensor
        return self.wrap(stack(outs))

    def batched_call(self, fn, args: tuple, kwargs: dict):
        """A torch.linalg function, which computes on arrays beside the dispatch: called once on the physical
        tensors (the batch one more leading dim; unbatched tensors expanded to it), its results wrapped."""
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        if not any(self.lookup(t) is not None for t in tensors):
            return fn(*args, **kwargs)
        from ..autograd.grad_mode import STATE
        if STATE.enabled and any(t.requires_grad for t in tensors):
            # NOTE: the physical call records no logical graph, so grad inside this vmap could not see it
            raise NotImplementedError(f"vmap over torch.linalg.{fn.__name__} of tensors that require grad inside "
                                      "the vmapped function (grad of vmap works) is not supported by flambeau yet")

        def physical(a):
            if not isinstance(a, Tensor):
                return a
            phys = self.lookup(a)
            return phys if phys is not None else expand_batch(a, self.size)

        with self.lowered():
            out = fn(*[physical(a) for a in args], **{k: physical(v) for k, v in kwargs.items()})
        if isinstance(out, Tensor):
            return self.wrap(out)
        items = [self.wrap(o) if isinstance(o, Tensor) else o for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else tuple(items)  # a named tuple, or a plain one

    def _check_primitive_draw(self, prim, phys) -> None:
        """A drawing primitive runs per sample (its own draws each: 'different') unless it has a rule;
        'same' needs a rule to share one draw between samples whose inputs differ."""
        self.random_draw(batched_by_rule=True)  # randomness='error' refuses
        if self.randomness == "same" and phys is not None and rule_for(prim) is None:
            raise RuntimeError("Vmap does not currently support same randomness with a batched tensor input. Please "
                               "file an issue with functorch")

    def _sample_tensor(self, a, b: int):
        phys = self.lookup(a) if isinstance(a, Tensor) else None
        if phys is None:
            return a
        from ..ops.shape import Select
        return apply(Select, (phys,), (b,))

    def host_read(self, t: Tensor, what: str) -> None:
        if self.lookup(t) is not None:
            raise RuntimeError(_HOST_READ_ERRORS[what])
        super().host_read(t, what)

    def inplace(self, t: Tensor, result: Tensor) -> None:
        phys, new = self.lookup(t), self.lookup(result)
        if phys is None and new is not None:
            raise RuntimeError("vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a "
                               "Tensor `other` in extra_args that has more elements than `self`. This happened due to "
                               "`other` being vmapped over but `self` not being vmapped over in a vmap. Please try to "
                               "use out-of-place operators instead of inplace arithmetic.")
        if phys is not None:
            from .._dispatch import update_inplace
            with self.lowered():  # the whole batch; t's array is a view of the physical tensor's first sample
                update_inplace(phys, new if new is not None else result)
        super().inplace(t, result)

    def detach_attached(self, t: Tensor) -> None:
        phys = self.lookup(t)
        if phys is not None and phys.requires_grad:
            self.attach(t, _levels.detach_everywhere(phys))

    def wrap(self, phys: Tensor) -> Tensor:
        """The logical tensor of `phys`."""
        return Tensor._wrap(self._logical_array(phys))

    def _logical_array(self, phys: Tensor):
        """The first sample's view of `phys`, registered as the array of a logical tensor."""
        logical = phys._data[0, ...]
        self.table[id(logical)] = (logical, phys)
        return logical

    def handle(self, prim, inputs: tuple, args: tuple):
        phys = self.attached(inputs)
        array_args = bool(args) and self._has_batched_arg(args)
        draws = getattr(prim, "draws", False)  # a primitive that draws random numbers in its forward
        if draws:
            self._check_primitive_draw(prim, phys)
        if phys is None and not array_args and not (draws and self.randomness == "different"):
            return self.below(prim, inputs, args)
        if phys is None:
            phys = [None] * len(inputs)
        with self.lowered():
            rule = rule_for(prim)
            result = None
            if rule is not None and (not array_args or getattr(rule, "reads_array_args", False)):
                result = rule(self, prim, inputs, phys, args)
            if result is None:
                result = self._per_sample(prim, inputs, phys, args)
        return self._logical_array(result)  # apply wraps it (and records the logical graph node)

    def _has_batched_arg(self, args: tuple) -> bool:
        """Whether an arg (or an element of a tuple arg) is the array of a batched tensor (an index, a target)."""
        return any(self.lookup_array(x) is not None for a in args for x in (a if a.__class__ is tuple else (a,)))

    def _sample_arg(self, a, b: int):
        if a.__class__ is tuple:
            return tuple(self._sample_arg(x, b) for x in a)
        phys = self.lookup_array(a)
        if phys is None:
            return a
        from ..ops.shape import Select
        return apply(Select, (phys,), (b,))._data

    def _per_sample(self, prim, inputs: tuple, phys: list, args: tuple) -> Tensor:
        """The fallback for primitives without a rule: the primitive on each sample, stacked."""
        from ..ops.joining import stack
        from ..ops.shape import Select
        outs = []
        for b in range(self.size):
            ins = tuple(x if p is None else apply(Select, (p,), (b,)) for x, p in zip(inputs, phys))
            outs.append(apply(prim, ins, *[self._sample_arg(a, b) for a in args]))
        return stack(outs)


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _check_in_dims(func, in_dims, args: tuple) -> list:
    name = _name(func)
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has {len(in_dims)} entries but inputs has {len(args)}.")
    try:
        dims = broadcast_prefix(in_dims, args, "in_dims")
    except ValueError as e:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): {e}") from None
    leaves = flatten(args)[0]
    for d, x in zip(dims, leaves):
        if d is None:
            continue
        if not isinstance(d, int):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims must be int or None for "
                             f"each input, got {type(d)}.")
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the "
                             f"input is of type {type(x)}. We cannot vmap over non-Tensor arguments, please use None "
                             "as the respective in_dim")
        if not -x.dim() <= d < x.dim():
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but "
                             f"that input is a Tensor of dimensionality {x.dim()} so expected in_dim to satisfy "
                             f"-{x.dim()} <= in_dim < {x.dim()}.")
    return dims


def _batch_size(func, in_dims, dims: list, leaves: list) -> int:
    sizes = [x.shape[d] for d, x in zip(dims, leaves) if d is not None]
    if not sizes:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must be "
                         "batched (in_dims must not be None for every Tensor input).")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size: int | None = None):
    """func mapped over a dimension of its inputs: vmap(f)(x)[i] == f(x[i]), computed batch-wise."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        dims = _check_in_dims(func, in_dims, args)
        leaves, spec = flatten(args)
        size = _batch_size(func, in_dims, dims, leaves)
        if chunk_size is None or chunk_size >= size:
            return _run(func, leaves, spec, dims, size, kwargs, out_dims, randomness)
        chunks = []
        for start in range(0, size, chunk_size):
            n = min(chunk_size, size - start)
            part = [x.narrow(d, start, n) if d is not None else x for x, d in zip(leaves, dims)]
            chunks.append(_run(func, part, spec, dims, n, kwargs, out_dims, randomness))
        return _concat_chunks(chunks, out_dims)

    return wrapped


def _run(func, leaves: list, spec, dims: list, size: int, kwargs: dict, out_dims, randomness: str):
    phys = [x.movedim(d, 0) if d is not None else x for x, d in zip(leaves, dims)]
    level = BatchLevel(size, randomness)
    _levels.push(level)
    try:
        logical = [level.wrap(p) if d is not None else p for p, d in zip(phys, dims)]
        out = func(*unflatten(logical, spec), **kwargs)
        out_leaves, out_spec = flatten(out)
        try:
            odims = broadcast_prefix(out_dims, out, "out_dims")
        except ValueError as e:
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): {e}") from None
        results = []
        for o, od in zip(out_leaves, odims):
            if od is None:
                results.append((o, None, None))
                continue
            if not isinstance(o, Tensor):
                raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                                 f"{type(o)}. Did you mean to set out_dims= to None for output?")
            results.append((o, level.lookup(o), od))
    finally:
        _levels.pop(level)
    finished = []
    for o, p, od in results:
        if od is None:
            finished.append(o)
            continue
        if p is None:  # an output that does not depend on the batch: the same for every sample
            p = expand_batch(o, size)
        finished.append(p.movedim(0, od))
    return unflatten(finished, out_spec)


def _concat_chunks(chunks: list, out_dims):
    from ..ops.joining import cat
    specs = [flatten(c) for c in chunks]
    out_spec = specs[0][1]
    odims = broadcast_prefix(out_dims, chunks[0], "out_dims")
    merged = []
    for i, od in enumerate(odims):
        parts = [leaves[i] for leaves, _ in specs]
        merged.append(parts[0] if od is None else cat(parts, dim=od))
    return unflatten(merged, out_spec)

