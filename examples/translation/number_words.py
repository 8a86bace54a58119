"""Numbers 0..9999 written in English and in French: the parallel corpus of the translation example.

English is British style ("three hundred and twelve", "forty-two"); French follows the traditional spelling
(hyphens only below a hundred: "quatre-vingt-dix-sept", "et" in 21, 31, ..., 71, a plural "s" on a final
"cents"/"quatre-vingts": "deux cents", "deux cent un", "quatre-vingts", "quatre-vingt-un"; "mille" never varies).
"""
from __future__ import annotations

import random

_EN_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
             "sixteen seventeen eighteen nineteen").split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_FR_SMALL = ("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
             "dix-sept dix-huit dix-neuf").split()
_FR_TENS = "_ _ vingt trente quarante cinquante soixante".split()


def _english_below_hundred(n: int) -> str:
    tens, units = divmod(n, 10)
    if n < 20:
        return _EN_SMALL[n]
    return _EN_TENS[tens] + (f"-{_EN_SMALL[units]}" if units else "")


def _places(n: int) -> tuple[int, int, int]:
    """Thousands, hundreds and the rest below a hundred of 0 <= n <= 9999."""
    if not 0 <= n <= 9999:
        raise ValueError(f"numbers are written from 0 to 9999, got {n}")
    thousands, rest = divmod(n, 1000)
    return (thousands, *divmod(rest, 100))


def english(n: int) -> str:
    thousands, hundreds, below = _places(n)
    if n == 0:
        return "zero"
    parts = []
    if thousands:
        parts.append(f"{_EN_SMALL[thousands]} thousand")
    if hundreds:
        parts.append(f"{_EN_SMALL[hundreds]} hundred")
    if below:
        parts.append(("and " if parts else "") + _english_below_hundred(below))
    return " ".join(parts)


def _french_below_hundred(n: int, final: bool) -> str:
    """`final`: nothing follows, so 80 takes its plural s."""
    if n < 20:
        return _FR_SMALL[n]
    tens, units = divmod(n, 10)
    if tens in (7, 9):  # 70..79 and 90..99 count on from sixty and eighty with 10..19
        base, units = ("soixante" if tens == 7 else "quatre-vingt"), units + 10
    elif tens == 8:
        base = "quatre-vingt"
    else:
        base = _FR_TENS[tens]
    if units == 0:
        return base + ("s" if tens == 8 and final else "")
    if units in (1, 11) and tens not in (8, 9):
        return f"{base} et {_FR_SMALL[units]}"
    return f"{base}-{_FR_SMALL[units]}"


def french(n: int) -> str:
    thousands, hundreds, below = _places(n)
    if n == 0:
        return "zéro"
    parts = []
    if thousands:
        parts.append("mille" if thousands == 1 else f"{_FR_SMALL[thousands]} mille")
    if hundreds:
        parts.append("cent" if hundreds == 1 else f"{_FR_SMALL[hundreds]} cent" + ("" if below else "s"))
    if below:
        parts.append(_french_below_hundred(below, final=True))
    return " ".join(parts)


def tokenize(text: str) -> list[str]:
    """Words, with each hyphen a token of its own: "quatre-vingt-un" -> quatre - vingt - un."""
    return text.replace("-", " - ").split()


def detokenize(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" - ", "-")


def split_pairs(train_size: int, test_size: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(english, french) pairs of distinct random numbers; the test numbers are never seen in training."""
    numbers = random.Random(seed).sample(range(10000), train_size + test_size)
    pairs = [(english(n), french(n)) for n in numbers]
    return pairs[:train_size], pairs[train_size:]
