"""How often another job's answers pass each check: a kata author's measurement.

Each kata's reference is graded `--jobs` times; every check's answers are judged, besides as usual,
as the answers to `--draws` other sets of inputs. A check that passes them more than rarely ties its
answers to too few input values (docs/AUTHORING.md, "A right answer that changes with the seed").
`kata verify` fails a check that passes a replay on the one set that differs most; this counts the
chance left over.

    python scripts/replay_odds.py --jobs 20 --draws 100 modules mnist
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from grader.catalog import Catalog, Kata
from grader.judge import Judgement
from grader.results import PASSED
from grader.runner import grade_many
from grader.verify import redrawn
from grader.worker import Job, Worker


class _Counting:
    """A job's judge that also judges each answer against other draws of inputs, counting passes."""

    def __init__(self, sent: Judgement, others: list[Judgement], passes: Counter):
        self.sent, self.others, self.passes = sent, others, passes
        self.inputs = sent.inputs

    @property
    def pending(self) -> dict:
        return self.sent.pending

    def verdict(self, check_id: str, data: Any, duration: float):
        for other in self.others:
            if check_id in other.pending and other.verdict(check_id, data, duration).outcome == PASSED:
                self.passes[check_id] += 1
        return self.sent.verdict(check_id, data, duration)

    def close(self) -> None:
        for judgement in [self.sent, *self.others]:
            judgement.close()


class _CountingWorker(Worker):
    def __init__(self, katas: list[Kata], draws: int):
        super().__init__(katas, parallel=2)
        self.draws = draws
        self.passes: dict[str, Counter] = {kata.id: Counter() for kata in katas}

    def _judgement(self, key: int, job: Job, device: str):
        sent = super()._judgement(key, job, device)
        others = [redrawn(self, job, sent, device, f"replay-odds-{key}-{i}") for i in range(self.draws)]
        return _Counting(sent, others, self.passes[job.kata.id])


def replay_passes(katas: list[Kata], jobs: int, draws: int) -> dict[str, Counter]:
    """Per kata, per check: how many of jobs × draws replayed answers passed."""
    engine = _CountingWorker(katas, draws)
    graded = grade_many(engine, [Job(kata, kata.reference) for kata in katas for _ in range(jobs)])
    failed = sorted({job.kata.id for job, result in graded if not result.full_marks})
    if failed:
        raise SystemExit(f"the reference does not earn full marks: {', '.join(failed)}")
    return engine.passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("katas", nargs="*", help="kata ids (default: all)")
    parser.add_argument("--jobs", type=int, default=10, help="reference jobs per kata")
    parser.add_argument("--draws", type=int, default=50, help="other input sets each job's answers are judged on")
    options = parser.parse_args()
    catalog = Catalog.load()
    katas = [catalog.get(k) for k in options.katas] if options.katas else list(catalog)
    passed = replay_passes(katas, options.jobs, options.draws)
    trials = options.jobs * options.draws
    for kata in katas:
        passes = passed[kata.id]
        shown = ", ".join(f"{check} {n}/{trials}" for check, n in passes.most_common()) or f"none of {trials}"
        print(f"{kata.id}: replays passed: {shown}")


if __name__ == "__main__":
    main()
