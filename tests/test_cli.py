"""The learner's flows through the real `kata` CLI, in temporary folders.

Point totals, check names and hint counts come from the kata itself (its kata.toml and a graded
--json), so the tests follow the kata as its authors change it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.catalog import Catalog, Kata
from grader.i18n import width

KATAS = Path(__file__).resolve().parents[1] / "katas"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A private pack holding only the tensors kata, so these tests don't depend on the others."""
    root = tmp_path / "pack"
    shutil.copytree(KATAS / "01-tensors", root / "katas" / "01-tensors")
    shutil.copytree(REFERENCE / "01-tensors", root / "reference" / "01-tensors")
    return root / "katas"


@pytest.fixture
def tensors(pack: Path) -> Kata:
    return Catalog.load(pack).get("tensors")


@pytest.fixture
def learner(tmp_path: Path) -> Path:
    """The learner's folder, alone in its parent and home (workspaces are looked for around it)."""
    folder = tmp_path / "home" / "learner"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def kata(learner: Path, pack: Path):
    def run(
        *args: str, input: str | None = None, lang: str = "en", cwd: Path | None = None, columns: int = 80
    ) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "grader", "--lang", lang, *args]
        if args and args[0] not in ("--help", "doctor"):  # doctor does not read katas
            command += ["--katas", str(pack)]
        # the environment's language is English: a suggested command repeats --lang only for another one
        env = {**os.environ, "COLUMNS": str(columns), "HOME": str(learner.parent), "KATA_LANG": "en"}
        return subprocess.run(
            command, cwd=cwd or learner, capture_output=True, text=True, input=input, timeout=180, env=env
        )

    return run


def _solution(learner: Path) -> Path:
    return learner / "kata-workspace" / "tensors" / "tensors.py"


def _reference() -> str:
    return (REFERENCE / "01-tensors" / "tensors.py").read_text(encoding="utf-8")


def _graded(kata, learner: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = kata("grade", "tensors", "--json", "result.json", *extra)
    [result] = json.loads((learner / "result.json").read_text(encoding="utf-8"))["katas"]
    return out, result


@pytest.mark.slow
def test_learner_walkthrough(kata, learner: Path):
    started = kata("start", "tensors")
    assert started.returncode == 0, started.stderr
    assert "kata grade tensors" in started.stdout
    solution = _solution(learner)
    assert solution.is_file()
    locked = kata("solution", "tensors")  # never graded: what comes first, not "(now -)"
    assert locked.returncode == 1 and "`kata grade tensors " in locked.stderr and "` grades it" in locked.stderr

    graded, result = _graded(kata, learner)
    total = f"{result['max_points']:g}"
    assert graded.returncode == 1
    assert f"0/{total}" in graded.stdout and "not started yet" in graded.stdout and "kata hint tensors" in graded.stdout

    locked = kata("solution", "tensors")
    assert locked.returncode == 1 and "unlocks once you have full points" in locked.stderr

    shutil.copyfile(REFERENCE / "01-tensors" / "tensors.py", solution)
    graded, result = _graded(kata, learner)
    assert graded.returncode == 0, graded.stdout
    assert f"{total}/{total}" in graded.stdout and "passed" in graded.stdout and result["status"] == "passed"
    assert '"schema_version": 1' in (learner / "result.json").read_text()

    listed = kata("list")
    assert "passed" in listed.stdout and f"{total}/{total}" in listed.stdout
    shown = kata("solution", "tensors")
    assert shown.returncode == 0 and "def flatten_transposed" in shown.stdout
    # the reference's "why" comments in one language: the learner's, or the one --lang asks for
    english_why = "# x.t() only swaps strides"
    assert english_why in shown.stdout and "# x.t() 只交换步长（stride）" not in shown.stdout
    for chinese in (kata("solution", "tensors", lang="zh"), kata("solution", "tensors", "--lang", "zh")):
        assert chinese.returncode == 0 and "def flatten_transposed" in chinese.stdout
        assert english_why not in chinese.stdout and "# x.t() 只交换步长（stride）" in chinese.stdout


def test_a_suggested_command_repeats_a_language_the_environment_would_not_pick(kata, learner: Path, pack: Path):
    started = kata("start", "tensors", lang="zh")
    assert started.returncode == 0, started.stderr
    assert f"`kata grade tensors --katas {pack} --lang zh`" in started.stdout.splitlines()[-1], started.stdout
    graded = kata("grade", "tensors", lang="zh")
    assert f"`kata hint tensors --katas {pack} --lang zh`" in graded.stdout, graded.stdout


def test_start_elsewhere_says_the_grade_command_that_reaches_it(kata, learner: Path, pack: Path):
    """A workspace named with -w is named again in the command to run next, as a copied command works."""
    started = kata("start", "tensors", "-w", "ws")
    assert started.returncode == 0, started.stderr
    assert f"then run `kata grade tensors -w ws --katas {pack}`." in started.stdout.splitlines()[-1]
    started = kata("start", "tensors", "-w", "ws", lang="zh")
    assert f"然后运行 `kata grade tensors -w ws --katas {pack} --lang zh`。" in started.stdout.splitlines()[-1]


@pytest.mark.slow
def test_verbose_lists_every_check_with_marks(kata, learner: Path, pack: Path):
    kata("start", "tensors")
    solution = _solution(learner)
    solution.write_text(_reference() + "\ndef to_labels(x):\n    return x.int()\n", encoding="utf-8")
    graded, result = _graded(kata, learner, "-v")
    lines = graded.stdout.splitlines()
    assert f"  stuck? run `kata hint tensors --katas {pack}`" in lines
    for check in result["checks"]:
        mark = "✓" if check["outcome"] == "passed" else "✗"
        row = f"  {mark} {check['points']:g}/{check['max_points']:g}  {check['title']}"
        assert any(line.startswith(row[:70]) for line in lines), (row, graded.stdout)
    assert {c["outcome"] for c in result["checks"]} == {"passed", "failed"}


@pytest.mark.slow
def test_bare_grade_skips_unchanged_katas_and_suggests_the_next(kata, learner: Path, pack: Path):
    shutil.copytree(pack / "01-tensors", pack / "02-again")  # its folder name makes it kata `again`, second
    shutil.copytree(REFERENCE / "01-tensors", pack.parent / "reference" / "02-again")
    kata("start", "tensors")
    _solution(learner).write_text(_reference(), encoding="utf-8")
    first = kata("grade")
    # a suggestion repeats the options that found these katas: a bare `kata start again` would not
    assert first.returncode == 0 and f"next: kata start again --katas {pack}" in first.stdout
    again = kata("grade")
    assert again.returncode == 0 and "Nothing changed" in again.stdout and "tensors" in again.stdout
    forced = kata("grade", "--all")
    assert forced.returncode == 0 and "passed" in forced.stdout and "Nothing changed" not in forced.stdout
    verbose = kata("grade", "-v")  # asks to see every check: grades again rather than say nothing changed
    assert verbose.returncode == 0 and "✓" in verbose.stdout and "Nothing changed" not in verbose.stdout
    _solution(learner).write_text(_reference() + "\n# edited\n", encoding="utf-8")
    changed = kata("grade")
    assert "Nothing changed" not in changed.stdout and "passed" in changed.stdout


def test_start_never_overwrites_learner_files(kata, learner: Path):
    kata("start", "tensors")
    solution = _solution(learner)
    solution.write_text("# my work\n")
    again = kata("start", "tensors")
    assert again.returncode == 0 and "kept your existing tensors.py" in again.stdout
    assert solution.read_text() == "# my work\n"


def test_reset_asks_and_keeps_a_backup(kata, learner: Path):
    kata("start", "tensors")
    solution = _solution(learner)
    solution.write_text("# my work\n")
    declined = kata("reset", "tensors", input="n\n")
    assert declined.returncode == 1 and solution.read_text() == "# my work\n"
    assert "Nothing changed" in declined.stdout
    done = kata("reset", "tensors", "--yes")
    assert done.returncode == 0
    assert "NotImplementedError" in solution.read_text()
    backups = list((learner / "kata-workspace" / ".kata" / "backups").glob("tensors-*/tensors.py"))
    assert [b.read_text() for b in backups] == ["# my work\n"]


def test_hint_ladder_goes_one_step_each_time(kata, tensors: Kata):
    ladder = tensors.hints["en"] or tensors.exercise_hints[0].hints["en"]
    total = len(ladder)
    kata("start", "tensors")
    first, second = kata("hint", "tensors"), kata("hint", "tensors")
    assert f"Hint 1 of {total}" in first.stdout and ladder[0] in first.stdout
    assert f"Hint {min(2, total)} of {total}" in second.stdout
    for _ in range(total):
        last = kata("hint", "tensors")
    assert f"Hint {total} of {total}" in last.stdout and "last hint" in last.stdout
    again = kata("hint", "tensors", "1")
    assert again.returncode == 0 and ladder[0] in again.stdout
    for lang, said in (("en", f"there is no hint {total + 1} for tensors"), ("zh", f"没有第 {total + 1} 条提示")):
        beyond = kata("hint", "tensors", str(total + 1), lang=lang)  # no `kata hint` will ever reveal it
        assert beyond.returncode == 2 and said in beyond.stderr and beyond.stderr.count("\n") == 1, beyond.stderr


@pytest.mark.slow
def test_hints_follow_the_exercise_of_the_first_failing_check(kata, learner: Path, pack: Path, tensors: Kata):
    """Per-exercise ladders: the first failing check picks the ladder; N and --all show hints again;
    reset starts the hints afresh. The kata's own list (the older format) still loads beside them.
    The kata's own exercise hints are used where it has them for the failing check, else the test adds some."""
    kata("start", "tensors")
    broken = "\ndef linear_forward(x, w, b):\n    raise NotImplementedError('exercise 3: linear_forward')\n"
    _solution(learner).write_text(_reference() + broken, encoding="utf-8")
    _, result = _graded(kata, learner)
    failing = next(c["id"] for c in result["checks"] if c["outcome"] != "passed")
    if tensors.hints_for(failing) is None:
        toml = pack / "01-tensors" / "kata.toml"
        toml.write_text(
            toml.read_text(encoding="utf-8")
            + f"""
[[hints.exercises]]
exercise = 3
checks = ["{failing}"]
en = ["three: first step", "three: second step"]
zh = ["第三题：第一步", "第三题：第二步"]
""",
            encoding="utf-8",
        )
    loaded = Catalog.load(pack).get("tensors")
    assert loaded.hints == tensors.hints  # the kata's own list still loads beside the exercises
    exercise = loaded.hints_for(failing)
    ladder, total = exercise.hints["en"], len(exercise.hints["en"])
    others = [h for e in loaded.exercise_hints if e is not exercise for h in e.hints["en"]]

    first = kata("hint", "tensors")
    assert f"Hint 1 of {total} for tensors, exercise {exercise.exercise}" in first.stdout and ladder[0] in first.stdout
    for number in range(2, total + 1):
        climbed = kata("hint", "tensors")
        assert f"Hint {number} of {total}" in climbed.stdout and ladder[number - 1] in climbed.stdout
    assert "last hint" in kata("hint", "tensors").stdout
    assert exercise.hints["zh"][0] in kata("hint", "tensors", "1", lang="zh").stdout
    beyond = kata("hint", "tensors", str(total + 1))  # past the ladder: no hint will ever have that number
    assert beyond.returncode == 2 and f"these hints go up to {total}" in beyond.stderr, beyond.stderr
    shown = kata("hint", "tensors", "--all").stdout
    assert all(h in shown for h in ladder) and not any(h in shown for h in others)

    kata("reset", "tensors", "--yes")
    assert "No hints seen" in kata("hint", "tensors", "--all").stdout


def test_chinese_output(kata):
    out = kata("start", "tensors", lang="zh")
    assert out.returncode == 0 and "练习 1" in out.stdout and "编辑" in out.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_tables_fit_80_columns(kata, lang: str):
    kata("start", "tensors")
    for args in (("list",), ("grade",)):
        out = kata(*args, lang=lang, columns=80)
        table = out.stdout.split("\n\n")[0].splitlines()
        assert max(width(line) for line in table) <= 80, out.stdout
        header, rule = table[0], table[1]
        assert width(header) <= width(rule) + 2  # wide characters measured: the header lines up with its rule
    doctor = kata("doctor", lang=lang, columns=80)
    assert doctor.returncode == 0 and max(width(line) for line in doctor.stdout.splitlines()) <= 80, doctor.stdout


@pytest.mark.slow
def test_a_long_print_shows_its_last_line(kata, learner: Path):
    kata("start", "tensors")
    noisy = (
        "\nfor _i in range(20000):\n    print(f'line {_i} of the learner output')\n"
        "\ndef to_labels(x):\n    return x.int()\n"
    )
    _solution(learner).write_text(_reference() + noisy, encoding="utf-8")
    graded = kata("grade", "tensors")
    assert graded.returncode == 1
    assert "line 19999 of the learner output" in graded.stdout


def test_output_keeps_a_head_and_the_real_tail():
    from grader.zygote import _OutputKept

    kept = _OutputKept()
    printed = b"".join(f"line {i}\n".encode() for i in range(20000))
    for start in range(0, len(printed), 4096):  # as the pipe delivers it
        kept.add(printed[start : start + 4096], 1024)
    lines = bytes(kept).decode().splitlines()
    assert len(bytes(kept)) <= 1024 + 40
    [at] = [i for i, line in enumerate(lines) if "dropped" in line]
    head, tail = lines[:at], lines[at + 1 :]
    assert head == [f"line {i}" for i in range(len(head))] and head
    assert tail == [f"line {i}" for i in range(20000 - len(tail), 20000)] and tail
    assert lines[at] == f"… {20000 - len(head) - len(tail)} lines dropped …"


@pytest.mark.parametrize(
    "lang, advice",
    [("en", "(line 2 cannot be read): re-save it as UTF-8"), ("zh", "第 2 行无法读取）：请在编辑器里把它另存为 UTF-8")],
)
@pytest.mark.slow
def test_a_gbk_file_gets_the_utf8_advice(kata, learner: Path, lang: str, advice: str):
    kata("start", "tensors")
    _solution(learner).write_bytes("import torch\n# 张量练习\n".encode("gbk"))  # the line an editor shows
    graded = kata("grade", "tensors", lang=lang)
    assert graded.returncode == 1 and advice in graded.stdout and "codec" not in graded.stdout
    _solution(learner).write_bytes("# -*- coding: gbk -*-\n# 张量练习\nimport torch\n".encode("gbk"))
    declared = kata("grade", "tensors", lang=lang)  # GBK declared in the file: Python reads it, so do we
    assert advice not in declared.stdout and "to_float_tensor" in declared.stdout


@pytest.mark.slow
def test_an_emptied_file_names_the_missing_function(kata, learner: Path):
    kata("start", "tensors")
    _solution(learner).write_text("import torch\n", encoding="utf-8")
    graded = kata("grade", "tensors")
    assert "tensors.py has no function to_float_tensor (emptied by a failed save?)" in graded.stdout
    assert "has no attribute" not in graded.stdout


@pytest.mark.slow
def test_test_code_at_the_bottom_keeps_the_other_points(kata, learner: Path):
    kata("start", "tensors")
    unfinished = (
        "\ndef linear_forward(x, w, b):\n    raise NotImplementedError('exercise 3: linear_forward')\n"
        "\nprint(linear_forward(None, None, None))\n"
    )
    source = _reference() + unfinished
    _solution(learner).write_text(source, encoding="utf-8")
    graded, result = _graded(kata, learner)
    call_line = source.splitlines().index("print(linear_forward(None, None, None))") + 1
    assert result["status"] == "error" and 0 < result["points"] < result["max_points"]
    assert "move the code at the bottom of the file under `if __name__ == '__main__':`" in graded.stdout
    assert f"tensors.py:{call_line}" in graded.stdout


@pytest.mark.slow
def test_a_wrong_folder_points_at_the_katas(kata, learner: Path):
    home = learner / "course"
    (home / "notes").mkdir(parents=True)
    kata("start", "tensors", cwd=home)
    beside = kata("grade", cwd=home / "notes")
    assert beside.returncode == 2
    assert f"your katas are in {home / 'kata-workspace'}" in beside.stderr
    holding = kata("grade", "-w", str(home))  # -w on the folder holding the workspace
    assert "not started yet" in holding.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("start", "nope"), "unknown kata 'nope'"),
        (("grade", "--device", "cuda:7"), "not present here"),
        (("grade", "--device", "tpu"), "unknown device 'tpu'"),
        (("grade",), "no started katas"),
        (("reset", "tensors", "--yes"), "is not started"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_2(kata, args, message):
    if args[0] == "grade" and "--device" in args:
        kata("start", "tensors")
    out = kata(*args)
    assert out.returncode == 2, out.stdout + out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_malformed_pack_is_a_clear_error(kata, pack: Path):
    toml = pack / "01-tensors" / "kata.toml"
    toml.write_text(toml.read_text().replace("format = 1", 'format = "first"'))
    out = kata("list")
    assert out.returncode == 2
    assert "kata.toml: field 'format' must be int" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_verify_proves_the_tensors_kata(kata, tensors: Kata):
    out = kata("verify")
    assert out.returncode == 0, out.stdout
    assert "ok   tensors: " in out.stdout
    total = len(tensors.mistakes)
    assert f"{total}/{total} known mistakes caught" in out.stdout


@pytest.mark.slow
def test_verify_counts_only_the_mistakes_it_caught(kata, pack: Path):
    """A mistake that earns full marks is one not caught: the summary line counts what was proved."""
    (pack / "01-tensors" / "mistakes" / "zz_correct_after_all.py").write_text(
        '"""the reference again\n\ncatches: test_move_to\n"""\n', encoding="utf-8"
    )
    out = kata("verify", "tensors")
    total = len(list((pack / "01-tensors" / "mistakes").glob("*.py")))
    assert out.returncode == 1
    assert "FAIL tensors: " in out.stdout and f"{total - 1}/{total} known mistakes caught" in out.stdout
    assert "mistake zz-correct-after-all (the reference again) is not caught by test_move_to" in out.stdout


def test_concurrent_state_updates_are_never_lost(tmp_path: Path):
    """Two `kata` commands at once (watch grading while `kata hint` runs): every update survives."""
    import threading

    from grader.results import KataResult
    from grader.workspace import Workspace

    space = Workspace(tmp_path / "kata-workspace")
    ids = [f"kata{i}" for i in range(8)]

    def record(kata_id: str) -> None:
        (space.root / kata_id).mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            space.record(KataResult(kata_id, 1, "failed", "", [], "cpu", "test"))

    threads = [threading.Thread(target=record, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = json.loads(space.state_path.read_text(encoding="utf-8"))
    assert sorted(state["last"]) == ids and sorted(state["best"]) == ids
    assert not list(space.state_path.parent.glob("*.tmp"))


def test_limits_that_cannot_be_enforced_are_refused_before_grading(kata, learner):
    kata("start", "tensors")
    for option in (("--timeout", "inf"), ("--timeout", "1e300"), ("--timeout", "nan")):
        refused = kata("grade", "--all", *option)
        assert refused.returncode == 2 and "--timeout" in refused.stderr, option
    state = learner / "kata-workspace" / ".kata" / "state.json"
    assert not state.exists() or '"last"' not in state.read_text(encoding="utf-8")  # nothing graded, nothing kept


def test_an_unknown_language_is_one_line(kata):
    for args in (("list",), ("solution", "tensors")):
        said = kata(*args, lang="fr")
        assert said.returncode == 2 and said.stderr == "error: --lang must be zh or en, not 'fr'\n", said.stderr


def test_arguments_are_checked_before_anything_is_graded(kata, learner):
    kata("start", "tensors")
    for args, said in (
        (("--device", "bogus"), "error: unknown device 'bogus'"),
        (("--json", str(learner / "nowhere" / "x.json")), "there is no folder"),
        (("-w", "/etc/passwd"), "-w /etc/passwd is a file"),
        (("--json", str(learner)), "is a folder; give the name of a file"),
    ):
        refused = kata("grade", *args)
        assert refused.returncode == 2 and said in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    assert "未知设备 'bogus'" in kata("grade", "--device", "bogus", lang="zh").stderr


def test_a_solution_earned_on_older_checks_says_to_grade_again(kata, learner, tensors: Kata):
    kata("start", "tensors")
    _solution(learner).write_text(_reference(), encoding="utf-8")
    assert kata("grade", "tensors").returncode == 0
    state_file = learner / "kata-workspace" / ".kata" / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    for record in ("best", "last"):
        state[record]["tensors"]["version"] = tensors.version - 1  # full points on the checks before a change
    state_file.write_text(json.dumps(state), encoding="utf-8")
    locked = kata("solution", "tensors")
    assert locked.returncode == 1 and "changed since your" in locked.stderr and "`kata grade tensors " in locked.stderr
    assert kata("grade", "tensors").returncode == 0 and kata("solution", "tensors").returncode == 0


def test_a_hint_for_a_kata_not_started_says_to_start_it_and_makes_nothing(kata, learner):
    for lang, said in (("en", "run `kata start tensors"), ("zh", "请先运行 `kata start tensors")):  # then --katas
        refused = kata("hint", "tensors", lang=lang)
        assert refused.returncode == 2 and said in refused.stderr and refused.stderr.count("\n") == 1
    assert not (learner / "kata-workspace").exists()  # no stray workspace from a hint


def test_w_on_a_katas_folder_means_its_workspace(kata, learner):
    kata("start", "tensors")
    folder = learner / "kata-workspace" / "tensors"
    listed = kata("list", "-w", str(folder))  # not a new workspace nested in the kata's folder
    [row] = [line for line in listed.stdout.splitlines() if " tensors " in line]
    assert listed.returncode == 0 and "started" in row and "not-started" not in row, listed.stdout
    assert not (folder / ".kata").exists() and not (folder / "tensors").exists()


def test_a_workspace_that_does_not_exist_is_refused_not_made(kata, learner):
    typo = learner / "kata-worksapce"
    for args in (("list",), ("grade",), ("hint", "tensors"), ("reset", "tensors"), ("solution", "tensors")):
        for lang, said in (("en", "there is no such folder"), ("zh", "没有这个文件夹")):
            refused = kata(*args, "-w", str(typo), lang=lang)
            assert refused.returncode == 2 and said in refused.stderr, (args, refused.stderr)
            assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    watched = subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "watch", "-w", str(typo)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert watched.returncode == 2 and "there is no such folder" in watched.stderr, watched.stderr
    assert not typo.exists()


@pytest.mark.parametrize(
    "args, english, chinese",
    [
        (("hint",), "Missing argument 'ID'.", "缺少参数 'ID'。"),
        (("hint", "tensors", "0"), "Invalid value for 'N': '0' (at least 1).", "'N' 的值 '0' 无效（至少为 1）。"),
        (("hint", "tensors", "two"), "(a whole number is needed)", "（需要一个整数）"),
        (("grade", "--timeout", "x"), "(a number is needed)", "（需要一个数字）"),
        (("doctor", "-w"), "Option -w needs a value.", "选项 -w 后面需要一个值。"),  # doctor: no --katas after it
        (("grade", "--all=yes"), "Option --all takes no value.", "选项 --all 不接受值。"),
        (("hint", "tensors", "--al"), "No such option: --al. Did you mean --all", "没有 --al 这个选项。你是想用 --all"),
        (("grad",), "No such command 'grad'. Did you mean grade?", "没有 'grad' 这个命令。你是想用 grade 吗？"),
        (("list", "tensors"), "Unexpected extra argument(s): tensors.", "多出了参数：tensors。"),
        (("export", "gradescope", "x"), "Unexpected extra argument(s): x.", "多出了参数：x。"),  # a sub-command
        (("batch", "x"), "Missing option '-o' / '--out'.", "缺少选项 '-o' / '--out'。"),
    ],
)
def test_usage_errors_are_said_in_the_learners_language(kata, args, english, chinese):
    from grader.bilingual import untranslated

    for lang, said in (("en", english), ("zh", chinese)):
        out = kata(*args, lang=lang)
        panel = " ".join(line for line in out.stderr.splitlines() if "│" in line)  # the error's own words
        shown = re.sub(r"[\s│]+", " ", panel)
        assert out.returncode == 2 and said in shown and "Traceback" not in out.stderr, out.stderr
        assert lang == "en" or not untranslated(panel), out.stderr


def test_a_prompt_ended_by_eof_or_ctrl_c_is_aborted_in_the_learners_language(kata, learner):
    kata("start", "tensors")
    _solution(learner).write_text("# my work\n")
    for lang, said in (("en", "Aborted."), ("zh", "已中止。")):
        aborted = kata("reset", "tensors", input="", lang=lang)  # stdin ends at the question
        assert aborted.returncode == 1 and said in aborted.stderr and "Traceback" not in aborted.stderr
    assert _solution(learner).read_text() == "# my work\n"


def test_a_file_error_is_said_in_the_learners_language(kata, learner):
    (learner / "a-file").write_text("not a folder")
    for lang, reason in (("en", "Not a directory"), ("zh", "不是文件夹")):
        said = kata("start", "tensors", "-w", str(learner / "a-file" / "ws"), lang=lang)
        assert said.returncode == 2 and reason in said.stderr and said.stderr.count("\n") == 1, said.stderr


def test_batch_refuses_to_write_its_grades_among_the_submissions(kata, learner):
    (learner / "class" / "alice").mkdir(parents=True)
    refused = kata("batch", str(learner / "class"), "-o", str(learner / "class" / "grades"))
    assert refused.returncode == 2 and "inside the submissions folder" in refused.stderr
    assert not (learner / "class" / "grades").exists()


def test_one_folder_above_the_project_names_its_katas_below(kata, learner: Path):
    """`cd ..` out of the project: the katas one level down are named, not another project's beside it."""
    (learner / "proj").mkdir()
    (learner.parent / "other").mkdir()
    kata("start", "tensors", cwd=learner / "proj")
    kata("start", "tensors", cwd=learner.parent / "other")  # an unrelated workspace, a sibling of the parent
    for args in (("grade",), ("watch",), ("hint", "tensors")):
        refused = kata(*args, input="")
        assert refused.returncode == 2, refused.stderr
        assert f"your katas are in {learner / 'proj' / 'kata-workspace'}" in refused.stderr, refused.stderr


def test_watch_refuses_as_grade_does_and_never_starts_a_kata(kata, learner: Path, pack: Path):
    graded, watched = kata("grade"), kata("watch", input="")
    assert watched.returncode == graded.returncode == 2 and watched.stderr == graded.stderr
    assert "no started katas" in watched.stderr and not (learner / "kata-workspace").exists()
    (learner / "ws").mkdir()
    for lang, said in (("en", f"run `kata start tensors -w ws --katas {pack}` first"), ("zh", "请先运行 `kata start")):
        named = kata("watch", "tensors", "-w", "ws", input="", lang=lang)
        assert named.returncode == 2 and said in named.stderr and named.stderr.count("\n") == 1, named.stderr
    assert list((learner / "ws").iterdir()) == []  # nothing copied in


def test_every_suggested_command_repeats_the_workspace_and_language(kata, learner: Path, pack: Path):
    """A suggestion copied as it is reaches the same workspace in the same language."""
    (learner / "ws").mkdir()
    options = f"-w ws --katas {pack}"
    assert f"run `kata start tensors {options}` first" in kata("hint", "tensors", "-w", "ws").stderr
    assert f"run `kata start tensors {options}` first" in kata("grade", "-w", "ws").stderr
    unstarted = kata("grade", "tensors", "-w", "ws").stdout
    # a kata not started is started first: no `kata hint`, which would refuse
    assert f"to begin: run `kata start tensors {options}`" in unstarted and "kata hint" not in unstarted, unstarted
    kata("start", "tensors", "-w", "ws")
    assert f"(use `kata reset tensors {options}` to start over)" in kata("start", "tensors", "-w", "ws").stdout
    assert f"run `kata hint tensors {options}` to reveal" in kata("hint", "tensors", "2", "-w", "ws").stderr
    assert f"run `kata hint tensors {options}`." in kata("hint", "tensors", "--all", "-w", "ws").stdout
    zh = kata("hint", "tensors", "2", "-w", "ws", lang="zh").stderr
    assert f"运行 `kata hint tensors {options} --lang zh`" in zh, zh
    kata("grade", "-w", "ws")
    unchanged = kata("grade", "-w", "ws").stdout
    assert f"`kata grade --all {options}` grades them again" in unchanged, unchanged


def test_a_kata_named_twice_is_graded_once(kata):
    kata("start", "tensors")
    graded = kata("grade", "tensors", "tensors", "1")  # by id twice, and by its number
    rows = [line.split() for line in graded.stdout.splitlines() if re.match(r"(tensors|total) +\d", line)]
    [(_, _, points, *_), (_, total)] = rows  # one row, and a total of its points alone
    assert total == points, graded.stdout


def test_watch_and_notebook_take_a_number_and_suggest_a_typo(kata, learner: Path):
    kata("start", "tensors")
    for command in ("watch", "notebook"):
        typo = kata(command, "tensor", input="")
        assert typo.returncode == 2 and "did you mean tensors?" in typo.stderr, typo.stderr
    numbered = kata("notebook", "1")
    assert numbered.returncode == 0 and (learner / "kata-workspace" / "tensors" / "tensors.ipynb").is_file()


def test_a_w_that_is_a_file_is_refused_by_start_and_doctor(kata, learner: Path):
    (learner / "afile").write_text("hi\n")
    for args in (("doctor",), ("start", "tensors")):
        for lang, said in (("en", "-w afile is a file"), ("zh", "-w afile 是一个文件")):
            refused = kata(*args, "-w", "afile", lang=lang)
            assert refused.returncode == 2 and said in refused.stderr and refused.stderr.count("\n") == 1, refused


def test_a_hint_at_full_points_points_to_the_solution(kata, learner: Path, pack: Path, tensors: Kata):
    from grader.results import KataResult
    from grader.workspace import Workspace, fingerprint

    kata("start", "tensors")
    _solution(learner).write_text(_reference(), encoding="utf-8")
    space = Workspace(learner / "kata-workspace")
    graded = fingerprint(space.folder(tensors), tensors.files)  # these very files were graded at full points
    space.record(KataResult("tensors", tensors.version, "passed", "", [], "cpu", "test"), graded)
    for lang, said in (("en", "already at full points"), ("zh", "已经拿到满分")):
        answered = kata("hint", "tensors", lang=lang)
        assert answered.returncode == 0 and said in answered.stdout and "kata solution tensors" in answered.stdout
        assert "Hint 1" not in answered.stdout and "提示 1" not in answered.stdout, answered.stdout
    assert "hints_used" not in json.loads(space.state_path.read_text(encoding="utf-8"))  # no hint counted


@pytest.mark.slow
def test_next_after_a_pass_is_a_started_kata_not_finished(kata, learner: Path, pack: Path):
    shutil.copytree(pack / "01-tensors", pack / "02-again")  # its folder name makes it kata `again`, second
    shutil.copytree(REFERENCE / "01-tensors", pack.parent / "reference" / "02-again")
    kata("start", "tensors")
    kata("start", "again")
    _solution(learner).write_text(_reference(), encoding="utf-8")
    graded = kata("grade", "tensors")
    assert graded.returncode == 0 and f"next: kata grade again --katas {pack}" in graded.stdout, graded.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_a_dumb_terminal_gets_no_progress_drawn_in_place(kata, learner: Path, pack: Path):
    kata("start", "tensors")
    drawn = _in_terminal(["grade", "--all", "--katas", str(pack)], learner, "xterm")
    assert "\x1b[K" in drawn  # the progress line, redrawn where the terminal can
    plain = _in_terminal(["grade", "--all", "--katas", str(pack)], learner, "dumb")
    assert "tensors" in plain and "\x1b[K" not in plain and not re.search(r"\r(?!\n)", plain), repr(plain)


def _in_terminal(args: list[str], cwd: Path, term: str) -> str:
    """What `kata ARGS` shows on a terminal of kind `term` (stdout and stderr, one pseudo-terminal)."""
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": term, "KATA_LANG": "en", "HOME": str(cwd.parent)}
    command = [sys.executable, "-m", "grader", "--lang", "en", *args]
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:  # every writer has closed the terminal
                    break
            elif process.poll() is not None:
                break
        process.wait(10)
    finally:
        os.close(master)
    return seen.decode(errors="replace")
