"""What a grading job may and may not do, tried from inside a real job on the tensors kata.

Each test grades the reference plus a few lines of hostile or unusual code at import time and reads
what that code printed (the job's output comes back with the result). Tests that need a protection
this machine does not offer skip and say which.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from grader import procs, sandbox
from grader.runner import GraderFailure, grade
from grader.sandbox import Limits
from grader.uids import UidPool

ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
_SECCOMP = sandbox._SECCOMP_ARCH

needs_landlock = pytest.mark.skipif(not sandbox.LANDLOCK, reason="the kernel has no Landlock")
needs_root = pytest.mark.skipif(not sandbox.DROPS_PRIVILEGES, reason="needs root with CAP_SETUID to drop to a uid")


def _graded(worker, tensors, folder: Path, device: str = "cpu", limits: Limits | None = None):
    return grade(tensors, folder, device=device, limits=limits, worker=worker)


def test_a_large_virtual_mapping_runs_as_accelerator_runtimes_need(worker, tensors, make_submission):
    """CUDA reserves tens of GiB of address space at start: no address-space cap may stop that."""
    folder = make_submission(
        "import mmap\n"
        "_big = mmap.mmap(-1, 64 * 2**30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000)  # MAP_NORESERVE\n"
        "print('MAPPED', len(_big))\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    assert f"MAPPED {64 * 2**30}" in result.output


def test_cpu_jobs_see_no_accelerator_and_no_instructor_secret(worker, tensors, make_submission, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    monkeypatch.setenv("INSTRUCTOR_API_TOKEN", "secret-token")
    folder = make_submission(
        "import os, getpass\n"
        "print('ENV', sorted(os.environ))\n"
        "print('VISIBLE', repr(os.environ.get('CUDA_VISIBLE_DEVICES')), repr(os.environ.get('ASCEND_RT_VISIBLE_DEVICES')))\n"
        "print('USER', getpass.getuser())\n"
        "print('STDIN', repr(os.read(0, 10)))\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    assert "VISIBLE '' ''" in result.output
    assert "secret-token" not in result.output and "INSTRUCTOR_API_TOKEN" not in result.output
    assert "USER kata" in result.output  # the throwaway uid has no passwd entry, torch's caches still ask
    assert "STDIN b''" in result.output  # stdin is /dev/null, never the instructor's terminal


def test_the_instructors_environment_is_gone_from_the_jobs_memory(tmp_path, make_submission):
    """The allow-list replaced os.environ, but the block the `kata` process started with (the shell's
    tokens, KATA_SEED) stayed in every job's memory: /proc/self/environ printed it."""
    import secrets
    import subprocess
    import sys

    token = secrets.token_hex(16)
    folder = make_submission((ADVERSARIAL / "read_environment.py").read_text())
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from grader.catalog import builtin_roots, load_kata\n"
        "from grader.runner import grade\n"
        "root, reference = builtin_roots()\n"
        "result = grade(load_kata(root / '01-tensors', reference), Path(sys.argv[1]))\n"
        "print(result.status)\n"
        "print(result.output)\n"
    )
    said = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        env={**os.environ, "INSTRUCTOR_LMS_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert said.returncode == 0, said.stderr[-2000:]
    assert said.stdout.startswith("passed") and "LOOKED" in said.stdout, said.stdout
    assert token not in said.stdout and "FOUND" not in said.stdout, said.stdout


def test_cpu_jobs_hide_every_accelerator_runtime(worker, tensors, make_submission, monkeypatch):
    """Each runtime's visibility variable, set by the instructor's shell, is overridden for a CPU job."""
    hidden = sandbox._HIDE_ACCELERATORS
    for name in hidden:
        monkeypatch.setenv(name, "0")
    folder = make_submission(
        "import os, torch\n"
        f"for _name in {sorted(hidden)!r}:\n"
        "    print('HIDDEN', _name, repr(os.environ.get(_name)))\n"
        "print('CUDA', torch.cuda.is_available(), torch.cuda.device_count())\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    for name, value in hidden.items():
        assert f"HIDDEN {name} {value!r}" in result.output
    assert "CUDA False 0" in result.output
    environment = sandbox.job_environment({name: "0" for name in hidden}, Path("/job"), "cuda:0", None, Limits())
    assert all(environment[name] == "0" for name in hidden)  # an accelerator job keeps the instructor's choice


def test_a_uid_without_a_passwd_entry_can_ask_who_it_is(worker, tensors, make_submission):
    """The throwaway uid is in no passwd file: code that looks it up (getpass, pwd, ~user, torch's
    cache folders) finds the job's own entry, made for this job alone."""
    before = Path("/etc/passwd").read_bytes()
    folder = make_submission(
        "import getpass, grp, os, pwd\n"
        "import torch.hub\n"
        "print('USER', getpass.getuser(), pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name)\n"
        "print('HOME', os.path.expanduser('~' + getpass.getuser()) == os.path.expanduser('~') == os.environ['HOME'])\n"
        "print('CACHES', torch.hub.get_dir().startswith(os.environ['HOME']), os.environ['TORCHINDUCTOR_CACHE_DIR'].startswith(os.environ['TMPDIR']))\n"
        "try:\n    open('/etc/passwd', 'a').write('root2::0:0::/:/bin/sh')\n    print('PASSWD written')\n"
        "except OSError:\n    print('PASSWD read-only')\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    user = result.output.split("USER ")[1].splitlines()[0].split()
    assert len(set(user)) == 1, user  # getpass, pwd and grp agree
    assert "HOME True" in result.output and "CACHES True True" in result.output
    if sandbox.DROPS_PRIVILEGES:
        assert user[0].startswith("kata") and "PASSWD read-only" in result.output
    assert Path("/etc/passwd").read_bytes() == before  # the entry lives in the job's mount namespace only


def test_only_the_files_the_kata_names_are_copied(worker, tensors, make_submission):
    folder = make_submission("print('HELPER', __import__('importlib.util').util.find_spec('helper'))\n")
    (folder / "helper.py").write_text("X = 1\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "tensors.cpython-311.pyc").write_bytes(b"not the source")
    (folder / "native.so").write_bytes(b"\x7fELF")
    [(_, result)] = list(
        __import__("grader.runner").runner.grade_many(worker, [__import__("grader.worker").worker.Job(tensors, folder)])
    )
    assert result.status == "passed", result.status_message
    assert "HELPER None" in result.output


def test_a_job_finds_nothing_of_the_jobs_running_beside_it(tensors, make_submission):
    """A child is a copy of the zygote: the zygote's state for the jobs beside it (whose folders name
    their learners, whose records hold what they printed and observed) is dropped before learner code runs."""
    from grader.runner import grade_many
    from grader.worker import Job, Worker

    worker = Worker([tensors], parallel=2)  # first, as `kata grade` does: its zygote never saw the jobs
    classmate = make_submission("import time\ntime.sleep(2)\n", name="classmate-alice")
    attacker = make_submission((ADVERSARIAL / "classmate_in_memory.py").read_text(), name="attacker")
    jobs = [Job(tensors, classmate, "cpu", Limits()), Job(tensors, attacker, "cpu", Limits())]
    results = {job.solution_dir.name: result for job, result in grade_many(worker, jobs)}
    assert results["attacker"].status == "passed", results["attacker"].status_message
    assert f"JOB SEEN {attacker}" in results["attacker"].output  # the probe works: it finds its own job
    assert "classmate-alice" not in results["attacker"].output


def test_dropped_files_are_reported(tensors, make_submission):
    folder = make_submission()
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "tensors.cpython-311.pyc").write_bytes(b"x")
    (folder / "extra.py").write_text("")
    job_dir = sandbox.prepare_job_dir(folder, tensors.files)
    try:
        assert job_dir.dropped == ("__pycache__/tensors.cpython-311.pyc", "extra.py")
        assert [p.name for p in job_dir.solution.iterdir()] == ["tensors.py"]
    finally:
        sandbox.remove_job_dir(job_dir.root)
    # a file the kata names is never "not named by the kata": a link in its place is missing (told so),
    # and a .py the notebook won over is named as ignored
    (folder / "tensors.py").rename(folder / "real.py")
    (folder / "tensors.py").symlink_to(folder / "real.py")
    job_dir = sandbox.prepare_job_dir(folder, tensors.files)
    try:
        assert job_dir.dropped == ("__pycache__/tensors.cpython-311.pyc", "extra.py", "real.py")
    finally:
        sandbox.remove_job_dir(job_dir.root)


@needs_landlock
def test_learner_code_cannot_read_a_classmate_or_write_outside_its_folder(worker, tensors, make_submission, tmp_path):
    classmate = tmp_path / "classmate" / "tensors.py"
    classmate.parent.mkdir()
    classmate.write_text("# a classmate's answer\n")
    outside = tmp_path / "planted.txt"
    folder = make_submission(
        "def _try(action):\n"
        "    try:\n"
        "        action()\n"
        "        return 'allowed'\n"
        "    except OSError as error:\n"
        "        return f'denied {error.errno}'\n"
        f"print('READ', _try(lambda: open({str(classmate)!r}).read()))\n"
        f"print('WRITE', _try(lambda: open({str(outside)!r}, 'w').write('x')))\n"
        "print('TMP', _try(lambda: open('/tmp/kata-planted', 'w').write('x')))\n"
        "print('HOME', _try(lambda: open(__import__('os').path.expanduser('~/notes'), 'w').write('x')))\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    assert "READ denied" in result.output and "WRITE denied" in result.output and "TMP denied" in result.output
    assert "HOME allowed" in result.output  # its own folder stays writable
    assert not outside.exists()


@needs_landlock
def test_learner_code_cannot_signal_the_grader(worker, tensors, make_submission):
    folder = make_submission(
        "import os, signal\n"
        f"try:\n    os.kill({os.getpid()}, signal.SIGTERM)\n    print('KILL allowed')\n"
        "except OSError as error:\n    print('KILL denied', error.errno)\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    assert "KILL denied" in result.output


@needs_root
def test_a_job_cannot_raise_its_limits_back(worker, tensors, make_submission):
    """Each limit is set soft and hard: a process may raise its soft limit up to the hard one."""
    folder = make_submission((ADVERSARIAL / "raise_limits.py").read_text())
    limits = Limits()
    result = _graded(worker, tensors, folder, limits=limits)
    assert result.status == "passed", result.status_message
    assert int(result.output.split("FORKED ")[1].split()[0]) < limits.processes
    assert int(result.output.split("OPENED ")[1].split()[0]) < limits.open_files
    assert f"LIMIT RLIMIT_FSIZE ({limits.file_size_mb * 2**20}, {limits.file_size_mb * 2**20})" in result.output


@pytest.mark.skipif(
    not sandbox.protections()["no namespaces of its own (which could hide sockets from the memory count)"],
    reason="no seccomp filter for this machine",
)
@pytest.mark.parametrize("attack", ["nested_network", "nested_namespace"])
def test_a_job_cannot_make_namespaces_of_its_own(worker, tensors, make_submission, attack):
    """A user namespace, then a network namespace in it, would hold sockets the watch does not read
    (and a mount namespace a tmpfs, where Landlock did not refuse the mount)."""
    folder = make_submission((ADVERSARIAL / f"{attack}.py").read_text())
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, memory_mb=500))
    assert result.status == "passed", result.status_message
    assert "UNSHARE refused 1" in result.output  # EPERM


@pytest.mark.skipif(_SECCOMP is None, reason="no seccomp filter for this machine")
def test_a_job_can_make_no_internet_socket_only_local_ones(worker, tensors, make_submission):
    """Landlock refuses only TCP: without a network namespace of its own (no root, and a kernel that
    refuses unprivileged user namespaces) a job sent UDP anywhere, while `kata doctor` said "no network"."""
    import errno
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(0.5)
        source = (ADVERSARIAL / "udp_out.py").read_text().replace("PORT = 0", f"PORT = {listener.getsockname()[1]}")
        result = _graded(worker, tensors, make_submission(source))
        assert result.status == "passed", result.status_message
        for family in ("AF_INET", "AF_INET6"):
            assert f"REFUSED {family} errno={errno.EPERM};" in result.output, result.output
        assert "UNIX ok" in result.output
        with pytest.raises(TimeoutError):
            listener.recv(16)


@pytest.mark.skipif(not Path("/proc/self/oom_score_adj").exists(), reason="the kernel has no OOM score")
def test_the_kernel_kills_a_job_before_the_grader_when_memory_runs_out(worker, tensors, make_submission):
    folder = make_submission(
        "_path = '/proc/self/oom_score_adj'\n"
        "print('SCORE', open(_path).read().strip())\n"
        "try:\n    open(_path, 'w').write('-1000')\n    print('LOWERED', open(_path).read().strip())\n"
        "except OSError:\n    print('LOWERED refused')\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    assert "SCORE 1000" in result.output
    if sandbox.DROPS_PRIVILEGES:
        assert "LOWERED refused" in result.output


def test_memory_counts_every_process_of_the_job(worker, tensors, make_submission):
    folder = make_submission(
        "import os, time\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(220 * 2**20)\n"
        "        for i in range(0, len(block), 4096):\n"
        "            block[i] = 1\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "time.sleep(30)\n"
    )
    limits = Limits(timeout=20, memory_mb=500)
    result = _graded(worker, tensors, folder, limits=limits)
    assert result.status == "oom", result.status_message


def test_the_memory_watch_walks_page_tables_only_near_the_limit(monkeypatch):
    """A process's PSS is at most its resident size: a resident total within the limit settles it;
    near or past the limit the PSS decides, so shared pages never make a job `oom`."""
    walked = []
    monkeypatch.setattr(procs, "memory_mb", lambda pid: walked.append(pid) or 150.0)
    table = {pid: procs.ProcessInfo(pid, 1, 10, 5000, resident_mb=200.0) for pid in (10, 11)}
    assert not procs.memory_over([10, 11], table, limit_mb=1000)
    assert walked == []
    assert not procs.memory_over([10, 11], table, limit_mb=400)  # 400 MB resident, 300 MB PSS
    assert walked == [10, 11]
    assert procs.memory_over([10, 11], table, limit_mb=250)
    walked.clear()
    assert not procs.memory_over([10, 12], table, limit_mb=1000)  # 12 is not in the table: its PSS is read
    assert walked == [10, 12]


def test_resident_sizes_count_as_far_behind_as_the_kernel_may_keep_them(monkeypatch):
    """Per CPU since Linux 6.2, per thread before: a process of many threads on an older kernel may
    read further behind, and needs a wider margin before its resident size settles anything."""
    monkeypatch.setattr(procs, "_kernel_at_least", lambda major, minor: True)
    assert procs._resident_lag_mb(1) == procs._resident_lag_mb(500) > 0
    monkeypatch.setattr(procs, "_kernel_at_least", lambda major, minor: False)
    assert procs._resident_lag_mb(500) > procs._resident_lag_mb(1)


def test_a_process_cannot_forge_what_the_watch_reads_through_its_name(tmp_path):
    """The name comes first in /proc/PID/status, and a name may hold line ends: the kernel escapes
    them, so a process named like the fields after it is still seen as what it is."""
    import ctypes

    ready = tmp_path / "ready"
    pid = os.fork()
    if pid == 0:
        try:
            ctypes.CDLL(None).prctl(15, b"x\nUid:\t7\nPPid:\t1\nNSsid:\t1", 0, 0, 0)  # PR_SET_NAME
            ready.touch()
            time.sleep(30)
        finally:
            os._exit(0)
    try:
        while not ready.exists():
            time.sleep(0.01)
        [seen] = [p for p in procs.scan() if p.pid == pid]
        assert (seen.ppid, seen.uid, seen.session) == (os.getpid(), os.getuid(), os.getsid(0))
        assert seen.resident_mb > 0
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_a_kernel_without_session_in_status_has_it_read_from_stat():
    """NSsid came with Linux 4.1; without it the session comes from /proc/PID/stat."""
    status = Path(f"/proc/{os.getpid()}/status").read_bytes()
    without = b"".join(line for line in status.splitlines(keepends=True) if not line.startswith(b"NSsid:"))
    assert procs.parse_status(os.getpid(), without).session == os.getsid(0)


def test_a_process_that_leaves_the_group_dies_with_the_job(worker, tensors, make_submission, tmp_path):
    folder = make_submission(
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        print('STRAY', os.getpid(), flush=True)\n"
        "        while True:\n"
        "            pass\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
    )
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    stray = int(result.output.split("STRAY")[1].split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(p.pid == stray for p in procs.scan()):
        time.sleep(0.05)
    assert not any(p.pid == stray for p in procs.scan())


def test_disk_budget_stops_a_job_that_fills_its_folder(worker, tensors, make_submission):
    folder = make_submission(
        "import os, time\n"
        "for i in range(40):\n"
        "    with open(f'fill{i}', 'wb') as out:\n"
        "        out.write(os.urandom(8 * 2**20))\n"
        "time.sleep(30)\n"
    )
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, disk_mb=64))
    assert result.status == "error", result.status_message
    assert "disk" in result.status_message


def test_folders_nested_past_what_a_walk_can_follow_stop_the_job_not_the_grader(worker, tensors, make_submission):
    """Python 3.11's folder walks recurse once per level: 1,500 levels in the job's own folder once
    killed the zygote (nothing graded from there on). Now the job stops and its folder still goes."""
    folder = make_submission((ADVERSARIAL / "deep_folders.py").read_text())
    result = _graded(worker, tensors, folder)
    assert result.status == "error" and "nesting folders" in result.status_message, result.status_message
    assert not Path(result.output.split("FOLDER ")[1].split()[0]).exists()
    assert _graded(worker, tensors, tensors.reference).status == "passed"


def test_a_submission_nested_deeper_than_a_walk_can_follow_still_grades(worker, tensors, make_submission):
    """The files left behind are listed without recursion (a deep submission once killed the zygote)."""
    folder = make_submission()
    here = folder
    for _ in range(1500):
        here = here / "d"
        here.mkdir()  # one level at a time: os.makedirs recurses too
    result = _graded(worker, tensors, folder)
    assert result.status == "passed", result.status_message
    sandbox.remove_job_dir(folder / "d")
    assert not (folder / "d").exists()


def _as_the_folders_owner(check) -> None:
    """Run `check()` as a user without root, who owns the folders it makes (as the grader without
    root owns its jobs' folders): in a forked child that drops to `nobody` where we are root."""
    if os.geteuid() != 0:
        check()
        return
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            check()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the check failed as an unprivileged owner"


def test_a_folder_a_job_closes_to_its_owner_stops_it_and_is_removed_without_root():
    """Without root the grader owns a job's folder and has no more rights than its code: `chmod 000`
    on a folder hid what it held from the disk watch (unbounded disk) and left it behind in TMPDIR."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kata-test-owner-"))
    os.chmod(base, 0o777)

    def check() -> None:
        job = base / "job"
        hidden = job / "tmp" / "hidden"
        hidden.mkdir(parents=True)
        (hidden / "data").write_bytes(os.urandom(3 * 2**20))
        os.chmod(hidden, 0)
        assert sandbox.folder_mb(job) == float("inf")  # the watch stops such a job
        assert stat.S_IMODE(os.stat(hidden).st_mode) == 0  # and changes nothing while it runs
        os.chmod(job, 0)
        sandbox.remove_job_dir(job)
        assert not os.path.lexists(job)

    try:
        _as_the_folders_owner(check)
    finally:
        sandbox.remove_job_dir(base)


def test_reopening_a_finished_jobs_folder_never_follows_a_link():
    """A folder swapped for a link to the grader's own files must not have those files' mode changed."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kata-test-owner-"))
    os.chmod(base, 0o777)

    def check() -> None:
        target = base / "instructor"
        target.mkdir()
        os.chmod(target, 0o077)  # its owner bits closed, as a job closes a folder
        (base / "swapped").symlink_to(target)
        sandbox._reopen(base / "swapped")
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o077

    try:
        _as_the_folders_owner(check)
    finally:
        sandbox.remove_job_dir(base)


def test_a_file_too_large_to_copy_is_said_to_be_so_not_missing(worker, tensors, make_submission):
    folder = make_submission("#" + "x" * (sandbox.MAX_COPIED_BYTES + 10) + "\n")
    result = _graded(worker, tensors, folder)
    assert result.status == "error" and "tensors.py too large to grade" in result.status_message


def test_a_job_the_grader_cannot_set_up_is_not_the_learners_failure(worker, tensors):
    """Confinement fails before any learner code runs (here: a time limit no rlimit can hold)."""
    with pytest.raises(GraderFailure, match="could not set up a grading job.*OverflowError"):
        _graded(worker, tensors, tensors.reference, limits=Limits(timeout=float("inf")))


def test_memory_held_in_memfds_counts(worker, tensors, make_submission):
    """A memfd that nothing maps shows in no process's memory figures; its pages count all the same."""
    folder = make_submission(
        "import os, time\n"
        "_chunk = os.urandom(2**20) * 6\n"
        "_held = [os.memfd_create('hidden') for _ in range(16)]\n"
        "for fd in _held:\n"
        "    for _ in range(8):\n"
        "        os.write(fd, _chunk)\n"
        "time.sleep(30)\n"
    )
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, memory_mb=500))
    assert result.status == "oom", result.status_message


def test_disk_held_in_deleted_files_counts(worker, tensors, make_submission):
    """A file deleted while open is in no folder the budget walks; its blocks count all the same."""
    folder = make_submission(
        "import os, time\n"
        "_held = []\n"
        "for i in range(10):\n"
        "    out = open(f'gone{i}', 'wb')\n"
        "    out.write(os.urandom(8 * 2**20))\n"
        "    out.flush()\n"
        "    os.unlink(f'gone{i}')\n"
        "    _held.append(out)\n"
        "time.sleep(30)\n"
    )
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, disk_mb=64))
    assert result.status == "error", result.status_message
    assert "disk" in result.status_message


@pytest.mark.skipif(not sandbox.CUTS_NETWORK, reason="needs root with CAP_SYS_ADMIN for namespaces")
@pytest.mark.parametrize(("attack", "memory_mb"), [("socket_buffers", 500), ("datagram_queue", 500), ("shm_fill", 300)])
def test_memory_held_in_the_kernel_counts(worker, tensors, make_submission, attack, memory_mb):
    """Socket queues and files on /dev/shm (a tmpfs) live in the kernel, in no process's memory
    figures: the job's own network namespace holds every socket it makes and its own mount namespace
    its /dev/shm, and what they hold counts."""
    folder = make_submission((ADVERSARIAL / f"{attack}.py").read_text())
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, memory_mb=memory_mb))
    assert result.status == "oom", result.status_message


def test_a_few_sockets_with_a_little_data_stay_far_below_the_limit(worker, tensors, make_submission):
    """A few sockets with a little data (what multiprocessing and DataLoader workers use) stay far
    below any limit."""
    folder = make_submission(
        "import socket\n_pairs = [socket.socketpair() for _ in range(50)]\n"
        "for _a, _b in _pairs:\n    _a.send(b'x' * 4096)\n"
        "_d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n_d.bind('\\0kata-small')\n"
        "socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'x' * 100, '\\0kata-small')\n"
    )
    result = _graded(worker, tensors, folder, limits=Limits(timeout=20, memory_mb=500))
    assert result.status == "passed", result.status_message


def _system_v_segments() -> set[str]:
    with open("/proc/sysvipc/shm") as table:
        return {line.split()[1] for line in list(table)[1:]}


@pytest.mark.skipif(not sandbox.CUTS_NETWORK, reason="needs root with CAP_SYS_ADMIN for namespaces")
def test_system_v_shared_memory_is_capped_and_dies_with_the_job(worker, tensors, make_submission):
    """A System V segment outlives its process and is in nobody's memory figures unless mapped."""
    before = _system_v_segments()
    folder = make_submission(
        "import ctypes\n"
        "_libc = ctypes.CDLL(None, use_errno=True)\n"
        "_private, _create = 0, 0o1600\n"
        "print('LARGE', _libc.shmget(_private, ctypes.c_size_t(256 * 2**20), _create))\n"
        "print('SMALL', _libc.shmget(_private, ctypes.c_size_t(2**20), _create))\n"
    )
    result = _graded(worker, tensors, folder, limits=Limits(disk_mb=64))
    assert result.status == "passed", result.status_message
    assert "LARGE -1" in result.output  # over the job's cap
    assert "SMALL -1" not in result.output
    assert _system_v_segments() <= before  # the small one went with the job's IPC namespace


@needs_root
def test_uids_never_repeat_within_a_pool_and_are_locked_across_pools(tmp_path):
    first, second = UidPool(tmp_path), UidPool(tmp_path)
    taken = [first.lease() for _ in range(5)]
    assert len(set(taken)) == 5
    second.counter = first.counter - 5  # point it at the same uids
    other = second.lease()
    assert other not in taken
    for uid in taken:
        first.release(uid)
    second.release(other)


@needs_root
def test_graders_given_different_temp_folders_share_one_uid_lock_folder(tmp_path):
    """A Slurm job's own /tmp, or a scratch TMPDIR: two batches on one machine each locked uids in a
    folder of its own, leased the same uid at once, and each killed the other's jobs (kill -1 as it)."""
    import subprocess
    import sys

    said = {}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        said[name] = subprocess.run(
            [sys.executable, "-c", "from grader.uids import UidPool; print(UidPool().lock_dir)"],
            env={**os.environ, "TMPDIR": str(tmp_path / name)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    assert said["a"] == said["b"] and str(tmp_path) not in said["a"]


@pytest.mark.slow
def test_spawned_children_ignore_a_grader_folder_in_the_current_directory(tensors, tmp_path, monkeypatch):
    from grader.worker import Worker

    fake = tmp_path / "grader"
    fake.mkdir()
    marker = tmp_path / "ran-as-grader"
    (fake / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    (fake / "worker.py").write_text("")
    monkeypatch.chdir(tmp_path)
    result = grade(tensors, tensors.reference, worker=Worker([tensors], spawn=True))
    assert result.status == "passed", result.status_message
    assert not marker.exists()


@pytest.mark.skipif(
    not (sandbox.DROPS_PRIVILEGES and sandbox.PYTHON_READABLE),
    reason="needs root and a Python install other users can read",
)
def test_a_private_pack_out_of_the_job_users_reach_still_grades(tmp_path, monkeypatch):
    """As on a GPU machine with /opt's Python: the pack sits in a 0700 folder the job's uid cannot
    enter, and nothing about the kata may be looked up there after the uid drop."""
    import shutil

    from grader.catalog import load_kata
    from grader.worker import Worker

    monkeypatch.setattr(sandbox, "KEEPS_READ_SEARCH", False)
    private = tmp_path / "private"
    katas_root, reference_root = __import__("grader.catalog").catalog.builtin_roots()
    shutil.copytree(katas_root / "01-tensors", private / "katas" / "01-tensors")
    shutil.copytree(reference_root / "01-tensors", private / "reference" / "01-tensors")
    private.chmod(0o700)
    kata = load_kata(private / "katas" / "01-tensors", private / "reference")
    result = grade(kata, kata.reference, worker=Worker([kata]))
    assert result.status == "passed", result.output
