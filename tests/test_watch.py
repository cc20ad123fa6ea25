"""`kata watch` without a terminal: the loop regrades after a save of the kata's files (and only
then), survives a syntax error, a crash and a hang mid-edit, and acts on the keys h, n and q."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from watchfiles import Change

from grader.catalog import Catalog, builtin_roots
from grader.sandbox import Limits
from grader.watch import WatchSession, events, pick_kata, watch_loop
from grader.workspace import Workspace


@pytest.fixture
def pack(tmp_path: Path) -> Catalog:
    """A private pack: tensors, and a copy of it as a second kata `again` (so `n` has somewhere to go)."""
    katas_root, reference_root = builtin_roots()
    for folder, kata_id, order in (("01-tensors", "tensors", 1), ("02-again", "again", 2)):
        shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / folder)
        shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / folder)
        toml = tmp_path / "katas" / folder / "kata.toml"
        text = toml.read_text(encoding="utf-8").replace('id = "tensors"', f'id = "{kata_id}"')
        toml.write_text(text.replace("order = 1", f"order = {order}"), encoding="utf-8")
    return Catalog.load(tmp_path / "katas")


@pytest.fixture
def session(pack: Catalog, tmp_path: Path) -> WatchSession:
    space = Workspace(tmp_path / "workspace")
    return WatchSession(pack, space, pack.get("tensors"), limits=Limits(timeout=3))


def _saved(session: WatchSession, source: str) -> set:
    """Write the learner's file as an editor would, and the change batch watchfiles would report."""
    path = session.space.folder(session.kata) / "tensors.py"
    path.write_text(source, encoding="utf-8")
    return {(Change.modified, str(path))}


def test_regrades_after_each_save_and_survives_broken_code(session: WatchSession):
    reference = (session.kata.reference / "tensors.py").read_text(encoding="utf-8")

    def edits():
        yield _saved(session, reference)
        yield _saved(session, "def to_float_tensor(:\n")  # a syntax error mid-edit
        yield _saved(session, "import os\nos._exit(3)\n")  # the learner's code kills the process
        yield _saved(session, "while True:\n    pass\n")  # a hang at import
        yield _saved(session, reference)

    statuses = [r.status for r in watch_loop(session, edits())]
    assert statuses == ["failed", "passed", "error", "crashed", "timeout", "passed"]
    assert session.space.best(session.kata)["status"] == "passed"


def test_ignores_changes_that_are_not_the_kata_files(session: WatchSession):
    folder = session.space.folder(session.kata)
    noise = [
        {(Change.modified, str(session.space.root / ".kata" / "state.json"))},
        {(Change.added, str(folder / "notes.txt"))},
        {(Change.modified, str(session.space.root / "tensors.py"))},  # same name, wrong folder
    ]
    assert [r.status for r in watch_loop(session, noise)] == ["failed"]


def test_keys_hint_next_and_quit(session: WatchSession):
    reference = (session.kata.reference / "tensors.py").read_text(encoding="utf-8")

    def keys():
        yield "n"  # not done yet: stays
        yield "h"
        yield _saved(session, reference)
        yield "n"  # done: moves on to `again`, started from its stub
        yield "q"
        yield "h"  # never reached

    updates = list(watch_loop(session, keys()))
    texts = [u for u in updates if isinstance(u, str)]
    statuses = [(u.kata, u.status) for u in updates if not isinstance(u, str)]
    assert "Finish tensors first" in texts[0]
    assert texts[1].startswith("Hint 1 of")
    assert texts[2].startswith("On to again")
    assert statuses == [("tensors", "failed"), ("tensors", "passed"), ("again", "failed")]
    assert session.kata.id == "again" and session.space.is_started(session.kata)


def test_pick_kata_prefers_the_first_unfinished_started_kata(pack: Catalog, tmp_path: Path):
    space = Workspace(tmp_path / "workspace")
    assert pick_kata(pack, space, None).id == "tensors"  # nothing started: the first kata
    space.start(pack.get("again"))
    assert pick_kata(pack, space, None).id == "again"
    assert pick_kata(pack, space, "tensors").id == "tensors"


def test_events_reports_a_saved_file(tmp_path: Path):
    target = tmp_path / "tensors.py"
    received = threading.Event()

    def keep_saving() -> None:  # until the watcher (started on first next()) has seen one save
        while not received.wait(0.2):
            target.write_text("x = 1\n", encoding="utf-8")

    threading.Thread(target=keep_saving, daemon=True).start()
    stream = events(tmp_path)
    try:
        batch = next(stream)
    finally:
        received.set()
        stream.close()
    assert any(Path(path) == target for _, path in batch)
