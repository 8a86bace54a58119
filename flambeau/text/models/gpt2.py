"""GPT-2 (Radford et al., 2019) with transformers' module names and weight layout: GPT2Model and
GPT2LMHeadModel, whose head shares the token-embedding matrix. Attention keeps a key/value cache, so
generating a token runs the model on that one token only."""
from __future__ import annotations

import math

from ... import nn
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...nn import functional as F
from ...ops.creation import arange, empty, zeros
from ...ops.joining import cat
from ._config import GPT2Config
from ._layers import activation, causal_mask, merge_heads, split_heads
from ._outputs import BaseModelOutputWithPast, CausalLMOutputWithPast, KVCache
from ._pretrained import PreTrainedModel
from .generation import GenerationMixin


class Conv1D(nn.Module):
    """A linear layer whose weight is stored (in_features, out_features), the transpose of nn.Linear's:
    the layout of OpenAI's GPT-2 checkpoints, which transformers keeps."""

    def __init__(self, nf: int, nx: int):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(empty(nx, nf))
        self.bias = nn.Parameter(zeros(nf))
        with no_grad():
            self.weight.normal_(0.0, 0.02)

    def forward(self, x: Tensor) -> Tensor:
        out = self.bias.addmm(x.reshape(-1, x.shape[-1]), self.weight)
        return out.view(*x.shape[:-1], self.nf)


class GPT2Attention(nn.Module):
    def __init__(self, config: GPT2Config, layer_idx: int):
        super().__init__()
        width, heads = config.n_embd, config.n_head
        if width % heads:
            raise ValueError(f"n_embd {width} is not a multiple of n_head {heads}")
        self.num_heads = heads
        self.scaling = (width // heads) ** -0.5 if config.scale_attn_weights else 1.0
        if config.scale_attn_by_inverse_layer_idx:
            self.scaling /= layer_idx + 1
        self.c_attn = Conv1D(3 * width, width)
        self.c_proj = Conv1D(width, width)
        self.attn_dropout = nn.Dropout(config.attn_pdrop)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: Tensor, past: tuple[Tensor, Tensor] | None, mask: Tensor | None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        q, k, v = (split_heads(t, self.num_heads) for t in self.c_attn(x).chunk(3, dim=-1))
        if past is not None:
            k, v = cat([past[0], k], 2), cat([past[1], v], 2)
        p = self.attn_dropout.p if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, scale=self.scaling)
        return self.resid_dropout(self.c_proj(merge_heads(out))), (k, v)


class GPT2MLP(nn.Module):
    def __init__(self, inner: int, config: GPT2Config):
        super().__init__()
        self.c_fc = Conv1D(inner, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, inner)
        self.act = activation(config.activation_function)
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPT2Block(nn.Module):
    """Pre-norm residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPT2Config, layer_idx: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = GPT2Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = GPT2MLP(config.n_inner or 4 * config.n_embd, config)

    def forward(self, x: Tensor, past: tuple[Tensor, Tensor] | None, mask: Tensor | None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        attended, present = self.attn(self.ln_1(x), past, mask)
        x = x + attended
        return x + self.mlp(self.ln_2(x)), present


class GPT2PreTrainedModel(PreTrainedModel):
    config_class = GPT2Config
    base_model_prefix = "transformer"
    # the causal-mask buffers older transformers versions saved
    _keys_to_ignore_on_load_unexpected = (r"attn\.bias$", r"attn\.masked_bias$")

    def _init_extra(self) -> None:
        # GPT-2's scaling of the residual projections by 1/sqrt(2 * layers)
        std = self.config.initializer_range / math.sqrt(2 * self.config.n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                p.normal_(0.0, std)


class GPT2Model(GPT2PreTrainedModel):
    """The decoder stack: `last_hidden_state` (batch, positions, n_embd) and, with use_cache, the
    `past_key_values` to pass back with the next tokens."""

    def __init__(self, config: GPT2Config):
        super().__init__(config)
        if config.add_cross_attention:
            raise NotImplementedError("GPT2Model with add_cross_attention is not supported")
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(config, i) for i in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.init_weights()

    def forward(self, input_ids: Tensor, past_key_values: KVCache | None = None, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, position_ids: Tensor | None = None,
                use_cache: bool | None = None) -> BaseModelOutputWithPast:
        """input_ids (batch, new positions); past_key_values from the previous call; attention_mask
        (batch, past + new positions), 1 for tokens, 0 for padding; position_ids default to the positions
        after the cached ones."""
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be (batch, positions), got shape {tuple(input_ids.shape)}")
        if past_key_values is not None and len(past_key_values) != len(self.h):
            raise ValueError(f"past_key_values has {len(past_key_values)} layers, the model {len(self.h)}")
        use_cache = self.config.use_cache if use_cache is None else use_cache
        new = input_ids.shape[1]
        past = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if past + new > self.config.n_positions:
            raise ValueError(f"{past + new} positions exceed n_positions={self.config.n_positions}")
        if attention_mask is not None and tuple(attention_mask.shape) != (input_ids.shape[0], past + new):
            raise ValueError(f"attention_mask must be (batch, past + new positions) = "
                             f"{(input_ids.shape[0], past + new)}, got {tuple(attention_mask.shape)}")
        if position_ids is None:
            position_ids = arange(past, past + new, device=input_ids.device)[None]
        x = self.wte(input_ids) + self.wpe(position_ids)
        if token_type_ids is not None:  # GPT-2 embeds token types with the token embeddings
            x = x + self.wte(token_type_ids)
        x = self.drop(x)
        mask = causal_mask(attention_mask, new, past + new, x.dtype, x.device)
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, None if past_key_values is None else past_key_values[i], mask)
            presents.append(present)
        return BaseModelOutputWithPast(self.ln_f(x), tuple(presents) if use_cache else None)


class GPT2LMHeadModel(GPT2PreTrainedModel, GenerationMixin):
    """Next-token logits from GPT2Model; lm_head's weight is the token embedding (tied, unless
    config.tie_word_embeddings is False). `generate` decodes greedily, by sampling or by beam search."""

    def __init__(self, config: GPT2Config):
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.init_weights()
        if config.tie_word_embeddings:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids: Tensor, past_key_values: KVCache | None = None, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, position_ids: Tensor | None = None,
                use_cache: bool | None = None, labels: Tensor | None = None,
                logits_to_keep: int = 0) -> CausalLMOutputWithPast:
        """labels: (batch, positions), usually input_ids itself: the loss scores each position's logits
        against the next label (-100 is ignored). logits_to_keep > 0 computes logits for the last positions
        only (generation needs just the last)."""
        out = self.transformer(input_ids, past_key_values, attention_mask, token_type_ids, position_ids, use_cache)
        hidden = out.last_hidden_state
        logits = self.lm_head(hidden[:, -logits_to_keep:] if logits_to_keep else hidden)
        loss = None
        if labels is not None:
            shifted = logits[:, :-1].reshape(-1, logits.shape[-1])
            loss = F.cross_entropy(shifted.float(), labels[:, 1:].reshape(-1))
        return CausalLMOutputWithPast(loss, logits, out.past_key_values)
