"""BERT (Devlin et al., 2018) with transformers' module names, so its checkpoints load key for key:
BertModel (encoder + pooler), BertForMaskedLM (prediction head tied to the word embeddings) and
BertForSequenceClassification (pooled output -> dropout -> linear)."""
from __future__ import annotations

from ... import nn
from ..._tensor import Tensor
from ...nn import functional as F
from ...ops.creation import arange, zeros
from ._config import BertConfig
from ._layers import activation, merge_heads, padding_mask, split_heads
from ._outputs import BaseModelOutputWithPooling, MaskedLMOutput, SequenceClassifierOutput
from ._pretrained import PreTrainedModel


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None) -> Tensor:
        length = input_ids.shape[1]
        if length > self.position_embeddings.num_embeddings:
            raise ValueError(f"the input has {length} positions, more than max_position_embeddings="
                             f"{self.position_embeddings.num_embeddings}")
        if position_ids is None:
            position_ids = arange(length, device=input_ids.device)[None]
        if token_type_ids is None:
            token_type_ids = zeros(input_ids.shape, dtype=input_ids.dtype, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(f"hidden_size {config.hidden_size} is not a multiple of num_attention_heads "
                             f"{config.num_attention_heads}")
        self.num_attention_heads = config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(self, hidden_states: Tensor, mask: Tensor | None) -> Tensor:
        q, k, v = (split_heads(proj(hidden_states), self.num_attention_heads)
                   for proj in (self.query, self.key, self.value))
        p = self.dropout.p if self.training else 0.0
        return merge_heads(F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p))


class BertSelfOutput(nn.Module):
    """dense -> dropout -> LayerNorm(. + residual); also BertOutput's shape, with other widths."""

    def __init__(self, config: BertConfig, width: int | None = None):
        super().__init__()
        self.dense = nn.Linear(width or config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + residual)


class BertOutput(BertSelfOutput):
    def __init__(self, config: BertConfig):
        super().__init__(config, config.intermediate_size)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states: Tensor, mask: Tensor | None) -> Tensor:
        return self.output(self.self(hidden_states, mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = activation(config.hidden_act)

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states: Tensor, mask: Tensor | None) -> Tensor:
        attended = self.attention(hidden_states, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.layer:
            hidden_states = layer(hidden_states, mask)
        return hidden_states


class BertPooler(nn.Module):
    """tanh(dense(hidden state of the first token, [CLS]))"""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class BertPreTrainedModel(PreTrainedModel):
    config_class = BertConfig
    base_model_prefix = "bert"
    _keys_to_ignore_on_load_unexpected = (r"position_ids$", r"token_type_ids$")


class BertModel(BertPreTrainedModel):
    """The encoder: `last_hidden_state` (batch, positions, hidden) and `pooler_output` (batch, hidden)."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        if config.is_decoder or config.add_cross_attention:
            raise NotImplementedError("BertModel runs as an encoder only (is_decoder and add_cross_attention "
                                      "must be False)")
        position_kind = getattr(config, "position_embedding_type", "absolute")  # older config.json files
        if position_kind != "absolute":
            raise NotImplementedError(f"position_embedding_type {position_kind!r} is not supported (only 'absolute')")
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.init_weights()

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None) -> BaseModelOutputWithPooling:
        """input_ids (batch, positions); attention_mask 1 for tokens to attend to, 0 for padding;
        token_type_ids 0/1 for a sentence pair's first and second segments."""
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be (batch, positions), got shape {tuple(input_ids.shape)}")
        x = self.embeddings(input_ids, token_type_ids, position_ids)
        mask = None if attention_mask is None else padding_mask(attention_mask, x.dtype)
        x = self.encoder(x, mask)
        return BaseModelOutputWithPooling(x, None if self.pooler is None else self.pooler(x))


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        # the output bias is a parameter of the head, shared with the decoder (transformers' key for it)
        self.bias = self.decoder.bias

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.predictions(hidden_states)


class BertForMaskedLM(BertPreTrainedModel):
    """Masked-token prediction; the decoder's weight is the word-embedding matrix (tied, unless
    config.tie_word_embeddings is False)."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.init_weights()
        if config.tie_word_embeddings:
            self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None, labels: Tensor | None = None) -> MaskedLMOutput:
        """labels: (batch, positions) token ids to predict, -100 where no prediction is scored."""
        hidden = self.bert(input_ids, attention_mask, token_type_ids, position_ids).last_hidden_state
        logits = self.cls(hidden)
        loss = None if labels is None else F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))
        return MaskedLMOutput(loss, logits)


class BertForSequenceClassification(BertPreTrainedModel):
    """config.num_labels scores per sequence from the pooled [CLS] state. With labels, the loss follows
    config.problem_type, inferred as transformers does when unset: regression for one label, single-label
    classification for integer labels, multi-label (binary cross-entropy) otherwise."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.init_weights()

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                position_ids: Tensor | None = None, labels: Tensor | None = None) -> SequenceClassifierOutput:
        pooled = self.bert(input_ids, attention_mask, token_type_ids, position_ids).pooler_output
        logits = self.classifier(self.dropout(pooled))
        return SequenceClassifierOutput(None if labels is None else self._loss(logits, labels), logits)

    def _loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        kind = self.config.problem_type
        if kind is None:
            kind = ("regression" if self.num_labels == 1 else
                    "single_label_classification" if not labels.dtype.is_floating_point else
                    "multi_label_classification")
        if kind == "regression":
            return F.mse_loss(logits.squeeze(-1) if self.num_labels == 1 else logits,
                              labels.squeeze(-1) if self.num_labels == 1 else labels)
        if kind == "single_label_classification":
            return F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        if kind == "multi_label_classification":
            return F.binary_cross_entropy_with_logits(logits, labels)
        raise ValueError(f"unknown problem_type {kind!r}")
