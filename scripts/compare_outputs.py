"""Compare two `kata batch` outputs (grades.csv, checks.csv), ignoring times, devices and torch versions."""

import csv
import sys
from pathlib import Path

IGNORED = ("time", "duration", "second", "device", "torch")


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as file:
        table = list(csv.reader(file))
    keep = [i for i, name in enumerate(table[0]) if not any(word in name.lower() for word in IGNORED)]
    return sorted([[row[i] for i in keep if i < len(row)] for row in table[1:]])


left, right = Path(sys.argv[1]), Path(sys.argv[2])
for name in ("grades.csv", "checks.csv"):
    a, b = rows(left / name), rows(right / name)
    print(
        name, "identical" if a == b else f"DIFFERENT ({sum(x != y for x, y in zip(a, b))} rows differ)", len(a), "rows"
    )
    for x, y in [(x, y) for x, y in zip(a, b) if x != y][:10]:
        print("  ", x, "\n  ", y)
