"""Sample text from a character-level GPT saved by train.py --out.

    python examples/char_gpt/sample.py char_gpt_model --chars 500 --temperature 0.8 --top-k 10 --prompt "ROMEO:"
"""
from __future__ import annotations

import argparse
import pathlib

import flambeau as torch
from flambeau.text.models import GPT2LMHeadModel

from data import CharVocab


def sample(model, vocab: CharVocab, prompt: str, chars: int, temperature: float, top_k: int) -> str:
    """`chars` characters after `prompt`. The model knows n_positions characters of context, so longer text
    is sampled in pieces, each continuing from the last half-context of what came before."""
    context = model.config.n_positions
    text = prompt
    while len(text) < len(prompt) + chars:
        recent = text[-(context // 2):] if len(text) >= context else text
        new = min(context - len(recent), len(prompt) + chars - len(text))
        ids = model.generate(torch.tensor([vocab.encode(recent)]), max_new_tokens=new, do_sample=True,
                             temperature=temperature, top_k=top_k)
        text += vocab.decode(ids[0, len(recent):].tolist())
    return text


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", type=pathlib.Path, help="the folder train.py --out wrote")
    p.add_argument("--prompt", type=str, default="\n")
    p.add_argument("--chars", type=int, default=500)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    model = GPT2LMHeadModel.from_pretrained(args.folder)
    print(sample(model, CharVocab.load(args.folder / "vocab.json"), args.prompt, args.chars, args.temperature,
                 args.top_k))


if __name__ == "__main__":
    main()
