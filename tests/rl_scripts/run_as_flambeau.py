"""Run a script written for PyTorch on flambeau, unchanged: `python tests/rl_scripts/run_as_flambeau.py SCRIPT [ARGS...]`.

The reverse of tests/run_as_torch.py: an import hook answers every `import torch...` with the
flambeau module of the same path (torch.utils.tensorboard -> flambeau.utils.tensorboard), so the
script's own `import torch` lines run it on flambeau. Real PyTorch is never imported.
"""
import importlib
import importlib.abc
import importlib.util
import pathlib
import runpy
import sys


class TorchIsFlambeau(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("flambeau" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass  # the flambeau module was executed when create_module imported it


sys.meta_path.insert(0, TorchIsFlambeau())
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, str(pathlib.Path(script).resolve().parent))
runpy.run_path(script, run_name="__main__")
# the script's `torch` was flambeau: had the hook been bypassed, real PyTorch would sit here
assert sys.modules["torch"] is sys.modules["flambeau"], "the script imported real PyTorch"
