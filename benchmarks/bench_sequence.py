"""Training steps of sequence models, flambeau against PyTorch in the same process.

- LSTM language model (word_language_model's default shape): embedding 200 over a 10,000-word
  vocabulary, 2-layer LSTM with hidden size 200, decoder to 10,000 logits, bptt 35, batch 20.
- Transformer encoder: d_model 256, 4 heads, 2 layers, feed-forward 1024, sequence 128, batch 16.

One step is forward, loss, backward, gradient clipping and an SGD update, dropout 0.2 / 0.1 in train
mode as in training. Both libraries run on the same number of threads (the machine's cores are
shared), so the ratio compares the implementations. Prints milliseconds per step for both and the
ratio flambeau / PyTorch (lower is better; the issue's targets: LSTM LM 1.5, Transformer 1.3).

    python benchmarks/bench_sequence.py [--repeat N] [--threads N] [--only SUBSTRING]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import flambeau

VOCAB, EMB, HIDDEN, LAYERS, BPTT, BATCH = 10_000, 200, 200, 2, 35, 20
D_MODEL, HEADS, ENC_LAYERS, FF, SEQ, ENC_BATCH = 256, 4, 2, 1024, 128, 16


def _lstm_lm(lib):
    nn = lib.nn

    class LSTMLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.2)
            self.encoder = nn.Embedding(VOCAB, EMB)
            self.rnn = nn.LSTM(EMB, HIDDEN, LAYERS, dropout=0.2)
            self.decoder = nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens, hidden):
            output, hidden = self.rnn(self.drop(self.encoder(tokens)), hidden)
            return self.decoder(self.drop(output)).view(-1, VOCAB), hidden

    model = LSTMLM()
    rng = np.random.default_rng(0)
    tokens = lib.tensor(rng.integers(0, VOCAB, (BPTT + 1, BATCH)))
    data, targets = tokens[:-1], tokens[1:].reshape(-1)
    hidden = tuple(lib.zeros(LAYERS, BATCH, HIDDEN) for _ in range(2))
    return model, lambda: nn.functional.cross_entropy(model(data, hidden)[0], targets)


def _transformer(lib):
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1)
    model = nn.TransformerEncoder(layer, ENC_LAYERS, enable_nested_tensor=False)
    rng = np.random.default_rng(0)
    src = lib.tensor(rng.standard_normal((SEQ, ENC_BATCH, D_MODEL)).astype(np.float32))
    target = lib.tensor(rng.standard_normal((SEQ, ENC_BATCH, D_MODEL)).astype(np.float32))
    return model, lambda: nn.functional.mse_loss(model(src), target)


CASES = {"LSTM LM (2x200, vocab 10k)": _lstm_lm, "Transformer encoder (256, 2 layers)": _transformer}


def bench(lib, build, repeat: int) -> float:
    lib.manual_seed(0)
    model, loss_fn = build(lib)
    model.train()
    opt = lib.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        loss_fn().backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()

    step()  # warm up
    number = 3
    return min(timeit.repeat(step, number=number, repeat=repeat)) / number * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    print(f"{'training step':36s} {'torch ms':>9s} {'flambeau':>9s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name, build in CASES.items():
            if args.only not in name:
                continue
            t = bench(torch, build, args.repeat)
            f = bench(flambeau, build, args.repeat)
            print(f"{name:36s} {t:9.3f} {f:9.3f} {f / t:6.2f}", flush=True)


if __name__ == "__main__":
    main()
