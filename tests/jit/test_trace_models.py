"""One trace of a real model serves other batch sizes and sequence lengths: a CNN, resnet18, mobilenet_v2, an LSTM
language model and a Transformer encoder equal eager execution at sizes other than the example's (and the language
model equals PyTorch's on the same weights; tests/jit/test_freeze.py compares traced resnet18 with torchvision's)."""
import numpy as np
import torch as pt

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit
from flambeau.vision import models


def assert_serves(traced, model, inputs):
    for x in inputs:
        with torch.no_grad():
            expected = model(x)
        np.testing.assert_array_equal(traced(x).numpy(), expected.numpy())


def images(*batches):
    return [torch.randn(b, 3, 32, 32) for b in batches]


def test_cnn_serves_other_batch_sizes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 8 * 8, 5)).eval()
    traced = jit.trace(model, torch.randn(1, 3, 32, 32))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, 3, 32, 32]")
    assert_serves(traced, model, images(3, 1, 4))


def test_resnet18_serves_other_batch_sizes():
    torch.manual_seed(0)
    model = models.resnet18(num_classes=5).eval()
    traced = jit.trace(model, torch.randn(1, 3, 32, 32))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, 3, 32, 32]")
    assert_serves(traced, model, images(3, 1))


def test_mobilenet_v2_serves_other_batch_sizes():
    torch.manual_seed(0)
    model = models.mobilenet_v2(num_classes=5).eval()
    traced = jit.trace(model, torch.randn(1, 3, 32, 32))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, 3, 32, 32]")
    assert_serves(traced, model, images(3))


class LanguageModel(nn.Module):
    def __init__(self, vocab=20):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.head = nn.Linear(12, vocab)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)


def test_lstm_language_model_serves_other_batch_sizes_and_lengths_and_equals_pytorch():
    torch.manual_seed(0)
    model = LanguageModel().eval()
    traced = jit.trace(model, torch.randint(0, 20, (2, 5)))
    assert str(traced.graph).startswith("graph(%input0 : int64[s0, s1]")
    tokens = [torch.randint(0, 20, shape) for shape in [(3, 9), (2, 9), (3, 5), (4, 2)]]
    assert_serves(traced, model, tokens)
    embed, lstm, head = pt.nn.Embedding(20, 8), pt.nn.LSTM(8, 12, batch_first=True), pt.nn.Linear(12, 20)
    reference = pt.nn.ModuleDict({"embed": embed, "lstm": lstm, "head": head})
    reference.load_state_dict({k: pt.tensor(v._data) for k, v in model.state_dict().items()})
    with pt.no_grad():
        expected = head(lstm(embed(pt.tensor(tokens[0]._data)))[0]).numpy()
    np.testing.assert_allclose(traced(tokens[0]).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_transformer_encoder_serves_other_batch_sizes_and_lengths():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()
    traced = jit.trace(model, torch.randn(2, 5, 16))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, s1, 16]")
    assert_serves(traced, model, [torch.randn(*shape) for shape in [(3, 9, 16), (2, 3, 16), (4, 5, 16)]])


def test_transformer_encoder_with_a_padding_mask_ties_its_dims_to_the_input():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()

    def encode(x, padding):
        return model(x, src_key_padding_mask=padding)

    def batch(size, length):
        padding = torch.zeros(size, length, dtype=torch.bool)
        padding[0, length // 2:] = True
        return torch.randn(size, length, 16), padding
    traced = jit.trace(encode, batch(2, 5))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, s1, 16], %input1 : bool[s0, s1])")
    for size, length in [(3, 9), (2, 3)]:
        x, padding = batch(size, length)
        with torch.no_grad():
            expected = encode(x, padding)
        np.testing.assert_array_equal(traced(x, padding).numpy(), expected.numpy())
