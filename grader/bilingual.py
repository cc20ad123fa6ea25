"""Text a check gives a learner, in English and Chinese at once.

A judge half says what went wrong in both languages, and the result keeps both: the scorecard,
the report and the feedback show the learner's own, exports keep the English one.

    from grader.bilingual import both
    assert len(got) == n, both(f"expected {n} batches, got {len(got)}", f"应有 {n} 个批次，实际得到 {len(got)} 个")
    expect.close(out, want, name="mse(pred, target)", why=both("…", "…"))

When a slot holds text that is itself bilingual (a `name=` or a `why=` handed down), fill it with
`format`, which puts each language's text in its own template:

    both("{name} changed its input", "{name} 修改了它的输入").format(name=name)

Plain `str` is taken as the same in both languages (code, numbers, shapes). `untranslated` finds the
English sentences a Chinese text still holds, for `kata verify` and the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Bilingual:
    en: str
    zh: str

    def __str__(self) -> str:  # the canonical text, as exports and logs keep it
        return self.en

    def __add__(self, other: "Text") -> "Bilingual":
        return Bilingual(self.en + in_language(other, "en"), self.zh + in_language(other, "zh"))

    def __radd__(self, other: "Text") -> "Bilingual":
        return Bilingual(in_language(other, "en") + self.en, in_language(other, "zh") + self.zh)

    def format(self, **values: object) -> "Bilingual":
        return Bilingual(
            self.en.format(**{k: in_language(v, "en") for k, v in values.items()}),
            self.zh.format(**{k: in_language(v, "zh") for k, v in values.items()}),
        )

    def __bool__(self) -> bool:
        return bool(self.en or self.zh)


Text = Union[Bilingual, str]


def both(en: str, zh: str) -> Bilingual:
    """One message in English and in Chinese."""
    return Bilingual(en, zh)


def in_language(text: object, lang: str) -> str:
    """`text` as `lang` reads it: a plain string (or any other value) is the same in both languages."""
    if isinstance(text, Bilingual):
        return text.zh if lang == "zh" else text.en
    return str(text)


def sentence(first: Text, then: Text) -> Bilingual:
    """`first`, then `then` as a second sentence, each with its language's full stop."""
    if not then:
        return Bilingual(in_language(first, "en"), in_language(first, "zh"))
    return Bilingual(
        f"{in_language(first, 'en')}. {in_language(then, 'en')}",
        f"{in_language(first, 'zh')}。{in_language(then, 'zh')}",
    )


# Three words of two or more letters in a row: an English sentence, unless it is code or quoted.
_ENGLISH_RUN = re.compile(r"(?<![\w./])[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}(?![\w./(])")
# What a Chinese message may quote in English: `code`, Python's own error text after its type, and
# quoted words such as a dict's keys (['ids', 'mask']).
_QUOTED = re.compile(r"`[^`]*`|\b[A-Z]\w*(?:Error|Exception|Warning)\b:?[^\n（。；]*|'[^'\s]*'|\"[^\"\s]*\"")


def untranslated(text: str) -> list[str]:
    """The English sentences left in a Chinese `text` (outside `code` and quoted Python errors)."""
    return [match.group(0) for match in _ENGLISH_RUN.finditer(_QUOTED.sub(" ", text))]
