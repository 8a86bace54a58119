"""Recurrent layers, flambeau against PyTorch in the same process: forward + backward of the
word-language-model shape (2 layers, embedding 200, hidden 200, 35 steps, batch 20), same weights.

Both libraries run on one thread by default (the machine's cores are shared), so the ratio compares
the implementations, not the thread pools. Prints milliseconds per call and the ratio flambeau / PyTorch
(lower is better).

    python benchmarks/bench_rnn.py [--repeat N] [--threads N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import flambeau

SEQ, BATCH, EMB, HIDDEN, LAYERS = 35, 20, 200, 200, 2


def _setup(lib, name: str, t_mod=None):
    mod = getattr(lib.nn, name)(EMB, HIDDEN, num_layers=LAYERS)
    if t_mod is not None:  # flambeau gets PyTorch's weights
        mod.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})
    x = lib.tensor(np.random.default_rng(0).standard_normal((SEQ, BATCH, EMB)).astype(np.float32),
                   requires_grad=True)
    return mod, x


def _time_ms(fn, repeat: int) -> float:
    fn()  # warm up
    number = 3
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def bench(mod, x, backward: bool, repeat: int) -> float:
    def step():
        out = mod(x)[0]
        if backward:
            out.sum().backward()
    return _time_ms(step, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    print(f"{'case':36s} {'pass':>9s} {'torch ms':>9s} {'flambeau':>9s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name in ("LSTM", "GRU", "RNN"):
            t_mod, t_x = _setup(torch, name)
            f_mod, f_x = _setup(flambeau, name, t_mod)
            for backward in (False, True):
                t = bench(t_mod, t_x, backward, args.repeat)
                f = bench(f_mod, f_x, backward, args.repeat)
                case = f"{name} {LAYERS}x{HIDDEN} seq {SEQ} batch {BATCH}"
                print(f"{case:36s} {'fwd+bwd' if backward else 'fwd':>9s} {t:9.2f} {f:9.2f} {f / t:6.2f}")


if __name__ == "__main__":
    main()
