"""Katas as notebooks: built with nbformat, graded from their tagged cells only, run in a real kernel.

The kernel tests execute a kata's notebook top to bottom with nbclient and ipykernel, the grading
cell included, and read the points from the inline scorecard's HTML; the batch test grades a class
in which the same code comes as .py and as .ipynb, and expects the same grades.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import api, notebook
from grader.catalog import Catalog, Kata
from grader.errors import KataError
from grader.i18n import translate
from grader.runner import grade, missing_files
from grader.sandbox import files_that_count

# Installed with the project and its test extras; a machine with only torch and the wheel (--no-deps)
# skips these, saying why.
nbformat = pytest.importorskip("nbformat", reason="nbformat (a dependency) is not installed")
NotebookClient = pytest.importorskip("nbclient", reason="nbclient (the test extras) is not installed").NotebookClient
new_code_cell = nbformat.v4.new_code_cell

REPO = Path(__file__).resolve().parents[1]
CATALOG = Catalog.load()
KERNEL_SECONDS = 600


@pytest.fixture(scope="module")
def tensors() -> Kata:
    # the kata's own limits: conftest's short ones are for hang tests and time out on a busy machine
    return CATALOG.get("tensors")


@pytest.fixture(scope="module")
def worker(tensors: Kata):
    from grader.worker import Worker

    return Worker([tensors])


def _parts(kata: Kata, source: str) -> list[notebook.Part]:
    stub = (kata.stub / kata.files[0]).read_text(encoding="utf-8")
    return notebook.split(source, notebook.exercise_numbers(stub))


def _reference(kata: Kata) -> str:
    return (kata.reference / kata.files[0]).read_text(encoding="utf-8")


def _fill(nb, parts: list[notebook.Part]) -> None:
    """Each tagged cell gets the code of its exercise from `parts`."""
    by_exercise = {p.exercise: p.source for p in parts}
    for cell in nb.cells:
        exercise = cell.get("metadata", {}).get("kata", {}).get("exercise")
        if exercise is not None:
            cell.source = by_exercise[exercise]


def _tagged(nb) -> list[int]:
    return [c.metadata["kata"]["exercise"] for c in nb.cells if "kata" in c.get("metadata", {})]


def _save(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _notebook_folder(tmp_path: Path, kata: Kata, parts: list[notebook.Part] | None = None, lang: str = "en") -> Path:
    """A kata folder holding only `<id>.ipynb`, filled with `parts` (default: the stub)."""
    nb = notebook.build(kata, lang, notebook.parts_for(kata), graded_from_notebook=True)
    if parts is not None:
        _fill(nb, parts)
    return _save(nb, tmp_path / kata.id / f"{kata.id}.ipynb").parent


# --- building -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_notebook_holds_every_exercise_of_the_stub(tensors: Kata, lang: str):
    nb = notebook.build(tensors, lang, notebook.parts_for(tensors), graded_from_notebook=True)
    nbformat.validate(nb)
    assert nb.cells[0].source == f"%load_ext grader\n%kata setup tensors --workspace .. --lang {lang}"
    assert nb.cells[-1].source == "%kata grade"
    assert _tagged(nb) == list(range(0, 11))  # the setup cell, then exercises 1..10
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("kata", {}).get("exercise", 0) > 0:
            hint, try_it = nb.cells[i + 1], nb.cells[i + 2]
            assert hint.cell_type == "markdown" and "%kata hint" in hint.source
            assert try_it.cell_type == "code" and "kata" not in try_it.metadata
    # the tagged cells hold exactly the stub's definitions
    code = "\n\n".join(c.source for c in nb.cells if "kata" in c.get("metadata", {}))
    stub = (tensors.stub / "tensors.py").read_text(encoding="utf-8")
    defined = lambda text: sorted(re.findall(r"^def (\w+)", text, re.M))  # noqa: E731
    assert defined(code) == defined(stub) and len(defined(stub)) == 10
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert ("练习 1" in markdown) == (lang == "zh")
    assert tensors.readme(lang).read_text(encoding="utf-8").splitlines()[0] in markdown


def test_a_learner_file_becomes_the_notebook_and_missing_exercises_come_from_the_stub(tmp_path: Path, tensors: Kata):
    mine = _reference(tensors).split("def trainable_zeros")[0]  # only exercise 1 (and the imports)
    (tmp_path / "tensors.py").write_text(mine)
    parts = notebook.parts_for(tensors, tmp_path / "tensors.py")
    assert [p.exercise for p in parts] == list(range(0, 11))
    assert "torch.as_tensor" in parts[1].source or "dtype=torch.float32" in parts[1].source
    assert "NotImplementedError" in parts[2].source


@pytest.mark.parametrize(
    ("written", "key"),
    [(b"def oops(:\n", "notebook_source_syntax"), ("# 张三\n".encode("gbk"), "notebook_source_not_utf8")],
)
def test_a_learner_file_that_does_not_parse_is_never_replaced_by_the_stub(tmp_path: Path, tensors: Kata, written, key):
    # built from the stub, the notebook would be graded in place of the learner's work: 0 points
    (tmp_path / "tensors.py").write_bytes(_reference(tensors).encode("utf-8") + written)
    with pytest.raises(KataError) as raised:
        notebook.write(tensors, tmp_path, "en", graded_from_notebook=False)
    assert raised.value.key == key and not notebook.notebook_path(tmp_path).exists()


# --- grading a notebook ---------------------------------------------------------------------------


def test_reference_cells_earn_full_marks_and_stub_cells_name_their_cells(tmp_path: Path, tensors: Kata, worker):
    full = grade(
        tensors, _notebook_folder(tmp_path / "ref", tensors, _parts(tensors, _reference(tensors))), worker=worker
    )
    assert (full.status, full.points) == ("passed", full.max_points)
    stub = grade(tensors, _notebook_folder(tmp_path / "stub", tensors), worker=worker)
    assert stub.points == 0 and stub.status == "failed"
    assert re.search(r"\(at exercise1-cell\d+\.py:\d+\)", stub.checks[0].message), stub.checks[0].message


def test_a_syntax_error_names_the_exercise_cell_and_line(tmp_path: Path, tensors: Kata, worker):
    parts = _parts(tensors, _reference(tensors))
    parts[3] = notebook.Part(3, parts[3].name, parts[3].source + "\n    return (\n")
    folder = _notebook_folder(tmp_path, tensors, parts)
    index = 1 + next(
        i
        for i, c in enumerate(nbformat.read(folder / "tensors.ipynb", 4).cells)
        if c.metadata.get("kata", {}).get("exercise") == 3
    )
    result = grade(tensors, folder, worker=worker)
    assert result.status == "error" and result.points == 0
    line = len(parts[3].source.splitlines())  # the unclosed `return (` is the cell's last line
    assert f"tensors.ipynb, exercise 3, cell {index}, line {line}" in result.status_message, result.status_message
    chinese = translate(result.status_message, "zh")  # the place in the learner's language too
    assert f"（tensors.ipynb，第 3 小题，第 {index} 个单元格，第 {line} 行）" in chinese, chinese


def test_exploration_cells_outputs_and_magics_are_never_graded(tmp_path: Path, tensors: Kata, worker):
    folder = _notebook_folder(tmp_path, tensors, _parts(tensors, _reference(tensors)))
    nb = nbformat.read(folder / "tensors.ipynb", 4)
    nb.cells.insert(3, new_code_cell("import os\nos._exit(1)"))  # would kill the grader if it ran
    nb.cells.insert(4, new_code_cell("!pip install nothing\n%timeit 1 + 1\ndef to_float_tensor(x):\n    return None"))
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0/11 fake output")]
    first = next(c for c in nb.cells if c.metadata.get("kata", {}).get("exercise") == 1)
    first.source = "%%time\n" + first.source  # a cell magic in a tagged cell: blanked, the code graded
    _save(nb, folder / "tensors.ipynb")
    result = grade(tensors, folder, worker=worker)
    assert (result.status, result.points) == ("passed", result.max_points), result.status_message


def test_an_unreadable_notebook_or_one_without_exercise_cells_is_an_error(tmp_path: Path, tensors: Kata, worker):
    broken = tmp_path / "broken" / "tensors"
    broken.mkdir(parents=True)
    (broken / "tensors.ipynb").write_text("{not json")
    result = grade(tensors, broken, worker=worker)
    assert result.status == "error" and "not a notebook Jupyter can read" in result.status_message
    assert result.status_message.startswith("tensors.ipynb ")  # the notebook, not a line of the grader's loader
    untagged = _notebook_folder(tmp_path / "untagged", tensors, _parts(tensors, _reference(tensors)))
    nb = nbformat.read(untagged / "tensors.ipynb", 4)
    for cell in nb.cells:
        cell.metadata.pop("kata", None)
    _save(nb, untagged / "tensors.ipynb")
    result = grade(tensors, untagged, worker=worker)
    assert result.status == "error" and "has no exercise cells" in result.status_message
    assert "tensors.py" not in result.status_message
    # an exercise number past any file name's length limit tags nothing; the grader goes on
    nb.cells[1].metadata["kata"] = {"exercise": 10**300}
    _save(nb, untagged / "tensors.ipynb")
    result = grade(tensors, untagged, worker=worker)
    assert result.status == "error" and "has no exercise cells" in result.status_message
    assert grade(tensors, tensors.reference, worker=worker).status == "passed"  # the same worker grades on


def _touch(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


def test_which_file_counts(tmp_path: Path, tensors: Kata):
    folder = _notebook_folder(tmp_path, tensors)
    nb_path = folder / "tensors.ipynb"
    names = tensors.files
    assert files_that_count(folder, names) == [nb_path] and missing_files(tensors, folder) == []
    shutil.copyfile(tensors.stub / "tensors.py", folder / "tensors.py")
    _touch(nb_path, 1000)
    _touch(folder / "tensors.py", 2000)
    assert files_that_count(folder, names) == [nb_path]  # started with --notebook: the notebook counts
    nb = nbformat.read(nb_path, 4)
    nb.metadata["kata"]["graded_from_notebook"] = False  # as `kata notebook` writes it
    _save(nb, nb_path)
    _touch(nb_path, 1000)
    assert files_that_count(folder, names) == [folder / "tensors.py"]  # the .py was saved last
    _touch(nb_path, 3000)
    assert files_that_count(folder, names) == [nb_path]  # the notebook was saved last
    nb_path.unlink()
    assert files_that_count(folder, names) == [folder / "tensors.py"]


# --- the CLI and the API --------------------------------------------------------------------------


def _kata(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_cli_start_notebook_and_reset_in_a_notebook(tmp_path: Path):
    ws = tmp_path / "ws"
    started = _kata("start", "tensors", "--notebook", "-w", str(ws))
    assert started.returncode == 0, started.stderr
    notebook_file = ws / "tensors" / "tensors.ipynb"
    assert notebook_file.is_file() and (ws / "tensors" / "tensors.py").is_file()
    assert notebook.metadata(notebook_file)["graded_from_notebook"] is True
    again = _kata("notebook", "tensors", "-w", str(ws))
    assert again.returncode == 2 and "exists" in again.stderr  # never overwrites the learner's notebook
    edited = notebook_file.read_text() + " "
    notebook_file.write_text(edited)
    # `!kata reset` from a notebook: no prompt that would hang the cell, the files stay
    refused = _kata("reset", "tensors", "-w", str(ws), env={"JPY_PARENT_PID": "1"})
    assert refused.returncode == 2 and "!kata reset tensors --yes" in refused.stderr
    assert notebook_file.read_text() == edited
    done = _kata("reset", "tensors", "--yes", "-w", str(ws), env={"JPY_PARENT_PID": "1"})
    assert done.returncode == 0, done.stderr
    assert notebook_file.read_text() != edited and notebook.metadata(notebook_file)["graded_from_notebook"] is True
    assert list((ws / ".kata" / "backups").glob("tensors-*/tensors.ipynb"))


@pytest.mark.slow
def test_kata_notebook_needs_a_started_kata_and_keeps_the_learner_code(tmp_path: Path):
    ws = tmp_path / "ws"
    assert _kata("notebook", "tensors", "-w", str(ws)).returncode == 2
    assert _kata("start", "tensors", "-w", str(ws)).returncode == 0
    learner = ws / "tensors" / "tensors.py"
    learner.write_text(
        learner.read_text().replace(
            'raise NotImplementedError("exercise 1: to_float_tensor")',
            "return torch.as_tensor(data, dtype=torch.float32)",
        )
    )
    made = _kata("notebook", "tensors", "-w", str(ws))
    assert made.returncode == 0, made.stderr
    shown = made.stdout.splitlines()  # where the notebook is and how to open it; the kata was started before
    assert len(shown) == 1 and str(ws / "tensors" / "tensors.ipynb") in shown[0] and "jupyter lab" in shown[0], shown
    nb = nbformat.read(ws / "tensors" / "tensors.ipynb", 4)
    first = next(c for c in nb.cells if c.metadata.get("kata", {}).get("exercise") == 1)
    assert "torch.as_tensor(data, dtype=torch.float32)" in first.source
    assert notebook.metadata(ws / "tensors" / "tensors.ipynb")["graded_from_notebook"] is False


@pytest.mark.parametrize("marked", [True, False])
def test_a_py_saved_after_the_notebook_that_wins_is_named_as_ignored(tmp_path: Path, tensors: Kata, marked: bool):
    folder = tmp_path / "tensors"
    folder.mkdir()
    shutil.copy(tensors.stub / "tensors.py", folder / "tensors.py")
    written = notebook.write(tensors, folder, "en", graded_from_notebook=marked)
    script = folder / "tensors.py"
    os.utime(script, ns=(written.stat().st_mtime_ns + 10**9,) * 2)  # the .py saved a second later
    # started with --notebook: the notebook is still graded, and the .py is named; else the .py is graded
    assert notebook.ignored_script(folder, tensors.files) == (script if marked else None)
    os.utime(written, ns=(script.stat().st_mtime_ns + 10**9,) * 2)  # the notebook saved last
    assert notebook.ignored_script(folder, tensors.files) is None


def test_the_magic_parses_and_never_prompts(tmp_path: Path, capsys):
    from grader import magic

    ws = tmp_path / "ws"
    assert magic.kata(f"setup tensors --workspace {ws} --lang zh") == f"练习 tensors · 工作区 {ws} · 语言 zh"
    assert isinstance(magic.kata("start tensors --notebook"), api.Started)
    refusal = magic.kata("reset tensors")
    assert "%kata reset tensors --yes" in refusal and (ws / "tensors" / "tensors.ipynb").is_file()
    assert magic.kata("grade --nonsense") is None
    assert capsys.readouterr().err == "错误：多出了参数：--nonsense。\n"  # the notebook's language
    hint = magic.kata("hint")
    assert isinstance(hint, api.Hint) and hint.number == 1 and "提示" in hint._repr_html_()
    listing = magic.kata("list")
    assert "tensors" in listing._repr_html_() and "已开始" in listing._repr_html_()
    api.setup()  # leave no settings behind for other tests


@pytest.mark.parametrize(
    "line, english, chinese",
    [
        ("hint nosuch", "error: unknown kata 'nosuch'", "错误：没有名为 'nosuch' 的练习"),
        ("bogus", "error: %kata bogus: no such command", "错误：%kata bogus：没有这个命令"),
        ("hint tensors 3", "error: Unexpected extra argument(s): 3.", "错误：多出了参数：3。"),
        ("start", "error: Missing argument ID.", "错误：缺少参数 ID。"),
        ("grade --timeout soon", "error: --timeout soon: a number of seconds", "错误：--timeout soon：需要一个秒数"),
        ("setup --lang fr", "error: --lang must be zh or en", "错误：--lang 只能是 zh 或 en"),
    ],
)
def test_a_magic_mistake_is_one_line_in_the_notebooks_language(tmp_path: Path, capsys, line, english, chinese):
    from grader import magic

    for lang, said in (("en", english), ("zh", chinese)):
        magic.kata(f"setup tensors --workspace {tmp_path / 'ws'} --lang {lang}")
        capsys.readouterr()
        assert magic.kata(line) is None
        err = capsys.readouterr().err
        assert err.startswith(said) and err.count("\n") == 1, err


def test_the_python_api_speaks_chinese_in_a_plain_ipython_too(tmp_path: Path, capsys):
    """Plain IPython (no HTML) shows what print() shows, with Chinese punctuation; an error from the
    grading process is said once, not as '错误：……：错误：……'."""
    from IPython.lib.pretty import pretty

    from grader import magic

    magic.kata(f"setup tensors --workspace {tmp_path / 'ws'} --lang zh")
    started = magic.kata("start tensors")
    assert pretty(started) == str(started) and "tensors" in pretty(started)
    hint = magic.kata("hint")
    assert pretty(hint) == str(hint) and "提示" in pretty(hint)
    assert pretty(magic.kata("list")).startswith(" 1 tensors")
    card = magic.kata("grade")
    text = pretty(card)
    assert text == str(card) and text.splitlines()[0].startswith("tensors：0/") and "（" in text
    assert text.splitlines()[-1].startswith("总计：0/")
    capsys.readouterr()
    assert magic.kata("grade --device nosuch") is None
    err = capsys.readouterr().err
    assert err.startswith("错误：") and err.count("错误：") == 1 and err.count("\n") == 1, err


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    api.setup()
    yield
    api.setup()


# --- a real kernel --------------------------------------------------------------------------------


def _execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, 4)
    NotebookClient(
        nb, timeout=KERNEL_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return nb


def _scorecard(nb) -> dict[str, str]:
    """The grading cell's inline scorecard: its table's data attributes."""
    [grading] = [c for c in nb.cells if c.get("id") == "kata-grade"]
    [shown] = [o for o in grading.outputs if o.output_type == "execute_result"]
    html = shown["data"]["text/html"]
    table = re.search(
        r"<table data-kata='([^']+)' data-points='([^']+)' data-max-points='([^']+)' "
        r"data-status='([^']+)'>",
        html,
    )
    assert table, html[:500]
    return {"kata": table[1], "points": table[2], "max": table[3], "status": table[4], "html": html}


def _exploration_with_errors(nb, kata: Kata, lang: str) -> None:
    """Cells a learner adds to explore: each raises, one redefines an exercise wrongly in the kernel."""
    first = next(p for p in _parts(kata, _reference(kata)) if p.exercise == 1)
    wrong = f"def {first.name}(*args, **kwargs):\n    raise RuntimeError('explored')\n"
    failing = [
        new_code_cell("1 / 0"),
        new_code_cell(wrong + f"{first.name}()"),
        new_code_cell("import torch\ntorch.ones(2) @ torch.ones(3)"),
    ]
    for cell in failing:
        cell.metadata["tags"] = ["raises-exception"]  # nbclient goes on past these errors only
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("kata", {}).get("exercise") == 1) + 1
    nb.cells[at:at] = failing


def _kernel_notebook(tmp_path: Path, kata: Kata, lang: str, reference: bool) -> Path:
    """`kata start ID --notebook` in a fresh workspace, its tagged cells filled, exploration added."""
    ws = tmp_path / "ws"
    started = api.start(kata.id, notebook=True, workspace=ws, lang=lang)
    nb = nbformat.read(started.notebook, 4)
    if reference:
        _fill(nb, _parts(kata, _reference(kata)))
    _exploration_with_errors(nb, kata, lang)
    # the kernel never ran the engine, so it never forked a grading child (whatever it did with CUDA)
    nb.cells.append(new_code_cell('import sys\nassert not {"grader.worker", "grader.runner"} & set(sys.modules)'))
    return _save(nb, started.notebook)


@pytest.mark.parametrize(
    "kata_id, lang, reference", [("tensors", "en", True), ("tensors", "zh", False), ("losses", "zh", True)]
)
@pytest.mark.slow
def test_a_notebook_run_in_a_kernel_shows_its_grade_inline(tmp_path: Path, kata_id: str, lang: str, reference: bool):
    kata = CATALOG.get(kata_id)
    shown = _scorecard(_execute(_kernel_notebook(tmp_path, kata, lang, reference)))
    assert shown["kata"] == kata_id and float(shown["max"]) > 0
    assert ("得分" in shown["html"]) == (lang == "zh")
    if reference:
        assert shown["status"] == "passed" and shown["points"] == shown["max"], shown["html"][:2000]
    else:
        assert shown["points"] == "0" and shown["status"] == "failed"
        assert f"%kata hint {kata_id}" in shown["html"] and re.search(r"exercise\d+-cell\d+\.py", shown["html"])


@pytest.mark.slow
@pytest.mark.parametrize("kata_id", [k.id for k in CATALOG if k.id not in ("tensors", "losses")])
def test_every_kata_reference_notebook_earns_full_marks_in_a_kernel(tmp_path: Path, kata_id: str):
    kata = CATALOG.get(kata_id)
    full = _scorecard(_execute(_kernel_notebook(tmp_path, kata, "en", reference=True)))
    assert full["status"] == "passed" and full["points"] == full["max"], full["html"][:2000]


# --- a class mixing .py and .ipynb ----------------------------------------------------------------


@pytest.mark.slow
def test_a_batch_grades_the_same_code_the_same_as_py_or_ipynb(tmp_path: Path, tensors: Kata):
    reference = _reference(tensors)
    mistakes = {m.id: m.patch.read_text(encoding="utf-8") for m in tensors.mistakes}
    codes = {
        "full": reference,
        "cat": reference + "\n\n" + mistakes["cat-wrong-dim"],
        "labels": reference + "\n\n" + mistakes["int32-labels"],
        "syntax": reference.replace("def positive_mask(x):", "def positive_mask(x)", 1),
    }
    submissions = tmp_path / "submissions"
    for name, code in codes.items():
        (submissions / f"{name}-py" / "tensors").mkdir(parents=True)
        (submissions / f"{name}-py" / "tensors" / "tensors.py").write_text(code)
        # the same code as a notebook: a learner's file turns into tagged cells as `kata notebook` does
        parts = (
            notebook.split(code, notebook.exercise_numbers((tensors.stub / "tensors.py").read_text()))
            if name != "syntax"
            else None
        )
        nb = notebook.build(tensors, "en", parts or notebook.parts_for(tensors), graded_from_notebook=False)
        if parts is None:
            _fill(nb, _parts(tensors, reference))
            cell = next(c for c in nb.cells if c.metadata.get("kata", {}).get("exercise") == 8)
            cell.source = cell.source.replace("def positive_mask(x):", "def positive_mask(x)", 1)
        _save(nb, submissions / f"{name}-nb" / "tensors" / "tensors.ipynb")
    out = tmp_path / "out"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(submissions),
            "-o",
            str(out),
            "--only",
            "tensors",
            "--workers",
            "2",
            "--timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    with open(out / "checks.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    graded = {}
    for row in rows:
        graded.setdefault(row["learner"], []).append((row["check"], row["outcome"], row["points"], row["max_points"]))
    for name in codes:
        assert graded[f"{name}-py"] == graded[f"{name}-nb"], name
    points = {name: sum(float(p) for _, _, p, _ in graded[f"{name}-py"]) for name in codes}
    assert points["full"] == 11 and points["syntax"] == 0 and 0 < points["cat"] < 11 and 0 < points["labels"] < 11
    feedback = (out / "feedback" / "syntax-nb.md").read_text(encoding="utf-8")
    assert re.search(r"tensors\.ipynb, exercise 8, cell \d+, line 1", feedback), feedback
