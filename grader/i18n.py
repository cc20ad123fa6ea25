"""The learner's language (--lang, else KATA_LANG, else the locale) and the CLI's own phrases."""

from __future__ import annotations

import locale
import os

PHRASES = {
    "kata": {"en": "kata", "zh": "练习"},
    "title": {"en": "title", "zh": "标题"},
    "status": {"en": "status", "zh": "状态"},
    "checks": {"en": "checks", "zh": "检查"},
    "points": {"en": "points", "zh": "得分"},
    "time": {"en": "time", "zh": "用时"},
    "order": {"en": "#", "zh": "#"},
    "total": {"en": "total", "zh": "总计"},
    "first_failure": {"en": "first failing check", "zh": "第一个未通过的检查"},
    "printed": {"en": "your code printed (last lines):", "zh": "你的代码输出（最后几行）："},
    "hint_pointer": {"en": "stuck? run `kata hint {id}`", "zh": "卡住了？运行 `kata hint {id}`"},
    "all_done": {"en": "All graded katas at full points.", "zh": "所有已评分的练习均获满分。"},
    "started": {"en": "Started {id} in {path}", "zh": "已在 {path} 开始练习 {id}"},
    "kept": {"en": "kept your existing {file} (use `kata reset {id}` to start over)",
             "zh": "保留了你已有的 {file}（如需重来，请运行 `kata reset {id}`）"},
    "next_steps": {"en": "Edit {path}, then run `kata grade {id}`.", "zh": "编辑 {path}，然后运行 `kata grade {id}`。"},
    "hint": {"en": "Hint {n} of {total} for {id}:", "zh": "{id} 的提示 {n}/{total}："},
    "no_more_hints": {"en": "That was the last hint.", "zh": "这已是最后一条提示。"},
    "locked": {"en": "The solution to {id} unlocks once you have full points on it (now {points}).",
               "zh": "在 {id} 拿到满分后才能查看参考答案（当前 {points}）。"},
    "reset_done": {"en": "Reset {id}; your old files are in {backup}", "zh": "已重置 {id}；旧文件备份在 {backup}"},
    "graded_on": {"en": "graded on {device} with torch {torch}", "zh": "评分设备 {device}，torch {torch}"},
    "watch_footer": {"en": "watching {path}: save a file to re-grade", "zh": "正在监视 {path}：保存文件即重新评分"},
    "watch_keys": {"en": " · h hint · n next kata · q quit", "zh": " · h 提示 · n 下一个练习 · q 退出"},
    "watch_not_done": {"en": "Finish {id} first (full points), then press n.", "zh": "先让 {id} 拿到满分，再按 n。"},
    "watch_next": {"en": "On to {id}: edit {path}", "zh": "进入 {id}：编辑 {path}"},
    "watch_last": {"en": "That was the last kata. Well done!", "zh": "这是最后一个练习了，干得好！"},
    # kata statuses (DESIGN.md), one learner-readable line each
    "status_passed": {"en": "every check passed", "zh": "所有检查均已通过"},
    "status_failed": {"en": "some checks failed", "zh": "部分检查未通过"},
    "status_error": {"en": "your code could not be loaded", "zh": "你的代码无法加载"},
    "status_timeout": {"en": "ran past the time limit and was stopped", "zh": "超出时间限制，已被终止"},
    "status_oom": {"en": "used too much memory and was stopped", "zh": "占用内存过多，已被终止"},
    "status_crashed": {"en": "the grading process died or exited early", "zh": "评分进程崩溃或提前退出"},
    "status_not-started": {"en": "not started yet", "zh": "尚未开始"},
}


def detect_language(option: str | None = None) -> str:
    for candidate in (option, os.environ.get("KATA_LANG")):
        if candidate:
            return "zh" if candidate.lower().startswith("zh") else "en"
    names = [os.environ.get(v, "") for v in ("LC_ALL", "LC_MESSAGES", "LANG")]
    try:
        names.append(locale.getlocale()[0] or "")
    except ValueError:
        pass
    return "zh" if any(n.lower().startswith("zh") for n in names) else "en"


def say(key: str, lang: str, **values) -> str:
    table = PHRASES[key]
    return (table.get(lang) or table["en"]).format(**values)
