"""The READMEs' table of katas, generated from each kata.toml's title and summary.

README.md (English and Chinese columns) and README.zh.md (Chinese) each hold the table between
`<!-- kata-table -->` and `<!-- /kata-table -->`; tests/test_catalog_format.py fails when one differs.

    python scripts/readme_table.py           print both tables
    python scripts/readme_table.py --write   rewrite them in the READMEs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a source checkout without an install

from grader.catalog import Catalog, Kata  # noqa: E402

START, END = "<!-- kata-table -->", "<!-- /kata-table -->"
READMES = {"en": "README.md", "zh": "README.zh.md"}
_HEADERS = {"en": ("#", "id", "kata", "what it teaches", "学习内容"), "zh": ("#", "id", "练习", "学习内容")}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(kata: Kata, lang: str) -> tuple[str, ...]:
    if lang == "en":
        title = f"{kata.title['en']} ({kata.title['zh']})"
        return str(kata.order), f"`{kata.id}`", title, kata.summary["en"], kata.summary["zh"]
    return str(kata.order), f"`{kata.id}`", kata.title["zh"], kata.summary["zh"]


def _line(cells) -> str:
    return f"| {' | '.join(cells)} |"


def table(catalog: Catalog, lang: str) -> str:
    """The markdown table for the README in `lang`, one row per kata in order."""
    header = _HEADERS[lang]
    rows = [_line(map(_cell, _row(kata, lang))) for kata in catalog]
    return "\n".join([_line(header), "|" + "---|" * len(header), *rows])


def replaced(text: str, new_table: str, name: str) -> str:
    """`text` with the part between the markers replaced by `new_table`."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{name}: no {START} ... {END} block to fill")
    return f"{text[:start]}{START}\n{new_table}\n\n{text[end:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the tables in the READMEs")
    args = parser.parse_args()
    catalog = Catalog.load(ROOT / "katas")
    for lang, name in READMES.items():
        new_table = table(catalog, lang)
        if not args.write:
            print(f"{name}:\n{new_table}\n")
            continue
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        path.write_text(replaced(text, new_table, name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
