"""`kata verify`: prove each kata right. The reference earns full points, the stub fails every
check on its own, every known mistake fails each check it names, and every correct alternative
(alternatives/*.py: another style of the same solution) earns full points too. Statically (read with
`ast`, never imported), stub and reference define the same public functions, classes and methods
with the same parameters, so that `diff stub/x.py reference/x.py` is the lesson.

It also proves what grading would accept silently: every check fails when the reference's answers are
judged as answers to other inputs (a replay), each check's inputs change with the session's seed,
each judge yields once, exercise halves decide nothing, markers sit on the half that reads them, the
reference leaves room under every time limit, and a private kata does not take a built-in's id.

`mutation_test` (`kata verify --mutants`) grades every mutant of the reference (grader.mutants) as
one job on the same warm worker: a mutant is killed when it loses any point. The score leaves out
the mutants a kata declares equivalent (`[[equivalent_mutants]]` in kata.toml).

(Not in DESIGN.md's module map: the CLI must hold no logic, and this is neither the runner's nor the
catalog's job, so it gets a small module of its own.)
"""

from __future__ import annotations

import ast
import builtins
import random
import shutil
import symtable
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from grader.bilingual import untranslated
from grader.catalog import Alternative, Catalog, Kata, Mistake, builtin_roots
from grader.judge import CheckBug, Judgement, load_checks
from grader.mutants import Mutant, kata_mutants, learner_functions
from grader.reference_text import untranslated as untranslated_comments
from grader.results import CLEAN, PASSED, KataResult
from grader.runner import grade_many
from grader.sandbox import Limits
from grader.worker import BrokenCheck, Job, Worker


@dataclass(frozen=True)
class Caught:
    """A known mistake failing one of the checks it names, with the message a learner would read."""

    mistake: str
    check: str
    message: str
    message_zh: str


@dataclass
class KataVerdict:
    kata: Kata
    problems: list[str] = field(default_factory=list)
    checks: int = 0
    reference_seconds: float = 0.0
    caught: list[Caught] = field(default_factory=list)
    failed_alternatives: set[str] = field(default_factory=set)
    graded: bool = False  # the reference ran (verify stops before grading at a broken check file)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def mistakes_caught(self) -> int:
        """Known mistakes that every check their `catches:` names failed."""
        hits = Counter(c.mistake for c in self.caught)
        return sum(hits[m.id] == len(m.catches) for m in self.kata.mistakes)


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """`(x, w, b=…, *, dim=…)`: names, order and kind of each parameter, and whether it has a default."""
    args = node.args
    positional = args.posonlyargs + args.args
    defaulted = len(positional) - len(args.defaults)
    parts = [a.arg + ("=…" if i >= defaulted else "") for i, a in enumerate(positional)]
    if args.posonlyargs:
        parts.insert(len(args.posonlyargs), "/")
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    parts += [a.arg + ("=…" if d is not None else "") for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return f"({', '.join(parts)})"


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _interface(source: str) -> dict[str, str]:
    """Public top-level functions and classes, and the public (and dunder) methods of those classes:
    qualified name -> what it looks like (`def f(x, y=…)`, `class C`). A later definition wins."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            found[node.name] = f"def {node.name}{_parameters(node)}"
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found[node.name] = f"class {node.name}"
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(item.name):
                    found[f"{node.name}.{item.name}"] = f"def {node.name}.{item.name}{_parameters(item)}"
    return found


def interface_problems(kata: Kata) -> list[str]:
    """Stub and reference must offer the learner the same names and signatures."""
    problems = []
    for name in kata.files:
        sides = {}
        for label, where in (("stub", kata.stub), ("reference", kata.reference)):
            try:
                sides[label] = _interface((where / name).read_text(encoding="utf-8"))
            except FileNotFoundError:
                pass  # reported as missing by _static_problems
            except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
                problems.append(f"{label} {name} does not parse: {exc}")
        if len(sides) < 2:
            continue
        stub, reference = sides["stub"], sides["reference"]
        for qualified in sorted(stub.keys() | reference.keys()):
            if qualified not in reference:
                problems.append(f"{name}: only the stub defines {stub[qualified]}")
            elif qualified not in stub:
                problems.append(f"{name}: only the reference defines {reference[qualified]}")
            elif stub[qualified] != reference[qualified]:
                problems.append(f"{name}: the stub has {stub[qualified]}, the reference {reference[qualified]}")
    return problems


def _static_problems(kata: Kata, worker: Worker) -> list[str]:
    problems = interface_problems(kata)
    for lang, readme in (("en", kata.folder / "README.md"), ("zh", kata.folder / "README.zh.md")):
        if not readme.is_file():
            problems.append(f"{readme.name} is missing ({lang} instructions)")
    for name in kata.files:
        for where in (kata.stub, kata.reference):
            if not (where / name).is_file():
                problems.append(f"{where.name}/{name} is missing")
                continue
            problems.extend(
                f"{where.name}/{name}:{comment.line}: the comment needs its Chinese line below it: # {comment.text[:60]}"
                for comment in untranslated_comments((where / name).read_text(encoding="utf-8"))
            )
    for check in worker.expected(kata):
        if check.title == check.id or check.title_zh == check.title:
            problems.append(f"{check.id}: needs a docstring with an English title line and a Chinese title line")
    known = {c.id for c in worker.expected(kata)}
    for mistake in kata.mistakes:
        for check_id in mistake.catches:
            if check_id not in known:
                problems.append(f"mistake {mistake.id}: names an unknown check {check_id}")
    for ladder in kata.exercise_hints:
        for check_id in ladder.checks:
            if check_id not in known:
                problems.append(f"hints for exercise {ladder.exercise}: name an unknown check {check_id}")
    for alternative in kata.alternatives:
        if not alternative.style:
            problems.append(
                f"alternative {alternative.name}: needs a module docstring whose first line "
                'names its style (e.g. "einsum instead of @")'
            )
    return problems


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
    for path in sorted(kata.checks.glob("exercise_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
    for path in sorted(kata.checks.glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
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
        for path in sorted(kata.checks.glob(f"{half}_*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
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
    for path in sorted(kata.checks.glob("exercise_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
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


def _same(a: Any, b: Any) -> bool:
    """Whether two sets of a check's inputs are equal, value for value."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        both_tensors = isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
        return both_tensors and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.cpu(), b.cpu())
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an object without a plain truth value for == is not the same
        return False


def _inputs(kata: Kata, checks: list, session_seed: int) -> dict[str, Any]:
    """Each check's inputs for one session, with the global random generators started as in any
    fresh `kata` process (torch's default seed is fixed): a judge that uses them repeats itself."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        try:
            judgement = Judgement(checks, "verify", "cpu", kata.data if kata.data.is_dir() else None, session_seed)
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
        if _same(first[check.id], second[check.id])
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
    for path in sorted(kata.checks.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
    for path in sorted(kata.checks.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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


_REPLAY_DRAWS = 8  # other input sets tried per check: small input spaces (an int in 1..100) can repeat


class _Replayed:
    """A job's judge that gives the child one set of inputs and judges what it observed as the
    answers to another set: what a learner replaying another job's answers would get. Each check is
    judged on the first other set whose inputs differ from the ones sent (`draw(i)` makes set i)."""

    def __init__(self, sent: Judgement, draw: Callable[[int], Judgement]):
        self.inputs = sent.inputs
        sent.close()
        self.drawn: list[Judgement] = []
        self.judge_of: dict[str, Judgement] = {}
        for check_id, inputs in self.inputs.items():
            for i in range(_REPLAY_DRAWS):
                if i == len(self.drawn):
                    self.drawn.append(draw(i))
                if not _same(self.drawn[i].inputs[check_id], inputs) or i == _REPLAY_DRAWS - 1:
                    self.judge_of[check_id] = self.drawn[i]
                    break

    @property
    def pending(self) -> dict:
        return {c: j.pending[c] for c, j in self.judge_of.items() if c in j.pending}

    def verdict(self, check_id: str, data: Any, duration: float):
        return self.judge_of[check_id].verdict(check_id, data, duration)

    def close(self) -> None:
        for judgement in self.drawn:
            judgement.close()


class _VerifyWorker(Worker):
    """The grading worker, whose jobs tagged "replay" are judged against other inputs than they got."""

    def _judgement(self, key: int, job: Job, device: str):
        sent = super()._judgement(key, job, device)
        if not (isinstance(job.tag, tuple) and job.tag[0] == "replay"):
            return sent
        checks = [c for c in self.judges[job.kata.id] if c.id in sent.inputs]
        data = job.kata.data if job.kata.data.is_dir() else None
        return _Replayed(sent, lambda i: Judgement(checks, f"verify-replay-{key}-{i}", device, data))


def _patched_dir(kata: Kata, file: str, patch: Path, label: str, root: Path) -> Path:
    """A copy of the reference with `patch` appended to `file` (later definitions win)."""
    target = root / label
    shutil.copytree(kata.reference, target)
    with open(target / file, "a", encoding="utf-8") as out:
        out.write(f"\n\n# --- {label} ---\n")
        out.write(patch.read_text(encoding="utf-8"))
    return target


def _judge(verdict: KataVerdict, role: str, case: Mistake | Alternative | None, result: KataResult) -> None:
    if role == "reference":
        verdict.checks = len(result.checks)
        verdict.reference_seconds = result.duration
        verdict.graded = True
        verdict.problems.extend(slow_problems(verdict.kata, result))
        if result.status != PASSED:
            failing = result.first_failure()
            detail = f"{failing.id}: {failing.message}" if failing else result.status_message
            verdict.problems.append(f"reference does not pass ({result.status}): {detail}")
    elif role == "stub":
        for check in result.checks:
            if check.outcome == PASSED:
                verdict.problems.append(f"stub passes {check.id}: that check cannot catch an empty answer")
    elif role == "replay":
        for check in result.checks:
            if check.outcome == PASSED:
                verdict.problems.append(
                    f"{check.id} passes the reference's answers to other inputs: it cannot tell a right "
                    "answer from a replayed one (compare with values computed from the inputs it yielded)"
                )
    elif role == "alternative":
        failing = [c for c in result.checks if c.outcome not in CLEAN]
        if failing or result.status != PASSED:
            verdict.failed_alternatives.add(case.name)
        for check in failing:
            verdict.problems.append(
                f"alternative {case.name} ({case.style or 'no style given'}) is correct but "
                f"fails {check.id}: {check.message}"
            )
        if result.status != PASSED and not failing:
            verdict.problems.append(f"alternative {case.name} is correct but {result.status}: {result.status_message}")
    else:
        by_id = {c.id: c for c in result.checks}
        for check_id in case.catches:
            check = by_id.get(check_id)
            if check is None or check.outcome == PASSED:
                verdict.problems.append(
                    f"mistake {case.id} ({case.about}) is not caught by {check_id}{_instead(result)}"
                )
            else:
                chinese = check.localized_message("zh")
                verdict.problems.extend(_language_problems(case, check_id, check.message, chinese))
                verdict.caught.append(Caught(case.id, check_id, check.message, chinese))


def _instead(result: KataResult) -> str:
    """Which checks a mistake does fail, for an author whose `catches:` names another one."""
    failing = [c.id for c in result.checks if c.outcome not in CLEAN]
    if failing:
        return f" (it fails {', '.join(failing)} instead)"
    if result.status != PASSED:
        return f" (it ends {result.status}: {result.status_message})"
    return " (it earns full marks: no check catches it)"


def _language_problems(case: Mistake, check_id: str, english: str, chinese: str) -> list[str]:
    """A learner reads every message in their language: the Chinese one must exist and be Chinese."""
    if english and chinese == english:
        return [f"mistake {case.id}: {check_id}'s message has no Chinese (give `both(en, zh)`): {english[:120]}"]
    left = untranslated(chinese)
    if left:
        return [f"mistake {case.id}: {check_id}'s Chinese message still has English ({left[0]!r}): {chinese[:160]}"]
    return []


def verify(katas: list[Kata], device: str = "cpu", parallel: int = 1) -> Iterator[KataVerdict]:
    worker = _VerifyWorker(katas, parallel=parallel)
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as scratch:
        for kata in katas:
            verdict = KataVerdict(kata, _static_problems(kata, worker) + authoring_problems(kata))
            if yield_problems(kata):  # the engine stops at such a judge: report it instead of grading
                yield verdict
                continue
            verdict.problems.extend(fixed_input_problems(kata))
            jobs = [
                Job(kata, kata.reference, device, Limits(), ("reference", None)),
                Job(kata, kata.stub, device, Limits(), ("stub", None)),
                Job(kata, kata.reference, device, Limits(), ("replay", None)),
            ]
            root = Path(scratch) / kata.id
            for mistake in kata.mistakes:
                folder = _patched_dir(kata, mistake.file, mistake.patch, f"mistake-{mistake.id}", root)
                jobs.append(Job(kata, folder, device, Limits(), ("mistake", mistake)))
            for alternative in kata.alternatives:
                folder = _patched_dir(
                    kata, alternative.file, alternative.patch, f"alternative-{alternative.name}", root
                )
                jobs.append(Job(kata, folder, device, Limits(), ("alternative", alternative)))
            try:
                for job, result in grade_many(worker, jobs):
                    _judge(verdict, *job.tag, result)
            except BrokenCheck as exc:  # e.g. a yield that only some inputs reach
                verdict.problems.append(f"a judge half is broken: {exc}")
            yield verdict


DEFAULT_THRESHOLD = 90.0  # per cent of the (non-equivalent) mutants a kata's checks must kill


@dataclass
class MutantOutcome:
    mutant: Mutant
    killed: bool
    by: str  # the first failing check, or the job's status when no check ran
    diff: str  # against the reference file


@dataclass
class MutationReport:
    kata: Kata
    threshold: float
    outcomes: list[MutantOutcome] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)  # declared equivalent mutant id -> reason
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def scored(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.mutant.id not in self.equivalent]

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self.scored)

    @property
    def total(self) -> int:
        return len(self.scored)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0

    @property
    def survivors(self) -> list[MutantOutcome]:
        return [o for o in self.scored if not o.killed]

    @property
    def equivalents(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.mutant.id in self.equivalent]

    @property
    def ok(self) -> bool:
        return not self.problems and self.score >= self.threshold


def _mutant_dir(kata: Kata, mutant: Mutant, root: Path) -> Path:
    target = root / mutant.id.replace("/", "_").replace(":", "-")
    shutil.copytree(kata.reference, target)
    (target / mutant.file).write_text(mutant.source, encoding="utf-8")
    return target


def _mutant_limits(reference: KataResult, kata: Kata) -> Limits:
    """A mutant that loops forever would hold a slot for the kata's whole timeout; a few times the
    reference's own time is plenty for a correct-looking one (and a timeout kills it either way)."""
    return Limits(timeout=min(kata.timeout, 10.0 + 4.0 * reference.duration))


def _outcome(mutant: Mutant, result: KataResult, original: str) -> MutantOutcome:
    failing = result.first_failure()
    by = failing.id if failing else result.status
    return MutantOutcome(mutant, not result.full_marks, by, mutant.diff(original))


def _mutation_report(kata: Kata, worker: Worker, device: str, threshold: float, root: Path) -> MutationReport:
    started = time.monotonic()
    report = MutationReport(kata, threshold)
    [(_, reference)] = list(grade_many(worker, [Job(kata, kata.reference, device, Limits())]))
    if not reference.full_marks:
        report.problems.append(f"reference does not pass ({reference.status}): mutation testing needs it to")
        return report
    mutants = kata_mutants(kata)
    if not mutants:
        report.problems.extend(stub_problems(kata) or ["the reference has no mutants: nothing to measure"])
    known = {m.id for m in mutants}
    for declared in kata.equivalent_mutants:
        if declared.id in known:
            report.equivalent[declared.id] = declared.reason
        else:
            report.problems.append(f"equivalent mutant {declared.id}: no such mutant (the reference changed?)")
    originals = {name: (kata.reference / name).read_text(encoding="utf-8") for name in kata.files}
    limits = _mutant_limits(reference, kata)
    jobs = [Job(kata, _mutant_dir(kata, m, root), device, limits, m) for m in mutants]
    order = {m.id: i for i, m in enumerate(mutants)}
    for job, result in grade_many(worker, jobs):
        report.outcomes.append(_outcome(job.tag, result, originals[job.tag.file]))
    report.outcomes.sort(key=lambda o: order[o.mutant.id])
    for outcome in report.equivalents:
        if outcome.killed:
            report.problems.append(
                f"mutant {outcome.mutant.id} is declared equivalent but {outcome.by} kills it: drop the declaration"
            )
    report.seconds = time.monotonic() - started
    return report


def mutation_test(
    katas: list[Kata], device: str = "cpu", parallel: int = 1, threshold: float = DEFAULT_THRESHOLD
) -> Iterator[MutationReport]:
    """Grade every mutant of each kata's reference; one report per kata, in order."""
    worker = Worker(katas, parallel=parallel)
    with tempfile.TemporaryDirectory(prefix="kata-mutants-") as scratch:
        for kata in katas:
            yield _mutation_report(kata, worker, device, threshold, Path(scratch) / kata.id)
