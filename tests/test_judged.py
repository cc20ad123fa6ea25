"""Verdicts outside the sandbox: the child sends values, and only the judge, in the `kata` process, passes a check.

An all-powerful child (one that takes over its process at import and writes whatever it likes to
every fd it holds) scores nothing on any kata; the child's memory holds nothing the judge keeps; and
what travels between them is decoded without pickle and validated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from grader import judge
from grader import worker as worker_module
from grader.catalog import Catalog
from grader.channel import Observed
from grader.observations import ObservationError, Opaque, Raised, decode, encode, observed_device
from grader.runner import grade, grade_many
from grader.worker import Job, Worker

# --- what travels: observations.py ------------------------------------------------------------------


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.requires_grad == b.requires_grad
            and torch.equal(a.detach(), b.detach())
        )
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)  # NaN


VALUES = {
    "float32": torch.randn(3, 4),
    "float64 that requires grad": torch.randn(2, 5, dtype=torch.float64, requires_grad=True),
    "bfloat16": torch.randn(7).to(torch.bfloat16),
    "float16": torch.randn(2, 2).half(),
    "int64": torch.arange(12).reshape(3, 4),
    "uint8": torch.randint(0, 256, (4,), dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "complex64": torch.randn(3, dtype=torch.complex64),
    "empty": torch.empty(0, 3),
    "scalar": torch.tensor(2.5),
    "non-contiguous": torch.arange(6.0).reshape(2, 3).t(),
    "numpy float64": np.linspace(0, 1, 7).reshape(7, 1),
    "numpy scalar": np.float32(1.5),
    "nested": {
        "a": [1, 2.5, float("nan"), None, True],
        "b": ("x", torch.float16, torch.device("cpu")),
        3: {"deep": [[torch.ones(2)]]},
    },
    "a huge int": 10**300,
    "text": "résumé 张量 \x00",
}


@pytest.mark.parametrize("name", list(VALUES))
def test_values_round_trip_through_json(name):
    value = VALUES[name]
    back = decode(json.loads(json.dumps(encode(value))))
    expected = value.item() if isinstance(value, np.generic) else value
    assert _same(expected, back), (value, back)


def test_what_does_not_travel_arrives_as_its_type_name_and_exceptions_as_values():
    back = decode(encode([object(), Raised("ValueError", "boom", "tensors.py", 3), torch.nn.Linear(2, 2)]))
    assert back == [Opaque("object"), Raised("ValueError", "boom", "tensors.py", 3), Opaque("Linear")]
    assert str(back[1].describe()) == "ValueError: boom (at tensors.py:3)"
    assert back[1].describe().zh == "ValueError: boom（tensors.py 第 3 行）"


def test_a_tensor_keeps_the_device_it_was_on():
    data = encode(torch.ones(2))
    data[1][2] = "cuda:1"  # as a child on a GPU would send it
    tensor = decode(data)
    assert tensor.device.type == "cpu" and observed_device(tensor) == torch.device("cuda:1")


BAD = {
    "not a pair": [1, 2, 3],
    "unknown kind": ["pickle", "gASVAAAA"],
    "int as a number": ["int", 3],
    "int not a number": ["int", "3x"],
    "float not a number": ["float", "one"],
    "tensor with a bad dtype": ["tensor", ["object", [1], "cpu", False, ""]],
    "tensor data not matching its shape": ["tensor", ["float32", [2, 2], "cpu", False, "AAAAAA=="]],
    "tensor data not base64": ["tensor", ["float32", [1], "cpu", False, "!!!!"]],
    "tensor with a negative size": ["tensor", ["float32", [-1], "cpu", False, ""]],
    "tensor of a petabyte": ["tensor", ["float32", [2**40, 2**10], "cpu", False, ""]],
    "tensor on a made-up device": ["tensor", ["float32", [0], "quantum", False, ""]],
    "integer tensor requiring grad": ["tensor", ["int64", [0], "cpu", True, ""]],
    "dict entry not a pair": ["dict", [["str", "a"]]],
    "unhashable dict key": ["dict", [[["list", []], ["none", None]]]],
    "nesting too deep": json.loads("".join('["list", [' for _ in range(40)) + "".join("]]" for _ in range(40))),
    "too many items": ["list", [["none", None]] * 100_001],
    "malformed exception": ["raised", ["ValueError", "boom"]],
}


@pytest.mark.parametrize("case", list(BAD))
def test_decode_refuses_what_encode_did_not_make(case):
    with pytest.raises(ObservationError):
        decode(BAD[case])


# --- an all-powerful child ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def _fix_inputs(patch: pytest.MonkeyPatch) -> None:
    """Each job's inputs decided by its kata and whether it grades the reference, the same on every
    run. A replay passes a check by chance when another job's inputs give the same answers (a batch
    size is all that ties some answers to a job: 1 in a few hundred), which random inputs would turn
    into a test that fails once in a while; scripts/replay_odds.py measures that chance."""
    real_seed = judge.check_seed

    def key(job: Job) -> str:
        return f"{job.kata.id}:{'reference' if job.solution_dir == job.kata.reference else 'submission'}"

    patch.setattr(worker_module, "_job_key", key)
    patch.setattr(judge, "check_seed", lambda _session, job_key, check_id: real_seed(0, job_key, check_id))


@pytest.fixture
def fixed_inputs(monkeypatch):
    _fix_inputs(monkeypatch)


@pytest.fixture(scope="module")
def recorded(catalog) -> dict[str, list[str]]:
    """Each kata's reference, graded once: the raw lines its child sent (to replay on another seed)."""
    streams: dict[str, list[str]] = {}
    real = worker_module._judged

    def keep(kata, records, judgement):
        lines = [
            json.dumps({"type": "observed", "id": e.id, "value": e.value, "duration": e.duration})
            for e in records
            if isinstance(e, Observed)
        ]
        streams[judgement_kata[id(judgement)]] = lines
        return real(kata, records, judgement)

    judgement_kata: dict[int, str] = {}
    real_judgement = Worker._judgement

    def judgement_of(self, key, job, device):
        made = real_judgement(self, key, job, device)
        judgement_kata[id(made)] = job.kata.id
        return made

    with pytest.MonkeyPatch.context() as patch:
        _fix_inputs(patch)
        patch.setattr(worker_module, "_judged", keep)
        patch.setattr(Worker, "_judgement", judgement_of)
        engine = Worker(list(catalog), parallel=2)
        results = {job.kata.id: result for job, result in grade_many(engine, [Job(k, k.reference) for k in catalog])}
    assert all(r.full_marks for r in results.values()), {k: r.status_message for k, r in results.items()}
    return streams


FORGER = """
# An all-powerful submission: at import it writes a whole job's worth of well-formed records to
# every fd it holds, then {ending}.
import json as _json, os as _os
_LINES = {lines!r}
for _fd in range(1024):
    try:
        _os.write(_fd, "".join(line + "\\n" for line in _LINES).encode())
    except OSError:
        pass
{exit}
"""


def _forgeries(recorded: list[str]) -> dict[str, tuple[list[str], str]]:
    """Each forgery: the lines it writes, and what it does next."""
    done = json.dumps({"type": "done"})
    ids = [json.loads(line)["id"] for line in recorded]
    passes = [json.dumps({"type": "check", "id": i, "outcome": "passed", "message": "", "duration": 0.1}) for i in ids]
    empties = [
        json.dumps({"type": "observed", "id": i, "value": value, "duration": 0.1})
        for i in ids
        for value in (["list", []], ["none", None])
    ][::2]
    return {
        "a replay of the reference's observations on another seed, and the end": (recorded + [done], "_os._exit(0)"),
        "the same replay, then the stub runs as usual": (recorded, "pass"),
        "a replay, passes for every check, and the end": (recorded + passes + [done], "_os._exit(0)"),
        "empty observations for every check, and the end": (empties + [done], "_os._exit(0)"),
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "a replay of the reference's observations on another seed, and the end",
        "the same replay, then the stub runs as usual",
        "a replay, passes for every check, and the end",
        "empty observations for every check, and the end",
    ],
)
@pytest.mark.slow
def test_an_all_powerful_child_scores_nothing_on_every_kata(catalog, recorded, forgery, tmp_path, fixed_inputs):
    jobs = []
    for kata in catalog:
        lines, ending = _forgeries(recorded[kata.id])[forgery]
        folder = tmp_path / kata.id
        shutil.copytree(kata.stub, folder)
        main = folder / kata.files[0]
        forger = FORGER.format(lines=lines, ending=forgery, exit=ending)
        main.write_text(forger + main.read_text(encoding="utf-8"), encoding="utf-8")
        jobs.append(Job(kata, folder))
    engine = Worker(list(catalog), parallel=2)
    earned = {job.kata.id: [c.id for c in result.checks if c.points] for job, result in grade_many(engine, jobs)}
    forged = {kata: checks for kata, checks in earned.items() if checks}
    assert not forged, f"checks passed by a forgery: {forged}"


@pytest.mark.slow
def test_a_replayed_reference_stream_on_a_new_seed_fails_each_check(catalog, recorded, tmp_path, fixed_inputs):
    """The same replay, one kata, read check by check: each fails on the values, not on a technicality."""
    kata = catalog.get("tensors")
    folder = tmp_path / "replay"
    shutil.copytree(kata.stub, folder)
    lines = "\n".join(recorded["tensors"]) + "\n" + json.dumps({"type": "done"}) + "\n"
    (folder / "tensors.py").write_text(
        textwrap.dedent(f"""
        import os, sys
        channel = sys.modules["grader.plugin"].CONTEXT.channel_fd
        os.write(channel, {lines.encode()!r})
        os._exit(0)
    """)
    )
    result = grade(kata, folder)
    assert result.points == 0
    assert all(c.outcome == "failed" for c in result.checks), [(c.id, c.outcome, c.message) for c in result.checks]


# --- the child's memory holds nothing the judge keeps ---------------------------------------------

SECRET_TOML = """
id = "secret"
order = 1
files = ["secret.py"]
[title]
en = "Secret"
zh = "秘密"
[summary]
en = "a judge that holds a secret"
zh = "持有秘密的裁判"
[hints]
en = ["none"]
zh = ["无"]
"""

SECRET_JUDGE = '''
import uuid

SECRET = "judge-held-" + uuid.uuid4().hex  # made in the judge; in no file a child can read


def test_memory(rng):
    """the child's memory holds no judge secret
    子进程的内存里没有裁判的秘密"""
    expected = SECRET * 3  # an expected value, alive while the child runs
    seen = yield {"needle": "judge-held-", "visible": "judge-held-VISIBLE-IN-INPUTS"}
    assert any("judge-held-VISIBLE-IN-INPUTS" in hit for hit in seen), f"the scan missed the job's own inputs: {seen}"
    assert not any(SECRET in hit or expected in hit for hit in seen), "the child found the judge's secret"
'''

SECRET_EXERCISE = """
def test_memory(solution, inputs):
    return solution.scan(inputs["needle"].encode())
"""

SCANNER = '''
import re


def scan(needle):
    """Every readable region of this process, searched for needle: what follows each hit."""
    hits, chunk = set(), 16 << 20
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as memory:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if "r" not in line.split()[1]:
                continue
            for at in range(start, end, chunk):
                try:
                    memory.seek(at)
                    data = memory.read(min(chunk + 64, end - at))
                except (OSError, OverflowError, ValueError):
                    break
                for found in re.finditer(re.escape(needle), data):
                    hits.add(data[found.start(): found.start() + 48].decode("ascii", "replace"))
    return sorted(hits)
'''


@pytest.mark.slow
def _secret_pack(root: Path) -> Path:
    kata_folder = root / "katas" / "01-secret"
    (kata_folder / "checks").mkdir(parents=True)
    (kata_folder / "stub").mkdir()
    (kata_folder / "kata.toml").write_text(SECRET_TOML, encoding="utf-8")
    (kata_folder / "checks" / "test_secret.py").write_text(SECRET_JUDGE, encoding="utf-8")
    (kata_folder / "checks" / "exercise_secret.py").write_text(SECRET_EXERCISE, encoding="utf-8")
    (kata_folder / "stub" / "secret.py").write_text(
        "def scan(needle):\n    raise NotImplementedError('exercise 1: scan')\n"
    )
    reference = root / "reference" / "01-secret"
    reference.mkdir(parents=True)
    (reference / "secret.py").write_text(SCANNER, encoding="utf-8")
    return root / "katas"


def test_the_childs_whole_memory_holds_nothing_the_judge_keeps(tmp_path):
    """Here the zygote is a fresh interpreter: this test process has loaded judge code before."""
    kata = Catalog.load(_secret_pack(tmp_path)).get("secret")
    engine = Worker([kata])
    first = grade(kata, kata.reference, worker=engine)
    again = grade(kata, kata.reference, worker=engine)  # the judge now also holds the first job's values
    for result in (first, again):
        assert result.status == "passed", result.checks[0].message


def test_a_zygote_forked_before_any_judge_code_holds_none_either(tmp_path):
    """As in `kata grade`: the zygote is forked from the kata process before it loads judge code."""
    pack = _secret_pack(tmp_path)
    script = textwrap.dedent("""
        import sys
        from grader.catalog import Catalog
        from grader.runner import grade
        from grader.worker import Worker
        kata = Catalog.load(sys.argv[1]).get("secret")
        engine = Worker([kata])
        for _ in range(2):
            result = grade(kata, kata.reference, worker=engine)
            print(result.status, result.checks[0].message)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(pack)], capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["passed", "passed"], done.stdout + done.stderr


def test_an_instructors_seed_gives_a_submission_the_same_inputs_everywhere(tmp_path):
    """KATA_SEED: two processes (two machines of a sharded batch) grade a failing submission with the
    same inputs, so the same messages; without it, two runs draw their own."""
    folder = tmp_path / "sub"
    kata = Catalog.load().get("tensors")
    shutil.copytree(kata.reference, folder)
    (folder / "tensors.py").write_text(
        (kata.reference / "tensors.py").read_text() + "\ndef linear_forward(x, w, b):\n    return x @ w.T\n"
    )
    script = textwrap.dedent("""
        import sys
        from grader.catalog import Catalog
        from grader.runner import grade
        kata = Catalog.load().get("tensors")
        print(next(c.message for c in grade(kata, sys.argv[1]).checks if c.id == "test_linear_forward"))
    """)

    def message(seed: str | None) -> str:
        environment = {k: v for k, v in os.environ.items() if k != "KATA_SEED"}
        environment.update({"KATA_SEED": seed} if seed else {})
        done = subprocess.run(
            [sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=300, env=environment
        )
        assert done.returncode == 0 and done.stdout.strip(), done.stderr
        return done.stdout.strip()

    assert message("41") == message("41") != message("42")
    assert message(None) != message(None)
