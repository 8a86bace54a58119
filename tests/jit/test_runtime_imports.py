"""The deploy runtime: a model saved by jit.save loads and runs in a fresh process that cannot import the model's
class and loads only flambeau's core (no flambeau.nn, optim, autograd engine, data loading, vision or text).
`import flambeau` loads the rest of torch's namespace on first use; every name stays reachable."""
import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import types

import numpy as np
import torch as pt

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORBIDDEN = ("flambeau.nn", "flambeau.optim", "flambeau.autograd.engine", "flambeau.autograd.backward_api",
             "flambeau.autograd.function", "flambeau.autograd.gradcheck", "flambeau.autograd.functional",
             "flambeau.vision", "flambeau.text", "flambeau.utils.data")


def forbidden(modules) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def run(args: list[str], cwd) -> subprocess.CompletedProcess:
    """A fresh interpreter in `cwd`: ROOT (for flambeau) is its path, the tests' directories are not."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def cnn():
    class HiddenCNN(nn.Module):  # a local class: no process can import it by name
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4 * 3 * 3, 5)

        def forward(self, x):
            return self.fc(nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2).flatten(1))
    model = HiddenCNN().eval()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.5, 0.5)  # not the defaults, so that loading them matters
        model.bn.running_var.uniform_(0.5, 2.0)
    return model


def lstm():
    class HiddenLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, batch_first=True)
            self.fc = nn.Linear(6, 3)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])
    return HiddenLSTM().eval()


def saved_with_input(tmp_path, name: str, model, shape: tuple, seed: int) -> np.ndarray:
    """Save the traced model as NAME.pt and an input as NAME.npy; the eager output for that input."""
    torch.manual_seed(seed)
    x = torch.randn(*shape)
    jit.save(jit.trace(model, torch.randn(*shape)), tmp_path / f"{name}.pt")
    np.save(tmp_path / f"{name}.npy", x.numpy())
    with torch.no_grad():
        return model(x).numpy()


def test_jit_load_runs_models_with_the_core_alone(tmp_path):
    torch.manual_seed(0)
    expected = {"cnn": saved_with_input(tmp_path, "cnn", cnn(), (2, 3, 6, 6), 1),
                "lstm": saved_with_input(tmp_path, "lstm", lstm(), (2, 5, 4), 2)}
    code = ("import json, sys, numpy as np, flambeau\n"
            "for name in ('cnn', 'lstm'):\n"
            "    model = flambeau.jit.load(name + '.pt')\n"
            "    np.save(name + '_out.npy', model(flambeau.from_numpy(np.load(name + '.npy'))).numpy())\n"
            "json.dump(sorted(sys.modules), open('modules.json', 'w'))\n")
    run(["-c", code], tmp_path)
    for name, out in expected.items():
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_out.npy"), out, rtol=1e-6, atol=1e-6)
    modules = json.loads((tmp_path / "modules.json").read_text())
    assert forbidden(modules) == []
    assert not any("test_runtime_imports" in m for m in modules)
    assert "flambeau.ops.rnn_sequence" in modules  # the primitive modules the graphs name are what gets loaded


def test_command_line_runner_loads_the_core_alone(tmp_path):
    torch.manual_seed(3)
    expected = saved_with_input(tmp_path, "cnn", cnn(), (1, 3, 6, 6), 4)
    result = run(["-X", "importtime", "-m", "flambeau.jit.run", "cnn.pt", "cnn.npy", "--output", "y.npy"], tmp_path)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-6, atol=1e-6)
    imported = [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:") and "|" in line]
    assert "flambeau.ops.conv" in imported
    assert forbidden(imported) == []


def test_every_public_name_is_there_after_a_fresh_import(tmp_path):
    # torch's public names that flambeau has (here with all of torch's submodules that flambeau has imported) must
    # all be there in a fresh process, Tensor's methods before anything else is touched.
    for name in dir(pt):
        if not name.startswith("_") and isinstance(getattr(pt, name), types.ModuleType) and \
                importlib.util.find_spec(f"flambeau.{name}"):
            importlib.import_module(f"flambeau.{name}")
    names = [n for n in dir(pt) if not n.startswith("_") and hasattr(torch, n)]
    methods = [n for n in dir(pt.Tensor) if not n.startswith("_") and hasattr(torch.Tensor, n)]
    assert {"nn", "optim", "utils", "fft", "linalg", "special", "dropout", "vmap", "batch_norm", "lstm"} <= set(names)
    (tmp_path / "names.json").write_text(json.dumps({"names": names, "methods": methods}))
    code = ("import json, sys, flambeau\n"
            "expected = json.load(open('names.json'))\n"
            "missing_methods = [n for n in expected['methods'] if not hasattr(flambeau.Tensor, n)]\n"
            "loaded = sorted(sys.modules)\n"
            "listed = set(dir(flambeau))\n"
            "missing = [n for n in expected['names'] if not hasattr(flambeau, n)]\n"
            "json.dump({'loaded': loaded, 'missing_methods': missing_methods, 'missing': missing,\n"
            "           'unlisted': [n for n in expected['names'] if n not in listed]}, open('out.json', 'w'))\n")
    run(["-c", code], tmp_path)
    out = json.loads((tmp_path / "out.json").read_text())
    assert forbidden(out["loaded"]) == []  # `import flambeau` itself is light
    assert out["missing_methods"] == []
    assert out["missing"] == []
    assert out["unlisted"] == []


def test_backward_and_the_lazy_names_in_a_fresh_process(tmp_path):
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    code = ("import importlib, inspect, sys, numpy as np, flambeau\n"
            "assert 'flambeau.autograd.engine' not in sys.modules\n"
            "x = flambeau.from_numpy(np.load('x.npy')).requires_grad_()\n"
            "(x.tanh() * x).sum().backward()  # loads the engine\n"
            "np.save('grad.npy', x.grad.numpy())\n"
            "from flambeau import optim\n"
            "import flambeau.nn as nn\n"
            "assert flambeau.nn is nn is sys.modules['flambeau.nn'] and optim is sys.modules['flambeau.optim']\n"
            "assert flambeau.utils.data is sys.modules['flambeau.utils.data']\n"
            "for name, module in [('vmap', 'func'), ('dropout', 'nn.functional'), ('pdist', 'nn.functional'),\n"
            "                     ('sparse_coo_tensor', 'sparse'), ('batch_norm', '_functional_aliases'),\n"
            "                     ('kl_div', '_functional_losses'), ('gru', '_functional_rnn')]:\n"
            "    source = getattr(importlib.import_module('flambeau.' + module), name)\n"
            "    assert inspect.unwrap(getattr(flambeau, name)) is source, name\n"
            "assert flambeau.autograd.gradcheck is sys.modules['flambeau.autograd.gradcheck'].gradcheck\n"
            "try:\n"
            "    compiled = flambeau.compile\n"
            "except AttributeError:  # until flambeau/_compile exists\n"
            "    pass\n"
            "else:\n"
            "    assert inspect.unwrap(compiled) is importlib.import_module('flambeau._compile').compile\n")
    run(["-c", code], tmp_path)
    expected = pt.from_numpy(x).requires_grad_()
    (expected.tanh() * expected).sum().backward()
    np.testing.assert_allclose(np.load(tmp_path / "grad.npy"), expected.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_a_lazy_function_refuses_non_tensors_as_torch_does():
    for name, args in [("dropout", (2.0, 0.5, True)), ("batch_norm", (2.0, None, None, None, None, False, 0.1, 1e-5,
                                                                      False))]:
        for module in (pt, torch):
            try:
                getattr(module, name)(*args)
            except TypeError as e:
                assert "must be Tensor" in str(e), (module, e)
            else:
                raise AssertionError(f"{module.__name__}.{name} accepted a float")
    assert inspect.unwrap(torch.dropout) is nn.functional.dropout
