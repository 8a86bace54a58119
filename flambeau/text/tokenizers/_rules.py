"""Rule-based word and character tokenisers: torchtext's get_tokenizer and its "basic_english" rules."""
from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["get_tokenizer", "basic_english", "character_tokenizer"]

# basic_english, applied in order after lowercasing: apostrophes and . , ( ) ! ? become tokens of their own,
# double quotes vanish, <br /> tags, ; and : turn into spaces, and any run of whitespace splits
_BASIC_ENGLISH_RULES = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"'", " '  "),
    (r'"', ""),
    (r"\.", " . "),
    (r"<br \/>", " "),
    (r",", " , "),
    (r"\(", " ( "),
    (r"\)", " ) "),
    (r"!", " ! "),
    (r"\?", " ? "),
    (r";", " "),
    (r":", " "),
    (r"\s+", " "),
))


def basic_english(line: str) -> list[str]:
    """Lowercase `line`, separate punctuation as torchtext's basic_english does, and split on whitespace."""
    line = line.lower()
    for pattern, replacement in _BASIC_ENGLISH_RULES:
        line = pattern.sub(replacement, line)
    return line.split()


def character_tokenizer(line: str) -> list[str]:
    """Every character (whitespace included) is a token."""
    return list(line)


def _split(line: str) -> list[str]:
    return line.split()


def get_tokenizer(tokenizer: str | Callable[[str], list[str]] | None, language: str = "en") -> Callable[[str], list[str]]:
    """A function from a string to its tokens, as torchtext.data.utils.get_tokenizer.

    None splits on whitespace, "basic_english" normalises English first, "character" yields characters, and a
    callable is returned unchanged. torchtext's third-party tokenisers (spacy, moses, ...) are not offered.
    """
    if tokenizer is None:
        return _split
    if callable(tokenizer):
        return tokenizer
    if tokenizer == "basic_english":
        if language != "en":
            raise ValueError("Basic normalization is only available for English (en)")
        return basic_english
    if tokenizer == "character":
        return character_tokenizer
    raise ValueError(f"Requested tokenizer {tokenizer!r}, valid choices are None (whitespace split), "
                     f"'basic_english', 'character', or a callable that takes a single string as input")
