"""The learner's workspace: `<root>/<kata-id>/<files>` plus `<root>/.kata/state.json`.

Start copies a stub without ever overwriting a learner's file; reset backs the old files up first;
the state file remembers hints used and each kata's best result (which gates `kata solution`).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from grader.catalog import Kata
from grader.errors import KataError
from grader.results import KataResult

STATE_DIR = ".kata"
DEFAULT_NAME = "kata-workspace"


def find_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """`-w DIR`, else the nearest folder upward holding `.kata/`, else `./kata-workspace`."""
    if explicit is not None:
        return Path(explicit).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR).is_dir():
            return folder
    return here / DEFAULT_NAME


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.state_path = self.root / STATE_DIR / "state.json"

    def folder(self, kata: Kata) -> Path:
        return self.root / kata.id

    def is_started(self, kata: Kata) -> bool:
        return self.folder(kata).is_dir()

    # -- state ----------------------------------------------------------------------------------

    def _state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.state_path)  # atomic: a crash never leaves half a state file

    def best(self, kata: Kata) -> dict | None:
        return self._state().get("best", {}).get(kata.id)

    def record(self, result: KataResult) -> None:
        state = self._state()
        best = state.setdefault("best", {})
        previous = best.get(result.kata)
        if previous is None or result.points >= previous.get("points", 0) or previous.get("version") != result.version:
            best[result.kata] = {"points": result.points, "max_points": result.max_points,
                                 "status": result.status, "version": result.version}
        self._save(state)

    # -- start / reset --------------------------------------------------------------------------

    def start(self, kata: Kata) -> list[tuple[str, bool]]:
        """Copy the stub in; returns (file, created) — existing files are kept untouched."""
        target = self.folder(kata)
        if target.exists() and not target.is_dir():
            raise KataError(f"{target} exists and is not a folder")
        target.mkdir(parents=True, exist_ok=True)
        (self.root / STATE_DIR).mkdir(exist_ok=True)
        report = []
        for name in kata.files:
            destination = target / name
            if destination.exists():
                report.append((name, False))
            else:
                shutil.copyfile(kata.stub / name, destination)
                report.append((name, True))
        return report

    def reset(self, kata: Kata) -> Path:
        """Back up the learner's files, then put the stub back. Returns the backup folder."""
        target = self.folder(kata)
        backup = self.root / STATE_DIR / "backups" / f"{kata.id}-{time.strftime('%Y%m%d-%H%M%S')}"
        backup.mkdir(parents=True, exist_ok=True)
        for name in kata.files:
            if (target / name).exists():
                shutil.copy2(target / name, backup / name)
                (target / name).unlink()
        self.start(kata)
        return backup

    # -- hints ----------------------------------------------------------------------------------

    def next_hint(self, kata: Kata, lang: str) -> tuple[int, int, str]:
        """The next hint on the ladder (the last one repeats); returns (number, total, text)."""
        hints = kata.hints[lang] if lang in kata.hints else kata.hints["en"]
        state = self._state()
        used = state.setdefault("hints_used", {})
        number = min(int(used.get(kata.id, 0)) + 1, len(hints))
        used[kata.id] = number
        self._save(state)
        return number, len(hints), hints[number - 1]
