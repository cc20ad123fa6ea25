"""`report.html`: one static page for the instructor, offline: inline CSS, SVG and one small script.

The header says which sandbox protections were active for the jobs graded (from each result). Then
one row per learner (points per kata, total, status, duration, protections not active, a link to the
learner's feedback file) that the script sorts by any column and filters by text; without scripts the
table is still there, sorted by learner. Per kata: a histogram of points (full marks in a bar of its
own) and the count of each status; then the checks failed most among the learners whose kata ran to
the end. Every piece of text is made safe (`safe_text`), then HTML-escaped; the script reads only the
table's cells, never data written into code.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from grader.catalog import Catalog
from grader.results import CLEAN, FAILED, PASSED, LearnerResult, safe_text
from grader.submissions import Skipped

_BINS = 10  # below full marks; full marks get an 11th bar
_WIDTH, _HEIGHT, _TOP, _BOTTOM = 396, 140, 14, 16
ANSWERED = (PASSED, FAILED)  # kata statuses of a run that ended with answers (the exports use it too)


def bins(points: list[float], max_points: float) -> list[int]:
    """Learners per tenth of the maximum below full marks, then those at full marks."""
    counts = [0] * (_BINS + 1)
    for value in points:
        if max_points and value >= max_points:
            counts[_BINS] += 1
        else:
            share = value / max_points if max_points else 0.0
            counts[min(_BINS - 1, max(0, int(share * _BINS)))] += 1
    return counts


def _histogram(points: list[float], max_points: float) -> str:
    counts = bins(points, max_points)
    tallest = max(counts) or 1
    bar = _WIDTH / len(counts)
    rects = []
    for i, count in enumerate(counts):
        height = (_HEIGHT - _TOP - _BOTTOM) * count / tallest
        low, high = max_points * i / _BINS, max_points * (i + 1) / _BINS
        label = f"{max_points:g} (full marks)" if i == _BINS else f"{low:g} to below {high:g}"
        rects.append(
            f'<rect class="{"full" if i == _BINS else "bar"}" x="{i * bar + 1:.1f}" '
            f'y="{_HEIGHT - _BOTTOM - height:.1f}" width="{bar - 2:.1f}" height="{height:.1f}">'
            f"<title>{label} points: {count}</title></rect>"
            f'<text x="{i * bar + bar / 2:.1f}" y="{_HEIGHT - _BOTTOM - height - 3:.1f}">{count or ""}</text>'
        )
    return (
        f'<svg width="{_WIDTH}" height="{_HEIGHT}" role="img" aria-label="points histogram">'
        f'{"".join(rects)}<text x="8" y="{_HEIGHT - 3}">0</text>'
        f'<text x="{_WIDTH - bar / 2:.1f}" y="{_HEIGHT - 3}">{max_points:g}</text></svg>'
    )


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
        state = (
            "active"
            if active == len(jobs)
            else "NOT active"
            if not active
            else f"active for {active} of {len(jobs)} jobs"
        )
        items.append(f"<li>{_text(name)}: {state}</li>")
    return f"<p>Sandbox protections for the {len(jobs)} jobs that ran learner code:</p><ul>{''.join(items)}</ul>"


def _learner_rows(
    learners: list[LearnerResult], kata_ids: list[str], feedback: dict[str, str], statuses: dict[str, str]
) -> str:
    rows = []
    for learner in learners:
        by_kata = {k.kata: k for k in learner.katas}
        cells = [f'<td><a href="{escape(feedback[learner.learner])}">{_text(learner.learner)}</a></td>']
        for kata_id in kata_ids:
            kata = by_kata.get(kata_id)
            cells.append(
                f'<td class="n" title="{_text(kata.status) if kata else "missing"}">'
                f"{f'{kata.points:g}' if kata else '0'}</td>"
            )
        off = sorted({name for k in learner.katas for name, on in k.protections.items() if not on})
        cells += [
            f'<td class="n">{learner.points:g}</td>',
            f"<td>{_text(statuses[learner.learner])}</td>",
            f'<td class="n">{sum(k.duration for k in learner.katas):.2f}</td>',
            f"<td>{_text(', '.join(off)) if off else 'all active'}</td>",
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(rows)


def _most_failed(learners: list[LearnerResult]) -> str:
    """The checks failed most among the learners whose kata ran to the end (passed or failed), with the
    most common message: a kata stopped whole (timeout, crash, load error) would count as failing every
    check and its one message would crowd out the class's real mistakes; the status counts show it."""
    failing: Counter = Counter()
    started: Counter = Counter()
    messages: dict[tuple[str, str], Counter] = {}
    titles: dict[tuple[str, str], str] = {}
    for learner in learners:
        for kata in learner.katas:
            if kata.status not in ANSWERED:  # a kata stopped whole (a timeout at import) fails every check alike
                continue
            started[kata.kata] += 1
            for check in kata.checks:
                if check.outcome not in CLEAN:
                    key = (kata.kata, check.id)
                    failing[key] += 1
                    titles[key] = check.title
                    messages.setdefault(key, Counter())[check.message.splitlines()[0] if check.message else ""] += 1
    return "".join(
        f'<tr><td>{_text(k)}</td><td>{_text(titles[(k, c)])}</td><td class="n">{n} of {started[k]}</td>'
        f"<td>{_text(messages[(k, c)].most_common(1)[0][0][:200])}</td></tr>"
        for (k, c), n in sorted(failing.items(), key=lambda item: (-item[1], item[0]))[:20]
    )


_SCRIPT = """
for (const table of document.querySelectorAll("table.sortable")) {
  const body = table.tBodies[0];
  table.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {
    const down = th.dataset.order !== "asc";
    th.dataset.order = down ? "asc" : "desc";
    const key = row => row.cells[column].textContent;
    const numeric = th.classList.contains("n");
    const rows = Array.from(body.rows).sort((a, b) => numeric
      ? (parseFloat(key(a)) || 0) - (parseFloat(key(b)) || 0) : key(a).localeCompare(key(b)));
    if (!down) rows.reverse();
    rows.forEach(row => body.appendChild(row));
  }));
}
const filter = document.getElementById("filter");
filter.addEventListener("input", () => {
  const words = filter.value.toLowerCase();
  for (const row of document.querySelectorAll("#learners tbody tr"))
    row.hidden = !row.textContent.toLowerCase().includes(words);
});
"""


def html(
    learners: list[LearnerResult],
    catalog: Catalog,
    skipped: list[Skipped],
    feedback: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
) -> str:
    """The page; `feedback` maps a learner to the relative link of their feedback file, `statuses`
    to their grades.csv status."""
    feedback = feedback or {lr.learner: "" for lr in learners}
    statuses = statuses or {lr.learner: "" for lr in learners}
    kata_ids = [k.id for k in catalog]
    sections = []
    for kata in catalog:
        results = [k for lr in learners for k in lr.katas if k.kata == kata.id]
        if not results:
            continue
        counts = Counter(r.status for r in results)
        top = max(r.max_points for r in results)
        mean = sum(r.points for r in results) / len(results)
        shown = ", ".join(f"{_text(s)}: {n}" for s, n in sorted(counts.items()))
        sections.append(
            f"<h3>{_text(kata.id)} — {_text(kata.title['en'])}</h3>"
            f"<p>mean {mean:.2f} / {top:g} · {shown}</p>{_histogram([r.points for r in results], top)}"
        )
    heads = "".join(f'<th class="n">{_text(k)}</th>' for k in kata_ids)
    skipped_rows = "".join(f"<li>{_text(s.entry)}: {_text(s.reason)}</li>" for s in skipped)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kata batch report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em}}div.wide{{overflow-x:auto}}rect.bar{{fill:#4a7fb5}}rect.full{{fill:#3a9a5b}}
svg text{{font-size:10px;text-anchor:middle}}table{{border-collapse:collapse}}th{{cursor:pointer;background:#eee}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}td.n{{text-align:right}}</style></head><body>
<h1>Class report</h1><p>{len(learners)} learners graded, {len(skipped)} entries skipped.</p>
{_protections(learners)}
<h2>Learners</h2>
<p><label>Filter: <input id="filter" type="search" placeholder="learner, status…"></label>
(click a column heading to sort)</p>
<div class="wide"><table id="learners" class="sortable"><thead><tr><th>learner</th>{heads}<th class="n">total</th><th>status</th>
<th class="n">seconds</th><th>protections not active</th></tr></thead>
<tbody>{_learner_rows(learners, kata_ids, feedback, statuses)}</tbody></table></div>
<h2>Katas</h2>
{"".join(sections)}
<h2>Checks failed most (among learners whose kata ran to the end)</h2>
<div class="wide"><table class="sortable"><thead><tr><th>kata</th><th>check</th><th class="n">learners failing</th>
<th>most common message</th></tr></thead><tbody>{_most_failed(learners)}</tbody></table></div>
<h2>Skipped entries</h2><ul>{skipped_rows or "<li>none</li>"}</ul>
<script>{_SCRIPT}</script>
</body></html>
"""
