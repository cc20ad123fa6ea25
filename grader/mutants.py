"""Mutants of a kata's reference: each is the reference file with one small, plausible mistake.

`kata verify --mutants` grades every mutant against the kata's checks; a mutant that still earns
full points shows a mistake the checks cannot see. Only the code the learner writes is mutated: the
bodies of the functions that the stub leaves as `raise NotImplementedError("exercise N: ...")`.

Why Python's `ast` and not mutmut or cosmic-ray: both own the test run. cosmic-ray applies a mutant
on disk and runs a whole test command per mutant; measured here, one `pytest` process over the
tensors checks takes 2.2 s, while the warm engine graded all 28 tensors mutants in 1.8 s with two
workers (about 0.13 s each: a forked child of a process that already imported torch and the checks).
mutmut 3 does fork from a warm pytest, but it rewrites the code into trampolines under ./mutants/
and runs its own tests folder, not our sandboxed, point-scored grading, and its operators are a
fixed internal list of libcst matchers with no extension point for PyTorch-specific ones. Either
would be a second, slower engine plus a dependency for the five generic operators, which are a few
lines each with `ast`. Each mutation is a text edit at the positions `ast` reports, so the rest of
the file (comments, layout) stays as written and a survivor's diff shows exactly one change.

A mutant's id is `<function>:<operator>:<n>` (the n-th site of that operator in that function, in
source order), stable while the function is unchanged, so a kata can declare equivalent mutants.
Functions in a kata's second and later files are prefixed with the file name: `extra.py/<function>`.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from grader.catalog import Kata

DIFF_CONTEXT = 3

# Operators: name -> what it imitates (shown in docs and in `kata verify --mutants` output).
OPERATORS = {
    "compare": "a comparison off by one (< vs <=) or negated (== vs !=, in vs not in)",
    "arith": "another arithmetic operator (+ vs -, * vs /, @ vs *)",
    "constant": "a number off by one (an int n+1, a float doubled)",
    "negate": "a condition negated, True vs False, and vs or",
    "return-none": "a function that returns None",
    "dim": "the other dimension (dim=0 vs dim=1)",
    "mean-sum": "mean vs sum",
    "detach": "a .detach() dropped or added",
    "no-grad": "torch.no_grad() dropped",
    "drop-call": "a zero_grad(), eval(), train(), step() or backward() call dropped",
    "dtype": "float32 vs float64, int64 vs int32",
    "view-reshape": "view vs reshape",
    "range": "a range off by one",
    "device": 'a hard-coded device ("cpu") instead of the given one',
    "drop-to": "a .to(...), .cuda() or .cpu() dropped",
    "arg-swap": "the two arguments of a call swapped",
}

_COMPARE = {
    ast.Lt: "<=",
    ast.LtE: "<",
    ast.Gt: ">=",
    ast.GtE: ">",
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.Is: "is not",
    ast.IsNot: "is",
    ast.In: "not in",
    ast.NotIn: "in",
}
_COMPARE_TOKEN = re.compile(r"<=|>=|==|!=|<|>|\bis\s+not\b|\bnot\s+in\b|\bis\b|\bin\b")
_ARITH = {
    ast.Add: "-",
    ast.Sub: "+",
    ast.Mult: "/",
    ast.Div: "*",
    ast.FloorDiv: "/",
    ast.Mod: "/",
    ast.Pow: "*",
    ast.MatMult: "*",
}
_ARITH_TOKEN = re.compile(r"//|\*\*|[-+*/%@]")
_DTYPES = {
    "float32": "float64",
    "float64": "float32",
    "float": "double",
    "double": "float",
    "int64": "int32",
    "long": "int",
}
_DTYPE_METHODS = {"float": "double", "double": "float", "long": "int"}
_DIM_KEYWORDS = {"dim", "axis", "start_dim", "end_dim"}
# Calls whose first positional argument (as a method) or second (as torch.f(x, dim)) is a dim.
_DIM_CALLS = {
    "sum",
    "mean",
    "softmax",
    "log_softmax",
    "argmax",
    "argmin",
    "max",
    "min",
    "unsqueeze",
    "squeeze",
    "cumsum",
    "prod",
    "std",
    "var",
    "logsumexp",
    "amax",
    "amin",
    "all",
    "any",
    "size",
    "cat",
    "stack",
    "flatten",
}
_BUILTINS = {
    "sum",
    "len",
    "int",
    "float",
    "bool",
    "str",
    "list",
    "dict",
    "tuple",
    "set",
    "sorted",
    "max",
    "min",
    "range",
    "zip",
    "enumerate",
    "isinstance",
    "round",
    "abs",
    "any",
    "all",
    "iter",
    "next",
    "map",
    "open",
    "getattr",
    "print",
    "super",
    "type",
    "format",
    "divmod",
}
# Calls whose result is no tensor (or already cut from the graph).
# Calls whose result is no tensor, is already cut from the graph, or is a fresh tensor that cannot
# carry a gradient (factories, integer results): `.detach()` on them is always an equivalent mutant.
_NOT_TENSORS = {
    "detach",
    "item",
    "tolist",
    "numpy",
    "deepcopy",
    "copy",
    "state_dict",
    "parameters",
    "rand",
    "randn",
    "randint",
    "randperm",
    "zeros",
    "ones",
    "empty",
    "full",
    "arange",
    "linspace",
    "eye",
    "tensor",
    "as_tensor",
    "from_numpy",
    "manual_seed",
    "long",
    "int",
    "bool",
    "argmax",
    "argmin",
    "zeros_like",
    "ones_like",
    "randn_like",
    "rand_like",
    "empty_like",
    "full_like",
}
_DROPPED_CALLS = {"zero_grad", "eval", "train", "step", "backward"}
_NO_GRAD = {"no_grad", "inference_mode"}
# Swapping these arguments changes nothing or only breaks the call: no information in such a mutant
# (nor in swapping a literal into another argument's place).
_SYMMETRIC = {
    "add",
    "mul",
    "maximum",
    "minimum",
    "max",
    "min",
    "eq",
    "ne",
    "logical_and",
    "logical_or",
    "transpose",
    "swapaxes",
    "swapdims",
    "isinstance",
    "issubclass",
    "hasattr",
    "getattr",
    "setattr",
    "print",
    "super",
    "allclose",
    "isclose",
    "equal",
    "dict",
    "zip",
}


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    function: str
    operator: str
    line: int
    source: str  # the whole mutated file

    def diff(self, original: str) -> str:
        """A unified diff against the reference, with a few lines of context."""
        return "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                self.source.splitlines(keepends=True),
                fromfile=f"reference/{self.file}",
                tofile=f"mutant {self.id}",
                n=DIFF_CONTEXT,
            )
        )


@dataclass(frozen=True)
class _Edit:
    operator: str
    start: int
    end: int
    text: str


def learner_functions(stub_source: str) -> set[str]:
    """Qualified names (`f`, `Class.method`) whose stub body raises NotImplementedError("exercise ...")."""
    found: set[str] = set()
    for qualname, function in _functions(ast.parse(stub_source)):
        for node in ast.walk(function):
            if isinstance(node, ast.Raise) and _raises_exercise(node):
                found.add(qualname)
                break
    return found


def _raises_exercise(node: ast.Raise) -> bool:
    call = node.exc
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "NotImplementedError"
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
        and call.args[0].value.lower().startswith("exercise")
    )


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Top-level functions and methods of top-level classes (nested functions belong to their parent)."""
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, prefix + node.name + ".")


class _Source:
    """Character offsets for ast positions (ast counts columns in UTF-8 bytes)."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _int_value(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _simple(src: ast.AST, text: str) -> str:
    """`text` parenthesised unless it is a name, attribute, call, subscript or constant."""
    return text if isinstance(src, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)) else f"({text})"


class _Sites:
    """Every edit of every operator inside one function body, in source order."""

    def __init__(self, source: _Source):
        self.src = source
        self.edits: list[_Edit] = []
        self.dims: set[int] = set()  # dim arguments: the dim operator changes them, not the constant one

    def replace(self, operator: str, node: ast.AST, text: str) -> None:
        start, end = self.src.span(node)
        self.edits.append(_Edit(operator, start, end, text))

    def token(self, operator: str, start: int, end: int, pattern: re.Pattern, text: str) -> None:
        """Replace the first operator token found between two operands."""
        match = pattern.search(self.src.text, start, end)
        if match:
            self.edits.append(_Edit(operator, match.start(), match.end(), text))

    def attr_name(self, operator: str, node: ast.Attribute, new: str) -> None:
        _, end = self.src.span(node)
        self.edits.append(_Edit(operator, end - len(node.attr), end, new))

    def visit(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if _is_docstring(stmt):
                continue
            for node in _walk_in_order(stmt):
                for handler in self._handlers:
                    handler(self, node)

    # --- generic operators ---------------------------------------------------------------------
    def _compare(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                self.token(
                    "compare", self.src.span(left)[1], self.src.span(right)[0], _COMPARE_TOKEN, _COMPARE[type(op)]
                )
                left = right

    def _arith(self, node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            self.token(
                "arith", self.src.span(node.left)[1], self.src.span(node.right)[0], _ARITH_TOKEN, _ARITH[type(node.op)]
            )
        elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH:
            self.token(
                "arith",
                self.src.span(node.target)[1],
                self.src.span(node.value)[0],
                re.compile(r"(//|\*\*|[-+*/%@])="),
                _ARITH[type(node.op)] + "=",
            )

    def _constant(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in self.dims:
            value = node.value + 1 if type(node.value) is int else node.value * 2 if node.value else 1.0
            self.replace("constant", node, repr(value))

    def _negate(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            self.replace("negate", node, repr(not node.value))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.replace("negate", node, self.src.segment(node.operand))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            self.replace("negate", node.test, f"not {_simple(node.test, self.src.segment(node.test))}")
        elif isinstance(node, ast.BoolOp):
            new = " or " if isinstance(node.op, ast.And) else " and "
            self.replace(
                "negate",
                node,
                new.join(
                    f"({self.src.segment(v)})"
                    if isinstance(v, (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr))
                    else self.src.segment(v)
                    for v in node.values
                ),
            )

    def _return_none(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            self.replace("return-none", node.value, "None")

    # --- PyTorch operators ---------------------------------------------------------------------
    def _dim(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Call):
            return
        for keyword in node.keywords:
            value = _int_value(keyword.value)
            if keyword.arg in _DIM_KEYWORDS and value is not None:
                self.dims.update(id(n) for n in ast.walk(keyword.value))
                self.replace("dim", keyword.value, "1" if value == 0 else "0")
        name = _call_name(node)
        if name in _DIM_CALLS:
            as_function = (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("torch", "F")
            )
            index = 1 if as_function or name in ("cat", "stack") else 0
            if len(node.args) > index and _int_value(node.args[index]) is not None:
                value = _int_value(node.args[index])
                self.dims.update(id(n) for n in ast.walk(node.args[index]))
                self.replace("dim", node.args[index], "1" if value == 0 else "0")

    def _mean_sum(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("mean", "sum"):
            self.attr_name("mean-sum", node.func, "sum" if node.func.attr == "mean" else "mean")
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "reduction"
            and isinstance(node.value, ast.Constant)
            and node.value.value in ("mean", "sum")
        ):
            self.replace("mean-sum", node.value, repr("sum" if node.value.value == "mean" else "mean"))

    def _detach(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "detach"
            and not node.args
        ):
            self.replace("detach", node, self.src.segment(node.func.value))
        elif isinstance(node, (ast.Assign, ast.Return)) and _may_be_tensor(node.value):
            self.replace("detach", node.value, f"{_simple(node.value, self.src.segment(node.value))}.detach()")

    def _no_grad(self, node: ast.AST) -> None:
        if isinstance(node, ast.With) and len(node.items) == 1:
            item = node.items[0].context_expr
            if isinstance(item, ast.Call) and _call_name(item) in _NO_GRAD:
                start = self.src.offset(node.lineno, node.col_offset)
                end = self.src.span(node.items[0].optional_vars or item)[1]
                self.edits.append(_Edit("no-grad", start, end, "if True"))

    def _drop_call(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in _DROPPED_CALLS
        ):
            self.replace("drop-call", node, "pass")

    def _dtype(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "torch"
            and node.attr in _DTYPES
        ):
            self.attr_name("dtype", node, _DTYPES[node.attr])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and not node.args
            and node.func.attr in _DTYPE_METHODS
        ):
            self.attr_name("dtype", node.func, _DTYPE_METHODS[node.func.attr])

    def _view_reshape(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("view", "reshape")
        ):
            self.attr_name("view-reshape", node.func, "reshape" if node.func.attr == "view" else "view")

    def _range(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "range"
            and 1 <= len(node.args) <= 3
        ):
            stop = node.args[0] if len(node.args) == 1 else node.args[1]
            self.replace("range", stop, f"{_simple(stop, self.src.segment(stop))} - 1")
            if len(node.args) == 1:
                self.replace("range", stop, f"1, {self.src.segment(stop)}")
            else:
                start = node.args[0]
                self.replace("range", start, f"{_simple(start, self.src.segment(start))} + 1")

    def _device(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Call):
            return
        for keyword in node.keywords:
            if keyword.arg == "device" and not isinstance(keyword.value, ast.Constant):
                self.replace("device", keyword.value, '"cpu"')
        name = _call_name(node)
        if (
            name in ("to", "device")
            and node.args
            and isinstance(node.args[0], (ast.Name, ast.Attribute, ast.Call))
            and not _is_torch_dtype(node.args[0])
        ):
            if name == "to" or (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "torch"
            ):
                self.replace("device", node.args[0], '"cpu"')

    def _drop_to(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("to", "cuda", "cpu")
        ):
            self.replace("drop-to", node, self.src.segment(node.func.value))

    def _arg_swap(self, node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and len(node.args) == 2
            and _call_name(node) not in _SYMMETRIC
            and not any(isinstance(a, (ast.Starred, ast.Constant)) for a in node.args)
        ):
            first, second = (self.src.segment(a) for a in node.args)
            if first != second:
                start, end = self.src.span(node.args[0])[0], self.src.span(node.args[1])[1]
                between = self.src.text[self.src.span(node.args[0])[1] : self.src.span(node.args[1])[0]]
                self.edits.append(_Edit("arg-swap", start, end, second + between + first))

    _handlers: list[Callable[["_Sites", ast.AST], None]] = [
        _compare,
        _arith,
        _constant,
        _negate,
        _return_none,
        _dim,
        _mean_sum,
        _detach,
        _no_grad,
        _drop_call,
        _dtype,
        _view_reshape,
        _range,
        _device,
        _drop_to,
        _arg_swap,
    ]


def _may_be_tensor(node: ast.AST | None) -> bool:
    """An arithmetic result or a call that is neither a constructor (`nn.Linear(...)`, capitalised),
    a Python builtin nor already `.detach()`: adding `.detach()` elsewhere only breaks the code."""
    if isinstance(node, ast.BinOp):
        return True
    if not isinstance(node, ast.Call) or not _call_name(node):
        return False
    name = _call_name(node)
    builtin = isinstance(node.func, ast.Name) and name in _BUILTINS
    return not name[0].isupper() and not builtin and name not in _NOT_TENSORS


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_torch_dtype(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "torch"
        and (node.attr in _DTYPES or node.attr.startswith(("float", "int", "uint", "bfloat", "complex", "bool")))
    )


def _walk_in_order(stmt: ast.AST) -> Iterator[ast.AST]:
    """Nodes in source order, skipping raise statements and f-strings (messages, not logic)."""
    if isinstance(stmt, (ast.Raise, ast.JoinedStr)):
        return
    yield stmt
    for child in ast.iter_child_nodes(stmt):
        yield from _walk_in_order(child)


def mutate(source: str, functions: set[str], file: str, prefix: str = "") -> list[Mutant]:
    """Every mutant of `source` inside `functions`; duplicates and non-compiling ones are left out."""
    src = _Source(source)
    mutants: list[Mutant] = []
    seen = {source}
    for qualname, function in _functions(ast.parse(source)):
        if qualname not in functions:
            continue
        sites = _Sites(src)
        sites.visit(function.body)
        ordinals: dict[str, int] = {}
        for edit in sites.edits:
            ordinals[edit.operator] = ordinals.get(edit.operator, 0) + 1
            text = source[: edit.start] + edit.text + source[edit.end :]
            if text in seen or not _compiles(text):
                continue
            seen.add(text)
            mutants.append(
                Mutant(
                    id=f"{prefix}{qualname}:{edit.operator}:{ordinals[edit.operator]}",
                    file=file,
                    function=qualname,
                    operator=edit.operator,
                    line=source.count("\n", 0, edit.start) + 1,
                    source=text,
                )
            )
    return mutants


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def kata_mutants(kata: Kata) -> list[Mutant]:
    """The mutants of every learner file of the kata, in file order."""
    mutants: list[Mutant] = []
    for index, name in enumerate(kata.files):
        stub = _read(kata.stub / name)
        reference = _read(kata.reference / name)
        prefix = "" if index == 0 else f"{name}/"
        mutants.extend(mutate(reference, learner_functions(stub), name, prefix))
    return mutants


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
