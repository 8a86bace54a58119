"""A sequence-to-sequence nn.Transformer with greedy and beam-search decoding. Ids 0, 1, 2 are <pad>, <bos>, <eos>."""
from __future__ import annotations

import math

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F

PAD, BOS, EOS = 0, 1, 2


class PositionalEncoding(nn.Module):
    """Adds the sinusoids of "Attention is all you need" to (batch, length, d_model) inputs."""

    def __init__(self, d_model: int, dropout: float, max_len: int = 128) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(max_len).unsqueeze(1).float()
        frequency = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * frequency)
        pe[:, 1::2] = torch.cos(position * frequency)
        self.register_buffer("pe", pe)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(x + self.pe[:x.size(1)])


def causal_mask(length: int) -> torch.Tensor:
    """True above the diagonal: position i may not attend to later positions."""
    return torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 64, nhead: int = 4, num_encoder_layers: int = 2,
                 num_decoder_layers: int = 2, dim_feedforward: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        self.d_model = d_model
        self.src_embedding = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_embedding = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        self.positions = PositionalEncoding(d_model, dropout)
        self.transformer = nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward,
                                          dropout, batch_first=True)
        self.generator = nn.Linear(d_model, tgt_vocab)

    def _embed(self, embedding: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        return self.positions(embedding(ids) * math.sqrt(self.d_model))

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        return self.transformer.encoder(self._embed(self.src_embedding, src), src_key_padding_mask=src == PAD)

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        """Next-token logits (batch, tgt length, tgt vocab) for every prefix of tgt."""
        out = self.transformer.decoder(self._embed(self.tgt_embedding, tgt), memory, tgt_mask=causal_mask(tgt.size(1)),
                                       tgt_key_padding_mask=tgt == PAD, memory_key_padding_mask=src == PAD)
        return self.generator(out)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        return self.decode(tgt, self.encode(src), src)


def _strip(rows: torch.Tensor) -> list[list[int]]:
    """Generated ids after <bos>, up to (without) the first <eos>."""
    sequences = []
    for row in rows.tolist():
        row = row[1:]
        sequences.append(row[:row.index(EOS)] if EOS in row else [i for i in row if i != PAD])
    return sequences


@torch.no_grad()
def greedy_decode(model: Seq2SeqTransformer, src: torch.Tensor, max_len: int) -> list[list[int]]:
    """The most likely next token, step after step, for a whole (batch, length) source batch."""
    memory = model.encode(src)
    ys = torch.full((src.size(0), 1), BOS, dtype=torch.long)
    done = torch.zeros(src.size(0), dtype=torch.bool)
    for _ in range(max_len):
        token = model.decode(ys, memory, src)[:, -1].argmax(-1)
        token = torch.where(done, torch.full_like(token, PAD), token)
        ys = torch.cat([ys, token.unsqueeze(1)], 1)
        done = done | (token == EOS)
        if bool(done.all()):
            break
    return _strip(ys)


@torch.no_grad()
def beam_search(model: Seq2SeqTransformer, src: torch.Tensor, beam_size: int, max_len: int,
                length_penalty: float = 0.6) -> list[list[int]]:
    """Keep the beam_size best prefixes of each sentence (all sentences' beams decoded as one batch); a finished
    beam only extends with <pad> at no cost. The winner maximises log-probability / length ** length_penalty."""
    batch, k = src.size(0), beam_size
    src = src.repeat_interleave(k, 0)
    memory = model.encode(src)
    ys = torch.full((batch * k, 1), BOS, dtype=torch.long)
    # only the first beam is live at the start, so the first step does not pick k copies of one token
    scores = torch.full((batch, k), float("-inf"))
    scores[:, 0] = 0.0
    finished = torch.zeros(batch * k, dtype=torch.bool)
    for _ in range(max_len):
        log_probs = F.log_softmax(model.decode(ys, memory, src)[:, -1], -1)
        vocab = log_probs.size(-1)
        pad_only = torch.full((vocab,), float("-inf"))
        pad_only[PAD] = 0.0
        log_probs = torch.where(finished.unsqueeze(1), pad_only, log_probs)
        scores, flat = (scores.reshape(-1, 1) + log_probs).reshape(batch, k * vocab).topk(k, dim=1)
        rows = (torch.arange(batch).unsqueeze(1) * k + flat // vocab).reshape(-1)
        token = (flat % vocab).reshape(-1)
        ys = torch.cat([ys[rows], token.unsqueeze(1)], 1)
        finished = finished[rows] | (token == EOS)
        if bool(finished.all()):
            break
    lengths = (ys[:, 1:] != PAD).sum(1).float().reshape(batch, k)
    best = (scores / lengths ** length_penalty).argmax(1)
    return _strip(ys.reshape(batch, k, -1)[torch.arange(batch), best])
