"""Topic classification on a generated news-headline corpus: PyTorch's text classification tutorial (EmbeddingBag)
and a small Transformer encoder, on flambeau.text's pipeline.

The corpus is written by corpus.py (templated sentences over four topic vocabularies, with distractor words and
3% label noise, see its docstring) as CSV files, read back with TextClassificationDataset, tokenised by
basic_english and numbered by a Vocab built from the training split.

    python examples/text_classification/main.py --model embeddingbag            # full: 8,000 sentences, 10 epochs
    python examples/text_classification/main.py --model transformer
    # short (the slow test): --train-size 2000 --test-size 1000 --epochs 3
"""
from __future__ import annotations

import argparse
import pathlib
import tempfile
import time

import corpus
import model as models

import flambeau as torch
import flambeau.nn as nn
from flambeau.text import (BucketBatchSampler, PadCollate, TextClassificationDataset, build_vocab_from_iterator,
                           get_tokenizer)
from flambeau.text import transforms as T
from flambeau.utils.data import DataLoader, random_split


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="EmbeddingBag or Transformer topic classifier on a generated corpus")
    parser.add_argument("--model", choices=["embeddingbag", "transformer"], default="embeddingbag")
    parser.add_argument("--data", type=pathlib.Path, default=None,
                        help="folder with train.csv and test.csv (default: generate them in a temporary folder)")
    parser.add_argument("--train-size", type=int, default=8000, help="sentences generated for training")
    parser.add_argument("--test-size", type=int, default=2000, help="sentences generated for testing")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=None, help="default: 5 (SGD, embeddingbag), 1e-3 (Adam)")
    parser.add_argument("--emsize", type=int, default=64, help="embedding size")
    parser.add_argument("--max-len", type=int, default=64, help="tokens kept per sentence")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def bag_collate(batch: list[tuple[int, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The tutorial's batching for EmbeddingBag: labels, all ids end to end, and each sentence's start."""
    labels = torch.tensor([label for label, _ in batch])
    lengths = torch.tensor([0] + [len(ids) for _, ids in batch[:-1]])
    return labels, torch.cat([ids for _, ids in batch]), lengths.cumsum(0)


def loader(data, args: argparse.Namespace, shuffle: bool) -> DataLoader:
    if args.model == "embeddingbag":
        return DataLoader(data, batch_size=args.batch_size, shuffle=shuffle, collate_fn=bag_collate)
    # the Transformer pays for padding: batch sentences of similar lengths
    sampler = BucketBatchSampler([len(ids) for _, ids in data], args.batch_size, shuffle=shuffle)
    return DataLoader(data, batch_sampler=sampler, collate_fn=PadCollate(padding_value=0))


def accuracy(net: nn.Module, batches: DataLoader) -> float:
    net.eval()
    correct = total = 0
    with torch.no_grad():
        for labels, *inputs in batches:
            correct += int((net(*inputs).argmax(1) == labels).sum())
            total += len(labels)
    return correct / total


def main(args: argparse.Namespace) -> float:
    torch.manual_seed(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or pathlib.Path(tmp)
        if args.data is None:
            corpus.write_corpus(folder, args.train_size, args.test_size, seed=args.seed)
        train_rows = TextClassificationDataset(folder / "train.csv", label_transform=int)
        test_rows = TextClassificationDataset(folder / "test.csv", label_transform=int)

    tokenizer = get_tokenizer("basic_english")
    vocab = build_vocab_from_iterator((tokenizer(text) for _, text in train_rows), specials=["<pad>", "<unk>"])
    vocab.set_default_index(vocab["<unk>"])
    text_pipeline = T.Sequential(T.VocabTransform(vocab), T.Truncate(args.max_len), T.ToTensor())

    def numericalize(rows):  # labels 1..4 become 0..3
        return [(label - 1, text_pipeline(tokenizer(text))) for label, text in rows]

    train_data, test_data = numericalize(train_rows), numericalize(test_rows)
    num_class = len({label for label, _ in train_data})
    train_data, valid_data = random_split(train_data, [0.95, 0.05])
    print(f"vocab {len(vocab)} words, {num_class} classes, {len(train_data)} training sentences")

    if args.model == "embeddingbag":
        net = models.TextClassificationModel(len(vocab), args.emsize, num_class)
        optimizer = torch.optim.SGD(net.parameters(), lr=args.lr or 5.0)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    else:
        net = models.TransformerClassifier(len(vocab), num_class, d_model=args.emsize, max_len=args.max_len)
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr or 1e-3)
        scheduler = None
    criterion = nn.CrossEntropyLoss()
    train_batches, valid_batches = loader(train_data, args, True), loader(valid_data, args, False)

    best = None
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        net.train()
        for labels, *inputs in train_batches:
            optimizer.zero_grad()
            loss = criterion(net(*inputs), labels)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 0.1 if scheduler else 1.0)
            optimizer.step()
        valid = accuracy(net, valid_batches)
        # the tutorial's schedule: a tenth of the rate once validation stops improving
        if scheduler is not None and best is not None and valid <= best:
            scheduler.step()
        best = valid if best is None else max(best, valid)
        print(f"| end of epoch {epoch:3d} | time: {time.time() - start:5.2f}s | valid accuracy {valid:8.3f}")
    test = accuracy(net, loader(test_data, args, False))
    print(f"test accuracy {test:.3f}")
    return test


if __name__ == "__main__":
    main(parse_args())
