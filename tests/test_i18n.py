"""The message catalogue: every phrase in both languages, every engine message translatable, and a
Chinese learner's failing kata graded through the real CLI shows no English sentence of the CLI's
or the engine's own (a check author's messages are the kata's business, not tested here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import api, i18n, notebook, plugin
from grader.bilingual import untranslated
from grader.i18n import PHRASES, say, translate
from grader.jobs import device_skip_reason

ROOT = Path(__file__).resolve().parents[1]
MISTAKES = ROOT / "katas" / "01-tensors" / "mistakes"
_SLOT = re.compile(r"\{(\w+)\}")


# the catalogue, and the tables of the notebook and the Python API, which keep their own phrases
_TABLES = {"i18n": PHRASES, "notebook": notebook.TEXT, "api": api._TEXT}


@pytest.mark.parametrize(("where", "key"), [(where, key) for where, table in _TABLES.items() for key in sorted(table)])
def test_every_phrase_has_both_languages_with_the_same_slots(where: str, key: str):
    table = _TABLES[where][key]
    assert set(table) == {"en", "zh"} and all(text.strip() for text in table.values())
    assert sorted(_SLOT.findall(table["en"])) == sorted(_SLOT.findall(table["zh"]))


@pytest.mark.parametrize("key", i18n._ENGINE_KEYS)
def test_engine_messages_come_back_in_chinese(key: str):
    slots = _SLOT.findall(PHRASES[key]["en"])
    values = {slot: f"v{i}" for i, slot in enumerate(slots)}
    assert translate(say(key, "en", **values), "zh") == say(key, "zh", **values)
    assert translate(say(key, "en", **values), "en") == say(key, "en", **values)


def test_nested_engine_messages_translate_inside_out():
    english = say(
        "at_location",
        "en",
        file="autograd_basics.py",
        line=20,
        message=say("not_started_yet", "en", detail=say("exercise_name", "en", n=1, name="gradient")),
    )
    assert english == "not started yet: exercise 1: gradient (at autograd_basics.py:20)"
    assert translate(english, "zh") == "尚未开始：第 1 小题 gradient（autograd_basics.py 第 20 行）"


def test_an_exception_without_a_message_raised_at_import_is_said_in_chinese():
    # `raise ValueError` at the bottom of a file: the place alone, never "imported: " and nothing
    english = plugin._describe_load_failure("tensors.py", _raised(ValueError()))
    assert english == "tensors.py raised ValueError while being imported: no message"
    assert translate(english, "zh") == "tensors.py 在被导入时抛出了 ValueError：没有消息"
    placed = say(
        "raised_at_import", "en", file="tensors.py", error="ValueError", detail=plugin._at("", ("tensors.py", 3))
    )
    assert placed == "tensors.py raised ValueError while being imported: at tensors.py:3"
    assert translate(placed, "zh") == "tensors.py 在被导入时抛出了 ValueError：tensors.py 第 3 行"


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - the exception itself, with its traceback
        return caught


def test_text_the_catalogue_does_not_know_is_left_alone():
    author = "mean_loss returned 0.31; expected 0.25 (did you average twice?)"
    assert translate(author, "zh") == author


def test_the_runners_own_phrases_are_in_the_catalogue():
    for reason in (
        device_skip_reason(frozenset({"cpu"}), "cuda:0"),
        device_skip_reason(frozenset({"accelerator"}), "cpu"),
    ):
        assert translate(reason, "zh") != reason


@pytest.fixture
def zh_kata(tmp_path: Path):
    root = tmp_path / "pack"
    shutil.copytree(ROOT / "katas" / "01-tensors", root / "katas" / "01-tensors")
    shutil.copytree(ROOT / "reference" / "01-tensors", root / "reference" / "01-tensors")

    learner = tmp_path / "home" / "learner"  # alone in its parent and home: no workspace nearby
    learner.mkdir(parents=True)

    def run(*args: str, input: str | None = None) -> str:
        command = [sys.executable, "-m", "grader", "--lang", "zh", *args, "--katas", str(root / "katas")]
        out = subprocess.run(
            command,
            cwd=learner,
            capture_output=True,
            text=True,
            timeout=180,
            input=input,
            env={**os.environ, "COLUMNS": "80", "HOME": str(learner.parent)},
        )
        return out.stdout + out.stderr

    return run


@pytest.mark.slow
def test_a_failing_kata_in_chinese_has_no_english_sentence(zh_kata, tmp_path: Path):
    assert "还没有开始任何练习" in zh_kata("grade")
    solution = tmp_path / "home" / "learner" / "kata-workspace" / "tensors" / "tensors.py"
    zh_kata("start", "tensors")  # prints the kata's own README.zh.md: the kata's text, not the CLI's
    seen = [
        zh_kata("start", "nope"),
        zh_kata("start", "tensr"),
        zh_kata("list"),
        zh_kata("grade", "-v"),
        zh_kata("hint", "tensors"),
        zh_kata("hint", "tensors", "--all"),
        zh_kata("reset", "tensors", input="n\n"),
    ]
    reference = (ROOT / "reference" / "01-tensors" / "tensors.py").read_text(encoding="utf-8")
    for source in (
        "# 张量练习\nimport torch\n".encode("gbk"),  # saved as GBK
        b"import torch\n",  # emptied by a failed save
        (
            reference + "\ndef linear_forward(x, w, b):\n    raise NotImplementedError('exercise 3: linear_forward')\n"
            "\nprint(linear_forward(None, None, None))\n"
        ).encode(),  # test code at the bottom
        b"while True:\n    pass\n",  # a hang at import
        b"import os\nos._exit(3)\n",  # the learner's code ends the process
        *(  # wrong answers: the checks' own messages
            (reference + "\n" + (MISTAKES / name).read_text(encoding="utf-8")).encode()
            for name in ("transposes_in_place.py", "float64_from_numpy.py", "global_manual_seed.py")
        ),
    ):
        solution.write_bytes(source)
        seen.append(zh_kata("grade", "tensors", "--timeout", "5"))
    text = "\n".join(seen)
    assert "尚未开始" in text and "另存为 UTF-8" in text and "if __name__ == '__main__':" in text
    assert text.count("第一个未通过的检查") >= 3  # the three wrong answers at least
    assert untranslated(text) == [], text


@pytest.mark.parametrize("command, key", [("grade", "help_grade"), ("hint", "help_hint_all"), ("watch", "help_poll")])
def test_help_speaks_the_language_asked_for(command: str, key: str):
    for lang in ("en", "zh"):
        out = subprocess.run(
            [sys.executable, "-m", "grader", "--lang", lang, command, "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "300"},
        )
        assert out.returncode == 0 and say(key, lang) in out.stdout, out.stdout


def test_a_value_too_large_to_reach_the_judge_is_said_in_chinese():
    """The child's message for what cannot travel (a tensor a wrong broadcast made huge) is an engine
    message: a Chinese learner reads it whole in Chinese."""
    import torch

    from grader.observations import MAX_TENSOR_BYTES, ObservationError, encode

    with pytest.raises(ObservationError) as caught:
        encode(torch.zeros(MAX_TENSOR_BYTES // 4 + 1))
    message = i18n.say("cannot_send", "en", reason=caught.value)
    size = MAX_TENSOR_BYTES // (1024 * 1024)
    assert i18n.translate(message, "zh") == f"你的代码返回的值无法传给评判程序：超过 {size} MiB 的张量"


@pytest.mark.parametrize(
    ("environment", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL decides, as for every program
        ({"LANG": "C", "LC_MESSAGES": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "KATA_LANG": "en"}, "en"),
    ],
)
def test_the_locale_variables_decide_in_their_order(monkeypatch, environment: dict[str, str], lang: str):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "KATA_LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert i18n.detect_language(None) == lang


def test_lang_takes_either_language_in_any_case():
    assert i18n.is_language("ZH") and i18n.is_language("en") and not i18n.is_language("zh_CN")
    assert i18n.detect_language("ZH") == "zh"
