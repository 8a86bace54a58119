"""Activations, losses, normalisation and erf: flambeau against PyTorch in the same process.

Shapes are a classifier's: (64, 128) MLP activations, (32, 64, 16, 16) feature maps, (256, 1000)
logits. Forward, and forward + backward (the output's backward with a fixed random gradient).
Both libraries run on one thread (the machine's cores are shared), so the ratio compares the
implementations. Prints milliseconds per call for both and the ratio flambeau / PyTorch (lower is better).

    python benchmarks/bench_layers.py [--repeat N] [--threads N] [--only SUBSTRING]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import flambeau

MLP = (64, 128)
MAP = (32, 64, 16, 16)
LOGITS = (256, 1000)


def _layer_norm(lib, x):
    w, b = _params(lib, x.shape[-1])
    return lambda: lib.nn.functional.layer_norm(x, x.shape[-1:], w, b)


def _group_norm(lib, x):
    w, b = _params(lib, x.shape[1])
    return lambda: lib.nn.functional.group_norm(x, 8, w, b)


def _batch_norm(lib, x):
    w, b = _params(lib, x.shape[1])
    mean, var = lib.zeros(x.shape[1]), lib.ones(x.shape[1])
    return lambda: lib.nn.functional.batch_norm(x, mean, var, w, b, training=True)


def _cross_entropy(lib, x):
    target = lib.tensor(np.random.default_rng(1).integers(0, x.shape[1], x.shape[0]))
    return lambda: lib.nn.functional.cross_entropy(x, target)


def _unary(name, **kwargs):
    def make(lib, x):
        fn = getattr(lib.nn.functional, name)
        return lambda: fn(x, **kwargs)
    return make


def _erf(lib, x):
    return lambda: lib.erf(x)


# name: (input shape, builder(lib, x) -> zero-argument callable)
CASES = {
    "erf (32,64,16,16)": (MAP, _erf),
    "gelu (64,128)": (MLP, _unary("gelu")),
    "gelu (32,64,16,16)": (MAP, _unary("gelu")),
    "gelu tanh (32,64,16,16)": (MAP, _unary("gelu", approximate="tanh")),
    "silu (32,64,16,16)": (MAP, _unary("silu")),
    "elu (32,64,16,16)": (MAP, _unary("elu")),
    "softplus (32,64,16,16)": (MAP, _unary("softplus")),
    "mish (32,64,16,16)": (MAP, _unary("mish")),
    "softmax (256,1000)": (LOGITS, _unary("softmax", dim=1)),
    "log_softmax (256,1000)": (LOGITS, _unary("log_softmax", dim=1)),
    "cross_entropy (256,1000)": (LOGITS, _cross_entropy),
    "layer_norm (64,128)": (MLP, _layer_norm),
    "layer_norm (256,1000)": (LOGITS, _layer_norm),
    "group_norm 8 (32,64,16,16)": (MAP, _group_norm),
    "batch_norm (32,64,16,16)": (MAP, _batch_norm),
}


def _params(lib, n):
    rng = np.random.default_rng(2)
    w = lib.tensor(rng.standard_normal(n).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(n).astype(np.float32), requires_grad=True)
    return w, b


def _time_ms(fn, repeat: int) -> float:
    fn()  # warm up
    number = 5
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def bench(lib, case, backward: bool, repeat: int) -> float:
    shape, build = case
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=backward)
    fn = build(lib, x)
    if not backward:
        return _time_ms(fn, repeat)
    out = fn()
    grad = lib.tensor(rng.standard_normal(tuple(out.shape)).astype(np.float32))

    def step():
        fn().backward(grad)
    return _time_ms(step, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    print(f"{'case':28s} {'pass':>8s} {'torch ms':>9s} {'flambeau':>9s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name, case in CASES.items():
            if args.only not in name:
                continue
            for backward in (False, True):
                t = bench(torch, case, backward, args.repeat)
                f = bench(flambeau, case, backward, args.repeat)
                print(f"{name:28s} {'fwd+bwd' if backward else 'fwd':>8s} {t:9.3f} {f:9.3f} {f / t:6.2f}", flush=True)


if __name__ == "__main__":
    main()
