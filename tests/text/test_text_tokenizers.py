"""Rule-based tokenisers: torchtext's basic_english rules on hand-worked lines, get_tokenizer's choices."""
import pytest

from flambeau.text import get_tokenizer
from flambeau.text.tokenizers import basic_english, character_tokenizer


@pytest.mark.parametrize("line, tokens", [
    # torchtext's documented example
    ("You can now install TorchText using pip!", ["you", "can", "now", "install", "torchtext", "using", "pip", "!"]),
    # apostrophes split off, double quotes vanish, ; and : become spaces, <br /> tags go
    ("Don't say \"hi\"; ok: fine<br />End.", ["don", "'", "t", "say", "hi", "ok", "fine", "end", "."]),
    ("(a,b)?   c\t\nd", ["(", "a", ",", "b", ")", "?", "c", "d"]),
    ("3.14 costs $5", ["3", ".", "14", "costs", "$5"]),
    ("Café ÉTÉ", ["café", "été"]),
    ("", []),
    ("  \t ", []),
])
def test_basic_english_hand_worked(line, tokens):
    assert basic_english(line) == tokens
    assert get_tokenizer("basic_english")(line) == tokens


def test_character_and_split_tokenizers():
    assert character_tokenizer("ab c") == ["a", "b", " ", "c"]
    assert get_tokenizer("character")("é!") == ["é", "!"]
    assert get_tokenizer(None)(" two  words\n") == ["two", "words"]
    upper = str.upper
    assert get_tokenizer(upper) is upper


def test_get_tokenizer_rejects_unknown_names_and_languages():
    with pytest.raises(ValueError, match="spacy"):
        get_tokenizer("spacy")
    with pytest.raises(ValueError, match="only available for English"):
        get_tokenizer("basic_english", language="fr")
