"""Two text classifiers: the tutorial's EmbeddingBag (a bag of words) and a small Transformer encoder."""
from __future__ import annotations

import math

import flambeau as torch
import flambeau.nn as nn


class TextClassificationModel(nn.Module):
    """Mean of the words' embeddings, then one linear layer (PyTorch's text classification tutorial)."""

    def __init__(self, vocab_size: int, embed_dim: int, num_class: int) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim)
        self.fc = nn.Linear(embed_dim, num_class)
        nn.init.uniform_(self.embedding.weight, -0.5, 0.5)
        nn.init.uniform_(self.fc.weight, -0.5, 0.5)
        nn.init.zeros_(self.fc.bias)

    def forward(self, text: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """text: the batch's token ids end to end; offsets: where each sentence starts in it."""
        return self.fc(self.embedding(text, offsets))


class TransformerClassifier(nn.Module):
    """Token and learned position embeddings, a TransformerEncoder, the mean of the non-padding outputs, a linear
    layer. Id 0 is padding."""

    def __init__(self, vocab_size: int, num_class: int, d_model: int = 64, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 128, dropout: float = 0.1, max_len: int = 64) -> None:
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.position = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, num_class)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids: (batch, length), padded with 0."""
        padding = ids == 0
        positions = torch.arange(ids.size(1)).unsqueeze(0)
        x = self.embedding(ids) * math.sqrt(self.d_model) + self.position(positions)
        h = self.encoder(x, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).float()
        return self.fc((h * keep).sum(1) / keep.sum(1))
