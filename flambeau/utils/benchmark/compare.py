"""Compare: many Measurements as text tables, one per label, in torch.utils.benchmark.Compare's layout.

Rows are (threads, env, sub_label or stmt), columns are descriptions; each cell is a median in the unit that
suits the table's fastest result.
"""
from __future__ import annotations

import enum

import numpy as np

from .measurement import Measurement, select_unit

_BEST, _GOOD, _BAD, _VERY_BAD = "\033[92m", "\033[34m", "\033[2m\033[91m", "\033[31m"
_BOLD, _END = "\033[1m", "\033[0m"
_ENGLISH = {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}


class Colorize(enum.Enum):
    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


# NOTE: digit counts and rounding are computed in float32, as PyTorch computes them: 25.000000000000004
# trimmed to one figure is 20 there (2.5 rounds to even), not 30.
def _digits(x: float) -> int:
    """How many digits `x` has before the point."""
    return int(np.ceil(np.log10(np.float32(abs(x)))))


def trim_sigfig(x: float, n: int) -> float:
    """`x` rounded to `n` significant figures (3.14159, 2 -> 3.1), halves to even."""
    scale = 10 ** (_digits(x) - n)
    return float(np.round(np.float32(x / scale))) * scale


def _unique(items) -> list:
    return list(dict.fromkeys(items))


class _Column:
    """How one column prints its numbers: as many integer digits as its largest needs, and one decimal (or,
    trimming, as many as its least certain result supports)."""

    def __init__(self, results: list, scale: float, trim: bool, highlight: bool):
        present = [m for m in results if m is not None]
        digits = [_digits(m.median / scale) for m in present]
        decimals = min(max(m.significant_figures - d, 0) for m, d in zip(present, digits)) if trim else 1
        self.width = max(digits) + decimals + (1 if decimals else 0)
        self.decimals = decimals
        self.trim = trim
        self.highlight = highlight and any(m.has_warnings for m in present)

    def cell(self, m: Measurement | None, scale: float) -> str:
        if m is None:  # as wide as a 1 would print
            return " " * len(f"{1:>{self.width}.{self.decimals}f}" + "".rjust(7 if self.highlight else 0))
        value = m.median / scale
        if self.trim:
            value = trim_sigfig(value, m.significant_figures)
        spread = f" (! {m.iqr / m.median * 100:.0f}%)" if self.highlight and m.has_warnings else ""
        return f"{value:>{self.width}.{self.decimals}f}" + spread.rjust(7 if self.highlight else 0)


def _color(text: str, value: float, best: float) -> str:
    if value <= best * 1.01 or value <= best + 100e-9:
        return _BEST + _BOLD + text + _END * 2
    if value <= best * 1.1:
        return _GOOD + _BOLD + text + _END * 2
    if value >= best * 5:
        return _VERY_BAD + _BOLD + text + _END * 2
    if value >= best * 2:
        return _BAD + text + _END * 2
    return text


def _table(results: list[Measurement], colorize: Colorize, trim: bool, highlight: bool) -> str:
    unit, scale = select_unit(min(m.median for m in results))
    row_keys = _unique((m.num_threads, m.env, m.as_row_name) for m in results)
    row_keys.sort(key=lambda key: key[:2])  # by threads and env; sub_labels keep their order
    col_keys = _unique(m.description for m in results)
    grid = {(m.num_threads, m.env, m.as_row_name, m.description): m for m in results}
    rows = [[grid.get((*key, c)) for c in col_keys] for key in row_keys]
    opens = [i == 0 or key[0] != row_keys[i - 1][0] for i, key in enumerate(row_keys)]  # a thread count's first

    columns = [_Column([row[j] for row in rows], scale, trim, highlight) for j in range(len(col_keys))]
    envs = {m.env for m in results}
    env_width = max(len(str(e)) for e in envs) if len(envs) > 1 else 0
    text_rows = [[""] + [str(c) if c is not None else "" for c in col_keys]]
    for i, (key, row) in enumerate(zip(row_keys, rows)):
        new_env = len(envs) > 1 and (opens[i] or key[1] != row_keys[i - 1][1])
        name = "  " + (f"({key[1]})" if new_env else "").ljust(env_width + 4) + key[2]
        text_rows.append([name] + [col.cell(m, scale) for col, m in zip(columns, row)])
    widths = [max(len(r[j]) for r in text_rows) for j in range(len(text_rows[0]))]
    header = "  |  ".join(c.center(w) for c, w in zip(text_rows[0], widths))
    lines = [header]
    for i, (key, row, cells) in enumerate(zip(row_keys, rows, text_rows[1:])):
        if opens[i]:
            lines.append(f"{key[0]} threads: ".ljust(len(header), "-"))
        if colorize is Colorize.ROWWISE:
            best = [min(m.median for m in row if m is not None)] * len(row)
        elif colorize is Colorize.COLUMNWISE:
            same_threads = [r for r, k in zip(rows, row_keys) if k[0] == key[0]]
            best = [min((r[j].median for r in same_threads if r[j] is not None), default=None)
                    for j in range(len(row))]
        out = [cells[0].ljust(widths[0])]
        for j, m in enumerate(row):
            text = cells[j + 1].center(widths[j + 1])
            if colorize is not Colorize.NONE and m is not None and best[j] is not None:
                text = _color(text, m.median, best[j])
            out.append(text)
        lines.append("  |  ".join(out))
    title = "[" + f" {results[0].label or ''} ".center(len(header) - 2, "-") + "]"
    warned = highlight and any(m.has_warnings for m in results)
    note = "(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n" if warned else ""
    return "\n".join([title, *lines, "", f"Times are in {_ENGLISH[unit]}s ({unit}).", note])


class Compare:
    """Tables of many measurements, one per label: rows by sub_label (and threads, env), columns by description."""

    def __init__(self, results: list[Measurement]):
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim = False
        self._colorize = Colorize.NONE
        self._highlight = False

    def extend_results(self, results: list[Measurement]) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self) -> None:
        self._highlight = True

    def print(self) -> None:
        print(str(self))

    def __str__(self) -> str:
        by_label: dict = {}
        for m in Measurement.merge(self._results):  # replicates of one task become one measurement
            by_label.setdefault(m.label, []).append(m)
        return "\n".join(_table(group, self._colorize, self._trim, self._highlight) for group in by_label.values())
