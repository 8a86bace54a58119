"""What the script front end asks of statements: the names they bind, the returns and breaks that leave them, the
writes into objects they do not own, and the constructs jit.script refuses."""
from __future__ import annotations

import ast
from typing import Iterator

# nested scopes: the names they bind are theirs, and a return inside one is not the function's
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.DictComp, ast.SetComp,
           ast.GeneratorExp)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
# methods that change the object they are called on (Python containers; tensor methods ending in "_" too)
_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard",
             "popitem", "sort", "reverse"}
_REFUSED = {ast.Try: "try blocks", ast.Yield: "generators (yield)", ast.YieldFrom: "generators (yield from)",
            ast.GeneratorExp: "generator expressions", ast.Lambda: "lambda expressions",
            ast.FunctionDef: "nested function definitions", ast.AsyncFunctionDef: "async functions",
            ast.ClassDef: "class definitions", ast.Global: "global declarations",
            ast.Nonlocal: "nonlocal declarations", ast.Await: "await", ast.AsyncFor: "async for",
            ast.AsyncWith: "async with", ast.NamedExpr: "assignment expressions (:=)", ast.Set: "sets",
            ast.SetComp: "set comprehensions", ast.Match: "match statements"}
if hasattr(ast, "TryStar"):
    _REFUSED[ast.TryStar] = "try blocks"
_GRAD_MODES = {"no_grad", "enable_grad", "inference_mode"}
RUNTIME = "__jit"   # the name of the runtime helpers' module inside converted code


def callee(call: ast.Call) -> ast.expr:
    """What a call calls, seen through the front end's rewriting f(...) -> __jit.call(f)(...)."""
    func = call.func
    if (isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "call"
            and isinstance(func.func.value, ast.Name) and func.func.value.id == RUNTIME):
        return func.args[0]
    return func


def walk_local(nodes: list[ast.AST]) -> Iterator[ast.AST]:
    """Every node under `nodes`, not entering nested scopes."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def assigned_names(stmts: list[ast.stmt]) -> list[str]:
    """The local names the statements bind, in order of first binding."""
    names: dict[str, None] = {}
    for node in walk_local(stmts):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.setdefault(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.setdefault((alias.asname or alias.name).split(".")[0])
    return list(names)


def escape(stmts: list[ast.stmt]) -> str | None:
    """The first return, break or continue that leaves the statements ("return", "break", ...), else None."""
    def visit(nodes: list[ast.AST], in_loop: bool) -> str | None:
        for node in nodes:
            if isinstance(node, ast.Return):
                return "return"
            if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
                return type(node).__name__.lower()
            if isinstance(node, _SCOPES):
                continue
            found = visit(list(ast.iter_child_nodes(node)), in_loop or isinstance(node, _LOOPS))
            if found:
                return found
        return None
    return visit(stmts, False)


def contains_return(stmts: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Return) for node in walk_local(stmts))


def always_returns(stmts: list[ast.stmt]) -> bool:
    """Whether every path through the statements ends in a return or a raise."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and always_returns(last.body) and always_returns(last.orelse)


def tail_returns(stmts: list[ast.stmt]) -> bool:
    """Whether every return among the statements ends them: the last statement, or in the tails of a last if."""
    for i, s in enumerate(stmts):
        last = i == len(stmts) - 1
        if isinstance(s, ast.Return) and last:
            continue
        if isinstance(s, ast.If) and last:
            if not (tail_returns(s.body) and tail_returns(s.orelse)):
                return False
        elif contains_return([s]):
            return False
    return True


def outside_write(stmts: list[ast.stmt], in_place_names: bool) -> str | None:
    """The first write into an object the statements do not bind (an item, an attribute, a list's append, a
    tensor's in-place method), else None; in_place_names=False counts `x += y` too (in place on a tensor)."""
    for node in walk_local(stmts):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                for part in ast.walk(t):
                    if isinstance(part, (ast.Subscript, ast.Attribute)) and isinstance(part.ctx, (ast.Store,
                                                                                                  ast.Del)):
                        return f"a write into {ast.unparse(part)}"
            if isinstance(node, ast.AugAssign) and not in_place_names:
                return f"an augmented assignment ({ast.unparse(node)}), in place on a tensor"
        elif isinstance(node, ast.Call) and isinstance(callee(node), ast.Attribute):
            attr = callee(node).attr
            if attr in _MUTATORS or (attr.endswith("_") and not attr.startswith("_")):
                return f"a call of .{attr}()"
    return None


def refused(fn: ast.FunctionDef) -> tuple[ast.AST, str] | None:
    """The first construct jit.script refuses (in source order), as (node, what), else None."""
    for node in sorted((n for n in ast.walk(ast.Module(fn.body, [])) if hasattr(n, "lineno")),
                       key=lambda n: (n.lineno, n.col_offset)):
        what = _REFUSED.get(type(node))
        if isinstance(node, ast.With) and not all(_is_grad_mode(item) for item in node.items):
            what = "with statements other than torch.no_grad()"
        elif isinstance(node, (ast.For, ast.While)) and node.orelse:
            what = f"{type(node).__name__.lower()} ... else"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
            what = "super()"
        if what:
            return node, what
    return None


def _is_grad_mode(item: ast.withitem) -> bool:
    call = item.context_expr
    if item.optional_vars is not None or not isinstance(call, ast.Call):
        return False
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return name in _GRAD_MODES
