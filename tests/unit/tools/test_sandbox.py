"""The code-execution sandbox, attacked from inside.

Most attacks run against the full sandbox and then against single layers with
the others turned off (``layers``), to show that each layer meant to stop an
attack stops it on its own. A layer this machine lacks is skipped, not faked.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from openlive.tools import sandbox
from openlive.tools.sandbox import (
    CodeResult,
    Isolation,
    SandboxError,
    SandboxLimits,
    detect_isolation,
    run_python,
)

FAST = {"wall_s": 5.0, "cpu_s": 5.0}


async def run(code: str, layers: str = "all", **limits: object) -> CodeResult:
    """Run ``code`` with the given layer set (see the module docstring)."""
    full = await detect_isolation()
    sandbox_limits = SandboxLimits(**{**FAST, **limits})  # type: ignore[arg-type]
    if layers == "all":
        return await run_python(code, sandbox_limits)
    isolation = _isolation_for(full, layers)
    hook = layers == "hook_only"
    return await sandbox._run(code, sandbox_limits, isolation=isolation, audit_hook=hook)


def _isolation_for(full: Isolation, layers: str) -> Isolation:
    needs = {
        "no_hook": [],
        "hook_only": [],
        "landlock_only": ["landlock"],
        "seccomp_only": ["seccomp"],
        "namespaces_only": ["namespaces"],
        "user_namespace": ["namespaces"],
    }[layers]
    available = {"landlock": full.landlock_abi > 0, "seccomp": full.seccomp, "namespaces": bool(full.unshare)}
    for need in needs:
        if not available[need]:
            pytest.skip(f"this machine has no {need}")
    if layers == "no_hook":
        return full
    if layers == "user_namespace":
        # Namespaces as an unprivileged server gets them (unshare -r), and no other layer.
        unshare = shutil.which("unshare")
        assert unshare is not None
        flags = (unshare, *sandbox._USER_NAMESPACE_FLAGS, *sandbox._NAMESPACE_FLAGS)
        return Isolation(unshare=flags, landlock_abi=0, seccomp=False)
    return Isolation(
        unshare=full.unshare if layers == "namespaces_only" else (),
        landlock_abi=full.landlock_abi if layers == "landlock_only" else 0,
        seccomp=full.seccomp and layers == "seccomp_only",
    )


def leftovers(token: str) -> list[int]:
    """Processes whose command line or open files mention ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            mentions = token.encode() in (entry / "cmdline").read_bytes()
            if not mentions:
                mentions = any(token in os.readlink(fd) for fd in (entry / "fd").iterdir())
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        if mentions:
            found.append(int(entry.name))
    return found


async def assert_no_leftovers(token: str) -> None:
    # Killed processes may take a moment to be reaped; wait for that, not for anything else.
    for _ in range(50):
        if not leftovers(token):
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"processes survived the run: {leftovers(token)}")


# --- ordinary code -----------------------------------------------------------------


async def test_normal_code_runs() -> None:
    result = await run_python("print(sum(range(10)))")
    assert result == CodeResult("OUTCOME_OK", "45\n")


async def test_syntax_error_fails_with_the_message() -> None:
    result = await run("print(\n")
    assert result.outcome == "OUTCOME_FAILED"
    assert "SyntaxError" in result.output
    assert "was never closed" in result.output


async def test_exception_fails_with_the_codes_own_traceback() -> None:
    result = await run("x = 1\nprint('before')\n1 / 0\n")
    assert result.outcome == "OUTCOME_FAILED"
    assert result.output.startswith("before\nTraceback (most recent call last):\n")
    assert 'File "<code>", line 3' in result.output
    assert "ZeroDivisionError: division by zero" in result.output
    assert "_sandbox_child" not in result.output


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("import sys; sys.exit(0)", "OUTCOME_OK"),
        ("import sys; sys.exit(3)", "OUTCOME_FAILED"),
        ("input()", "OUTCOME_FAILED"),  # stdin is empty
    ],
)
async def test_exit_status_decides_the_outcome(code: str, outcome: str) -> None:
    assert (await run(code)).outcome == outcome


async def test_standard_library_threads_and_asyncio_work() -> None:
    code = """
import asyncio, decimal, hashlib, json, sqlite3, ssl, threading, zoneinfo
box = []
thread = threading.Thread(target=lambda: box.append(hashlib.sha256(b"x").hexdigest()[:8]))
thread.start(); thread.join()
print(box[0], asyncio.run(asyncio.sleep(0, "async")), json.dumps(str(decimal.Decimal("1.5"))))
"""
    result = await run(code)
    assert result == CodeResult("OUTCOME_OK", '2d711642 async "1.5"\n')


async def test_working_directory_is_fresh_writable_and_removed() -> None:
    code = """
import os
print(os.listdir("."))
os.mkdir("sub")
with open("sub/notes.txt", "w") as f:
    f.write("kept")
print(open("sub/notes.txt").read(), os.getcwd())
"""
    result = await run(code)
    assert result.outcome == "OUTCOME_OK", result.output
    first, second = result.output.splitlines()
    assert first == "[]"
    kept, workdir = second.split(" ")
    assert kept == "kept"
    assert not Path(workdir).exists()


async def test_parallel_runs_do_not_interfere() -> None:
    code = """
import os, time
open("run-{i}.txt", "w").write("{i}")
time.sleep(0.3)  # let the others write theirs meanwhile
print(sorted(os.listdir(".")), os.getcwd())
"""
    results = await asyncio.gather(*(run(code.replace("{i}", str(i))) for i in range(8)))
    workdirs = set()
    for i, result in enumerate(results):
        assert result.outcome == "OUTCOME_OK", result.output
        listing, workdir = result.output.rsplit(" ", 1)
        assert listing == f"['run-{i}.txt']"
        workdirs.add(workdir.strip())
    assert len(workdirs) == 8
    assert not any(Path(w).exists() for w in workdirs)


# --- limits -----------------------------------------------------------------------------


async def test_infinite_loop_hits_the_wall_clock_and_dies() -> None:
    token = f"marker-{uuid.uuid4().hex}"
    code = f"f = open('{token}', 'w')\nprint('started', flush=True)\nwhile True:\n    pass\n"
    started = time.monotonic()
    result = await run(code, wall_s=1.5, cpu_s=60)
    assert result.outcome == "OUTCOME_DEADLINE_EXCEEDED"
    assert result.output == "started\n[stopped: wall-clock limit of 1.5 s]\n"
    assert time.monotonic() - started < 10  # generous: the limit is 1.5 s
    await assert_no_leftovers(token)


async def test_sleeping_counts_against_the_wall_clock() -> None:
    result = await run("import time; time.sleep(60)", wall_s=1.5)
    assert result.outcome == "OUTCOME_DEADLINE_EXCEEDED"


async def test_cpu_limit_stops_a_busy_loop_before_the_wall_clock() -> None:
    result = await run("while True:\n    pass\n", wall_s=60, cpu_s=1)
    assert result.outcome == "OUTCOME_DEADLINE_EXCEEDED"
    assert "CPU-time limit of 1 s" in result.output


async def test_huge_allocation_fails_with_memory_error_and_the_server_is_unharmed() -> None:
    before = resource.getrlimit(resource.RLIMIT_AS)
    result = await run("b = bytearray(2 * 1024 ** 3)\n", memory_mb=128)
    assert result.outcome == "OUTCOME_FAILED"
    assert "MemoryError" in result.output
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    room = bytearray(300 * 1024 * 1024)  # more than the sandbox's limit, here in the server
    assert len(room) == 300 * 1024 * 1024


async def test_growing_memory_fails_with_memory_error() -> None:
    result = await run("chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 6))\n", memory_mb=128)
    assert result.outcome == "OUTCOME_FAILED"
    assert "MemoryError" in result.output


async def test_output_flood_is_capped_and_the_run_ends() -> None:
    result = await run("while True:\n    print('x' * 99)\n", wall_s=60, output_bytes=10_000)
    assert result.outcome == "OUTCOME_FAILED"
    body, marker = result.output[:10_000], result.output[10_000:]
    assert body == ("x" * 99 + "\n") * 100
    assert marker == "[output truncated: the program wrote more than 10000 bytes and was stopped]\n"


async def test_output_cap_counts_stderr_too() -> None:
    result = await run("import sys\nprint('a' * 30)\nsys.stderr.write('b' * 100)\n", output_bytes=50)
    assert result.outcome == "OUTCOME_FAILED"
    assert result.output.startswith("a" * 30 + "\n" + "b" * 19 + "\n[output truncated")


# --- escapes --------------------------------------------------------------------------------

SPAWN_CODE = """
import os, subprocess, time
marker = open("{token}", "w")
results = []
try:
    if os.fork() == 0:
        os.setsid()  # leave the process group, as a daemon would
        time.sleep(60)
        os._exit(0)
    results.append("fork: started")
except OSError as error:
    results.append(f"fork: {{type(error).__name__}}")
try:
    subprocess.Popen(["/bin/sleep", "{sleep}"], start_new_session=True)
    results.append("popen: started")
except OSError as error:
    results.append(f"popen: {{type(error).__name__}}")
try:
    results.append(f"system: {{os.system('setsid /bin/sleep {sleep} &')}}")
except OSError as error:
    results.append(f"system: {{type(error).__name__}}")
print(results)
"""


@pytest.mark.parametrize(
    "layers", ["all", "no_hook", "hook_only", "seccomp_only", "namespaces_only", "user_namespace"]
)
async def test_no_process_survives_fork_subprocess_or_system(layers: str) -> None:
    token = f"marker-{uuid.uuid4().hex}"
    sleep = f"61.{uuid.uuid4().int % 10**9}"
    result = await run(SPAWN_CODE.format(token=token, sleep=sleep), layers)
    assert result.outcome == "OUTCOME_OK", result.output
    if layers in ("all", "no_hook", "hook_only", "seccomp_only"):
        # Refused outright: nothing was started.
        assert "fork: PermissionError" in result.output
        assert "popen: PermissionError" in result.output
        assert "started" not in result.output
    else:
        # Only namespaces: the fork works, and the child still dies with the run.
        assert "fork: started" in result.output
    await assert_no_leftovers(token)
    await assert_no_leftovers(sleep)


async def test_audit_hook_reads_strings_through_the_base_type(tmp_path: Path) -> None:
    # A str subclass that hides its "w" from `in` must not pass a write for a read.
    target = tmp_path / "sneaked.txt"
    code = f"""
class Mode(str):
    def __contains__(self, item):
        return False
try:
    open({str(target)!r}, Mode("w")).write("sneaked")
    print("written")
except PermissionError as error:
    print(error)
"""
    result = await run(code, "hook_only")
    assert result.outcome == "OUTCOME_OK", result.output
    assert result.output.startswith("sandbox: writing ")
    assert not target.exists()


async def test_process_refusals_are_readable_with_the_audit_hook() -> None:
    code = "import os\ntry:\n    os.system('true')\nexcept PermissionError as error:\n    print(error)\n"
    result = await run(code)
    assert result == CodeResult("OUTCOME_OK", "sandbox: os.system is not allowed\n")


CONNECT_CODE = """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    print("connected")
except OSError as error:
    print("refused:", type(error).__name__)
"""


async def _listening_server() -> tuple[asyncio.Server, int, list[bool]]:
    accepted: list[bool] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(True)
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], accepted


@pytest.mark.parametrize(
    "layers",
    ["all", "no_hook", "hook_only", "landlock_only", "seccomp_only", "namespaces_only", "user_namespace"],
)
async def test_socket_connect_fails_even_to_a_local_listener(layers: str) -> None:
    server, port, accepted = await _listening_server()
    async with server:
        result = await run(CONNECT_CODE.format(port=port), layers)
    assert result.outcome == "OUTCOME_OK", result.output
    assert result.output.startswith("refused: ")
    assert accepted == []


async def test_network_true_allows_the_connection() -> None:
    # The same code and listener as above: shows the refusal comes from the sandbox.
    server, port, accepted = await _listening_server()
    async with server:
        result = await run(CONNECT_CODE.format(port=port), network=True)
    assert result == CodeResult("OUTCOME_OK", "connected\n")
    assert accepted == [True]


ENVIRON_CODE = """
import os
print(sorted(os.environ))
for pid in ({server_pid}, {holder_pid}, os.getppid(), 1):
    try:
        print(pid, open(f"/proc/{{pid}}/environ", "rb").read())
    except OSError as error:
        print(pid, "unreadable:", type(error).__name__)
"""


@pytest.mark.parametrize(
    "layers", ["all", "no_hook", "hook_only", "landlock_only", "namespaces_only", "user_namespace"]
)
async def test_server_environment_is_invisible(layers: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENLIVE_SANDBOX_TEST_SECRET", secret)
    # /proc/<pid>/environ shows a process's environment as it started: a process
    # started with the secret is the one to steal it from.
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    try:
        await asyncio.sleep(0.2)
        assert secret.encode() in Path(f"/proc/{holder.pid}/environ").read_bytes()
        code = ENVIRON_CODE.format(server_pid=os.getpid(), holder_pid=holder.pid)
        result = await run(code, layers)
    finally:
        holder.kill()
        await holder.wait()
    assert result.outcome == "OUTCOME_OK", result.output
    assert secret not in result.output
    assert result.output.splitlines()[0] == "['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']"
    assert f"{holder.pid} unreadable:" in result.output
    assert f"{os.getpid()} unreadable:" in result.output


@pytest.mark.parametrize("layers", ["all", "no_hook", "hook_only", "landlock_only"])
async def test_server_files_are_unreadable(layers: str, tmp_path: Path) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    (tmp_path / "server-secret.txt").write_text(secret)
    server_source = Path(sandbox.__file__)
    code = f"""
import os
for path in ({str(tmp_path / "server-secret.txt")!r}, {str(server_source)!r}, "/etc/passwd"):
    try:
        print(open(path).read()[:200])
    except OSError as error:
        print("unreadable:", type(error).__name__)
try:
    print(os.listdir({str(tmp_path)!r}))
except OSError as error:
    print("unlistable:", type(error).__name__)
"""
    result = await run(code, layers)
    assert result.outcome == "OUTCOME_OK", result.output
    assert secret not in result.output
    assert "server-secret.txt" not in result.output
    assert result.output.count("unreadable: PermissionError") == 3
    assert "unlistable: PermissionError" in result.output


@pytest.mark.parametrize("layers", ["all", "no_hook", "hook_only", "landlock_only"])
async def test_writing_outside_the_directory_is_refused(layers: str, tmp_path: Path) -> None:
    targets = [tmp_path / "escaped.txt", Path(f"/tmp/openlive-escape-{uuid.uuid4().hex}.txt")]
    code = f"""
import os
for path in {[str(t) for t in targets]!r}:
    try:
        open(path, "w").write("escaped")
        print("written")
    except OSError as error:
        print("refused:", type(error).__name__)
try:
    os.mkdir("/tmp/openlive-escape-dir-{uuid.uuid4().hex}")
    print("made")
except OSError as error:
    print("refused:", type(error).__name__)
"""
    result = await run(code, layers)
    assert result == CodeResult("OUTCOME_OK", "refused: PermissionError\n" * 3)
    assert not any(t.exists() for t in targets)


# --- the sandbox itself ---------------------------------------------------------------------


async def test_cancelling_a_run_kills_it_and_removes_its_directory() -> None:
    token = f"marker-{uuid.uuid4().hex}"
    code = f"import os\nf = open('{token}', 'w')\nprint(os.getcwd(), flush=True)\nwhile True:\n    pass\n"
    task = asyncio.create_task(run(code, wall_s=60, cpu_s=60))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if leftovers(token):
            break
    assert leftovers(token), "the run never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_no_leftovers(token)
    assert not list(Path("/tmp").glob("openlive-sandbox-*/" + token))


async def test_a_sandbox_that_cannot_start_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    with pytest.raises(SandboxError, match="sandbox"):
        await run("print(1)")


async def test_isolation_is_detected_once() -> None:
    first = await detect_isolation()
    assert await detect_isolation() is first
    assert "rlimits" in first.describe()


# --- disk, namespaces, io_uring, and processes when the server is root --------------------

DISK_FLOOD = """
import os
written = 0
try:
    for i in range(100_000):
        with open(f"f{i}", "wb") as f:
            f.write(b"x" * (1 << 20))
        written += 1 << 20
except OSError as error:
    print("stopped:", type(error).__name__, error.errno)
print("written", written)
"""


@pytest.mark.parametrize("layers", ["all", "no_tmpfs"])
async def test_disk_written_by_a_run_is_capped_across_files(layers: str) -> None:
    # Many files each under any per-file limit: only a cap on the whole run holds.
    if layers == "all":
        result = await run(DISK_FLOOD, disk_mb=8, wall_s=20)
        assert result.outcome == "OUTCOME_OK", result.output
        assert "stopped: OSError 28" in result.output  # ENOSPC from the run's tmpfs
    else:
        # Without a mount namespace of its own the watchdog stops the run.
        full = await detect_isolation()
        isolation = Isolation(unshare=(), landlock_abi=full.landlock_abi, seccomp=full.seccomp)
        result = await sandbox._run(DISK_FLOOD, SandboxLimits(**FAST, disk_mb=8), isolation=isolation)
        assert result.outcome == "OUTCOME_FAILED", result.output
        assert "wrote more than 8 MB to disk" in result.output
    written = [int(line.split()[1]) for line in result.output.splitlines() if line.startswith("written")]
    assert all(w <= 8 << 20 for w in written), result.output


async def test_tmpfs_holds_a_run_under_its_cap_and_vanishes() -> None:
    full = await detect_isolation()
    if not full.unshare:
        pytest.skip("this machine has no namespaces")
    code = "import os\nopen('a', 'wb').write(b'x' * (3 << 20))\nprint(os.path.getsize('a'), os.getcwd())"
    result = await run(code, disk_mb=4)
    assert result.outcome == "OUTCOME_OK", result.output
    size, workdir = result.output.split()
    assert int(size) == 3 << 20
    assert not Path(workdir).exists()


UNSHARE_CODE = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS = 0x10000000, 0x40000000, 0x00020000
tries = [("user+net", CLONE_NEWUSER | CLONE_NEWNET), ("user", CLONE_NEWUSER), ("mount", CLONE_NEWNS)]
for name, flags in tries:
    print(name, libc.unshare(flags), ctypes.get_errno())
print("setns", libc.setns(0, 0), ctypes.get_errno())
SYS_clone, CLONE_THREAD, CLONE_VM, CLONE_SIGHAND = 56, 0x10000, 0x100, 0x800
# A thread-style clone asking for a new network namespace: refused before it runs.
flags = CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_NEWNET
print("clone", libc.syscall(SYS_clone, flags, 0), ctypes.get_errno())
"""

IO_URING_CODE = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
calls = [("setup", 425, (8, params)), ("enter", 426, (0, 0, 0, 0, 0, 0)), ("register", 427, (0, 0, 0, 0))]
for name, number, args in calls:
    print(name, libc.syscall(number, *args), ctypes.get_errno())
"""


async def test_seccomp_refuses_new_namespaces() -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the clone call below is written for x86-64")
    # The audit hook refuses ctypes first; the seccomp layer must hold on its own.
    result = await run(UNSHARE_CODE, "seccomp_only")
    assert result.outcome == "OUTCOME_OK", result.output
    lines = dict(line.split(" ", 1) for line in result.output.splitlines())
    for name in ("user+net", "user", "mount", "setns", "clone"):
        assert lines[name] == "-1 1", (name, result.output)  # EPERM from the filter


async def test_seccomp_refuses_io_uring() -> None:
    result = await run(IO_URING_CODE, "seccomp_only")
    assert result.outcome == "OUTCOME_OK", result.output
    assert result.output.splitlines() == ["setup -1 1", "enter -1 1", "register -1 1"]


async def test_threads_are_capped_even_when_the_server_is_root() -> None:
    code = """
import threading, time
threading.stack_size(64 * 1024)
started = 0
try:
    for _ in range(2000):
        threading.Thread(target=time.sleep, args=(2,), daemon=True).start()
        started += 1
except RuntimeError as error:
    print("refused:", error)
print("started", started)
"""
    result = await run(code, "no_hook")
    assert result.outcome == "OUTCOME_OK", result.output
    assert "refused: can't start new thread" in result.output
    started = int(result.output.split()[-1])
    assert started < sandbox.child.MAX_PROCESSES


async def test_code_runs_as_nobody_when_the_server_is_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the server is not root here")
    result = await run("import os; print(os.getuid(), os.getgid(), os.getgroups())")
    assert result == CodeResult("OUTCOME_OK", "65534 65534 []\n")


async def test_processes_are_capped_even_when_the_server_is_root() -> None:
    # Without seccomp, fork works; the process limit must still hold (as root it would not).
    code = """
import os, time
children = 0
try:
    for _ in range(300):
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        children += 1
except OSError as error:
    print("refused:", error.strerror)
print("children", children)
"""
    result = await run(code, "namespaces_only")
    assert result.outcome == "OUTCOME_OK", result.output
    assert "refused: Resource temporarily unavailable" in result.output
    assert int(result.output.split()[-1]) < sandbox.child.MAX_PROCESSES
