"""Train a character-level GPT on Tiny Shakespeare with flambeau.text.models.GPT2LMHeadModel, report the
validation loss, then sample from it with temperature and top-k (nanoGPT's shakespeare_char, smaller).

    # short configuration: 200 steps of a 2-layer, 64-wide model, ~20 s of CPU (valid loss 2.70 at step 50,
    # 2.47 at step 200)
    python examples/char_gpt/train.py --steps 200 --layers 2 --width 64 --block 64 --eval-every 50
    # full configuration: 4 layers, 128 wide, 128 characters of context, 3,000 steps (~0.6 s a step on one core)
    python examples/char_gpt/train.py --out char_gpt_model
    python examples/char_gpt/sample.py char_gpt_model --chars 500 --temperature 0.8 --top-k 10

The loss is the mean cross-entropy per character in nats (a uniform guess over the 65 characters: 4.17).
"""
from __future__ import annotations

import argparse
import math
import pathlib
import time

import numpy as np

import flambeau as torch
from flambeau.text.models import GPT2Config, GPT2LMHeadModel

from data import CharVocab, split, windows
from sample import sample

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare" / "input.txt"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=pathlib.Path, default=SHIPPED, help="a text file")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--width", type=int, default=128, help="embedding width (n_embd)")
    p.add_argument("--block", type=int, default=128, help="characters of context")
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--eval-every", type=int, default=100, help="steps between validation reports")
    p.add_argument("--eval-batches", type=int, default=10)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--out", type=pathlib.Path, default=None, help="save the model and vocabulary to this folder")
    p.add_argument("--prompt", type=str, default="\n")
    p.add_argument("--chars", type=int, default=300, help="characters to sample after training")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=10)
    return p.parse_args(argv)


def evaluate(model, ids: np.ndarray, args, rng) -> float:
    model.eval()
    with torch.no_grad():
        losses = [model(batch, labels=batch, use_cache=False).loss.item()
                  for batch in (windows(ids, args.batch_size, args.block, rng) for _ in range(args.eval_batches))]
    model.train()
    return float(np.mean(losses))


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    text = args.data.read_text(encoding="utf-8")
    vocab = CharVocab(text)
    train_ids, valid_ids = split(text, vocab)
    config = GPT2Config(vocab_size=len(vocab), n_positions=args.block, n_embd=args.width, n_layer=args.layers,
                        n_head=args.heads, resid_pdrop=args.dropout, embd_pdrop=args.dropout,
                        attn_pdrop=args.dropout, bos_token_id=None, eos_token_id=None)
    model = GPT2LMHeadModel(config)
    print(f"{len(text):,} characters, vocabulary {len(vocab)}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    # linear warm-up over the first tenth, then cosine decay to a tenth of the rate
    warmup = max(1, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, 0.1 + 0.45 * (
        1 + math.cos(math.pi * min(1.0, max(0, s - warmup) / max(1, args.steps - warmup))))))
    model.train()
    start = time.time()
    for step in range(1, args.steps + 1):
        batch = windows(train_ids, args.batch_size, args.block, rng)
        loss = model(batch, labels=batch, use_cache=False).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % args.eval_every == 0 or step == args.steps:
            print(f"step {step:5d} | train loss {loss.item():.4f} | valid loss "
                  f"{evaluate(model, valid_ids, args, rng):.4f} | {time.time() - start:.0f}s", flush=True)
    if args.out is not None:
        model.save_pretrained(args.out)
        vocab.save(args.out / "vocab.json")
    model.eval()
    print("-" * 40)
    print(sample(model, vocab, args.prompt, args.chars, args.temperature, args.top_k))


if __name__ == "__main__":
    main()
