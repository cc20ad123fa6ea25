"""The learner's language (--lang, else KATA_LANG, else the locale) and the one message catalogue.

Every learner-facing phrase of the CLI and the engine lives in `PHRASES`, in English and Chinese;
what a notebook and the Python API show has its own table beside the code that shows it
(`notebook.TEXT`, `api._TEXT`), looked up the same way, with `pick`.
The engine writes its own messages (a load failure, "not started yet", a timeout...) in English from
this catalogue, since results are stored and exported in one language; `translate` shows them in the
learner's language by matching the English template they were made from and filling the Chinese one
with the same values. Text it matches no template for (a check author's own message, Python's error
text) is shown as it is.

`width` and `clip` measure text as a terminal shows it (a CJK character takes two columns).
"""

from __future__ import annotations

import errno
import locale
import os
import re
import shutil
from functools import lru_cache
from typing import TYPE_CHECKING, Mapping, TypeVar

from wcwidth import wcswidth

if TYPE_CHECKING:
    from grader.errors import KataError

T = TypeVar("T")

PHRASES: dict[str, dict[str, str]] = {
    # table headers and scorecard frame
    "kata": {"en": "kata", "zh": "练习"},
    "title": {"en": "title", "zh": "标题"},
    "status": {"en": "status", "zh": "状态"},
    "checks": {"en": "checks", "zh": "检查"},
    "points": {"en": "points", "zh": "得分"},
    "time": {"en": "time", "zh": "用时"},
    "order": {"en": "#", "zh": "#"},
    "total": {"en": "total", "zh": "总计"},
    "scorecard_kata_line": {"en": "{kata}: {points} {status} ({why})", "zh": "{kata}：{points} {status}（{why}）"},
    "scorecard_total_line": {"en": "total: {points}", "zh": "总计：{points}"},
    "first_failure": {"en": "first failing check: ", "zh": "第一个未通过的检查："},
    "printed": {"en": "your code printed (last lines):", "zh": "你的代码输出（最后几行）："},
    "hint_pointer": {"en": "stuck? run `kata hint {id}`", "zh": "卡住了？运行 `kata hint {id}`"},
    "all_done": {"en": "All graded katas at full points.", "zh": "所有已评分的练习均获满分。"},
    "next_kata": {"en": "next: kata start {id}", "zh": "下一个：kata start {id}"},
    "measured": {"en": "{id} measured: {figures}", "zh": "{id} 测得：{figures}"},
    "graded_on": {"en": "graded on {device} with torch {torch}", "zh": "评分设备 {device}，torch {torch}"},
    "grading": {"en": "grading {ids} …", "zh": "正在评分 {ids} …"},
    "grading_progress": {
        "en": "{id}: {done}/{total} checks · {seconds} s",
        "zh": "{id}：已完成 {done}/{total} 项检查 · {seconds} 秒",
    },
    # kata statuses (DESIGN.md): the word in the table, then one readable line
    "word_passed": {"en": "passed", "zh": "通过"},
    "word_failed": {"en": "failed", "zh": "未通过"},
    "word_error": {"en": "error", "zh": "出错"},
    "word_timeout": {"en": "timeout", "zh": "超时"},
    "word_oom": {"en": "oom", "zh": "内存超限"},
    "word_crashed": {"en": "crashed", "zh": "崩溃"},
    "word_not-started": {"en": "not-started", "zh": "未开始"},
    "word_started": {"en": "started", "zh": "已开始"},
    "status_line": {"en": "{id} — {title}: {word} ({why})", "zh": "{id} — {title}：{word}（{why}）"},
    "status_passed": {"en": "every check passed", "zh": "所有检查均已通过"},
    "status_failed": {"en": "some checks failed", "zh": "部分检查未通过"},
    "status_error": {"en": "your code could not be loaded", "zh": "你的代码无法加载"},
    "status_timeout": {"en": "ran past the time limit and was stopped", "zh": "超出时间限制，已被终止"},
    "status_oom": {"en": "used too much memory and was stopped", "zh": "占用内存过多，已被终止"},
    "status_crashed": {"en": "the grading process died or exited early", "zh": "评分进程崩溃或提前退出"},
    "status_not-started": {"en": "not started yet", "zh": "尚未开始"},
    # start / hint / reset / solution
    "started": {"en": "Started {id} in {path}", "zh": "已在 {path} 开始练习 {id}"},
    "kept": {
        "en": "kept your existing {file} (use `kata reset {id}` to start over)",
        "zh": "保留了你已有的 {file}（如需重来，请运行 `kata reset {id}`）",
    },
    "next_steps": {
        "en": "Edit {path}, then run `kata grade {id}{again}`.",
        "zh": "编辑 {path}，然后运行 `kata grade {id}{again}`。",
    },
    "hint": {"en": "Hint {n} of {total} for {id}:", "zh": "{id} 的提示 {n}/{total}："},
    "hint_for": {
        "en": "Hint {n} of {total} for {id}, exercise {exercise}:",
        "zh": "{id} 第 {exercise} 小题的提示 {n}/{total}：",
    },
    "no_more_hints": {"en": "That was the last hint.", "zh": "这已是最后一条提示。"},
    "no_hint_yet": {
        "en": "You have not seen hint {n} yet: run `kata hint {id}` to reveal the next one.",
        "zh": "你还没有看过第 {n} 条提示：运行 `kata hint {id}` 查看下一条。",
    },
    "hint_beyond": {
        "en": "there is no hint {n} for {id} here: these hints go up to {total}",
        "zh": "{id} 这里没有第 {n} 条提示：这组提示只有 {total} 条",
    },
    "locked": {
        "en": "The solution to {id} unlocks once you have full points on it (now {points}).",
        "zh": "在 {id} 拿到满分后才能查看参考答案（当前 {points}）。",
    },
    "locked_ungraded": {
        "en": "The solution to {id} unlocks once you have full points on it: `kata grade {id}{again}` grades it.",
        "zh": "在 {id} 拿到满分后才能查看参考答案：运行 `kata grade {id}{again}` 为它评分。",
    },
    "locked_not_started": {
        "en": "The solution to {id} unlocks once you have full points on it: start with `kata start {id}{again}`.",
        "zh": "在 {id} 拿到满分后才能查看参考答案：先运行 `kata start {id}{again}` 开始练习。",
    },
    "locked_new_version": {
        "en": "The checks of {id} changed since your {points}: run `kata grade {id}{again}`; its solution unlocks at "
        "full points.",
        "zh": "{id} 的检查在你得到 {points} 之后有了变化：请运行 `kata grade {id}{again}`，满分后即可查看参考答案。",
    },
    "reset_question": {
        "en": "Replace your files in {path} with the stub?",
        "zh": "要用初始代码替换 {path} 中的文件吗？",
    },
    "reset_declined": {"en": "Nothing changed.", "zh": "没有做任何改动。"},
    "reset_done": {"en": "Reset {id}; your old files are in {backup}", "zh": "已重置 {id}；旧文件备份在 {backup}"},
    # watch
    "watch_footer": {"en": "watching {path}: save a file to re-grade", "zh": "正在监视 {path}：保存文件即重新评分"},
    "watch_keys": {"en": " · h hint · n next kata · q quit", "zh": " · h 提示 · n 下一个练习 · q 退出"},
    "watch_not_done": {"en": "Finish {id} first (full points), then press n.", "zh": "先让 {id} 拿到满分，再按 n。"},
    "watch_next": {"en": "On to {id}: edit {path}", "zh": "进入 {id}：编辑 {path}"},
    "watch_last": {"en": "That was the last kata. Well done!", "zh": "这是最后一个练习了，干得好！"},
    # CLI errors (the "error: " prefix is itself a phrase)
    "error": {"en": "error: {message}", "zh": "错误：{message}"},
    "grader_failed": {
        "en": "the grader could not set up a grading job on this machine ({reason}); nothing was recorded: "
        "run `kata doctor`",
        "zh": "评分程序无法在这台机器上准备评分作业（{reason}）；没有记录任何成绩：请运行 `kata doctor`",
    },
    "bad_lang": {"en": "--lang must be zh or en, not '{given}'", "zh": "--lang 只能是 zh 或 en，不能是 '{given}'"},
    "no_started": {
        "en": "no started katas in {root}; run `kata start {first}` first",
        "zh": "{root} 中还没有开始任何练习；请先运行 `kata start {first}`",
    },
    "unknown_device": {
        "en": "unknown device '{device}'; use auto, cpu, cuda, cuda:N, mps, xpu, npu or mlu",
        "zh": "未知设备 '{device}'；可用 auto、cpu、cuda、cuda:N、mps、xpu、npu 或 mlu",
    },
    "device_absent": {
        "en": "device '{device}' is not present here; present: {present}",
        "zh": "这台机器上没有设备 '{device}'；现有设备：{present}",
    },
    "not_started_notebook": {
        "en": "{id} is not started in {root}; run `kata start {id} --notebook`",
        "zh": "{id} 在 {root} 中尚未开始；请运行 `kata start {id} --notebook`",
    },
    "notebook_exists": {
        "en": "{path} exists; rename or delete it to build a new one",
        "zh": "{path} 已经存在；请先重命名或删除它，再生成新的笔记本",
    },
    "notebook_source_syntax": {
        "en": "{file} has a syntax error at line {line} ({error}): the notebook is built from your file, so fix "
        "it first (`kata grade` shows where)",
        "zh": "{file} 第 {line} 行有语法错误（{error}）：笔记本由你的文件生成，请先修正它（`kata grade` 会指出位置）",
    },
    "notebook_source_not_utf8": {
        "en": "{file} is not saved as UTF-8: the notebook is built from your file, so save it as UTF-8 first",
        "zh": "{file} 不是以 UTF-8 保存的：笔记本由你的文件生成，请先把它另存为 UTF-8",
    },
    "grading_unfinished": {"en": "grading did not finish: {reason}", "zh": "评分没有完成：{reason}"},
    "out_in_submissions": {
        "en": "-o {out} is inside the submissions folder {submissions}; write the grades elsewhere",
        "zh": "-o {out} 在提交文件夹 {submissions} 之内；请把成绩写到别处",
    },
    "out_is_file": {
        "en": "-o {out} is a file; give the folder the grades go to",
        "zh": "-o {out} 是一个文件；请给出存放成绩的文件夹",
    },
    "merge_out_batch": {
        "en": "-o must be a new folder or an earlier merge's output: {out} holds a `kata batch` output",
        "zh": "-o 必须是新文件夹或之前合并的输出：{out} 中是 `kata batch` 的输出",
    },
    "merge_out_not_empty": {
        "en": "-o must be a new folder or an earlier merge's output: {out} holds other files",
        "zh": "-o 必须是新文件夹或之前合并的输出：{out} 中有其他文件",
    },
    "workspace_is_file": {
        "en": "-w {path} is a file; give the folder your katas are in",
        "zh": "-w {path} 是一个文件；请给出练习所在的文件夹",
    },
    "no_workspace": {
        "en": "-w {path}: there is no such folder; `kata start ID -w {path}` makes a workspace there",
        "zh": "-w {path}：没有这个文件夹；`kata start ID -w {path}` 会在那里创建工作区",
    },
    "json_is_folder": {
        "en": "--json {file} is a folder; give the name of a file to write",
        "zh": "--json {file} 是一个文件夹；请给出要写入的文件名",
    },
    "json_no_folder": {
        "en": "--json {file}: there is no folder {folder} to write it in",
        "zh": "--json {file}：用来保存它的文件夹 {folder} 不存在",
    },
    "katas_elsewhere": {
        "en": "no katas in {root}; your katas are in {found}: cd there or pass -w {found}",
        "zh": "{root} 中没有练习；你的练习在 {found}：请先 cd 到那里，或加上 -w {found}",
    },
    "not_started_reset": {
        "en": "{id} is not started in {root}; nothing to reset",
        "zh": "{id} 在 {root} 中尚未开始，无需重置",
    },
    "not_started_run": {"en": "not started: run `kata start {id}`", "zh": "尚未开始：运行 `kata start {id}`"},
    # suggested commands that repeat the run's -w, --katas and --lang (cli._again)
    "start_pointer": {"en": "to begin: run `kata start {id}`", "zh": "开始练习：运行 `kata start {id}`"},
    "not_started_watch": {
        "en": "{id} is not started in {root}; run `{command}` first, then watch it",
        "zh": "{id} 在 {root} 中尚未开始；请先运行 `{command}`，再监视它",
    },
    "hint_not_started": {
        "en": "{id} is not started in {root}; run `{command}` first (its hints follow your first failing check)",
        "zh": "{id} 在 {root} 中尚未开始；请先运行 `{command}`（提示跟随你第一个未通过的检查）",
    },
    "hint_full_points": {
        "en": "{id} is already at full points: no hint needed; `{command}` shows the reference solution",
        "zh": "{id} 已经拿到满分，无需提示；运行 `{command}` 可查看参考答案",
    },
    "hints_none_seen": {
        "en": "No hints seen for {id} yet: run `{command}`.",
        "zh": "还没有查看过 {id} 的提示：运行 `{command}`。",
    },
    "nothing_changed_since": {
        "en": "Nothing changed since the last grade of {ids}; `kata grade --all{again}` grades them again.",
        "zh": "自上次评分以来 {ids} 没有改动；运行 `kata grade --all{again}` 可全部重新评分。",
    },
    "next_started": {
        "en": "next: kata grade {id} (started, not at full points yet)",
        "zh": "下一个：kata grade {id}（已开始，尚未满分）",
    },
    "unknown_kata": {
        "en": "unknown kata '{id}'; the katas are: {known}",
        "zh": "没有名为 '{id}' 的练习；可选的练习有：{known}",
    },
    "did_you_mean": {
        "en": "unknown kata '{id}'; did you mean {suggestion}?",
        "zh": "没有名为 '{id}' 的练习；你是想输入 {suggestion} 吗？",
    },
    "file_error": {"en": "{reason} ({file})", "zh": "{reason}（{file}）"},
    # engine messages (plugin.py, runner.py); `translate` turns the English ones into Chinese
    "not_started_yet": {"en": "not started yet: {detail}", "zh": "尚未开始：{detail}"},
    "still_raises": {"en": "still raises NotImplementedError", "zh": "仍然抛出 NotImplementedError"},
    "exercise_name": {"en": "exercise {n}: {name}", "zh": "第 {n} 小题 {name}"},
    "at_location": {"en": "{message} (at {file}:{line})", "zh": "{message}（{file} 第 {line} 行）"},
    "at_location_only": {"en": "at {file}:{line}", "zh": "{file} 第 {line} 行"},  # an exception without a message
    "no_message": {"en": "no message", "zh": "没有消息"},
    "syntax_error": {
        "en": "{file} has a syntax error at line {line}: {detail}",
        "zh": "{file} 第 {line} 行有语法错误：{detail}",
    },
    # where a notebook cell's syntax error is (notebook.py's loader writes the English)
    "notebook_cell_line": {
        "en": "{detail} ({notebook}, exercise {n}, cell {cell}, line {line})",
        "zh": "{detail}（{notebook}，第 {n} 小题，第 {cell} 个单元格，第 {line} 行）",
    },
    "notebook_setup_line": {
        "en": "{detail} ({notebook}, setup cell, cell {cell}, line {line})",
        "zh": "{detail}（{notebook}，导入与给定代码单元格，第 {cell} 个单元格，第 {line} 行）",
    },
    "not_utf8": {
        "en": "{file} is not saved as UTF-8 (line {line} cannot be read): re-save it as UTF-8 in your editor "
        '(in VS Code: click the encoding in the status bar, then "Save with Encoding" → UTF-8)',
        "zh": "{file} 不是以 UTF-8 编码保存的（第 {line} 行无法读取）：请在编辑器里把它另存为 UTF-8"
        "（VS Code：点击状态栏中的编码，选择“通过编码保存”→ UTF-8）",
    },
    "exit_at_import": {
        "en": "{file} called exit({code}) while being imported; remove it",
        "zh": "{file} 在被导入时调用了 exit({code})；请删掉这一调用",
    },
    "skip_at_import": {
        "en": "{file} called pytest.skip while being imported; that is not allowed",
        "zh": "{file} 在被导入时调用了 pytest.skip；这是不允许的",
    },
    "raised_at_import": {
        "en": "{file} raised {error} while being imported: {detail}",
        "zh": "{file} 在被导入时抛出了 {error}：{detail}",
    },
    "unfinished_at_import": {
        "en": "{file} calls an unfinished exercise while being imported ({detail}): move the code at the bottom "
        "of the file under `if __name__ == '__main__':`",
        "zh": "{file} 在被导入时调用了尚未完成的小题（{detail}）：请把文件末尾的测试代码移到 "
        "`if __name__ == '__main__':` 下面",
    },
    "missing_function": {
        "en": "{file} has no function {name} (emptied by a failed save?)",
        "zh": "{file} 中没有函数 {name}（文件是否因保存失败被清空了？）",
    },
    "file_missing": {"en": "{file} is missing from your solution folder", "zh": "你的答案文件夹里缺少 {file}"},
    "import_hang": {
        "en": "{file} did not finish importing in time (an endless loop at module level?)",
        "zh": "{file} 没能在限定时间内完成导入（模块顶层是不是有死循环？）",
    },
    "check_timeout": {
        "en": "this check ran past its time limit (an endless loop?) and was stopped",
        "zh": "该检查超出时间限制，已被终止（是不是有死循环？）",
    },
    "out_of_memory": {"en": "ran out of memory: {detail}", "zh": "内存不足：{detail}"},
    "only_cpu": {"en": "only runs on the CPU (this run uses {device})", "zh": "只在 CPU 上运行（本次使用 {device}）"},
    "needs_accelerator": {"en": "needs an accelerator (this run uses the CPU)", "zh": "需要加速器（本次使用 CPU）"},
    "skipped_by_submission": {"en": "skipped by the submission", "zh": "被提交的代码跳过"},
    "skipped_by_submission_why": {"en": "skipped by the submission: {reason}", "zh": "被提交的代码跳过：{reason}"},
    "no_result": {"en": "no result was reported for this check", "zh": "这项检查没有报告结果"},
    "every_check_passed": {"en": "every check passed", "zh": "所有检查均已通过"},
    "n_failed": {"en": "{failing} of {total} checks failed", "zh": "{total} 项检查中有 {failing} 项未通过"},
    "missing_file": {"en": "missing file: {names}", "zh": "缺少文件：{names}"},
    "missing_file_near": {
        "en": "missing file: {name} ({found} is there: rename it to {name})",
        "zh": "缺少文件：{name}（文件夹里有 {found}：请把它重命名为 {name}）",
    },
    "missing_file_link": {
        "en": "missing file: {name} (a symbolic link is never graded: put the file itself there)",
        "zh": "缺少文件：{name}（符号链接不会被评分：请把文件本身放在那里）",
    },
    "notebook_too_large": {
        "en": "{file} is larger than {limit} MB (clear its outputs)",
        "zh": "{file} 超过 {limit} MB（请清除它的输出）",
    },
    "notebook_no_cells": {"en": "{file} has no list of cells", "zh": "{file} 里没有单元格列表"},
    "notebook_unreadable": {
        "en": "{file} is not a notebook Jupyter can read ({error})",
        "zh": "{file} 不是 Jupyter 能读取的笔记本（{error}）",
    },
    "notebook_no_exercises": {
        "en": "{file} has no exercise cells (code cells whose metadata is {metadata}); "
        "`kata notebook` builds a notebook that has them",
        "zh": "{file} 里没有小题单元格（元数据为 {metadata} 的代码单元格）；`kata notebook` 会生成带有这些单元格的笔记本",
    },
    "files_too_large": {
        "en": "{names} too large to grade: a kata's files may hold {limit} MB together",
        "zh": "{names} 太大，无法评分：一个练习的文件合计最多 {limit} MB",
    },
    "missing_files": {"en": "missing files: {names}", "zh": "缺少文件：{names}"},
    "stopped_after": {
        "en": "stopped after {seconds} s (an endless loop or a hang?)",
        "zh": "运行 {seconds} 秒后被终止（是不是有死循环或卡住了？）",
    },
    "stopped_memory": {"en": "stopped for using more than {mb} MB of memory", "zh": "内存用量超过 {mb} MB，已被终止"},
    "stopped_gpu_memory": {
        "en": "stopped for holding more than its share of the GPU's memory",
        "zh": "占用的显存超过了分给它的份额，已被终止",
    },
    "stopped_disk": {"en": "stopped for writing more than {mb} MB of disk", "zh": "写入磁盘超过 {mb} MB，已被终止"},
    "stopped_deep": {
        "en": "stopped for nesting folders more than {depth} deep",
        "zh": "文件夹嵌套超过 {depth} 层，已被终止",
    },
    "killed_by": {
        "en": "the grading process was killed by {signal} (did your code kill it or crash?)",
        "zh": "评分进程被 {signal} 终止（是你的代码终止了它，还是崩溃了？）",
    },
    "exited_early": {
        "en": "the grading process exited early with code {code} (did your code call exit() or os._exit()?)",
        "zh": "评分进程提前退出，退出码 {code}（你的代码是否调用了 exit() 或 os._exit()？）",
    },
    "check_oom": {
        "en": "a check ran out of memory (on an accelerator: its memory is full)",
        "zh": "有检查耗尽了内存（在加速器上：显存已满）",
    },
    "lines_dropped": {"en": "… {n} lines dropped …", "zh": "… 省略了 {n} 行 …"},
    "malformed": {"en": "malformed result: {reason}; no points awarded", "zh": "结果格式错误：{reason}；不计分"},
    "batch_stopped": {
        "en": "stopped: the results graded so far are saved in {out}; run the same command again to grade the rest",
        "zh": "已停止：已评分的结果保存在 {out}；再次运行同一条命令即可评完其余部分",
    },
    # what cannot travel from the child to the judge (observations.py), and the check message around it
    "cannot_send": {
        "en": "what your code returned cannot be sent to the judge: {reason}",
        "zh": "你的代码返回的值无法传给评判程序：{reason}",
    },
    "value_too_deep": {"en": "a value nested deeper than {n} levels", "zh": "嵌套超过 {n} 层的值"},
    "value_too_many": {"en": "more than {n} items in one value", "zh": "一个值里有超过 {n} 个元素"},
    "tensor_dtype": {
        "en": "a tensor of dtype {dtype}, which does not travel",
        "zh": "dtype 为 {dtype} 的张量，无法传送",
    },
    "array_dtype": {
        "en": "a NumPy array of dtype {dtype}, which does not travel",
        "zh": "dtype 为 {dtype} 的 NumPy 数组，无法传送",
    },
    "tensor_too_big": {"en": "a tensor of more than {size} MiB", "zh": "超过 {size} MiB 的张量"},
    "array_too_big": {"en": "an array of more than {size} MiB", "zh": "超过 {size} MiB 的数组"},
    # --help of the learner's commands and options
    "help_app": {
        "en": "PyTorch katas with an isolated grader. Start with `kata start tensors`.",
        "zh": "PyTorch 练习与隔离的自动评分器。从 `kata start tensors` 开始。",
    },
    "help_lang": {
        "en": "zh or en, before or after the command (default: KATA_LANG, else the locale).",
        "zh": "zh 或 en，写在命令前后都可以（默认：KATA_LANG，否则按系统区域设置）。",
    },
    "help_katas": {
        "en": "A folder of katas (a private pack) instead of the built-in ones.",
        "zh": "使用某个练习文件夹（私有题包）代替内置练习。",
    },
    "help_workspace": {
        "en": "Workspace folder (default: nearest .kata/ upward, else ./kata-workspace).",
        "zh": "工作区文件夹（默认：向上查找到的第一个 .kata/，否则为 ./kata-workspace）。",
    },
    "help_device": {
        "en": "auto, cpu, cuda, cuda:N, mps, xpu, npu or mlu.",
        "zh": "auto、cpu、cuda、cuda:N、mps、xpu、npu 或 mlu。",
    },
    "help_list": {
        "en": "Every kata: order, id, title, your status and points so far.",
        "zh": "列出所有练习：序号、名称、标题、你的状态和目前得分。",
    },
    "help_grade": {
        "en": "Grade your katas in isolated processes and print a scorecard. Exit 0 only at full points.",
        "zh": "在隔离的进程中为你的练习评分并打印成绩单。只有全部满分时退出码才为 0。",
    },
    "help_grade_ids": {
        "en": "Katas to grade (default: every started kata whose files changed since its last grade).",
        "zh": "要评分的练习（默认：自上次评分后文件有改动的已开始练习）。",
    },
    "help_grade_all": {
        "en": "Grade every started kata, changed or not (so do --json and -v).",
        "zh": "为所有已开始的练习评分，无论是否有改动（--json 和 -v 也是如此）。",
    },
    "help_verbose": {"en": "List every check with ✓/✗ and its points.", "zh": "列出每一项检查（✓/✗）及其得分。"},
    "help_timeout": {
        "en": "Seconds per kata (default: the kata's own).",
        "zh": "每个练习的秒数上限（默认：练习自己的设置）。",
    },
    "help_json": {
        "en": "Also write the results (versioned schema) to this file.",
        "zh": "同时把结果（带版本的格式）写入这个文件。",
    },
    "help_hint": {
        "en": "The next hint for the exercise of your first failing check (each call goes one step further).",
        "zh": "针对第一个未通过的检查所在小题的下一条提示（每运行一次深入一步）。",
    },
    "help_hint_n": {"en": "Show hint N again.", "zh": "再次显示第 N 条提示。"},
    "help_hint_all": {"en": "Show every hint seen so far again.", "zh": "再次显示已经看过的所有提示。"},
    "help_reset": {
        "en": "Put the stub back (your old files are backed up under .kata/backups/).",
        "zh": "恢复初始代码（旧文件备份在 .kata/backups/ 下）。",
    },
    "help_yes": {"en": "Do not ask.", "zh": "不再询问。"},
    "help_solution": {
        "en": "Show the reference solution, once you have full points on the kata.",
        "zh": "在该练习拿到满分后显示参考答案。",
    },
    "help_doctor": {
        "en": "Versions, devices, active sandbox protections and the workspace: paste it into a help request.",
        "zh": "版本、设备、生效的沙箱防护和工作区：求助时把它贴上。",
    },
    # the instructor and author commands, as the command list of `kata --help` shows them
    "help_verify": {
        "en": "Prove katas right: reference and alternatives full marks, stub fails every check, each known "
        "mistake caught.",
        "zh": "验证练习本身：参考答案和其他正确写法得满分，初始代码每项检查都不通过，每个已知错误都被发现。",
    },
    "help_batch": {
        "en": "Grade a whole class unattended; rerun to grade only what changed. Exit 1 when the folder holds "
        "no learner.",
        "zh": "无人值守地为全班评分；再次运行只评有改动的部分。文件夹中没有学员时退出码为 1。",
    },
    "help_merge": {
        "en": "Combine shard outputs into one, refusing overlaps and gaps.",
        "zh": "把各分片的输出合并为一份，拒绝重叠和缺漏。",
    },
    "help_import": {
        "en": "Turn an LMS bulk download into `kata batch` input: one folder per learner, and roster.csv.",
        "zh": "把 LMS 的批量下载转换为 `kata batch` 的输入：每位学员一个文件夹，外加 roster.csv。",
    },
    "help_export": {
        "en": "Build what a grading platform runs: a Gradescope autograder, PrairieLearn questions.",
        "zh": "生成评分平台运行的内容：Gradescope 自动评分包、PrairieLearn 题目。",
    },
    "help_export_gradescope": {
        "en": "A Gradescope autograder zip: setup.sh, run_autograder, the katas; upload it as the assignment's "
        "autograder.",
        "zh": "Gradescope 自动评分包（zip）：setup.sh、run_autograder 和练习；把它上传为该作业的自动评分程序。",
    },
    "help_export_prairielearn": {
        "en": "PrairieLearn questions graded externally by this engine, one per kata, and their image's Dockerfile.",
        "zh": "由本评分引擎外部评分的 PrairieLearn 题目（每个练习一道），以及题目所用镜像的 Dockerfile。",
    },
    # the instructor and author commands' options and arguments
    "help_workers": {"en": "Jobs at a time (default: cores).", "zh": "同时运行的作业数（默认：CPU 核数）。"},
    "help_only": {"en": "Grade only this kata (repeatable).", "zh": "只为这个练习评分（可重复使用）。"},
    "help_excel": {
        "en": "Write the CSVs with a byte order mark, so that Excel reads UTF-8.",
        "zh": "写出的 CSV 文件带字节顺序标记（BOM），让 Excel 按 UTF-8 读取。",
    },
    "help_course": {
        "en": "course.toml: katas, weights, due dates, late penalties, check visibility.",
        "zh": "course.toml：练习、权重、截止日期、迟交扣分、检查的可见性。",
    },
    "help_visibility": {
        "en": "Every check's visibility: visible, after_due_date, after_published or hidden.",
        "zh": "所有检查的可见性：visible、after_due_date、after_published 或 hidden。",
    },
    "help_check_visibility": {
        "en": "One check's visibility, e.g. tensors/test_move_to=hidden (repeatable).",
        "zh": "单个检查的可见性，例如 tensors/test_move_to=hidden（可重复使用）。",
    },
    "help_verify_ids": {"en": "Kata ids (default: all).", "zh": "练习名称（默认：全部）。"},
    "help_verify_mutants": {
        "en": "Mutation testing: grade small mistakes planted in each reference.",
        "zh": "变异测试：在每个参考答案中植入小错误，再为它们评分。",
    },
    "help_verify_threshold": {
        "en": "With --mutants: the % of mutants a kata must kill.",
        "zh": "配合 --mutants 使用：每个练习至少要杀死的变异体百分比。",
    },
    "help_verify_verbose": {
        "en": "List each known mistake with the message its check gives a learner.",
        "zh": "列出每个已知错误，以及发现它的检查向学员显示的消息。",
    },
    "help_batch_submissions": {
        "en": "Folder with one entry per learner: a workspace folder or a .zip of one.",
        "zh": "每位学员占一项的文件夹：每项是一个工作区文件夹，或它的 .zip 压缩包。",
    },
    "help_batch_out": {
        "en": "Output folder (gradebook.sqlite, grades.csv, exports).",
        "zh": "输出文件夹（gradebook.sqlite、grades.csv 和各种导出文件）。",
    },
    "help_batch_memory": {
        "en": "MB of memory a job may use, all its processes together (then: oom).",
        "zh": "一个作业（其所有进程合计）可使用的内存 MB 数（超出则记为 oom）。",
    },
    "help_batch_disk": {
        "en": "MB a job may write in its folder (then: error).",
        "zh": "一个作业可在其文件夹中写入的 MB 数（超出则记为 error）。",
    },
    "help_batch_require_isolation": {
        "en": "Refuse to grade if any sandbox protection is not active here.",
        "zh": "只要本机有任何一项沙箱防护未生效，就拒绝评分。",
    },
    "help_batch_shard": {
        "en": "Grade shard I of N (0-based), e.g. 0/4.",
        "zh": "为 N 个分片中的第 I 个评分（从 0 开始），例如 0/4。",
    },
    "help_batch_shards": {
        "en": "N shards; I comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.",
        "zh": "分片数 N；I 取自 SLURM_ARRAY_TASK_ID 或 JOB_COMPLETION_INDEX。",
    },
    "help_batch_force": {
        "en": "Grade everything again, even unchanged submissions.",
        "zh": "全部重新评分，没有改动的提交也不例外。",
    },
    "help_batch_retry": {
        "en": "Grade again the stored results with these statuses, e.g. timeout,crashed,oom,error.",
        "zh": "为已记录的、处于这些状态的结果重新评分，例如 `timeout,crashed,oom,error`。",
    },
    "help_batch_learner": {"en": "Grade this learner again (repeatable).", "zh": "为这位学员重新评分（可重复使用）。"},
    "help_batch_retry_timeouts": {
        "en": "Grade a timed-out job once more, alone, before recording it.",
        "zh": "超时的作业在记录结果前再单独评分一次。",
    },
    "help_merge_outs": {
        "en": "The shard outputs of `kata batch --shard`.",
        "zh": "`kata batch --shard` 各分片的输出。",
    },
    "help_merge_out": {"en": "The combined output folder.", "zh": "合并后的输出文件夹。"},
    "help_import_system": {
        "en": "canvas, moodle or gradescope: whose bulk download it is.",
        "zh": "canvas、moodle 或 gradescope：批量下载来自哪个平台。",
    },
    "help_import_download": {
        "en": "The bulk download (e.g. Canvas' Download Submissions, Gradescope's Export Submissions) zip, "
        "or its folder.",
        "zh": "批量下载的 zip 文件（例如 Canvas 的 Download Submissions、Gradescope 的 Export Submissions），"
        "或解压后的文件夹。",
    },
    "help_import_out": {
        "en": "The submissions folder for `kata batch` (roster.csv inside).",
        "zh": "供 `kata batch` 使用的提交文件夹（内含 roster.csv）。",
    },
    "help_gradescope_out": {"en": "The autograder zip to write.", "zh": "要写出的自动评分包（zip）。"},
    "help_prairielearn_out": {
        "en": "Folder for questions/, the Dockerfile and the package.",
        "zh": "存放 questions/、Dockerfile 和评分程序包的文件夹。",
    },
    "help_prairielearn_image": {
        "en": "The grading image's name (built from the exported Dockerfile).",
        "zh": "评分镜像的名称（用导出的 Dockerfile 构建）。",
    },
    "help_prairielearn_only": {"en": "Export only this kata (repeatable).", "zh": "只导出这个练习（可重复使用）。"},
    "help_watch": {
        "en": "Re-grade a kata every time you save it. Keys: h next hint, n next kata once done, q quit.",
        "zh": "每次保存都重新评分。按键：h 下一条提示，n 完成后进入下一个练习，q 退出。",
    },
    "help_watch_id": {
        "en": "The kata to watch (default: the first unfinished one you started).",
        "zh": "要监视的练习（默认：你已开始但尚未完成的第一个练习）。",
    },
    "help_poll": {
        "en": "Poll for changes (network mounts and other file systems where save events do not arrive).",
        "zh": "轮询文件变化（用于收不到保存事件的网络盘等文件系统）。",
    },
    "help_start": {
        "en": "Copy the kata's stub into your workspace (never overwriting your files) and show its instructions.",
        "zh": "把练习的初始代码复制到你的工作区（绝不覆盖你已有的文件），并显示练习说明。",
    },
    "help_start_id": {
        "en": "The kata to start: its id (e.g. tensors) or its number in `kata list`.",
        "zh": "要开始的练习：名称（例如 tensors）或它在 `kata list` 中的序号。",
    },
    "help_kata_id": {
        "en": "The kata: its id (e.g. tensors) or its number in `kata list`.",
        "zh": "练习：名称（例如 tensors）或它在 `kata list` 中的序号。",
    },
    "help_notebook": {
        "en": "Also write ID/ID.ipynb for Jupyter: the file graded from then on.",
        "zh": "同时为 Jupyter 生成 ID/ID.ipynb：此后评分以它为准。",
    },
    "help_make_notebook": {
        "en": "Write ID/ID.ipynb for a started kata from your current file; graded while saved after the .py.",
        "zh": "根据你当前的文件为已开始的练习生成 ID/ID.ipynb；只要它比 .py 保存得晚，评分就以它为准。",
    },
    # the words typer and click put around the help texts
    "help_usage": {"en": "Usage: ", "zh": "用法："},
    "help_arguments": {"en": "Arguments", "zh": "参数"},
    "help_options": {"en": "Options", "zh": "选项"},
    "help_commands": {"en": "Commands", "zh": "命令"},
    "help_default": {"en": "[default: {value}]", "zh": "[默认：{value}]"},
    "help_required": {"en": "[required]", "zh": "[必填]"},
    "help_help": {"en": "Show this message and exit.", "zh": "显示本帮助并退出。"},
    "help_error": {"en": "Error", "zh": "错误"},
    "help_try": {"en": "Try {command} for help.", "zh": "运行 {command} 查看帮助。"},
    "help_aborted": {"en": "Aborted.", "zh": "已中止。"},
    # usage errors, said from click's typed exceptions (cli_app.py `_usage_text`) and by `%kata` (magic.py)
    "magic_command": {
        "en": "%kata {name}: no such command; the commands are: {commands}",
        "zh": "%kata {name}：没有这个命令；可用的命令有：{commands}",
    },
    "magic_bad_timeout": {
        "en": "--timeout {value}: a number of seconds is needed",
        "zh": "--timeout {value}：需要一个秒数",
    },
    "usage_missing_argument": {"en": "Missing argument {name}.", "zh": "缺少参数 {name}。"},
    "usage_missing_option": {"en": "Missing option {name}.", "zh": "缺少选项 {name}。"},
    "usage_no_option": {"en": "No such option: {option}.", "zh": "没有 {option} 这个选项。"},
    "usage_no_command": {"en": "No such command '{name}'.", "zh": "没有 '{name}' 这个命令。"},
    "usage_missing_command": {"en": "Missing command.", "zh": "缺少命令。"},
    "usage_maybe": {"en": " Did you mean {choices}?", "zh": "你是想用 {choices} 吗？"},
    "usage_extra": {"en": "Unexpected extra argument(s): {extra}.", "zh": "多出了参数：{extra}。"},
    "usage_needs_value": {"en": "Option {option} needs a value.", "zh": "选项 {option} 后面需要一个值。"},
    "usage_no_value": {"en": "Option {option} takes no value.", "zh": "选项 {option} 不接受值。"},
    "usage_bad_value": {"en": "Invalid value for {name}: {value}", "zh": "{name} 的值 {value} 无效"},
    "usage_at_least": {"en": " (at least {bound}).", "zh": "（至少为 {bound}）。"},
    "usage_at_most": {"en": " (at most {bound}).", "zh": "（至多为 {bound}）。"},
    "usage_integer": {"en": " (a whole number is needed).", "zh": "（需要一个整数）。"},
    "usage_number": {"en": " (a number is needed).", "zh": "（需要一个数字）。"},
    "usage_invalid": {"en": ".", "zh": "。"},
    # doctor labels
    "doctor_python": {"en": "python", "zh": "Python"},
    "doctor_platform": {"en": "platform", "zh": "平台"},
    "doctor_cores": {"en": "cpu cores", "zh": "CPU 核数"},
    "doctor_device": {"en": "device {name}", "zh": "设备 {name}"},
    "doctor_probe": {"en": "probe {name}", "zh": "探测 {name}"},
    "doctor_accelerator_api": {"en": "torch.accelerator API", "zh": "torch.accelerator 接口"},
    "doctor_auto": {"en": "--device auto picks", "zh": "--device auto 选择"},
    "doctor_isolation": {"en": "isolation", "zh": "隔离方式"},
    "doctor_rlimits": {"en": "rlimits", "zh": "资源限制"},
    "doctor_protection": {"en": "protection: {name}", "zh": "防护：{name}"},
    "doctor_install": {"en": "python install", "zh": "Python 安装位置"},
    "doctor_workspace": {"en": "workspace", "zh": "工作区"},
    "doctor_not_created": {"en": " (not created yet)", "zh": "（尚未创建）"},
    "doctor_probe_ok": {"en": "ok ({seconds} s)", "zh": "正常（{seconds} 秒）"},
    "doctor_probe_failed": {"en": "FAILED: {why}", "zh": "失败：{why}"},
    "doctor_probe_status": {"en": "{status}, {why}", "zh": "{status}，{why}"},
    "doctor_yes": {"en": "yes", "zh": "有"},
    "doctor_older_torch": {"en": "no (older torch)", "zh": "没有（torch 版本较旧）"},
    "doctor_none": {"en": "none", "zh": "无"},
    "doctor_active": {"en": "active", "zh": "已生效"},
    "doctor_not_active": {"en": "not active", "zh": "未生效"},
    "doctor_isolation_fork": {
        "en": "one child per job (fork from a warm worker), killed as a process group at the deadline",
        "zh": "每个作业一个子进程（从预热好的工作进程 fork 出来），到时限后整个进程组被杀掉",
    },
    "doctor_isolation_spawn": {
        "en": "one child per job (fresh spawned process per job), killed as a process group at the deadline",
        "zh": "每个作业一个子进程（每个作业新启动一个进程），到时限后整个进程组被杀掉",
    },
    "doctor_rlimits_set": {
        "en": "CPU seconds, file size, open files, no core dumps (no address-space cap: it breaks CUDA)",
        "zh": "CPU 秒数、文件大小、打开的文件数、不生成 core dump（不限制地址空间：那会让 CUDA 无法工作）",
    },
    "doctor_install_confined": {
        "en": "not readable by other users, so each job's uid keeps CAP_DAC_READ_SEARCH (its reads still "
        "confined by Landlock); fix: install into a world-readable folder (e.g. /opt/venv) or chmod o+rx its path",
        "zh": "其他用户无法读取，所以每个作业的 uid 保留了 CAP_DAC_READ_SEARCH（它的读取仍受 Landlock 限制）；"
        "解决办法：安装到所有人可读的文件夹（例如 /opt/venv），或对其路径执行 chmod o+rx",
    },
    "doctor_install_unconfined": {
        "en": "not readable by other users, so each job's uid keeps CAP_DAC_READ_SEARCH and CAN READ ANY FILE; "
        "fix: install into a world-readable folder (e.g. /opt/venv) or chmod o+rx its path",
        "zh": "其他用户无法读取，所以每个作业的 uid 保留了 CAP_DAC_READ_SEARCH，可以读取任何文件；"
        "解决办法：安装到所有人可读的文件夹（例如 /opt/venv），或对其路径执行 chmod o+rx",
    },
}

# Engine phrases `translate` knows, most specific first; the slots they fill are translated in turn.
_ENGINE_KEYS = (
    "at_location",
    "unfinished_at_import",
    "not_utf8",
    "missing_function",
    "syntax_error",
    "notebook_cell_line",
    "notebook_setup_line",
    "exit_at_import",
    "skip_at_import",
    "raised_at_import",
    "at_location_only",
    "no_message",
    "file_missing",
    "import_hang",
    "check_timeout",
    "out_of_memory",
    "not_started_yet",
    "still_raises",
    "exercise_name",
    "only_cpu",
    "needs_accelerator",
    "skipped_by_submission_why",
    "skipped_by_submission",
    "no_result",
    "every_check_passed",
    "n_failed",
    "missing_files",
    "missing_file_near",
    "missing_file_link",
    "missing_file",
    "files_too_large",
    "notebook_too_large",
    "notebook_no_cells",
    "notebook_unreadable",
    "notebook_no_exercises",
    "stopped_after",
    "stopped_memory",
    "stopped_gpu_memory",
    "stopped_disk",
    "stopped_deep",
    "killed_by",
    "exited_early",
    "check_oom",
    "malformed",
    "not_started_run",
    "unknown_kata",
    "no_started",
    "katas_elsewhere",
    "not_started_reset",
    "lines_dropped",
    "cannot_send",
    "value_too_deep",
    "value_too_many",
    "tensor_dtype",
    "array_dtype",
    "tensor_too_big",
    "array_too_big",
)
# Slots holding text that may itself be an engine phrase (the rest are names, numbers, paths).
_NESTED = {"message", "detail", "reason"}


LANGUAGES = ("en", "zh")


def is_language(given: str) -> bool:
    """Whether `--lang` names one of LANGUAGES, in any case (`ZH` as `zh`)."""
    return given.lower() in LANGUAGES


def detect_language(option: str | None = None) -> str:
    for candidate in (option, os.environ.get("KATA_LANG")):
        if candidate:
            return "zh" if candidate.lower().startswith("zh") else "en"
    # the first of these that is set decides, as for every program: LC_ALL=C over LANG=zh_CN.UTF-8
    chosen = next((os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)), None)
    if chosen is None:
        try:
            chosen = locale.getlocale()[0] or ""
        except ValueError:
            chosen = ""
    return "zh" if chosen.lower().startswith("zh") else "en"


def pick(table: Mapping[str, T], lang: str) -> T:
    """The `lang` entry of a table of languages, else its English one: the one language fallback."""
    return table.get(lang) or table["en"]


# What the system says of a failed file operation, by errno (its own words are English)
_OS_REASONS_ZH = {
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许此操作",
    errno.ENOENT: "没有这个文件或文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "文件系统是只读的",
    errno.EEXIST: "已经存在",
    errno.ENOTDIR: "不是文件夹",
    errno.EISDIR: "是一个文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOTEMPTY: "文件夹不是空的",
}


def os_reason(error: OSError, lang: str) -> str:
    """Why a file operation failed, in `lang` where the errno is a known one."""
    if lang == "zh" and error.errno in _OS_REASONS_ZH:
        return _OS_REASONS_ZH[error.errno]
    return error.strerror or str(error)


def say(key: str, lang: str, **values) -> str:
    return pick(PHRASES[key], lang).format(**values)


def error_line(error: KataError | OSError, lang: str) -> str:
    """The one line `kata` and `%kata` print for an error the user can fix, in `lang`: a KataError from
    its catalogue key (else its English text translated), a failed file operation from its errno."""
    if isinstance(error, OSError):
        reason = os_reason(error, lang)
        message = say("file_error", lang, reason=reason, file=error.filename) if error.filename else reason
    else:
        message = say(error.key, lang, **error.values) if error.key else translate(str(error), lang)
    return say("error", lang, message=message)


def status_word(status: str, lang: str) -> str:
    """A kata status (DESIGN.md) as the learner reads it in a table."""
    key = f"word_{status}"
    return say(key, lang) if key in PHRASES else status


@lru_cache(maxsize=None)
def _pattern(key: str) -> re.Pattern[str]:
    """The English template of `key` as a regex; each {slot} matches any text (shortest first)."""
    parts = re.split(r"\{(\w+)\}", PHRASES[key]["en"])
    regex, seen = "", set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        else:  # a slot used twice must hold the same text twice
            regex += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
            seen.add(part)
    return re.compile(regex, re.DOTALL)


def translate(text: str, lang: str, keys: tuple[str, ...] = _ENGINE_KEYS) -> str:
    """An engine message made from one of the English templates `keys`, in `lang`; any other text as it is."""
    if lang == "en" or not text:
        return text
    for key in keys:
        match = _pattern(key).fullmatch(text)
        if match:
            values = {
                slot: translate(value, lang) if slot in _NESTED else value for slot, value in match.groupdict().items()
            }
            return say(key, lang, **values)
    return text


# --- terminal width ------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    measured = wcswidth(text)
    return measured if measured >= 0 else len(text)


def clip(text: str, columns: int) -> str:
    """`text` cut to at most `columns` terminal columns, with … where it was cut."""
    if width(text) <= columns:
        return text
    out, used = "", 0
    for char in text:
        char_width = max(width(char), 0)
        if used + char_width > columns - 1:
            break
        out, used = out + char, used + char_width
    return out + "…"


def terminal_columns() -> int:
    """The terminal's width; 80 when output is not a terminal (a pipe, a notebook)."""
    return shutil.get_terminal_size((80, 24)).columns
