"""Sample text from a model that main.py saved: pytorch/examples' word_language_model/generate.py.

    python examples/word_language_model/generate.py --checkpoint model.pt --words 200 --outf generated.txt
"""
from __future__ import annotations

import argparse

import data
import model as models
from main import SHIPPED

import flambeau as torch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Language model text generation")
    parser.add_argument("--data", type=str, default=str(SHIPPED), help="folder holding input.txt")
    parser.add_argument("--checkpoint", type=str, default="./model.pt", help="model checkpoint to use")
    parser.add_argument("--outf", type=str, default="generated.txt", help="output file for generated text")
    parser.add_argument("--words", type=int, default=1000, help="number of words to generate")
    parser.add_argument("--seed", type=int, default=1111, help="random seed")
    parser.add_argument("--temperature", type=float, default=1.0, help="temperature - higher will increase diversity")
    parser.add_argument("--log-interval", type=int, default=100, help="reporting interval")
    args = parser.parse_args(argv)
    if args.temperature < 1e-3:
        parser.error("--temperature has to be greater or equal 1e-3.")
    torch.manual_seed(args.seed)

    checkpoint = torch.load(args.checkpoint)
    flags = checkpoint["flags"]
    # the dictionary must be the one the model was trained with: same corpus, same vocabulary flags
    corpus = data.Corpus(args.data, flags["vocab"], flags["max_lines"])
    ntokens = len(corpus.dictionary)
    model = models.build(flags["model"], ntokens, flags["emsize"], flags["nhid"], flags["nlayers"],
                         flags["dropout"], flags["tied"], flags["nhead"])
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()

    is_transformer = flags["model"] == "Transformer"
    hidden = None if is_transformer else model.init_hidden(1)
    input = torch.randint(ntokens, (1, 1), dtype=torch.long)
    with open(args.outf, "w") as outf, torch.no_grad():  # no tracking history
        for i in range(args.words):
            if is_transformer:
                output = model(input, False)
                word_weights = output[-1].squeeze().div(args.temperature).exp()
                word_idx = torch.multinomial(word_weights, 1)[0]
                input = torch.cat([input, word_idx.view(1, 1)], 0)
            else:
                output, hidden = model(input, hidden)
                word_weights = output.squeeze().div(args.temperature).exp()
                word_idx = torch.multinomial(word_weights, 1)[0]
                input.fill_(word_idx)
            outf.write(corpus.dictionary.idx2word[word_idx] + ("\n" if i % 20 == 19 else " "))
            if i % args.log_interval == 0:
                print("| Generated {}/{} words".format(i, args.words))


if __name__ == "__main__":
    main()
