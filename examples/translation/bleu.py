"""Corpus BLEU (Papineni et al., 2002) over token lists, one reference per sentence, no smoothing."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(candidates: Sequence[Sequence[str]], references: Sequence[Sequence[str]], max_n: int = 4) -> float:
    """BLEU in [0, 1]: the geometric mean of the corpus' clipped 1..max_n-gram precisions times the brevity penalty
    exp(1 - r / c) when the candidates' total length c is below the references' r. Any zero precision gives 0."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} references")
    matches, totals = [0] * max_n, [0] * max_n
    for candidate, reference in zip(candidates, references):
        for n in range(1, max_n + 1):
            counts, reference_counts = _ngrams(candidate, n), _ngrams(reference, n)
            # clipping: a candidate n-gram counts at most as often as the reference holds it
            matches[n - 1] += sum(min(count, reference_counts[gram]) for gram, count in counts.items())
            totals[n - 1] += max(len(candidate) - n + 1, 0)
    if min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
    c, r = sum(map(len, candidates)), sum(map(len, references))
    brevity = 1.0 if c >= r else math.exp(1 - r / c)
    return brevity * math.exp(log_precision)
