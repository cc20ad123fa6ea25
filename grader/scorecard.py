"""The terminal scorecard: one row per kata, then each unfinished kata's first failing check (with
`verbose`, every check with ✓/✗ and its points). Given `columns` (a terminal's width), a long line
is broken there under its own indentation, instead of wherever the terminal would cut it.

Text from the learner's code (messages, printed output) is shown through `safe_text`, so it cannot
move the cursor, recolour or reorder the terminal. The engine's own messages are English in a
result and shown in the learner's language (`translate`).
"""

from __future__ import annotations

from tabulate import tabulate

from grader.catalog import Catalog
from grader.i18n import clip, pick, say, status_word, terminal_columns, translate
from grader.terminal_markdown import indented
from grader.results import JOB_FAILURES, NOT_STARTED, PASSED, SKIPPED, CheckResult, KataResult, points_text, safe_text

OUTPUT_LINES = 10
MESSAGE_LINES = 8
_MARKS = {PASSED: "✓", SKIPPED: "–"}


def _message(text: str, lang: str) -> list[str]:
    return translate(safe_text(text), lang).splitlines()[:MESSAGE_LINES]


def measured_line(result: KataResult, lang: str) -> str | None:
    """What the kata's checks measured (a test accuracy…), in one line; None when they measured nothing."""
    shown = [f"{pick(figure, lang)} {figure['text']}" for c in result.checks for figure in c.figures]
    return say("measured", lang, id=result.kata, figures="; ".join(shown)) if shown else None


def _check_line(check: CheckResult, lang: str, columns: int) -> str:
    mark = _MARKS.get(check.outcome, "✗")
    line = f"  {mark} {points_text(check.points, check.max_points)}  {check.localized_title(lang)}"
    return clip(line, columns)


def render(
    results: list[KataResult],
    catalog: Catalog,
    lang: str,
    verbose: bool = False,
    columns: int | None = None,
    again: str = "",
) -> str:
    """The scorecard; `again` is what the suggested commands repeat of the learner's own (` -w DIR`)."""
    folded, columns = columns, columns or terminal_columns()
    rows = [
        [
            r.kata,
            f"{r.passed_count}/{len(r.checks)}",
            points_text(r.points, r.max_points),
            status_word(r.status, lang),
            f"{r.duration:.2f}s",
        ]
        for r in results
    ]
    total_points = sum(r.points for r in results)
    total_max = sum(r.max_points for r in results)
    rows.append([say("total", lang), "", points_text(total_points, total_max), "", ""])
    headers = [say(k, lang) for k in ("kata", "checks", "points", "status", "time")]
    lines = [tabulate(rows, headers=headers, tablefmt="simple")]
    measured = [line for line in (measured_line(r, lang) for r in results) if line]
    lines.extend(indented(measured, "", folded) if folded else [clip(line, columns) for line in measured])
    for result in results:
        kata = catalog.get(result.kata)
        if verbose:
            lines.append("")
            lines.append(clip(f"{result.kata} — {kata.text(kata.title, lang)}", columns))
            lines.extend(_check_line(c, lang, columns) for c in result.checks)
        if result.full_marks:
            continue
        lines.append("")
        status = say(
            "status_line",
            lang,
            id=result.kata,
            title=kata.text(kata.title, lang),
            word=status_word(result.status, lang),
            why=say("status_" + result.status, lang),
        )
        lines.extend(indented([status], "", folded))
        if result.status == NOT_STARTED:  # nothing ran: no failing check, and no hint before it is started
            lines.append("  " + say("start_pointer", lang, id=result.kata + again))
            continue
        failing = result.first_failure()
        said = result.status_message and (failing is None or result.status in JOB_FAILURES)
        if said:  # why the job failed, first
            lines.extend(indented(_message(result.status_message, lang), "  ", folded))
        if failing is not None:
            lines.extend(indented([say("first_failure", lang) + failing.localized_title(lang)], "  ", folded))
            if not (said and failing.message == result.status_message):  # a load error once, not twice
                message = safe_text(failing.localized_message(lang)).splitlines()[:MESSAGE_LINES]
                lines.extend(indented(message, "    ", folded))
        printed = safe_text(result.output).strip().splitlines()[-OUTPUT_LINES:]
        if printed:
            lines.append(f"  {say('printed', lang)}")
            # the learner's own lines as printed; only the grader's dropped-lines marker is translated
            lines.extend(f"    | {translate(line, lang, ('lines_dropped',))}" for line in printed)
        lines.append("  " + say("hint_pointer", lang, id=result.kata + again))
    if results and all(r.full_marks for r in results):
        lines.append("")
        lines.append(say("all_done", lang))
    if results:
        lines.append(say("graded_on", lang, device=results[0].device, torch=results[0].torch_version))
    return "\n".join(lines)
