"""jit.save / jit.load: one zip of JSON and raw buffers, loaded in a process that cannot import the model's class,
refused when damaged."""
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit
from flambeau.serialization.errors import CorruptFileError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_model():
    class HiddenNet(nn.Module):  # a local class: no process can import it by name
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.bn = nn.BatchNorm2d(6)
            self.pool = nn.MaxPool2d(2)
            self.fc = nn.Linear(6 * 4 * 4, 5)

        def forward(self, x):
            y = self.pool(torch.relu(self.bn(self.conv(x))))
            return {"logits": self.fc(y.flatten(1)), "features": (y,)}
    torch.manual_seed(0)
    model = HiddenNet().eval()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.5, 0.5)  # not the defaults, so that loading them matters
        model.bn.running_var.uniform_(0.5, 2.0)
    return model


def saved(tmp_path, model, x, **kwargs):
    path = tmp_path / "model.pt"
    jit.save(jit.trace(model, x, **kwargs), path)
    return path


def run_python(code: str, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_round_trip_in_process_keeps_outputs_and_guards(tmp_path):
    model = make_model()
    x = torch.randn(2, 3, 8, 8)
    loaded = jit.load(saved(tmp_path, model, x))
    assert isinstance(loaded, jit.TracedModule)
    for inp in (x, torch.randn(2, 3, 8, 8)):
        with torch.no_grad():
            expected = model(inp)
        out = loaded(inp)
        np.testing.assert_array_equal(out["logits"].numpy(), expected["logits"].numpy())
        np.testing.assert_array_equal(out["features"][0].numpy(), expected["features"][0].numpy())
    assert str(loaded.graph) == str(jit.trace(model, x).graph)
    with pytest.raises(RuntimeError, match="^jit.load: .*specialised to inputs .*capture the model again"):
        loaded(torch.randn(2, 3, 6, 6))  # a loaded model cannot trace again (the batch is dynamic, not the rest)


def test_every_specialisation_is_saved(tmp_path):
    model = make_model()
    traced = jit.trace(model, torch.randn(1, 3, 8, 8), strict=False)
    x = torch.randn(4, 3, 8, 8)
    traced(x)
    buffer = io.BytesIO()
    jit.save(traced, buffer)
    loaded = jit.load(io.BytesIO(buffer.getvalue()))
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(x)["logits"].numpy(), model(x)["logits"].numpy())


def test_load_in_a_process_where_the_class_is_not_importable(tmp_path):
    model = make_model()
    x = torch.randn(2, 3, 8, 8)
    path = saved(tmp_path, model, x)
    inp = torch.randn(2, 3, 8, 8)
    np.save(tmp_path / "x.npy", inp.numpy())
    code = ("import sys, numpy as np, flambeau.jit as jit, flambeau as torch\n"
            f"m = jit.load({str(path)!r})\n"
            "out = m(torch.from_numpy(np.load('x.npy')))\n"
            "np.save('y.npy', out['logits'].numpy())\n"
            "assert not any('test_save_load' in name for name in sys.modules)\n")
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    with torch.no_grad():
        np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), model(inp)["logits"].numpy())


def test_command_line_runner(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh()).eval()
    path = saved(tmp_path, model, torch.randn(2, 4))
    inp = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.save(tmp_path / "in.npy", inp)
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-m", "flambeau.jit.run", str(path), "in.npy", "--output", "out.npy"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with torch.no_grad():
        np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), model(torch.from_numpy(inp)).numpy())


def test_the_archive_holds_no_pickle(tmp_path):
    path = saved(tmp_path, make_model(), torch.randn(2, 3, 8, 8))
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    assert sorted(members) == ["flambeau_jit/model.json", "flambeau_jit/version", "flambeau_jit/weights.safetensors"]
    for name, data in members.items():
        assert not data.startswith(b"\x80"), name  # the opening of every pickle since protocol 2
    assert members["flambeau_jit/version"] == b"1"
    assert json.loads(members["flambeau_jit/model.json"])["graphs"]
    header = json.loads(members["flambeau_jit/weights.safetensors"][8:8 + int.from_bytes(
        members["flambeau_jit/weights.safetensors"][:8], "little")])
    assert "param/conv.weight" in header and header["param/conv.weight"]["dtype"] == "F32"


def rewritten(path, member: str, change) -> bytes:
    """The archive at `path` with one member's bytes passed through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, change(data) if name == member else data)
    return out.getvalue()


def test_damaged_or_unknown_files_are_refused(tmp_path):
    path = saved(tmp_path, make_model(), torch.randn(2, 3, 8, 8))
    data = path.read_bytes()
    with pytest.raises(CorruptFileError, match="truncated or corrupted"):
        jit.load(io.BytesIO(data[:len(data) // 2]))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # inside the weights: the CRC no longer matches
    with pytest.raises(CorruptFileError, match="corrupted"):
        jit.load(io.BytesIO(bytes(flipped)))
    with pytest.raises(CorruptFileError, match="unknown flambeau.jit format version b'2'"):
        jit.load(io.BytesIO(rewritten(path, "flambeau_jit/version", lambda d: b"2")))
    with pytest.raises(CorruptFileError, match="not a valid flambeau.jit model"):
        jit.load(io.BytesIO(rewritten(path, "flambeau_jit/model.json", lambda d: d[:-5])))


def test_a_graph_naming_code_outside_flambeau_is_refused_before_running(tmp_path):
    path = saved(tmp_path, nn.Linear(2, 2).eval(), torch.randn(1, 2))

    def hostile(data: bytes) -> bytes:
        model = json.loads(data)
        model["graphs"][0]["graph"]["nodes"][0]["op"] = "os.system"
        return json.dumps(model).encode()
    with pytest.raises(CorruptFileError, match="'os.system', which is not a flambeau primitive"):
        jit.load(io.BytesIO(rewritten(path, "flambeau_jit/model.json", hostile)))

    def wrong_shape(data: bytes) -> bytes:
        model = json.loads(data)
        model["graphs"][0]["graph"]["params"][0][1]["shape"] = [3, 3]
        return json.dumps(model).encode()
    with pytest.raises(CorruptFileError, match="parameter 'weight' is float32\\[2, 2\\] in the weights"):
        jit.load(io.BytesIO(rewritten(path, "flambeau_jit/model.json", wrong_shape)))


def test_transformer_encoder_layer_round_trip():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True).eval()
    buffer = io.BytesIO()
    jit.save(jit.trace(layer, torch.randn(2, 5, 16)), buffer)
    loaded = jit.load(io.BytesIO(buffer.getvalue()))
    x = torch.randn(2, 5, 16)
    with torch.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), layer(x).numpy())
