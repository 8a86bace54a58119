"""python -m flambeau.jit.run MODEL.pt INPUT.npy [INPUT.npy ...] [--output OUT.npy]: run a saved model.

The inputs are .npy files (read without pickle); the outputs are printed, or written with --output:
one output to a .npy file, several to a .npz archive (output0, output1, ... in order).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flambeau.jit.run", description="Run a model saved by jit.save.")
    parser.add_argument("model", help="the file jit.save wrote")
    parser.add_argument("inputs", nargs="+", help="one .npy file per tensor input")
    parser.add_argument("--output", help="where to write the outputs (.npy for one, .npz for several)")
    args = parser.parse_args(argv)

    from .._tensor import Tensor
    from ..utils._pytree import tree_leaves
    from ._archive import load
    model = load(args.model)
    inputs = [Tensor._wrap(np.load(path, allow_pickle=False)) for path in args.inputs]
    outputs = [t._data for t in tree_leaves(model(*inputs)) if isinstance(t, Tensor)]
    if args.output is None:
        for i, out in enumerate(outputs):
            print(f"output{i}: {out.dtype}{list(out.shape)}\n{out}")
    elif args.output.endswith(".npz"):
        np.savez(args.output, **{f"output{i}": out for i, out in enumerate(outputs)})
    elif len(outputs) == 1:
        np.save(args.output, outputs[0], allow_pickle=False)
    else:
        parser.error(f"the model has {len(outputs)} outputs: write them to a .npz file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
