"""`kata verify`: prove each kata right. The reference earns full points, the stub fails every
check on its own, every known mistake fails each check it names, and every correct alternative
(alternatives/*.py: another style of the same solution) earns full points too. Statically (read with
`ast`, never imported), stub and reference define the same public functions, classes and methods
with the same parameters, so that `diff stub/x.py reference/x.py` is the lesson.

It also proves what grading would accept silently: every check fails when the reference's answers are
judged as answers to other inputs (a replay), and what authoring.py reads in the kata's own files
holds (inputs that change with the session's seed, one yield per judge, exercise halves that decide
nothing, markers on the half that reads them, room under every time limit, no built-in's id taken).

`mutation_test` (`kata verify --mutants`) grades every mutant of the reference (grader.mutants) as
one job on the same warm worker: a mutant is killed when it loses any point. The score leaves out
the mutants a kata declares equivalent (`[[equivalent_mutants]]` in kata.toml).

(Not in DESIGN.md's module map: the CLI must hold no logic, and this is neither the runner's nor the
catalog's job, so it gets a small module of its own.)
"""

from __future__ import annotations

import ast
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator


from grader.authoring import (
    authoring_problems,
    differing_values,
    fixed_input_problems,
    slow_problems,
    stub_problems,
    yield_problems,
)
from grader.bilingual import untranslated
from grader.catalog import Alternative, Kata, Mistake
from grader.judge import Judgement
from grader.mutants import Mutant, kata_mutants
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


_REPLAY_DRAWS = 8  # other input sets tried per check: small input spaces (an int in 1..100) can repeat


class _Replayed:
    """A job's judge that gives the child one set of inputs and judges what it observed as the
    answers to another set: what a learner replaying another job's answers would get. Each check is
    judged on the first of `_REPLAY_DRAWS` sets (`draw(i)` makes set i) whose inputs differ from the
    ones sent in the most values: a check whose answer rests on one small part of its inputs (a batch
    size in 33..100 beside a seed) could otherwise be judged on a set that differs only elsewhere, and
    be blamed for passing answers that are right for it."""

    def __init__(self, sent: Judgement, draw: Callable[[int], Judgement]):
        self.inputs = sent.inputs
        sent.close()
        self.drawn = [draw(i) for i in range(_REPLAY_DRAWS)]
        self.judge_of: dict[str, Judgement] = {
            check_id: max(self.drawn, key=lambda drawn: differing_values(drawn.inputs[check_id], inputs))
            for check_id, inputs in self.inputs.items()
        }

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
        return _Replayed(sent, lambda i: redrawn(self, job, sent, device, f"verify-replay-{key}-{i}"))


def redrawn(worker: Worker, job: Job, sent: Judgement, device: str, job_key: str) -> Judgement:
    """A judgement of the checks `sent` judges, on the inputs that `job_key` draws instead."""
    checks = [c for c in worker.judges[job.kata.id] if c.id in sent.inputs]
    return Judgement(checks, job_key, device, job.kata.data_dir)


def _patched_dir(kata: Kata, file: str, patch: Path, label: str, root: Path) -> Path:
    """A copy of the reference with `patch` appended to `file` (later definitions win)."""
    target = root / label
    shutil.copytree(kata.reference, target)
    with open(target / file, "a", encoding="utf-8") as out:
        out.write(f"\n\n# --- {label} ---\n")
        out.write(patch.read_text(encoding="utf-8"))
    return target


def _judge_reference(verdict: KataVerdict, case: None, result: KataResult) -> None:
    verdict.checks = len(result.checks)
    verdict.reference_seconds = result.duration
    verdict.graded = True
    verdict.problems.extend(slow_problems(verdict.kata, result))
    if result.status != PASSED:
        failing = result.first_failure()
        detail = f"{failing.id}: {failing.message}" if failing else result.status_message
        verdict.problems.append(f"reference does not pass ({result.status}): {detail}")


def _judge_stub(verdict: KataVerdict, case: None, result: KataResult) -> None:
    for check in result.checks:
        if check.outcome == PASSED:
            verdict.problems.append(f"stub passes {check.id}: that check cannot catch an empty answer")


def _judge_replay(verdict: KataVerdict, case: None, result: KataResult) -> None:
    for check in result.checks:
        if check.outcome == PASSED:
            verdict.problems.append(
                f"{check.id} passes the reference's answers to other inputs: it cannot tell a right "
                "answer from a replayed one (compare with values computed from the inputs it yielded)"
            )


def _judge_alternative(verdict: KataVerdict, case: Alternative, result: KataResult) -> None:
    failing = [c for c in result.checks if c.outcome not in CLEAN]
    if failing or result.status != PASSED:
        verdict.failed_alternatives.add(case.name)
    for check in failing:
        verdict.problems.append(
            f"alternative {case.name} ({case.style or 'no style given'}) is correct but fails {check.id}: {check.message}"
        )
    if result.status != PASSED and not failing:
        verdict.problems.append(f"alternative {case.name} is correct but {result.status}: {result.status_message}")


def _judge_mistake(verdict: KataVerdict, case: Mistake, result: KataResult) -> None:
    by_id = {c.id: c for c in result.checks}
    for check_id in case.catches:
        check = by_id.get(check_id)
        if check is None or check.outcome == PASSED:
            verdict.problems.append(f"mistake {case.id} ({case.about}) is not caught by {check_id}{_instead(result)}")
        else:
            chinese = check.localized_message("zh")
            verdict.problems.extend(_language_problems(case, check_id, check.message, chinese))
            verdict.caught.append(Caught(case.id, check_id, check.message, chinese))


# what each kind of verify job proves, by the role its tag names: one handler per role
_JUDGES: dict[str, Callable[[KataVerdict, Any, KataResult], None]] = {
    "reference": _judge_reference,
    "stub": _judge_stub,
    "replay": _judge_replay,
    "alternative": _judge_alternative,
    "mistake": _judge_mistake,
}


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
                    role, case = job.tag
                    _JUDGES[role](verdict, case, result)
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
