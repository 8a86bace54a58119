"""Run an example script on PyTorch instead of flambeau: `python tests/run_as_torch.py SCRIPT [ARGS...]`.

The examples say `import flambeau as torch`; aliasing flambeau's modules to torch's runs the very same
script on the oracle, so a test can compare what the two libraries reach.
"""
import pathlib
import runpy
import sys

import torch
import torch.nn
import torch.nn.functional
import torch.optim

for name in ("", ".nn", ".nn.functional", ".optim"):
    sys.modules["flambeau" + name] = sys.modules["torch" + name]
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, str(pathlib.Path(script).resolve().parent))
runpy.run_path(script, run_name="__main__")
