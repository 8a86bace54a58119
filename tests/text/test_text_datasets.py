"""Text datasets read from CSV/TSV files and plain-text corpora, fed through a DataLoader."""
import pytest

import flambeau
from flambeau.text import (LanguageModelingDataset, TextClassificationDataset, TextLineDataset,
                           build_vocab_from_iterator)
from flambeau.utils.data import DataLoader


def test_csv_rows_become_label_text_pairs(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text('"3","Wall St. rallies","Stocks rose, led by ""tech"" shares."\n\n"1","Cup final","Late goal."\n',
                    encoding="utf-8")
    data = TextClassificationDataset(path, text_columns=(1, 2), label_transform=int)
    assert len(data) == 2
    assert data[0] == (3, 'Wall St. rallies Stocks rose, led by "tech" shares.')
    assert data[1] == (1, "Cup final Late goal.")


def test_tsv_with_header_and_text_transform(tmp_path):
    path = tmp_path / "reviews.tsv"
    path.write_text("text\tlabel\ngreat film, really\tpos\ndull\tneg\n", encoding="utf-8")
    data = TextClassificationDataset(path, label_column=1, text_columns=(0,), skip_header=True, text_transform=str.split)
    assert list(data) == [("pos", ["great", "film,", "really"]), ("neg", ["dull"])]


def test_bad_files_are_reported(tmp_path):
    (tmp_path / "a.txt").write_text("1,x\n")
    with pytest.raises(ValueError, match="delimiter"):
        TextClassificationDataset(tmp_path / "a.txt")
    assert TextClassificationDataset(tmp_path / "a.txt", delimiter=",")[0] == ("1", "x")
    (tmp_path / "short.csv").write_text("1,x\n2\n")
    with pytest.raises(ValueError, match="row 2: expected at least 2 columns"):
        TextClassificationDataset(tmp_path / "short.csv")
    with pytest.raises(ValueError, match="text_columns"):
        TextClassificationDataset(tmp_path / "short.csv", text_columns=())


def test_lines_and_language_modelling_chunks(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat\n\non the mat\n", encoding="utf-8")
    assert list(TextLineDataset(path)) == ["the cat sat", "", "on the mat"]
    assert list(TextLineDataset(path, skip_empty=True)) == ["the cat sat", "on the mat"]
    vocab = build_vocab_from_iterator((line.split() for line in TextLineDataset(path)), specials=["<unk>", "<eos>"])
    vocab.set_default_index(0)
    data = LanguageModelingDataset(path, vocab, seq_len=3)
    # the, cat, sat, <eos>, <eos>, on, the, mat, <eos>: 9 ids, so 2 whole chunks with a next-token target
    assert vocab.lookup_tokens(data.ids.tolist()) == ["the", "cat", "sat", "<eos>", "<eos>", "on", "the", "mat",
                                                      "<eos>"]
    assert len(data) == 2
    x, y = data[1]
    assert vocab.lookup_tokens(x.tolist()) == ["<eos>", "<eos>", "on"]
    assert vocab.lookup_tokens(y.tolist()) == ["<eos>", "on", "the"]
    with pytest.raises(IndexError):
        data[2]
    inputs, targets = next(iter(DataLoader(data, batch_size=2)))
    assert inputs.shape == targets.shape == (2, 3) and flambeau.equal(inputs[:, 1:], targets[:, :-1])
    no_eos = LanguageModelingDataset(path, vocab, tokenizer="basic_english", seq_len=2, eos_token=None)
    assert len(no_eos.ids) == 6 and len(no_eos) == 2
