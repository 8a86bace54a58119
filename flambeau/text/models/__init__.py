"""Transformer models with Hugging Face's module names and checkpoint layout (transformers'
BertModel, GPT2LMHeadModel, ... and sentence-transformers' SentenceTransformer), built from flambeau.nn.

    model = GPT2LMHeadModel.from_pretrained("path/to/folder")   # config.json + model.safetensors
    ids = model.generate(prompt_ids, max_new_tokens=20, do_sample=True, top_k=40)
"""
from ._config import BertConfig, GPT2Config, PretrainedConfig
from ._outputs import (BaseModelOutputWithPast, BaseModelOutputWithPooling, CausalLMOutputWithPast, MaskedLMOutput,
                       ModelOutput, SequenceClassifierOutput)
from ._pretrained import PreTrainedModel
from .bert import BertForMaskedLM, BertForSequenceClassification, BertModel
from .generation import GenerationMixin
from .gpt2 import GPT2LMHeadModel, GPT2Model
from .sentence_transformer import SentenceTransformer, cos_sim

__all__ = ["BertConfig", "GPT2Config", "PretrainedConfig", "ModelOutput", "BaseModelOutputWithPooling",
           "BaseModelOutputWithPast", "MaskedLMOutput", "SequenceClassifierOutput", "CausalLMOutputWithPast",
           "PreTrainedModel", "GenerationMixin", "BertModel", "BertForMaskedLM", "BertForSequenceClassification",
           "GPT2Model", "GPT2LMHeadModel", "SentenceTransformer", "cos_sim"]
