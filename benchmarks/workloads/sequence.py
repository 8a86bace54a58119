"""Sequence models: the word-language-model LSTM and a Transformer encoder training step, and the
recurrent layers alone (forward + backward)."""
from __future__ import annotations

from . import Workload
from ._common import labels, randn

VOCAB, EMB, HIDDEN, LAYERS, BPTT, BATCH = 10_000, 200, 200, 2, 35, 20
D_MODEL, HEADS, ENC_LAYERS, FF, SEQ, ENC_BATCH = 256, 4, 2, 1024, 128, 16


def _train(torch, model, loss_fn):
    """forward, loss, backward, gradient clipping and an SGD update in train mode, as word_language_model."""
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        loss_fn().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
    return step


def lstm_lm(torch, quick):
    nn = torch.nn

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

    torch.manual_seed(0)
    model = LSTMLM()
    tokens = labels(torch, (BPTT + 1) * BATCH, VOCAB).reshape(BPTT + 1, BATCH)
    data, targets = tokens[:-1], tokens[1:].reshape(-1)
    hidden = tuple(torch.zeros(LAYERS, BATCH, HIDDEN) for _ in range(2))
    return _train(torch, model, lambda: nn.functional.cross_entropy(model(data, hidden)[0], targets))


def transformer(torch, quick):
    nn = torch.nn
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1)
    model = nn.TransformerEncoder(layer, ENC_LAYERS, enable_nested_tensor=False)
    src, target = randn(torch, SEQ, ENC_BATCH, D_MODEL), randn(torch, SEQ, ENC_BATCH, D_MODEL, seed=1)
    return _train(torch, model, lambda: nn.functional.mse_loss(model(src), target))


def _recurrent(kind):
    def build(torch, quick):
        torch.manual_seed(0)
        layer = getattr(torch.nn, kind)(EMB, HIDDEN, num_layers=LAYERS)
        x = randn(torch, BPTT, BATCH, EMB, requires_grad=True)
        return lambda: layer(x)[0].sum().backward()
    return build


WORKLOADS = [
    Workload("LSTM LM train (2x200, bptt 35, batch 20, vocab 10k)", lstm_lm, target=1.5),
    Workload("Transformer encoder train (256, 4 heads, 2 layers, seq 128)", transformer, target=1.3,
             memory_target=1.2),
    Workload("LSTM 2x200 fwd+bwd, seq 35 batch 20", _recurrent("LSTM")),
    Workload("GRU 2x200 fwd+bwd, seq 35 batch 20", _recurrent("GRU")),
]
