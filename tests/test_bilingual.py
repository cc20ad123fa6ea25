"""A check's message in both languages: how `both` composes, how `expect` and the judge keep each
language, the figures a check measures, and how untranslated English is found in a Chinese text."""

from __future__ import annotations

import pytest
import torch

from grader import expect
from grader.bilingual import Bilingual, both, in_language, sentence, untranslated
from grader.channel import Outcome
from grader.judge import JudgeCheck, Judgement
from grader.observations import Raised, encode
from grader.results import CheckResult


def _raised(call, *args, **kwargs) -> Bilingual:
    with pytest.raises(AssertionError) as caught:
        call(*args, **kwargs)
    (message,) = caught.value.args
    assert isinstance(message, Bilingual)
    return message


def test_both_composes_each_language_with_its_own_text():
    name = both("the loss", "损失")
    message = both("{name} is negative", "{name}为负数").format(name=name)
    assert message == Bilingual("the loss is negative", "损失为负数")
    assert "x: " + message == Bilingual("x: the loss is negative", "x: 损失为负数")
    assert str(message) == "the loss is negative" and in_language("f(x)", "zh") == "f(x)"
    assert sentence(message, "") == message
    assert sentence(message, both("Use abs()", "请用 abs()")) == Bilingual(
        "the loss is negative. Use abs()", "损失为负数。请用 abs()"
    )


def test_expect_says_each_failure_in_both_languages():
    why = both("b adds to every row", "b 要加到每一行上")
    shape = _raised(expect.shape, torch.ones(2, 3), (3, 2), name="f(x)", why=why)
    assert shape.en == "f(x) should have shape (3, 2), got (2, 3). b adds to every row"
    assert shape.zh == "f(x) 的形状应为 (3, 2)，实际是 (2, 3)。b 要加到每一行上"
    values = _raised(expect.close, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))
    assert values.zh == "结果的数值不对：2 个中有 1 个不同；在下标 1 处应为 3，实际是 2"
    raised = _raised(expect.returned, Raised("ValueError", "bad", "mlp.py", 4), name="forward(x)")
    assert raised.zh == "forward(x) 抛出了 ValueError: bad（mlp.py 第 4 行）"
    for message in (shape, values, raised):
        assert untranslated(message.zh) == []


def _check(function) -> JudgeCheck:
    return JudgeCheck(function.__name__, function, 1.0, "t", "t", frozenset())


def test_the_judge_keeps_both_languages_and_what_the_check_measured():
    def test_accuracy(rng, measured):
        seen = yield {}
        measured(both("test accuracy", "测试准确率"), seen, f"{seen:.1%}")
        if seen < 0.9:  # (pytest rewrites this file's asserts; a judge's own asserts are plain)
            raise AssertionError(both(f"accuracy {seen:.2f} is below 0.9", f"准确率 {seen:.2f} 低于 0.9"))

    def test_plain(rng):
        seen = yield {}
        if not seen:
            raise AssertionError("a plain message")

    judgement = Judgement([_check(test_accuracy), _check(test_plain)], "job", "cpu", None)
    report = judgement.verdict("test_accuracy", encode(0.5), 0.1)
    assert report.outcome is Outcome.FAILED
    assert (report.message, report.message_zh) == ("accuracy 0.50 is below 0.9", "准确率 0.50 低于 0.9")
    assert report.figures == ({"en": "test accuracy", "zh": "测试准确率", "value": 0.5, "text": "50.0%"},)
    plain = judgement.verdict("test_plain", encode(0), 0.1)
    assert (plain.message, plain.message_zh) == ("a plain message", "")


def test_a_result_shows_the_chinese_message_or_translates_the_engines_own():
    own = CheckResult("c", "t", "t", 0, 1, "failed", "too big", 0.0, "太大")
    engine = CheckResult("c", "t", "t", 0, 1, "failed", "no result was reported for this check")
    assert own.localized_message("zh") == "太大" and own.localized_message("en") == "too big"
    assert engine.localized_message("zh") == "这项检查没有报告结果"


@pytest.mark.parametrize(
    "text, left",
    [
        ("形状应为 (3, 2)，实际是 (2, 3)", []),
        ("请用 `torch.no_grad()` 包住评估", []),
        ("f(x) 抛出了 RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x3 and 5x3)。请检查形状", []),
        ("形状不对。the bias is added to every row", ["the bias is added to every row"]),
        ("用 state_dict 保存 model.pt", []),
        ("键应为 ['ids', 'mask', 'pair', 'source']，实际是 ['ids', 'pair']", []),  # quoted keys are code
        ("键不对。'the keys are wrong'", ["the keys are wrong"]),  # a quoted sentence is still English
    ],
)
def test_untranslated_finds_english_sentences_outside_code_and_error_text(text: str, left: list[str]):
    assert untranslated(text) == left


def test_the_scorecard_shows_what_a_check_measured_in_the_learners_language():
    from grader.catalog import Catalog
    from grader.results import KataResult
    from grader.scorecard import render

    figure = {"en": "test accuracy", "zh": "测试准确率", "value": 0.5, "text": "50.0%"}
    check = CheckResult("test_run_accuracy", "t", "t", 0, 4, "failed", "too low", 1.0, "太低", [figure])
    result = KataResult("mnist", 1, "failed", "1 of 1 checks failed", [check], "cpu", "2.13")
    english, chinese = (render([result], Catalog.load(), lang) for lang in ("en", "zh"))
    assert "mnist measured: test accuracy 50.0%" in english and "    too low" in english
    assert "mnist 测得：测试准确率 50.0%" in chinese and "    太低" in chinese


def test_results_written_before_or_after_these_fields_still_load():
    from grader.results import KataResult

    check = CheckResult(
        "c", "t", "t", 0, 1, "failed", "too big", 0.5, "太大", [{"en": "x", "zh": "x", "value": 1.0, "text": "1"}]
    )
    data = KataResult("k", 1, "failed", "1 of 1 checks failed", [check], "cpu", "2.13").to_dict()
    assert KataResult.from_dict(data).checks == [check]
    older = {**data, "checks": [{k: v for k, v in data["checks"][0].items() if k not in ("message_zh", "figures")}]}
    assert (
        KataResult.from_dict(older).checks[0].message_zh == "" and KataResult.from_dict(older).checks[0].figures == []
    )
    later = {**data, "graded_by": "a later version", "checks": [{**data["checks"][0], "hint_level": 2}]}
    assert KataResult.from_dict(later) == KataResult.from_dict(data)
