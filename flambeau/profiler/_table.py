"""The text table of profiled events, in PyTorch's column layout."""
from __future__ import annotations

_COLUMN = 12  # the width of every numeric column


def format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def format_memory(nbytes: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _share(us: float, total: float) -> str:
    return f"{100.0 * us / total:.2f}%" if total else "NaN"


def _trim_path(path: str, width: int) -> str:
    """The end of a too long "file(line): function", marked with "..."."""
    if len(path) <= width:
        return path
    path = path[len(path) - width:]
    return "..." + path[3:] if len(path) > 3 else path


def build_table(events, sort_by, row_limit, max_src_width, max_name_width, max_shapes_width, header,
                top_level_only, profile_memory: bool) -> str:
    if not events:
        return ""
    rows = [e for e in events if getattr(e, "cpu_parent", None) is None] if top_level_only else list(events)
    if sort_by is not None:
        rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
    if row_limit is not None and row_limit > 0:
        rows = rows[:row_limit]
    name_width = min(max(len(e.key) for e in events) + 4, max_name_width)
    shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_width)
    total = sum(e.self_cpu_time_total for e in events)
    with_shapes = any(e.input_shapes for e in events)
    stacks = [e.stack for e in events if e.stack]
    src_width = min(max(len(entry) for stack in stacks for entry in stack) + 4, max_src_width) if stacks else 0

    titles = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        titles += ["CPU Mem", "Self CPU Mem"]
    titles.append("# of Calls")
    widths = [name_width] + [_COLUMN] * len(titles) + ([shapes_width] if with_shapes else [])
    titles = ["Name"] + titles + (["Input Shapes"] if with_shapes else [])
    if stacks:  # the one column aligned left
        widths.append(src_width)
        titles.append("Source Location")

    def line(cells) -> str:
        text = "".join(str(c).rjust(w) + "  " for c, w in zip(cells, widths[:len(widths) - bool(stacks)]))
        return text + (str(cells[-1]).ljust(src_width) + "  " if stacks else "")

    rule = "".join("-" * w + "  " for w in widths)
    out = [] if header is None else ["=" * len(rule), header]
    out += [rule, line(titles), rule]
    for e in rows:
        name = e.key if len(e.key) < max_name_width - 3 else e.key[:max_name_width - 3] + "..."
        cells = [name, _share(e.self_cpu_time_total, total), format_time(e.self_cpu_time_total),
                 _share(e.cpu_time_total, total), format_time(e.cpu_time_total), format_time(e.cpu_time)]
        if profile_memory:
            cells += [format_memory(e.cpu_memory_usage), format_memory(e.self_cpu_memory_usage)]
        cells.append(e.count)
        if with_shapes:
            cells.append(str(e.input_shapes)[:shapes_width])
        if not stacks:
            out.append(line(cells))
            continue
        # the innermost call site on the event's row, the outer ones below it, then a blank row
        out.append(line(cells + [_trim_path(e.stack[0], src_width) if e.stack else ""]))
        blank = [""] * (len(widths) - 1)
        out += [line(blank + [_trim_path(entry, src_width)]) for entry in e.stack[1:]] + [line(blank + [""])]
    out += [rule, f"Self CPU time total: {format_time(total)}", ""]
    return "\n".join(out)
