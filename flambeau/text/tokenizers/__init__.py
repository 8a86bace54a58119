"""Tokenisers: torchtext's rule-based ones and tokenizer.json subword tokenisers (WordPiece, byte-level BPE)."""
from ._rules import basic_english, character_tokenizer, get_tokenizer
from ._subword import Tokenizer

__all__ = ["get_tokenizer", "basic_english", "character_tokenizer", "Tokenizer"]
