"""What `kata verify` reads in a kata's own files before grading it: the mistakes an author makes
that grading would accept silently or stop at. Inputs that do not change with the session's seed, a
judge that yields more than once, an exercise half that decides, markers on the half that ignores
them, a reference too slow for its time limits, a patch that reads names nobody defines, a private
kata named like a built-in one, a judge that imports a learner's module, a message in one language,
a stub without its exercise marker. Each function returns the problems as lines for the author.
"""

from __future__ import annotations

import ast
import builtins
import random
import symtable
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from grader.catalog import Catalog, Kata, builtin_roots
from grader.judge import CheckBug, Judgement, load_checks
from grader.mutants import learner_functions
from grader.results import KataResult


def _check_files(kata: Kata, half: str) -> Iterator[tuple[Path, ast.Module]]:
    """Each of the kata's check files of one half ("test": the judge, "exercise"), parsed, in name order."""
    for path in sorted(kata.checks.glob(f"{half}_*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


_DECIDING_CALLS = frozenset({"allclose", "isclose", "equal", "assert_close", "assert_allclose", "array_equal"})
_DECIDING_MODULES = ("grader.expect", "grader.judge", "torch.testing", "numpy.testing")


def _deciding(node: ast.AST) -> str | None:
    """What in one node of an exercise half compares with a right answer, if anything does."""
    if isinstance(node, ast.Assert):
        return "an assert"
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return f"a call of {name}()" if name in _DECIDING_CALLS else None
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
        modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    else:
        return None
    used = [m for m in modules if m.startswith(_DECIDING_MODULES)]
    return f"an import of {used[0]}" if used else None


def exercise_problems(kata: Kata) -> list[str]:
    """An exercise half runs in the learner's process: it records what the learner's code did and
    decides nothing, since a verdict made there is one the learner's code can change."""
    problems = []
    for path, tree in _check_files(kata, "exercise"):
        for node in ast.walk(tree):
            what = _deciding(node)
            if what:
                problems.append(
                    f"{path.name}:{node.lineno}: the exercise half decides ({what}): return what the "
                    "learner's code did and compare in the judge half (test_*.py)"
                )
    return problems


def _own_yields(function: ast.FunctionDef) -> Iterator[tuple[ast.AST, bool]]:
    """Each yield of `function` itself (not of a nested function), and whether a loop holds it."""
    stack: list[tuple[ast.AST, bool]] = [(child, False) for child in ast.iter_child_nodes(function)]
    while stack:
        node, looped = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            yield node, looped
        inner = looped or isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.comprehension))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def yield_problems(kata: Kata) -> list[str]:
    """A judge yields its inputs exactly once: the engine sends it one set of observations."""
    problems = []
    for _, tree in _check_files(kata, "test"):
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            found = list(_own_yields(node))
            if len(found) > 1:
                lines = ", ".join(str(y.lineno) for y, _ in sorted(found, key=lambda f: f[0].lineno))
                problems.append(
                    f"{node.name} yields {len(found)} times (lines {lines}): a judge yields its inputs once"
                )
            elif found and found[0][1]:
                problems.append(f"{node.name} yields inside a loop (line {found[0][0].lineno}): a judge yields once")
    return problems


# Where each marker is read: the judge decides points and devices, the child's pytest the time limit.
_MARKER_HALF = {"points": "test", "cpu_only": "test", "accelerator_only": "test", "timeout": "exercise"}


def _markers(function: ast.FunctionDef) -> Iterator[tuple[str, int]]:
    """The `pytest.mark.<name>` decorators of a function, with their lines."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and ast.unparse(target.value).endswith("mark"):
            yield target.attr, decorator.lineno


def marker_problems(kata: Kata) -> list[str]:
    """A marker on the half that does not read it is ignored without a word (a timeout on the judge,
    points on the exercise)."""
    problems = []
    for half in ("test", "exercise"):
        for path, tree in _check_files(kata, half):
            for node in tree.body:
                if not isinstance(node, ast.FunctionDef):
                    continue
                for name, line in _markers(node):
                    wanted = _MARKER_HALF.get(name, half)
                    if wanted != half:
                        problems.append(
                            f"{path.name}:{line}: @pytest.mark.{name} on {node.name} is read only in the "
                            f"{'judge' if wanted == 'test' else 'exercise'} half ({wanted}_*.py): move it there"
                        )
    return problems


SLOW_SHARE = 0.5  # of a time limit that the reference may use: a slower machine or solution needs the rest


def check_limits(kata: Kata) -> dict[str, float]:
    """Each check's time limit: its exercise half's @pytest.mark.timeout(n), else kata.toml's check_timeout."""
    limits: dict[str, float] = {}
    for _, tree in _check_files(kata, "exercise"):
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("mark.timeout"):
                    if decorator.args and isinstance(decorator.args[0], ast.Constant):
                        limits[node.name] = float(decorator.args[0].value)
    return limits


def slow_problems(kata: Kata, reference: KataResult) -> list[str]:
    """The reference must leave room under every time limit, or correct answers time out elsewhere."""
    limits = check_limits(kata)
    problems = [
        f"{check.id} took {check.duration:.1f} s of its {limits.get(check.id, kata.check_timeout):g} s limit on "
        "the reference: a slower machine or solution would time out (make it cheaper, or raise the limit: "
        "@pytest.mark.timeout(n) on the exercise half)"
        for check in reference.checks
        if check.duration > SLOW_SHARE * limits.get(check.id, kata.check_timeout)
    ]
    if reference.duration > SLOW_SHARE * kata.timeout:
        problems.append(
            f"the reference took {reference.duration:.1f} s of the kata's {kata.timeout:g} s timeout: "
            "a slower machine or solution would time out (raise timeout in kata.toml, or make the checks cheaper)"
        )
    return problems


_MODULE_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__builtins__"}


def undefined_names(source: str) -> list[str]:
    """Names a module's code reads that nothing in it defines (nor builtins): a NameError waiting."""
    top = symtable.symtable(source, "patched", "exec")
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    found: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            name = symbol.get_name()
            unbound = symbol.is_global() if table is not top else not (symbol.is_assigned() or symbol.is_imported())
            if symbol.is_referenced() and unbound and name not in defined and name not in _MODULE_NAMES:
                found.add(name)
        tables.extend(table.get_children())
    return sorted(found)


def patch_problems(kata: Kata) -> list[str]:
    """A mistake or alternative runs appended to the reference: a name neither defines raises
    NameError, and a mistake then fails its checks for that reason, not for the mistake it shows."""
    problems = []
    for label, case in [("mistake", m) for m in kata.mistakes] + [("alternative", a) for a in kata.alternatives]:
        name = case.id if label == "mistake" else case.name
        try:
            source = (
                (kata.reference / case.file).read_text(encoding="utf-8") + "\n" + case.patch.read_text(encoding="utf-8")
            )
            missing = undefined_names(source)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{label} {name}: {case.patch.name} with the reference does not compile: {exc}")
            continue
        if missing:
            problems.append(
                f"{label} {name}: {case.patch.name} uses {', '.join(missing)}, which neither it nor the reference "
                "defines (a NameError, not the mistake, would fail the checks): import it in the patch"
            )
    return problems


def same_inputs(a: Any, b: Any) -> bool:
    """Whether two sets of a check's inputs are equal, value for value."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        both_tensors = isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
        return both_tensors and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.cpu(), b.cpu())
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_inputs(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_inputs(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an object without a plain truth value for == is not the same
        return False


def differing_values(a: Any, b: Any) -> int:
    """How many of the values in two sets of a check's inputs differ, a tensor or an array counting
    as one value, a list or a dict of the same shape as its members."""
    if isinstance(a, (list, tuple)) and type(a) is type(b) and len(a) == len(b):
        return sum(differing_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return sum(differing_values(a[k], b[k]) for k in a)
    return 0 if same_inputs(a, b) else 1


def _inputs(kata: Kata, checks: list, session_seed: int) -> dict[str, Any]:
    """Each check's inputs for one session, with the global random generators started as in any
    fresh `kata` process (torch's default seed is fixed): a judge that uses them repeats itself."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        try:
            judgement = Judgement(checks, "verify", "cpu", kata.data_dir, session_seed)
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)
    judgement.close()
    return judgement.inputs


def fixed_input_problems(kata: Kata) -> list[str]:
    """Each check's inputs change with the session's seed: inputs that are the same in every job
    give answers that are the same in every job, and another learner's answers then pass."""
    checks = load_checks(kata)
    try:
        first, second = (_inputs(kata, checks, seed) for seed in (1, 2))
    except CheckBug as exc:
        return [f"a judge half is broken: {exc}"]
    return [
        f"{check.id}: its inputs are the same in every job: draw them from the `rng` fixture "
        "(torch.randn(..., generator=rng)), not from torch.manual_seed or the global generator"
        for check in checks
        if same_inputs(first[check.id], second[check.id])
    ]


def builtin_clash_problems(kata: Kata) -> list[str]:
    """A private kata named like a built-in one with other files: a learner's workspace folder and a
    submission's folder of that name would be graded against the wrong kata."""
    builtin_katas, _ = builtin_roots()
    if kata.folder.parent.resolve() == builtin_katas.resolve():
        return []
    builtin = {k.id: k for k in Catalog.load()}.get(kata.id)
    if builtin is None or builtin.files == kata.files:
        return []
    return [
        f"the id {kata.id!r} is a built-in kata's, whose files are {list(builtin.files)}: a workspace or "
        f"submission folder {kata.id}/ would mean either kata; rename the folder NN-<another id>"
    ]


def _one_language(node: ast.AST) -> str | None:
    """What in one node of a judge half gives a learner a message in one language only, if anything."""
    literal = (ast.Constant, ast.JoinedStr)
    if isinstance(node, ast.Assert):
        if node.msg is None:
            return "an assert without a message"
        return "an assert whose message is a plain string" if isinstance(node.msg, literal) else None
    if isinstance(node, ast.Call):
        if any(kw.arg == "why" and isinstance(kw.value, literal) for kw in node.keywords):
            return "why= a plain string"
        if ast.unparse(node.func) == "AssertionError" and node.args and isinstance(node.args[0], literal):
            return "an AssertionError with a plain string"
    return None


def judge_import_problems(kata: Kata) -> list[str]:
    """The judge runs in the `kata` process, which never runs learner code: importing a module named
    like a learner's file would run whichever such file is on the path (the learner's, in a workspace)."""
    learner = {Path(name).stem for name in kata.files}
    problems = []
    for path, tree in _check_files(kata, "test"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            problems.extend(
                f"{path.name}:{node.lineno}: the judge half imports {module}, a learner's file: compute what "
                "to expect with torch in the judge, and call learner code only in the exercise half"
                for module in modules
                if module.split(".")[0] in learner
            )
    return problems


def message_problems(kata: Kata) -> list[str]:
    """Every message a learner reads exists in both languages: `both(en, zh)`, not a plain string
    (found here before any mistake happens to trip it)."""
    problems = []
    for path, tree in _check_files(kata, "test"):
        for node in ast.walk(tree):
            what = _one_language(node)
            if what:
                problems.append(f"{path.name}:{node.lineno}: {what}: give the learner both(en, zh)")
    return problems


def stub_problems(kata: Kata) -> list[str]:
    """The stub marks each exercise with raise NotImplementedError("exercise N: <name>"): the scorecard
    then says "not started yet", and `--mutants` knows which code is the learner's to mutate."""
    for name in kata.files:
        try:
            if learner_functions((kata.stub / name).read_text(encoding="utf-8")):
                return []
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            return []  # a missing or broken stub is named by the interface checks
    return [
        'no function of the stub raises NotImplementedError("exercise N: <name>"): the scorecard cannot '
        "say an exercise is not started, and kata verify --mutants finds nothing to mutate"
    ]


def authoring_problems(kata: Kata) -> list[str]:
    """What a check file can get wrong that grading would accept silently or stop at."""
    return (
        yield_problems(kata)
        + exercise_problems(kata)
        + marker_problems(kata)
        + patch_problems(kata)
        + message_problems(kata)
        + judge_import_problems(kata)
        + stub_problems(kata)
        + builtin_clash_problems(kata)
    )
