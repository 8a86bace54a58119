"""A labelled news-headline corpus generated reproducibly: templated sentences over four topic vocabularies.

Each sentence fills a template's topic slots with words of its topic (each slot, with probability `noise`,
takes a word of another topic instead: a distractor) and its other slots with words shared by all topics;
a `label_noise` fraction of the labels is then replaced by a random topic. So no rule reads the label off
one word, and a perfect classifier stays below 100%.

    python examples/text_classification/corpus.py --out data/topics    # writes train.csv and test.csv
"""
from __future__ import annotations

import argparse
import csv
import pathlib
import random

TOPICS = {
    "world": "minister embassy treaty border refugees election parliament diplomat summit ceasefire sanctions "
             "president protest capital coalition referendum ambassador troops negotiations alliance".split(),
    "sports": "striker goalkeeper league championship coach tournament stadium midfielder medal marathon "
              "referee season playoffs transfer captain olympic racket sprint derby title".split(),
    "business": "shares investors profits merger startup earnings inflation bank revenue stocks dividend "
                "acquisition quarterly exports tariffs lender retail shareholders bonds ipo".split(),
    "science": "researchers telescope genome vaccine molecules laboratory physicists climate species fossil "
               "quantum satellite neurons experiment bacteria asteroid enzyme particle galaxy protein".split(),
}
LABELS = list(TOPICS)  # label i + 1 is TOPICS' i-th key, as AG_NEWS numbers its classes from 1
SHARED = "new report says after week year officials early today latest major record small amid plans first " \
         "group global local talks".split()
TEMPLATES = [
    "{t} {s} {t} as {t} {s}",
    "{s} {t} and {t} {s} {s} {t}",
    "{t} {t} {s} despite {s} {t}",
    "why {s} {t} matter for {t} and {t}",
    "{s} {s} : {t} {t} {t} ?",
    "the {t} of {s} {t} , {t} {s}",
]


def sentence(rng: random.Random, topic: str, noise: float) -> str:
    def fill(slot: str) -> str:
        if slot == "{s}":
            return rng.choice(SHARED)
        if slot != "{t}":
            return slot
        other = rng.choice([t for t in TOPICS if t != topic]) if rng.random() < noise else topic
        return rng.choice(TOPICS[other])
    return " ".join(fill(slot) for slot in rng.choice(TEMPLATES).split()).capitalize()


def generate(n: int, seed: int, noise: float = 0.3, label_noise: float = 0.03) -> list[tuple[int, str]]:
    """n (label, text) pairs, labels 1..4, the same for the same arguments."""
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        topic = rng.choice(LABELS)
        text = sentence(rng, topic, noise)
        label = rng.choice(LABELS) if rng.random() < label_noise else topic
        samples.append((LABELS.index(label) + 1, text))
    return samples


def write_csv(path: pathlib.Path, samples: list[tuple[int, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(samples)


def write_corpus(out: pathlib.Path, train_size: int, test_size: int, seed: int) -> None:
    """train.csv and test.csv in `out`, drawn from separate seeds."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "train.csv", generate(train_size, seed))
    write_csv(out / "test.csv", generate(test_size, seed + 1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="write the generated topic corpus as train.csv and test.csv")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--train-size", type=int, default=8000)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_corpus(args.out, args.train_size, args.test_size, args.seed)
