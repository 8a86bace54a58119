"""The script front end: a function's source becomes the same function with its control flow routed through the
runtime helpers (flambeau/jit/_script/_runtime.py), compiled against its own globals, file and line numbers.

  if c: A else: B      ->  def then(names): A; return names    (names: the locals A or B bind)
                           def other(names): B; return names
                           names = __jit.if_(c, then, other, (current values of names), where, outside_write)
  while c: A           ->  def cond(names): return c
                           def body(names): A; return names
                           names = __jit.while_(cond, body, (current values of names), where, outside_write)
  f(args)              ->  __jit.call(f)(args)      (user functions and methods are converted when called)

An early return is folded first: `if c: return x` followed by S becomes `if c: return x else: S`, and an if whose
every path ends in a return becomes `return __jit.if_(...)`. An if or while that a return, break or continue
leaves in another way stays Python: a tensor condition is then read into Python, and the trace guards on it.
`for` loops stay Python (over ranges, lists and module lists they unroll into the trace).
"""
from __future__ import annotations

import ast
import copy
import inspect
import linecache
import textwrap
import weakref
from types import CodeType, FunctionType

from . import _analysis

_RT = _analysis.RUNTIME


class NotSupportedError(Exception):
    """jit.script cannot compile a construct (torch.jit.frontend.NotSupportedError)."""


class UnsupportedNodeError(NotSupportedError):
    """A Python construct outside the TorchScript subset (torch.jit.frontend.UnsupportedNodeError)."""


_converted: "weakref.WeakKeyDictionary[FunctionType, FunctionType]" = weakref.WeakKeyDictionary()


def convert(fn: FunctionType) -> FunctionType:
    """`fn` with its control flow converted (cached per function). Refuses what jit.script does not support."""
    done = _converted.get(fn)
    if done is None:
        done = _converted[fn] = _convert(fn)
    return done


def _convert(fn: FunctionType) -> FunctionType:
    fdef, filename = _parse(fn)
    found = _analysis.refused(fdef)
    if found is not None:
        node, what = found
        raise UnsupportedNodeError(f"jit.script does not support {what}: {_where(filename, node)} "
                                   f"(in {fn.__qualname__})")
    fdef.body = [_Calls().visit(s) for s in fdef.body]
    self_calls = _self_calls(fdef)
    fdef.body = _Converter(filename).block(fdef.body, tail=True)
    converted = _compile(fdef, fn, filename)
    converted._jit_self_calls = self_calls
    return converted


def _self_calls(fdef: ast.FunctionDef) -> set[str]:
    """The names of the methods the function calls on `self` (after call rewriting: __jit.call(self.name)(...))."""
    names = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Call):
            target = _analysis.callee(node)
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                names.add(target.attr)
    return names


def _parse(fn: FunctionType) -> tuple[ast.FunctionDef, str]:
    try:
        lines, first = inspect.getsourcelines(fn)
        filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
    except (OSError, TypeError) as e:
        raise OSError(f"jit.script: cannot get the source of {fn.__qualname__} ({e}); jit.script compiles from "
                      f"source: make sure the .py file is available") from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first - 1)
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef):
        raise UnsupportedNodeError(f"jit.script compiles functions defined with def, not {fn.__qualname__} "
                                   f"({filename}:{first})")
    return fdef, filename


def _where(filename: str, node: ast.AST) -> str:
    return f"{filename}:{node.lineno}: {linecache.getline(filename, node.lineno).strip()}"


class _Calls(ast.NodeTransformer):
    """f(args) -> __jit.call(f)(args): the runtime converts user functions and methods when they are called."""

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        node.func = ast.Call(_attr(_RT, "call"), [node.func], [])
        return node


def _attr(name: str, attr: str) -> ast.Attribute:
    return ast.Attribute(ast.Name(name, ast.Load()), attr, ast.Load())


def _params(names: list[str]) -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], kwonlyargs=[], kw_defaults=[], defaults=[])


def _def(name: str, params: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    return ast.FunctionDef(name=name, args=_params(params), body=body, decorator_list=[], returns=None)


def _names(names: list[str], ctx: ast.expr_context) -> ast.Tuple:
    return ast.Tuple([ast.Name(n, ctx) for n in names], ctx)


def _current(names: list[str]) -> ast.Tuple:
    """(__jit.lookup(locals(), 'a'), ...): each name's value, or UNDEFINED where it is not bound yet."""
    scope = ast.Call(ast.Name("locals", ast.Load()), [], [])
    return ast.Tuple([ast.Call(_attr(_RT, "lookup"), [scope, ast.Constant(n)], []) for n in names], ast.Load())


def _unbind_undefined(names: list[str]) -> list[ast.stmt]:
    """`if a is __jit.UNDEFINED: del a` for each name: a name no path bound stays unbound, as in Python."""
    return [ast.If(ast.Compare(ast.Name(n, ast.Load()), [ast.Is()], [_attr(_RT, "UNDEFINED")]),
                   [ast.Delete([ast.Name(n, ast.Del())])], []) for n in names]


class _Converter:
    def __init__(self, filename: str):
        self.filename = filename
        self.count = 0

    def block(self, stmts: list[ast.stmt], tail: bool) -> list[ast.stmt]:
        """Convert a statement list; tail: a return in it ends the function (the function's body, or a branch of
        a converted if that returns)."""
        stmts = _fold_returns(stmts)
        out: list[ast.stmt] = []
        for i, s in enumerate(stmts):
            last = i == len(stmts) - 1
            if isinstance(s, ast.If):
                out += self.if_(s, tail and last)
            elif isinstance(s, ast.While):
                out += self.while_(s)
            elif isinstance(s, ast.For):
                s.body = self.block(s.body, False)
                out.append(s)
            elif isinstance(s, ast.With):
                s.body = self.block(s.body, tail and last)
                out.append(s)
            else:
                out.append(s)
        return out

    def where(self, node: ast.AST) -> ast.Constant:
        return ast.Constant(_where(self.filename, node))

    def if_(self, s: ast.If, tail: bool) -> list[ast.stmt]:
        body = s.body + s.orelse
        escape = _analysis.escape(body)
        returns = _analysis.contains_return(body)
        if escape in ("break", "continue") or (returns and not (tail and _analysis.tail_returns(s.body) and
                                                                _analysis.tail_returns(s.orelse))):
            s.body, s.orelse = self.block(s.body, tail), self.block(s.orelse, tail)
            return [s]   # stays Python: a tensor condition is read (and guarded)
        names = _analysis.assigned_names(body)
        n = self.count = self.count + 1
        branches = []
        for kind, stmts in (("then", s.body), ("else", s.orelse)):
            converted = self.block(stmts, tail=returns)
            if returns and not _analysis.always_returns(converted):
                converted.append(ast.Return(ast.Constant(None)))
            elif not returns:
                converted.append(ast.Return(_names(names, ast.Load())))
            branches.append(_def(f"__jit_{kind}{n}", names, converted))
        side = _analysis.outside_write(body, in_place_names=False)
        call = ast.Call(_attr(_RT, "if_"), [self.test(s.test), ast.Name(f"__jit_then{n}", ast.Load()),
                                            ast.Name(f"__jit_else{n}", ast.Load()), _current(names), self.where(s),
                                            ast.Constant(side)], [])
        if returns:
            return _located(s, [*branches, ast.Return(call)])
        if not names:
            return _located(s, [*branches, ast.Expr(call)])
        return _located(s, [*branches, ast.Assign([_names(names, ast.Store())], call), *_unbind_undefined(names)])

    def while_(self, s: ast.While) -> list[ast.stmt]:
        if _analysis.escape(s.body):
            s.body = self.block(s.body, False)
            return [s]   # stays Python: the condition is read (and guarded) on every iteration
        names = _analysis.assigned_names(s.body)
        n = self.count = self.count + 1
        cond = _def(f"__jit_cond{n}", names, [ast.Return(self.test(s.test))])
        body = _def(f"__jit_body{n}", names, [*self.block(s.body, False), ast.Return(_names(names, ast.Load()))])
        side = _analysis.outside_write(s.body, in_place_names=True)
        call = ast.Call(_attr(_RT, "while_"), [ast.Name(cond.name, ast.Load()), ast.Name(body.name, ast.Load()),
                                               _current(names), self.where(s), ast.Constant(side)], [])
        if not names:
            return _located(s, [cond, body, ast.Expr(call)])
        return _located(s, [cond, body, ast.Assign([_names(names, ast.Store())], call), *_unbind_undefined(names)])

    def test(self, e: ast.expr) -> ast.expr:
        """A condition whose `not`, `and`, `or` keep tensors as tensors (bool() on one would fix the path)."""
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return ast.Call(_attr(_RT, "not_"), [self.test(e.operand)], [])
        if isinstance(e, ast.BoolOp):
            helper = "and_" if isinstance(e.op, ast.And) else "or_"
            result = self.test(e.values[-1])
            for value in reversed(e.values[:-1]):
                rest = ast.Lambda(_params([]), result)
                result = ast.Call(_attr(_RT, helper), [self.test(value), rest], [])
            return result
        return e


def _located(original: ast.stmt, stmts: list[ast.stmt]) -> list[ast.stmt]:
    """Generated statements at the line of the statement they replace (tracebacks and guards name it)."""
    for s in stmts:
        ast.copy_location(s, original)
    return stmts


def _fold_returns(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """The statements after an if that returns move into its branches that do not: the if ends the list (and so
    on inside its branches)."""
    for i, s in enumerate(stmts):
        if isinstance(s, ast.If) and _analysis.contains_return([s]):
            rest = stmts[i + 1:]
            if rest and not _analysis.always_returns(s.body):
                s.body = s.body + copy.deepcopy(rest)
            if rest and not _analysis.always_returns(s.orelse):
                s.orelse = s.orelse + copy.deepcopy(rest)
            s.body, s.orelse = _fold_returns(s.body), _fold_returns(s.orelse)
            return stmts[:i + 1]
    return stmts


def _compile(fdef: ast.FunctionDef, fn: FunctionType, filename: str) -> FunctionType:
    """Compile the converted def inside a factory that receives the runtime and the original closure's values."""
    from . import _runtime
    fdef.decorator_list = []
    fdef.returns = None
    args = fdef.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None   # read from the original function (typing.get_type_hints), not evaluated again
    args.defaults, args.kw_defaults = [], [None] * len(args.kwonlyargs)   # the original's values, set below
    freevars = fn.__code__.co_freevars
    factory = _def("__jit_factory", [_RT, *freevars], [fdef, ast.Return(ast.Name(fdef.name, ast.Load()))])
    module = ast.fix_missing_locations(ast.Module([factory], []))
    code = compile(module, filename, "exec", dont_inherit=True)
    factory_code = next(c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == "__jit_factory")
    cells = []
    for cell in fn.__closure__ or ():
        try:
            cells.append(cell.cell_contents)
        except ValueError:   # a closure variable not bound yet
            cells.append(_runtime.UNDEFINED)
    converted = FunctionType(factory_code, fn.__globals__)(_runtime, *cells)
    converted.__defaults__ = fn.__defaults__
    converted.__kwdefaults__ = fn.__kwdefaults__
    converted.__qualname__ = fn.__qualname__
    converted.__wrapped__ = fn
    return converted
