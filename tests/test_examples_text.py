"""The text examples: BLEU and the number-word generator on hand-worked cases (fast), the BLEU of beam search on a
toy model, and shortened end-to-end runs (slow) that must reach a stated level."""
import math
import os
import pathlib
import re
import subprocess
import sys

import importlib.util

import pytest

import flambeau

ROOT = pathlib.Path(__file__).parent.parent


def _example_module(name: str):
    """examples/translation/<name>.py under a name of its own (other examples have a model.py too)."""
    spec = importlib.util.spec_from_file_location(f"translation_{name}", ROOT / "examples" / "translation" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bleu, number_words, models = (_example_module(name) for name in ("bleu", "number_words", "model"))

# NOTE: one BLAS thread: pytest -n 2 runs another worker on the other core (see test_examples.py)
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def test_corpus_bleu_hand_worked():
    candidates = ["the cat sat on the mat".split(), "one two three four".split()]
    references = ["the cat is on the mat".split(), "one two three four five".split()]
    # clipped matches / candidate n-grams, summed over the corpus: 1-grams (5 + 4) / (6 + 4), 2-grams (3 + 3) / (5 + 3),
    # 3-grams (1 + 2) / (4 + 2), 4-grams (0 + 1) / (3 + 1); lengths c = 10 < r = 11, so the brevity penalty is e^-0.1
    expected = math.exp(1 - 11 / 10) * (9 / 10 * 6 / 8 * 3 / 6 * 1 / 4) ** 0.25
    assert bleu.corpus_bleu(candidates, references) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.48766, abs=1e-5)
    # the first sentence alone has no matching 4-gram
    assert bleu.corpus_bleu(candidates[:1], references[:1]) == 0.0
    assert bleu.corpus_bleu(references, references) == pytest.approx(1.0)
    # clipping: "the" counts once against a reference holding it once; bigrams: 1 match of 2
    assert bleu.corpus_bleu(["the the cat".split()], ["the cat".split()], max_n=2) == pytest.approx(
        math.sqrt(2 / 3 * 1 / 2))
    with pytest.raises(ValueError, match="2 candidates but 1 references"):
        bleu.corpus_bleu(candidates, references[:1])


@pytest.mark.parametrize("n, en, fr", [
    (0, "zero", "zéro"), (16, "sixteen", "seize"), (21, "twenty-one", "vingt et un"),
    (71, "seventy-one", "soixante et onze"), (77, "seventy-seven", "soixante-dix-sept"),
    (80, "eighty", "quatre-vingts"), (81, "eighty-one", "quatre-vingt-un"), (91, "ninety-one", "quatre-vingt-onze"),
    (100, "one hundred", "cent"), (200, "two hundred", "deux cents"), (201, "two hundred and one", "deux cent un"),
    (312, "three hundred and twelve", "trois cent douze"), (480, "four hundred and eighty", "quatre cent quatre-vingts"),
    (1001, "one thousand and one", "mille un"), (2200, "two thousand two hundred", "deux mille deux cents"),
    (9999, "nine thousand nine hundred and ninety-nine", "neuf mille neuf cent quatre-vingt-dix-neuf"),
])
def test_number_words(n, en, fr):
    assert number_words.english(n) == en and number_words.french(n) == fr
    assert number_words.detokenize(number_words.tokenize(fr)) == fr


def test_number_pairs_split_keeps_test_numbers_unseen():
    train, test = number_words.split_pairs(300, 100, seed=5)
    assert len(train) == 300 and len(test) == 100 and not set(train) & set(test)
    assert (train, test) == number_words.split_pairs(300, 100, seed=5)
    with pytest.raises(ValueError):
        number_words.english(10000)


class _TableModel:
    """A stand-in decoder whose next-token distribution depends only on the last token (ids: 0 <pad>, 1 <bos>,
    2 <eos>, 3 A, 4 B). Greedy takes A (0.6) then <eos> (0.35): 0.21; the best sequence is B (0.4) <eos> (0.9): 0.36."""

    def __init__(self):
        tiny = 1e-6
        self.table = flambeau.tensor([
            [0.2] * 5,                          # after <pad> (finished beams): anything
            [tiny, tiny, tiny, 0.6, 0.4],       # after <bos>
            [tiny, tiny, 1.0, tiny, tiny],      # after <eos>
            [tiny, tiny, 0.35, 0.33, 0.32],     # after A
            [tiny, tiny, 0.9, 0.05, 0.05],      # after B
        ]).log()

    def encode(self, src):
        return src

    def decode(self, tgt, memory, src):
        return self.table[tgt]


def test_beam_search_finds_the_sequence_greedy_misses():
    src = flambeau.zeros(3, 2, dtype=flambeau.long)
    assert models.greedy_decode(_TableModel(), src, max_len=5) == [[3]] * 3
    assert models.beam_search(_TableModel(), src, beam_size=2, max_len=5, length_penalty=0.0) == [[4]] * 3
    assert models.beam_search(_TableModel(), src, beam_size=1, max_len=5) == [[3]] * 3


def test_decoders_agree_on_a_random_transformer():
    flambeau.manual_seed(0)
    net = models.Seq2SeqTransformer(12, 9, d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                    dim_feedforward=32).eval()
    src = flambeau.tensor([[5, 6, 7, 2], [8, 2, 0, 0]])
    greedy = models.greedy_decode(net, src, max_len=6)
    assert len(greedy) == 2 and all(len(ids) <= 6 and models.EOS not in ids for ids in greedy)
    assert models.beam_search(net, src, beam_size=1, max_len=6, length_penalty=0.0) == greedy
    assert len(models.beam_search(net, src, beam_size=3, max_len=6)) == 2


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _accuracy(out: str) -> float:
    return float(re.search(r"test accuracy ([0-9.]+)", out).group(1))


@pytest.mark.slow
def test_text_classification_both_models_learn_the_topics():
    """Chance is 0.25; a reader counting each topic's words scores about 0.81 on this corpus (see the README)."""
    short = ["--train-size", "2000", "--test-size", "1000", "--epochs", "3"]
    bag = _run("examples/text_classification/main.py", "--model", "embeddingbag", *short)
    assert len(re.findall(r"\| end of epoch", bag)) == 3 and _accuracy(bag) > 0.72, bag
    transformer = _run("examples/text_classification/main.py", "--model", "transformer", *short)
    assert _accuracy(transformer) > 0.65, transformer


@pytest.mark.slow
def test_translation_reaches_a_bleu_floor_greedy_and_beam():
    out = _run("examples/translation/main.py", "--train-size", "2000", "--test-size", "100", "--epochs", "7")
    scores = dict(re.findall(r"(greedy|beam 4) decoding: BLEU +([0-9.]+)", out))
    assert float(scores["greedy"]) > 80 and float(scores["beam 4"]) > 80, out
