"""`report.html`: one static page for the instructor. Inline SVG and CSS only, no scripts, no assets.

The header says which sandbox protections were active for the jobs graded (from each result). Per
kata: a histogram of learners' points and the count of each status; then the checks the class fails
most, with the most common message. Every piece of text is made safe (`safe_text`), then HTML-escaped.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from grader.catalog import Catalog
from grader.results import LearnerResult, safe_text
from grader.submissions import Skipped

_BINS = 10
_WIDTH, _HEIGHT = 360, 120


def _histogram(points: list[float], max_points: float) -> str:
    bins = [0] * _BINS
    for value in points:
        share = value / max_points if max_points else 0.0
        bins[min(_BINS - 1, int(share * _BINS))] += 1
    tallest = max(bins) or 1
    bar = _WIDTH / _BINS
    rects = []
    for i, count in enumerate(bins):
        height = (_HEIGHT - 20) * count / tallest
        low, high = max_points * i / _BINS, max_points * (i + 1) / _BINS
        rects.append(
            f'<rect x="{i * bar + 1:.1f}" y="{_HEIGHT - 16 - height:.1f}" width="{bar - 2:.1f}" '
            f'height="{height:.1f}"><title>{low:g}–{high:g} points: {count}</title></rect>'
            f'<text x="{i * bar + bar / 2:.1f}" y="{_HEIGHT - 20 - height:.1f}">{count or ""}</text>'
        )
    return (f'<svg width="{_WIDTH}" height="{_HEIGHT}" role="img" aria-label="points histogram">'
            f'{"".join(rects)}<text x="0" y="{_HEIGHT - 2}">0</text>'
            f'<text x="{_WIDTH - 30}" y="{_HEIGHT - 2}">{max_points:g}</text></svg>')


def _text(value: str) -> str:
    return escape(safe_text(value))


def _protections(learners: list[LearnerResult]) -> str:
    """Each protection: active for every job that ran learner code, for none, or for some."""
    jobs = [k.protections for lr in learners for k in lr.katas if k.protections]
    if not jobs:
        return "<p>Sandbox protections: none recorded (no job ran learner code).</p>"
    items = []
    for name in dict.fromkeys(n for job in jobs for n in job):
        active = sum(bool(job.get(name)) for job in jobs)
        state = "active" if active == len(jobs) else "NOT active" if not active else f"active for {active} of {len(jobs)} jobs"
        items.append(f"<li>{_text(name)}: {state}</li>")
    return f"<p>Sandbox protections for the {len(jobs)} jobs that ran learner code:</p><ul>{''.join(items)}</ul>"


def html(learners: list[LearnerResult], catalog: Catalog, skipped: list[Skipped]) -> str:
    sections = []
    for kata in catalog:
        results = [k for lr in learners for k in lr.katas if k.kata == kata.id]
        if not results:
            continue
        statuses = Counter(r.status for r in results)
        top = max(r.max_points for r in results)
        mean = sum(r.points for r in results) / len(results)
        counts = ", ".join(f"{_text(s)}: {n}" for s, n in sorted(statuses.items()))
        sections.append(f"<h2>{_text(kata.id)} — {_text(kata.title['en'])}</h2>"
                        f"<p>mean {mean:.2f} / {top:g} · {counts}</p>{_histogram([r.points for r in results], top)}")
    failing: Counter = Counter()
    messages: dict[tuple[str, str], Counter] = {}
    titles: dict[tuple[str, str], str] = {}
    for learner in learners:
        for kata in learner.katas:
            if kata.status == "not-started":
                continue
            for check in kata.checks:
                if check.outcome not in ("passed", "skipped"):
                    key = (kata.kata, check.id)
                    failing[key] += 1
                    titles[key] = check.title
                    messages.setdefault(key, Counter())[check.message.splitlines()[0] if check.message else ""] += 1
    rows = "".join(
        f"<tr><td>{_text(k)}</td><td>{_text(titles[(k, c)])}</td><td>{n}</td>"
        f"<td>{_text(messages[(k, c)].most_common(1)[0][0][:200])}</td></tr>"
        for (k, c), n in failing.most_common(20)
    )
    skipped_rows = "".join(f"<li>{_text(s.entry)}: {_text(s.reason)}</li>" for s in skipped)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kata batch report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}rect{{fill:#4a7fb5}}
svg text{{font-size:10px;text-anchor:middle}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style></head><body>
<h1>Class report</h1><p>{len(learners)} learners graded, {len(skipped)} entries skipped.</p>
{_protections(learners)}
{"".join(sections)}
<h2>Checks failed most</h2>
<table><tr><th>kata</th><th>check</th><th>learners failing</th><th>most common message</th></tr>{rows}</table>
<h2>Skipped entries</h2><ul>{skipped_rows or "<li>none</li>"}</ul>
</body></html>
"""
