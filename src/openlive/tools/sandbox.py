"""The ``codeExecution`` tool: run the model's Python in a confined child process.

Each run gets a fresh empty temporary directory (removed afterwards), an empty
environment, a wall-clock limit enforced here and, in the child, layers that
each stop the code on their own (defence in depth; see ``_sandbox_child.py``):

* fresh network, PID and mount namespaces (``unshare``, as root or through a
  user namespace): no network at all, a ``/proc`` that shows the run's
  processes only, and every process of the run dies with it;
* Landlock: the kernel refuses files outside the directory and the standard
  library, executing any file, TCP, and signals to processes outside the run;
* seccomp: no ``fork``, ``exec``, ``ptrace`` or (offline) ``socket``; threads work;
* seccomp also refuses new namespaces (``unshare``, ``setns``, ``clone`` with a
  namespace flag) and ``io_uring``;
* a disk cap for the whole run: the working directory is a tmpfs of
  ``disk_mb`` in the run's mount namespace, and a watchdog here stops a run
  whose directory grows past it where there is no such namespace;
* as root, the code runs as ``nobody``, so that the process limit and file
  permissions apply to it;
* no capabilities, and resource limits for CPU time, memory, file size, files;
* an audit hook that refuses the same things with a readable error, and covers
  kernels without the layers above.

What the machine supports is detected once (:func:`detect_isolation`); a missing
layer is logged as a warning, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openlive.errors import OpenliveError
from openlive.tools import _sandbox_child as child

log = logging.getLogger(__name__)

Outcome = Literal["OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"]

_CHILD_SCRIPT = Path(child.__file__)
_READ_CHUNK = 64 * 1024
# After SIGKILL, how long to wait for the pipes to close before giving up on them.
_KILL_GRACE_S = 2.0
_PROBE_TIMEOUT_S = 10.0
_NAMESPACE_FLAGS = ("--net", "--pid", "--fork", "--kill-child", "--mount-proc")
# How often the watchdog measures a run's directory (where there is no tmpfs cap).
_DISK_POLL_S = 0.1
# Who the code runs as when the server is root (``nobody`` on Debian and most others).
_UNPRIVILEGED = (65534, 65534)
_USER_NAMESPACE_FLAGS = ("--user", "--map-root-user")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one code execution.

    Attributes:
        wall_s: Wall-clock limit, from start to the end of the output.
        cpu_s: CPU-time limit (RLIMIT_CPU, rounded up to whole seconds).
        memory_mb: Address-space limit (RLIMIT_AS).
        disk_mb: What the run may write to disk, all files together (also the
            largest single file).
        output_bytes: Cap on stdout plus stderr; output beyond it is cut, a line
            saying so is added, and the program is stopped.
        network: Whether the code may use the network (off: none at all).
    """

    wall_s: float = 10.0
    cpu_s: float = 5.0
    memory_mb: int = 256
    disk_mb: int = 64
    output_bytes: int = 64 * 1024
    network: bool = False


@dataclass(frozen=True)
class CodeResult:
    """How a code execution ended, as the Live API's ``codeExecutionResult`` reports it.

    Attributes:
        outcome: The Live API's outcome enum value.
        output: What the program printed: stdout, then stderr (tracebacks
            included), capped; a last bracketed line explains a cut or a stop.
    """

    outcome: Outcome
    output: str


class SandboxError(OpenliveError):
    """The sandbox itself could not start or confine the code (close 1011)."""


@dataclass(frozen=True)
class Isolation:
    """The isolation layers this machine supports.

    Attributes:
        unshare: The ``unshare`` command with its namespace flags, or ``()`` if none work.
        landlock_abi: The kernel's Landlock ABI version, 0 if it has none.
        seccomp: Whether a seccomp filter is installed.
    """

    unshare: tuple[str, ...]
    landlock_abi: int
    seccomp: bool

    def prefix(self, network: bool) -> list[str]:
        """The command that starts the child in its namespaces (the network one only when offline)."""
        return [arg for arg in self.unshare if network is False or arg != "--net"]

    def describe(self) -> str:
        """The active layers, for the log."""
        namespaces = "user+" if "--user" in self.unshare else ""
        return ", ".join(
            [
                f"namespaces: {namespaces + 'net+pid+mount' if self.unshare else 'none'}",
                f"landlock: {'ABI ' + str(self.landlock_abi) if self.landlock_abi else 'no'}",
                f"seccomp: {'yes' if self.seccomp else 'no'}",
                "rlimits, capabilities dropped, audit hook",
            ]
        )


_isolation: Isolation | None = None


async def detect_isolation() -> Isolation:
    """What this machine supports, detected on the first call and remembered."""
    global _isolation
    if _isolation is None:
        found = await _detect()
        if _isolation is None:  # another caller may have finished first; log once
            _isolation = found
            _log_isolation(found)
    return _isolation


async def run_python(code: str, limits: SandboxLimits = SandboxLimits()) -> CodeResult:
    """Run ``code`` in the sandbox and report its outcome and output.

    Never blocks the event loop. The code sees the standard library only, an
    empty working directory, an empty stdin, and an environment with nothing of
    the server's in it.

    Args:
        code: Python source, run as ``__main__``.
        limits: The limits of this run.

    Returns:
        ``OUTCOME_OK`` if the code ran to its end (exit status 0),
        ``OUTCOME_DEADLINE_EXCEEDED`` if it hit the wall-clock or CPU limit, and
        ``OUTCOME_FAILED`` otherwise (an exception, a syntax error, a non-zero
        exit, a crash, or too much output).

    Raises:
        SandboxError: The sandbox could not start or confine the child.
    """
    return await _run(code, limits)


async def _run(
    code: str, limits: SandboxLimits, *, isolation: Isolation | None = None, audit_hook: bool = True
) -> CodeResult:
    # The keyword arguments turn layers off, for tests that show the others hold on their own.
    if isolation is None:
        isolation = await detect_isolation()
    workdir = await asyncio.to_thread(tempfile.mkdtemp, prefix="openlive-sandbox-")
    try:
        return await _run_in(workdir, code, limits, isolation, audit_hook)
    finally:
        await asyncio.to_thread(_remove_tree, workdir)


async def _run_in(
    workdir: str, code: str, limits: SandboxLimits, isolation: Isolation, audit_hook: bool
) -> CodeResult:
    status_read, status_write = os.pipe()
    disk_bytes = limits.disk_mb * 1024 * 1024
    # In a user namespace of its own (an unprivileged server's), only root is mapped.
    run_as = _UNPRIVILEGED if os.geteuid() == 0 and "--user" not in isolation.unshare else None
    if run_as is not None:
        # Where there is no tmpfs over it, the code writes in the directory itself.
        os.chown(workdir, *run_as)
    config = {
        "status_fd": status_write,
        "cpu_s": limits.cpu_s,
        "memory_mb": limits.memory_mb,
        "max_file_bytes": min(disk_bytes, limits.memory_mb * 1024 * 1024),
        # A tmpfs needs a mount namespace of the run's own (made with the others).
        "tmpfs_bytes": disk_bytes if isolation.unshare else 0,
        "run_as": run_as,
        "network": limits.network,
        "landlock": isolation.landlock_abi > 0,
        "seccomp": isolation.seccomp,
        "audit_hook": audit_hook,
    }
    argv = [*isolation.prefix(limits.network), sys.executable, "-I", "-S", "-u", str(_CHILD_SCRIPT)]
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=workdir,
            env=_child_env(workdir),
            start_new_session=True,  # its own process group, killed as a whole
            pass_fds=(status_write,),
        )
    except OSError as error:
        os.close(status_read)
        raise SandboxError(f"code execution sandbox could not start: {error}") from error
    finally:
        os.close(status_write)
    watchdog = _DiskWatch(workdir, disk_bytes, on_overflow=lambda: _kill_group(proc.pid))
    watching = asyncio.create_task(watchdog.run())
    try:
        capture = _Capture(limits.output_bytes, on_overflow=lambda: _kill_group(proc.pid))
        deadline_hit = await _supervise(proc, code, capture, limits.wall_s)
    finally:
        _kill_group(proc.pid)  # also on cancellation; and stragglers, if there is no PID namespace
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        status = _Status.read(status_read)
    if status.notice:
        log.warning("code sandbox: %s", status.notice)
    if watchdog.exceeded:
        return CodeResult(
            "OUTCOME_FAILED",
            _note(capture.text(), f"stopped: the program wrote more than {limits.disk_mb} MB to disk"),
        )
    return _result(deadline_hit, capture, status, limits)


class _DiskWatch:
    """Stops a run whose directory grows past the disk cap (where no tmpfs holds it).

    With a tmpfs over the directory (the usual case) the directory seen from here
    stays empty and this costs a directory listing per poll.
    """

    def __init__(self, workdir: str, limit: int, on_overflow: Callable[[], None]) -> None:
        self.exceeded = False
        self._workdir = workdir
        self._limit = limit
        self._on_overflow = on_overflow

    async def run(self) -> None:
        """Measure the directory until cancelled; on overflow, kill the run once."""
        while not self.exceeded:
            await asyncio.sleep(_DISK_POLL_S)
            if await asyncio.to_thread(_disk_usage, self._workdir, self._limit) > self._limit:
                self.exceeded = True
                self._on_overflow()


def _disk_usage(path: str, stop_above: int) -> int:
    """Bytes of disk used under ``path`` (allocated blocks, so sparse files count as written)."""
    total = 0
    stack = [path]
    while stack and total <= stop_above:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += max(info.st_blocks * 512, 4096 if entry.is_dir(follow_symlinks=False) else 0)
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return total


async def _supervise(proc: asyncio.subprocess.Process, code: str, capture: _Capture, wall_s: float) -> bool:
    """Feed the code, collect the output, enforce the wall clock.

    Returns:
        Whether the wall-clock limit was hit (and the process group killed).
    """
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    feeder = asyncio.create_task(_feed(proc.stdin, code))
    readers = [
        asyncio.create_task(capture.pump(proc.stdout, capture.out)),
        asyncio.create_task(capture.pump(proc.stderr, capture.err)),
    ]
    deadline_hit = False
    try:
        try:
            await asyncio.wait_for(proc.wait(), wall_s)
        except TimeoutError:
            deadline_hit = True
            _kill_group(proc.pid)
        # Read what is left in the pipes. That takes no time once every process of
        # the run is gone, unless one left the group and holds a pipe: possible
        # only without a PID namespace and seccomp.
        _, pending = await asyncio.wait(readers, timeout=_KILL_GRACE_S)
        if pending:
            log.error(
                "code sandbox: output pipes still open %.0f s after the run; closing them", _KILL_GRACE_S
            )
            transport = getattr(proc, "_transport", None)  # no public API to close them
            if transport is not None:
                transport.close()
    finally:
        for task in (feeder, *readers):
            task.cancel()
        await asyncio.gather(feeder, *readers, return_exceptions=True)
    return deadline_hit


async def _feed(stdin: asyncio.StreamWriter, code: str) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.write(code.encode("utf-8", "replace"))
        await stdin.drain()
        stdin.close()


class _Capture:
    """Stdout and stderr, kept up to a shared byte limit; the rest is read and dropped."""

    def __init__(self, limit: int, on_overflow: Callable[[], None]) -> None:
        self.out = bytearray()
        self.err = bytearray()
        self.truncated = False
        self._limit = limit
        self._on_overflow = on_overflow

    async def pump(self, stream: asyncio.StreamReader, into: bytearray) -> None:
        """Read ``stream`` to its end into ``into``, within the limit."""
        while chunk := await stream.read(_READ_CHUNK):
            room = max(self._limit - len(self.out) - len(self.err), 0)
            into.extend(chunk[:room])
            if len(chunk) > room and not self.truncated:
                self.truncated = True
                self._on_overflow()

    def text(self) -> str:
        """Stdout then stderr, decoded, with a marker line if it was cut."""
        out = self.out.decode("utf-8", "replace")
        err = self.err.decode("utf-8", "replace")
        if out and err and not out.endswith("\n"):
            out += "\n"
        text = out + err
        if self.truncated:
            text = _note(
                text, f"output truncated: the program wrote more than {self._limit} bytes and was stopped"
            )
        return text


@dataclass(frozen=True)
class _Status:
    """What the child reported on its status pipe."""

    ready: bool = False
    error: str | None = None
    notice: str | None = None
    exit_code: int | None = None
    killed_by: int | None = None

    @classmethod
    def read(cls, fd: int) -> _Status:
        """Read and parse everything written to ``fd``, then close it."""
        data = b""
        try:
            os.set_blocking(fd, False)
            while chunk := os.read(fd, 4096):
                data += chunk
        except BlockingIOError:
            pass  # a writer is still alive (no PID namespace); take what is there
        finally:
            os.close(fd)
        fields: dict[str, Any] = {}
        for line in data.decode("utf-8", "replace").splitlines():
            word, _, rest = line.partition(" ")
            if word == "ready":
                fields["ready"] = True
            elif word == "error":
                fields["error"] = rest
            elif word == "notice":
                fields["notice"] = rest
            elif word == "exit" and rest.lstrip("-").isdigit():
                fields["exit_code"] = int(rest)
            elif word == "signal" and rest.isdigit():
                fields["killed_by"] = int(rest)
        return cls(**fields)


def _result(deadline_hit: bool, capture: _Capture, status: _Status, limits: SandboxLimits) -> CodeResult:
    output = capture.text()
    if deadline_hit:
        return CodeResult(
            "OUTCOME_DEADLINE_EXCEEDED", _note(output, f"stopped: wall-clock limit of {limits.wall_s:g} s")
        )
    if not status.ready:
        detail = status.error or bytes(capture.err[-500:]).decode("utf-8", "replace").strip() or "no report"
        raise SandboxError(f"code execution sandbox failed to start: {detail}")
    if capture.truncated:
        return CodeResult("OUTCOME_FAILED", output)
    if status.killed_by in (signal.SIGXCPU, signal.SIGKILL):
        # The kernel's answer to RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL a second later.
        return CodeResult(
            "OUTCOME_DEADLINE_EXCEEDED", _note(output, f"stopped: CPU-time limit of {limits.cpu_s:g} s")
        )
    if status.killed_by is not None:
        return CodeResult(
            "OUTCOME_FAILED", _note(output, f"killed by {signal.Signals(status.killed_by).name}")
        )
    if status.exit_code is None:
        return CodeResult("OUTCOME_FAILED", _note(output, "the sandbox stopped unexpectedly"))
    return CodeResult("OUTCOME_OK" if status.exit_code == 0 else "OUTCOME_FAILED", output)


def _note(text: str, message: str) -> str:
    """``text`` with a bracketed line that explains how the run ended."""
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{text}[{message}]\n"


def _child_env(workdir: str) -> dict[str, str]:
    # Nothing of the server's environment: no keys, no tokens, no paths of its own.
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _remove_tree(path: str) -> None:
    def make_writable_and_retry(function: Callable[[str], Any], failed: str, _: Any) -> None:
        # The code may have taken write permission off its own directories.
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(failed), stat.S_IRWXU)
            function(failed)

    shutil.rmtree(path, onerror=make_writable_and_retry)


async def _detect() -> Isolation:
    unshare = shutil.which("unshare")
    candidates: list[tuple[str, ...]] = []
    if unshare is not None:
        if os.geteuid() == 0:
            candidates.append((unshare, *_NAMESPACE_FLAGS))
        candidates.append((unshare, *_USER_NAMESPACE_FLAGS, *_NAMESPACE_FLAGS))
    chosen: tuple[str, ...] = ()
    for candidate in candidates:
        if await _command_works([*candidate, sys.executable, "-I", "-S", "-c", ""]):
            chosen = candidate
            break
    return Isolation(unshare=chosen, landlock_abi=child.landlock_abi(), seccomp=_seccomp_available())


async def _command_works(argv: list[str]) -> bool:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL, env={}, start_new_session=True,
        )  # fmt: skip
    except OSError:
        return False
    try:
        return await asyncio.wait_for(proc.wait(), _PROBE_TIMEOUT_S) == 0
    except TimeoutError:
        _kill_group(proc.pid)
        return False


def _seccomp_available() -> bool:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    return "\nSeccomp:" in status and child.seccomp_supported()


def _log_isolation(isolation: Isolation) -> None:
    log.info("code sandbox isolation: %s", isolation.describe())
    if not isolation.unshare:
        log.warning(
            "code sandbox: no network/PID namespaces (unshare failed); the network is refused only "
            "by seccomp and the in-process checks, and a process that escapes the group may outlive a run"
        )
    if not isolation.landlock_abi:
        log.warning("code sandbox: no Landlock; file access is limited only by the in-process checks")
    if not isolation.seccomp:
        log.warning("code sandbox: no seccomp filter; fork/exec are refused only by the in-process checks")
