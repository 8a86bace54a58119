"""Vocab and build_vocab_from_iterator against hand-worked vocabularies (torchtext's rules)."""
import pytest

import flambeau.nn as nn
from flambeau.text import Vocab, build_vocab_from_iterator, vocab

LINES = [["b", "a", "c", "a"], ["c", "d", "a"], ["e", "<unk>"]]  # a:3 c:2 b:1 d:1 e:1 <unk>:1


def test_order_is_frequency_then_lexicographic_with_specials_first_or_last():
    assert build_vocab_from_iterator(LINES).get_itos() == ["a", "c", "<unk>", "b", "d", "e"]
    # a special seen in the corpus is not counted twice
    assert build_vocab_from_iterator(LINES, specials=["<unk>", "<pad>"]).get_itos() == [
        "<unk>", "<pad>", "a", "c", "b", "d", "e"]
    assert build_vocab_from_iterator(iter(LINES), specials=["<pad>"], special_first=False).get_itos() == [
        "a", "c", "<unk>", "b", "d", "e", "<pad>"]


def test_min_freq_and_max_tokens():
    assert build_vocab_from_iterator(LINES, min_freq=2, specials=["<pad>"]).get_itos() == ["<pad>", "a", "c"]
    # max_tokens counts the specials and cuts the frequency order before the specials leave it:
    # the first 4 - 2 = 2 of (a, c, <unk>, ...) are a and c
    assert build_vocab_from_iterator(LINES, specials=["<pad>", "<bos>"], max_tokens=4).get_itos() == [
        "<pad>", "<bos>", "a", "c"]
    assert build_vocab_from_iterator(LINES, specials=["<unk>"], max_tokens=4).get_itos() == ["<unk>", "a", "c"]
    with pytest.raises(ValueError, match="max_tokens"):
        build_vocab_from_iterator(LINES, specials=["<pad>", "<unk>"], max_tokens=2)


def test_vocab_factory_keeps_the_dict_order():
    assert vocab({"z": 5, "y": 1, "x": 3}, min_freq=2, specials=["<s>"]).get_itos() == ["<s>", "z", "x"]


def test_lookups_and_default_index():
    v = build_vocab_from_iterator(LINES, specials=["<unk>"])
    assert isinstance(v, nn.Module) and len(v) == 6
    assert v["a"] == 1 and v(["c", "a"]) == v.lookup_indices(["c", "a"]) == [2, 1]
    assert "a" in v and "zzz" not in v
    assert v.get_default_index() is None
    with pytest.raises(RuntimeError, match="Token zzz not found and default index is not set"):
        v["zzz"]
    v.set_default_index(v["<unk>"])
    assert v.get_default_index() == 0 and v.lookup_indices(["zzz", "a"]) == [0, 1]
    assert "zzz" not in v
    assert v.lookup_token(2) == "c" and v.lookup_tokens([1, 0, 5]) == ["a", "<unk>", "e"]
    with pytest.raises(RuntimeError, match="out of bounds"):
        v.lookup_token(6)
    with pytest.raises(RuntimeError, match="out of bounds"):
        v.lookup_token(-1)


def test_insert_and_append_shift_indices():
    v = Vocab(["a", "b", "c"])
    v.insert_token("x", 1)
    assert v.get_itos() == ["a", "x", "b", "c"] and v.get_stoi() == {"a": 0, "x": 1, "b": 2, "c": 3}
    v.insert_token("end", 4)
    v.append_token("last")
    assert v.get_itos() == ["a", "x", "b", "c", "end", "last"] and v["last"] == 5
    with pytest.raises(RuntimeError, match="Token b already exists in the Vocab with index: 2"):
        v.append_token("b")
    with pytest.raises(RuntimeError, match="already exists"):
        v.insert_token("a", 0)
    with pytest.raises(RuntimeError, match="out of bounds"):
        v.insert_token("new", 7)
    with pytest.raises(RuntimeError, match="Duplicate token"):
        Vocab(["a", "a"])


def test_stoi_and_itos_are_copies():
    v = Vocab(["a", "b"])
    v.get_itos().append("c")
    v.get_stoi()["c"] = 2
    assert len(v) == 2 and "c" not in v
