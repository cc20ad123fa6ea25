"""The terminal scorecard: one row per kata, then each unfinished kata's first failing check.

Text from the learner's code (messages, printed output) is shown through `safe_text`, so it cannot
move the cursor, recolour or reorder the terminal.
"""

from __future__ import annotations

from tabulate import tabulate

from grader.catalog import Catalog
from grader.i18n import say
from grader.results import KataResult, safe_text


OUTPUT_LINES = 10


def _points(value: float) -> str:
    return f"{value:g}"


def render(results: list[KataResult], catalog: Catalog, lang: str) -> str:
    rows = [
        [
            r.kata,
            f"{r.passed_count}/{len(r.checks)}",
            f"{_points(r.points)}/{_points(r.max_points)}",
            r.status,
            f"{r.duration:.2f}s",
        ]
        for r in results
    ]
    total_points = sum(r.points for r in results)
    total_max = sum(r.max_points for r in results)
    rows.append([say("total", lang), "", f"{_points(total_points)}/{_points(total_max)}", "", ""])
    headers = [say(k, lang) for k in ("kata", "checks", "points", "status", "time")]
    lines = [tabulate(rows, headers=headers, tablefmt="simple")]
    for result in results:
        if result.full_marks:
            continue
        kata = catalog.get(result.kata)
        lines.append("")
        lines.append(f"{result.kata} — {kata.text(kata.title, lang)}: {result.status} "
                     f"({say('status_' + result.status, lang)})")
        failing = result.first_failure()
        if failing is not None:
            lines.append(f"  {say('first_failure', lang)}: {failing.localized_title(lang)}")
            for line in safe_text(failing.message).splitlines()[:8]:
                lines.append(f"    {line}")
        elif result.status_message:
            lines.append(f"  {safe_text(result.status_message)}")
        printed = safe_text(result.output).strip().splitlines()[-OUTPUT_LINES:]
        if printed:
            lines.append(f"  {say('printed', lang)}")
            lines.extend(f"    | {line}" for line in printed)
        lines.append("  " + say("hint_pointer", lang, id=result.kata))
    if results and all(r.full_marks for r in results):
        lines.append("")
        lines.append(say("all_done", lang))
    if results:
        lines.append(say("graded_on", lang, device=results[0].device, torch=results[0].torch_version))
    return "\n".join(lines)
