"""`kata watch` without a terminal: the loop regrades after a save of the kata's files (and only
then), survives a syntax error, a crash and a hang mid-edit, and acts on the keys h, n and q. And
the real command in a pseudo-terminal: first scorecard, a save, the refreshed scorecard, q."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from watchfiles import Change

from grader.catalog import Catalog, builtin_roots
from grader.i18n import width
from grader.sandbox import Limits
from grader.results import KataResult
from grader.watch import Instructions, WatchSession, events, pick_kata, watch_loop
from grader.workspace import Workspace


@pytest.fixture
def pack(tmp_path: Path) -> Catalog:
    """A private pack: tensors, and a copy of it as a second kata `again` (so `n` has somewhere to go)."""
    katas_root, reference_root = builtin_roots()
    for folder in ("01-tensors", "02-again"):  # the folder name gives each its id and order
        shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / folder)
        shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / folder)
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_ignores_changes_that_are_not_the_kata_files(session: WatchSession):
    folder = session.space.folder(session.kata)
    noise = [
        {(Change.modified, str(session.space.root / ".kata" / "state.json"))},
        {(Change.added, str(folder / "notes.txt"))},
        {(Change.modified, str(session.space.root / "tensors.py"))},  # same name, wrong folder
    ]
    assert [r.status for r in watch_loop(session, noise)] == ["failed"]


@pytest.mark.slow
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
    [moved] = [u for u in updates if isinstance(u, Instructions)]
    statuses = [(u.kata, u.status) for u in updates if isinstance(u, KataResult)]
    assert "Finish tensors first" in texts[0]
    assert texts[1].startswith("Hint 1 of") and len(texts) == 2
    assert moved.message.startswith("On to again")
    assert moved.markdown == session.kata.readme("en").read_text(encoding="utf-8").strip()  # the next kata's README
    assert statuses == [("tensors", "failed"), ("tensors", "passed"), ("again", "failed")]
    assert session.kata.id == "again" and session.space.is_started(session.kata)


def test_pick_kata_prefers_the_first_unfinished_started_kata(pack: Catalog, tmp_path: Path):
    space = Workspace(tmp_path / "workspace")
    space.start(pack.get("again"))
    assert pick_kata(pack, space).id == "again"  # the only one started (watch never starts one itself)
    space.start(pack.get("tensors"))
    assert pick_kata(pack, space).id == "tensors"


def test_pick_kata_counts_full_points_only_for_the_current_kata_version(pack: Catalog, tmp_path: Path):
    from grader.results import KataResult

    space = Workspace(tmp_path / "workspace")
    tensors = pack.get("tensors")
    space.start(tensors)
    space.start(pack.get("again"))
    space.record(KataResult("tensors", tensors.version - 1, "passed", "", [], "cpu", "test"))
    assert pick_kata(pack, space).id == "tensors"  # solved before its checks changed: not solved now
    space.record(KataResult("tensors", tensors.version, "passed", "", [], "cpu", "test"))
    assert pick_kata(pack, space).id == "again"


def test_a_grading_in_progress_is_announced_and_reports_its_checks(session: WatchSession):
    from contextlib import contextmanager

    heard, checks = [], []

    @contextmanager
    def progress():
        yield lambda job, done, total, printed: checks.append((done, total))

    session.announce, session.progress = heard.append, progress
    session.grade()
    assert [[k.id for k in katas] for katas in heard] == [["tensors"]]
    assert checks and checks[-1][0] == checks[-1][1]  # every check reported, the last one included


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_footer_folds_to_the_terminal(pack: Catalog, tmp_path: Path, lang: str):
    session = WatchSession(
        pack, Workspace(tmp_path / "a long folder name" / "workspace"), pack.get("tensors"), lang=lang
    )
    whole = session.footer(keys=True)
    folded = session.footer(keys=True, columns=40)
    assert "\n" not in whole and len(folded.splitlines()) > 1
    assert all(width(line) <= 40 for line in folded.splitlines()), folded
    assert "".join(folded.split()) == "".join(whole.split())  # only the line breaks differ


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


class _Terminal:
    """A command running in a pseudo-terminal, as in a learner's terminal window."""

    def __init__(self, command: list[str], cwd: Path):
        import pty

        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, text: str, seconds: float = 120, start: int | None = None) -> str | None:
        """Everything shown since `start` (default: now), once `text` appears in it; None after `seconds`."""
        start = len(self.seen) if start is None else start
        deadline = time.monotonic() + seconds
        while text.encode() not in self.seen[start:]:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if select.select([self.master], [], [], min(left, 1.0))[0]:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the command ended
                    break
        if text.encode() not in self.seen[start:]:
            return None
        return self.seen[start:].decode(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
@pytest.mark.slow
def test_the_real_watch_command_regrades_on_save(tmp_path: Path):
    katas_root, reference_root = builtin_roots()
    shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / "01-tensors")
    shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / "01-tensors")
    workspace = tmp_path / "workspace"
    Workspace(workspace).start(Catalog.load(tmp_path / "katas").get("tensors"))  # watch follows a started kata
    terminal = _Terminal(
        [
            sys.executable,
            "-m",
            "grader",
            "--lang",
            "en",
            "watch",
            "tensors",
            "-w",
            str(workspace),
            "--katas",
            str(tmp_path / "katas"),
        ],
        tmp_path,
    )
    try:
        first = terminal.read_until("quit")  # the footer's end, however it folded
        assert first and "\x1b[2J" in first and "first failing check" in first and "not started yet" in first
        reference = (reference_root / "01-tensors" / "tensors.py").read_text(encoding="utf-8")
        after_first, refreshed = len(terminal.seen), None
        for _ in range(10):  # save again until seen: the file watcher starts just after the first scorecard
            (workspace / "tensors" / "tensors.py").write_text(reference, encoding="utf-8")
            refreshed = terminal.read_until("All graded katas at full points.", 15, start=after_first)
            if refreshed:
                break
        refreshed = terminal.read_until("quit", 60, start=after_first)
        assert refreshed and "\x1b[2J" in refreshed
        assert "grading tensors" in refreshed  # a save is answered at once, before its scorecard
        shown = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", refreshed)
        assert all(width(line) <= 100 for line in re.split(r"[\r\n]", shown)), shown  # COLUMNS=100
        assert "passed" in refreshed and "first failing check" not in refreshed
        os.write(terminal.master, b"q")
        assert terminal.process.wait(30) == 0
    finally:
        terminal.close()


def test_next_after_a_pass_is_the_first_started_kata_not_finished(pack: Catalog, tmp_path: Path):
    """Work already begun comes before a new kata, in the order watch's `pick_kata` follows."""
    space = Workspace(tmp_path / "workspace")
    tensors, again = pack.get("tensors"), pack.get("again")
    space.start(tensors)
    space.record(KataResult("tensors", tensors.version, "passed", "", [], "cpu", "test"))
    assert space.next_kata(pack, ["tensors"]) is again  # not started: the next in order
    space.start(again)
    assert space.next_kata(pack, ["tensors"]) is again  # started and unfinished: still the one to do
    space.record(KataResult("again", again.version, "passed", "", [], "cpu", "test"))
    assert space.next_kata(pack, ["again"]) is None  # every kata done


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
@pytest.mark.slow
def test_ctrl_c_stops_watch_with_exit_130_and_leaves_no_process(tmp_path: Path):
    """Ctrl-C (SIGINT to the terminal's foreground group) ends watch as it ends `kata grade`: exit 130, the
    terminal's settings restored, no grading process left. The kata is named by its number, as elsewhere."""
    import termios

    katas_root, _ = builtin_roots()
    shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / "01-tensors")
    workspace = tmp_path / "workspace"
    Workspace(workspace).start(Catalog.load(tmp_path / "katas").get("tensors"))
    command = [sys.executable, "-m", "grader", "--lang", "en", "watch", "1", "-w", str(workspace)]
    terminal = _Terminal([*command, "--katas", str(tmp_path / "katas")], tmp_path)
    try:
        settings = termios.tcgetattr(terminal.master)
        assert terminal.read_until("quit") is not None  # the footer: watching tensors, keys read
        os.killpg(terminal.process.pid, signal.SIGINT)
        assert terminal.process.wait(30) == 130
        assert termios.tcgetattr(terminal.master) == settings  # cbreak undone
        deadline = time.monotonic() + 10
        while _group_alive(terminal.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(terminal.process.pid)  # the zygote and any grading child are gone
    finally:
        terminal.close()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
