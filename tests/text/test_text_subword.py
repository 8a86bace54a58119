"""Tokenizer over tokenizer.json files trained here with the tokenizers library (WordPiece as BERT's, byte-level BPE
as GPT-2's): ids as the library's, tensors as transformers' return_tensors="pt", decoding round trips."""
import pathlib
import subprocess
import sys

import pytest
import torch
from tokenizers import Tokenizer as Backend
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

import flambeau
from flambeau.text import Tokenizer

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Les élèves étudient à l'université de Montréal, où il fait très froid.",
    "In 2024, 3.5 million people paid $12.99 for 7 items; that's 42%!",
    "Emoji make people happy 😀🎉 and sometimes confused 🤔.",
    "Naïve café owners serve crème brûlée every Thursday at 10:30 a.m.",
    "She said: \"tokenizers split words into sub-words (pieces)\" -- right?",
] * 20

TEXTS = [
    "The lazy fox paid $3.50 at the café!",
    "Élèves naïfs 😀 — 1234567 items?",
    "unseenwordsgetpiecedtogether",
    "   spaces   and\ttabs\n",
    "",
]


@pytest.fixture(scope="module")
def wordpiece_file(tmp_path_factory):
    backend = Backend(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    backend.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", backend.token_to_id("[CLS]")), ("[SEP]", backend.token_to_id("[SEP]"))])
    path = tmp_path_factory.mktemp("wordpiece") / "tokenizer.json"
    backend.save(str(path))
    return path


@pytest.fixture(scope="module")
def bytelevel_file(tmp_path_factory):
    backend = Backend(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"],
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    path = tmp_path_factory.mktemp("bpe") / "tokenizer.json"
    backend.save(str(path))
    return path


@pytest.fixture(params=["wordpiece", "bytelevel"])
def tokenizer_file(request):
    return request.getfixturevalue(f"{request.param}_file")


@pytest.mark.parametrize("text", TEXTS)
def test_encode_matches_the_library(tokenizer_file, text):
    ours, theirs = Tokenizer.from_file(tokenizer_file).encode(text), Backend.from_file(str(tokenizer_file)).encode(text)
    assert ours.ids == theirs.ids and ours.tokens == theirs.tokens
    assert ours.attention_mask == theirs.attention_mask == [1] * len(theirs.ids)


def test_wordpiece_adds_bert_specials_and_normalises(wordpiece_file):
    tok = Tokenizer.from_file(wordpiece_file)
    encoding = tok.encode("Café fox", "dog")
    assert encoding.tokens[0] == "[CLS]" and encoding.tokens.count("[SEP]") == 2
    assert "cafe" in "".join(encoding.tokens)  # lowercased, accent stripped
    assert encoding.type_ids == [0] * (encoding.tokens.index("[SEP]") + 1) + [1] * (
        len(encoding.tokens) - encoding.tokens.index("[SEP]") - 1)
    assert tok.encode("", add_special_tokens=False).ids == []
    pairs = [("Café fox", "dog"), ("one", "two three")]
    assert [e.type_ids for e in tok.encode_batch(pairs)] == [
        e.type_ids for e in Backend.from_file(str(wordpiece_file)).encode_batch(pairs)]
    assert tok.encode("☃").tokens == ["[CLS]", "[UNK]", "[SEP]"]


@pytest.mark.parametrize("text", TEXTS + ["naïve 🤔 $12.99 \"quoted\"\n"])
def test_byte_level_decode_is_the_identity(bytelevel_file, text):
    tok = Tokenizer.from_file(bytelevel_file)
    assert tok.decode(tok.encode(text).ids) == text
    assert tok.decode(flambeau.tensor(tok.encode(text).ids)) == text


def test_wordpiece_decode_round_trips_normalised_words(wordpiece_file):
    tok = Tokenizer.from_file(wordpiece_file)
    for text in ("the quick brown fox jumps over the lazy dog", "unseenwordsgetpiecedtogether", ""):
        assert tok.decode(tok.encode(text).ids) == text
    ids = tok.encode("Élèves, froid!").ids
    assert tok.decode(ids) == Backend.from_file(str(wordpiece_file)).decode(ids) == "eleves, froid!"
    assert tok.decode(ids, skip_special_tokens=False).startswith("[CLS]")


def test_batches_padding_and_truncation_match_the_library(tokenizer_file):
    ours, theirs = Tokenizer.from_file(tokenizer_file), Backend.from_file(str(tokenizer_file))
    for tok in (ours, theirs):
        tok.enable_padding(pad_id=0, pad_token="[PAD]", pad_to_multiple_of=4)
        tok.enable_truncation(max_length=12)
    assert ours.padding == theirs.padding and ours.truncation == theirs.truncation
    got, expected = ours.encode_batch(TEXTS), theirs.encode_batch(TEXTS)
    assert [e.ids for e in got] == [e.ids for e in expected]
    assert [e.attention_mask for e in got] == [e.attention_mask for e in expected]
    assert len({len(e.ids) for e in got}) == 1 and len(got[0].ids) in (4, 8, 12)
    ours.no_padding()
    ours.no_truncation()
    assert ours.padding is None and ours.truncation is None
    assert ours.encode(TEXTS[1]).ids == Backend.from_file(str(tokenizer_file)).encode(TEXTS[1]).ids


def test_tensors_match_transformers_return_tensors_pt(tokenizer_file):
    ours = Tokenizer.from_file(tokenizer_file)
    ours.enable_padding(pad_id=0)
    theirs = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_file), pad_token=ours.id_to_token(0),
                                     model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    got, expected = ours(TEXTS), theirs(TEXTS, padding=True, return_tensors="pt")
    assert set(got) == {"input_ids", "token_type_ids", "attention_mask"}
    for name, value in got.items():
        assert value.dtype == flambeau.int64
        assert torch.equal(torch.tensor(value.tolist(), dtype=torch.int64), expected[name])
    single = ours("The lazy fox")
    assert single["input_ids"].shape == (1, len(ours.encode("The lazy fox").ids))


def test_ragged_batches_and_bad_input_are_rejected(wordpiece_file):
    tok = Tokenizer.from_file(wordpiece_file)
    with pytest.raises(ValueError, match="enable_padding"):
        tok(["a", "a much longer sentence here"])
    with pytest.raises(TypeError, match="single string"):
        tok.encode_batch("one string")
    with pytest.raises(TypeError, match="string"):
        tok.encode(123)
    with pytest.raises(ValueError, match="1-D"):
        tok.decode(flambeau.zeros(2, 2, dtype=flambeau.int64))
    with pytest.raises(TypeError, match="tokenizers.Tokenizer"):
        Tokenizer("tokenizer.json")


def test_save_from_str_and_vocabulary(tmp_path, wordpiece_file):
    tok = Tokenizer.from_file(wordpiece_file)
    tok.save(tmp_path / "copy.json")
    again = Tokenizer.from_str((tmp_path / "copy.json").read_text())
    assert again.encode(TEXTS[0]).ids == tok.encode(TEXTS[0]).ids
    assert len(tok) == tok.get_vocab_size() == len(tok.get_vocab()) <= 300
    assert tok.id_to_token(tok.token_to_id("[CLS]")) == "[CLS]" and tok.token_to_id("never-a-token") is None


def test_missing_library_is_a_clear_import_error(monkeypatch, wordpiece_file):
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    with pytest.raises(ImportError, match="pip install tokenizers"):
        Tokenizer.from_file(wordpiece_file)


def test_importing_flambeau_text_does_not_import_the_library():
    code = "import sys, flambeau.text; assert 'tokenizers' not in sys.modules and 'flambeau.text.models' not in sys.modules"
    # from the repository's root, where `python -c` finds flambeau even without an installed copy
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=pathlib.Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr


def test_models_are_imported_on_first_access():
    import importlib

    import flambeau.text as text
    assert text.models is importlib.import_module("flambeau.text.models")
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        text.no_such_name
