"""Train a word-level language model on Tiny Shakespeare: pytorch/examples' word_language_model, on flambeau.

Same flags and output as PyTorch's script. Differences: the corpus is Tiny Shakespeare (shipped in
data/tinyshakespeare, split 80/10/10 by lines; --vocab and --max-lines shrink it for quick runs), and
--save writes the model's flags with its state_dict (flambeau stores whole modules only as pickles),
which generate.py rebuilds the model from.

    python examples/word_language_model/main.py --epochs 6                 # LSTM
    # short configuration: 3 epochs in ~95 s on one core (valid ppl 95.9, 74.1, 66.8; PyTorch 93.0, 73.9, 64.7)
    python examples/word_language_model/main.py --vocab 5000 --emsize 128 --nhid 128 --epochs 3
    python examples/word_language_model/main.py --model Transformer --lr 5 --epochs 6
    python examples/word_language_model/generate.py --words 200
"""
from __future__ import annotations

import argparse
import math
import os
import pathlib
import time

import data
import model as models

import flambeau as torch
import flambeau.nn as nn

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="RNN/LSTM/GRU/Transformer word language model on Tiny Shakespeare")
    parser.add_argument("--data", type=str, default=str(SHIPPED), help="folder holding input.txt")
    parser.add_argument("--vocab", type=int, default=None, help="keep the most frequent words, others become <unk>")
    parser.add_argument("--max-lines", type=int, default=None, help="use only the corpus' first lines")
    parser.add_argument("--model", type=str, default="LSTM",
                        help="type of network (RNN_TANH, RNN_RELU, LSTM, GRU, Transformer)")
    parser.add_argument("--emsize", type=int, default=200, help="size of word embeddings")
    parser.add_argument("--nhid", type=int, default=200, help="number of hidden units per layer")
    parser.add_argument("--nlayers", type=int, default=2, help="number of layers")
    parser.add_argument("--lr", type=float, default=20, help="initial learning rate")
    parser.add_argument("--clip", type=float, default=0.25, help="gradient clipping")
    parser.add_argument("--epochs", type=int, default=40, help="upper epoch limit")
    parser.add_argument("--batch_size", type=int, default=20, metavar="N", help="batch size")
    parser.add_argument("--bptt", type=int, default=35, help="sequence length")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout applied to layers (0 = no dropout)")
    parser.add_argument("--tied", action="store_true", help="tie the word embedding and softmax weights")
    parser.add_argument("--seed", type=int, default=1111, help="random seed")
    parser.add_argument("--log-interval", type=int, default=200, metavar="N", help="report interval")
    parser.add_argument("--save", type=str, default="model.pt", help="path to save the final model")
    parser.add_argument("--nhead", type=int, default=2, help="the number of heads in the Transformer's attention")
    parser.add_argument("--dry-run", action="store_true", help="verify the code and the model")
    return parser.parse_args(argv)


def batchify(data: torch.Tensor, bsz: int) -> torch.Tensor:
    """Arrange the token stream in bsz columns: column j is the j-th of bsz equal consecutive pieces."""
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


def repackage_hidden(h):
    """Detach hidden states from their history, so backpropagation stops at the batch's start."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source: torch.Tensor, i: int, bptt: int):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def evaluate(model: nn.Module, args: argparse.Namespace, data_source: torch.Tensor, ntokens: int) -> float:
    model.eval()
    criterion = nn.NLLLoss()
    total_loss = 0.0
    is_transformer = args.model == "Transformer"
    hidden = None if is_transformer else model.init_hidden(data_source.size(1))
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i, args.bptt)
            if is_transformer:
                output = model(data).view(-1, ntokens)
            else:
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train(model: nn.Module, args: argparse.Namespace, train_data: torch.Tensor, ntokens: int,
          epoch: int, lr: float) -> None:
    model.train()
    criterion = nn.NLLLoss()
    total_loss = 0.0
    start_time = time.time()
    is_transformer = args.model == "Transformer"
    hidden = None if is_transformer else model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i, args.bptt)
        model.zero_grad()
        if is_transformer:
            output = model(data).view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        # clip_grad_norm_ helps prevent the exploding gradient problem in RNNs / LSTMs
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            elapsed = time.time() - start_time
            print("| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | ms/batch {:5.2f} | loss {:5.2f} | ppl {:8.2f}"
                  .format(epoch, batch, len(train_data) // args.bptt, lr, elapsed * 1000 / args.log_interval,
                          cur_loss, math.exp(cur_loss)), flush=True)
            total_loss = 0.0
            start_time = time.time()
        if args.dry_run:
            break


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    corpus = data.Corpus(args.data, args.vocab, args.max_lines)
    eval_batch_size = 10
    train_data = batchify(corpus.train, args.batch_size)
    val_data = batchify(corpus.valid, eval_batch_size)
    test_data = batchify(corpus.test, eval_batch_size)
    ntokens = len(corpus.dictionary)
    flags = {k: getattr(args, k) for k in ("model", "emsize", "nhid", "nlayers", "dropout", "tied", "nhead",
                                           "vocab", "max_lines")}
    model = models.build(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied, args.nhead)

    lr = args.lr
    best_val_loss = None
    try:
        for epoch in range(1, args.epochs + 1):
            epoch_start_time = time.time()
            train(model, args, train_data, ntokens, epoch, lr)
            val_loss = evaluate(model, args, val_data, ntokens)
            print("-" * 89)
            print("| end of epoch {:3d} | time: {:5.2f}s | valid loss {:5.2f} | valid ppl {:8.2f}"
                  .format(epoch, time.time() - epoch_start_time, val_loss, math.exp(val_loss)))
            print("-" * 89, flush=True)
            # Save the model if the validation loss is the best we've seen so far;
            # otherwise anneal the learning rate
            if not best_val_loss or val_loss < best_val_loss:
                torch.save({"flags": flags, "state_dict": model.state_dict()}, args.save)
                best_val_loss = val_loss
            else:
                lr /= 4.0
    except KeyboardInterrupt:
        print("-" * 89)
        print("Exiting from training early")

    # Load the best saved model and run it on the test data
    if os.path.exists(args.save):
        model.load_state_dict(torch.load(args.save)["state_dict"])
    test_loss = evaluate(model, args, test_data, ntokens)
    print("=" * 89)
    print("| End of training | test loss {:5.2f} | test ppl {:8.2f}".format(test_loss, math.exp(test_loss)))
    print("=" * 89)


if __name__ == "__main__":
    main()
