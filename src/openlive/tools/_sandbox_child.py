"""The child side of the code-execution sandbox: confine this process, then run the code.

Started by :mod:`openlive.tools.sandbox` as ``python -I -S -u _sandbox_child.py CONFIG``
(possibly inside fresh network and PID namespaces made by ``unshare``), with the
code on stdin and a status pipe on the file descriptor CONFIG names. It uses the
standard library only and never imports ``openlive``: with ``-I -S`` nothing but
the standard library is importable, which is also all the user's code gets.

The process splits in two:

* the *supervisor* (this process; PID 1 when there is a PID namespace) reads the
  code, forks the runner, waits for it and reports how it ended on the status
  pipe. It runs no user code, so the way the runner ended (exit code or signal)
  reaches the server intact, even though ``unshare`` itself cannot pass a
  ``SIGKILL`` on;
* the *runner* confines itself layer by layer (Landlock, seccomp, no
  capabilities, resource limits, an audit hook), reports ``ready`` and only then
  compiles and runs the code. Every layer is irreversible for the runner and for
  anything it could start.

Status lines written to the pipe: ``ready``, ``error <message>`` (the runner
could not confine itself; the code did not run), then ``exit <code>`` or
``signal <number>`` from the supervisor.
"""

from __future__ import annotations

import builtins
import ctypes
import json
import linecache
import os
import resource
import socket
import stat
import struct
import sys
import sysconfig
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# How the code appears in tracebacks.
CODE_FILENAME = "<code>"

# Exit code of a runner that could not confine itself.
SETUP_FAILED = 99

# Most processes (and threads) one run may have, where RLIMIT_NPROC applies:
# a brake on fork bombs when the seccomp layer is missing.
MAX_PROCESSES = 64
MAX_OPEN_FILES = 64

# --- Landlock (linux/landlock.h) ------------------------------------------------

SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1 << 0
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_MAKE_CHAR = 1 << 6
FS_MAKE_BLOCK = 1 << 11
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
# Rights that make sense on a file (the kernel refuses the others in a file's rule).
FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _syscall(number: int, *args: Any) -> int:
    return int(_libc().syscall(ctypes.c_long(number), *args))


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 if none."""
    abi = _syscall(
        SYS_LANDLOCK_CREATE_RULESET,
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(abi, 0)


def _handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= 1 << 13  # REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def apply_landlock(
    workdir: str, readable: Iterable[str], writable_files: Iterable[str], network: bool
) -> None:
    """Restrict this process's file (and, offline, TCP) access for good.

    Everything not allowed here is refused by the kernel, whatever the code does
    in Python: the working directory is read-write (but nothing in it can be
    executed), ``readable`` paths are read-only, no file anywhere can be
    executed, and TCP bind/connect, abstract Unix sockets and signals to
    processes outside the sandbox are refused when the kernel can tell.

    Raises:
        OSError: The kernel has no Landlock or refused the ruleset.
    """
    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available")
    libc = _libc()
    handled = _handled_fs(abi)
    attr = _RulesetAttr(fs=handled, net=0, scoped=0)
    size = 8
    if abi >= 4:
        size = 16
        if not network:
            attr.net = NET_BIND_TCP | NET_CONNECT_TCP  # handled, and no port allowed
    if abi >= 6:
        size = 24
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    ruleset = _check(
        _syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
        "landlock_create_ruleset",
    )
    try:
        read_only = FS_READ_FILE | FS_READ_DIR
        read_write = handled & ~(FS_EXECUTE | FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_IOCTL_DEV)
        _add_path_rule(ruleset, workdir, read_write)
        for path in readable:
            _add_path_rule(ruleset, path, read_only)
        for path in writable_files:
            _add_path_rule(ruleset, path, FS_READ_FILE | FS_WRITE_FILE | (handled & FS_TRUNCATE))
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        restrict = _syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
        _check(restrict, "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _add_path_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # nothing there: nothing to allow
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FS_FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        rule_type = ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH)
        added = _syscall(
            SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), rule_type, ctypes.byref(rule), ctypes.c_uint32(0)
        )
        _check(added, f"landlock_add_rule({path})")
    finally:
        os.close(fd)


# --- seccomp ------------------------------------------------------------------------

# Per architecture: AUDIT_ARCH value and the numbers of the system calls the filter
# looks at. x86-64 also has x32 calls (numbers with bit 30 set), which are refused.
SECCOMP_ARCHES: dict[str, dict[str, int]] = {
    "x86_64": {
        "audit_arch": 0xC000003E,
        "fork": 57,
        "vfork": 58,
        "execve": 59,
        "execveat": 322,
        "socket": 41,
        "clone": 56,
        "clone3": 435,
        "ptrace": 101,
        "unshare": 272,
        "setns": 308,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "open_by_handle_at": 304,
    },
    "aarch64": {
        "audit_arch": 0xC00000B7,
        "execve": 221,
        "execveat": 281,
        "socket": 198,
        "clone": 220,
        "clone3": 435,
        "ptrace": 117,
        "unshare": 97,
        "setns": 268,
        "io_uring_setup": 425,
        "io_uring_enter": 426,
        "io_uring_register": 427,
        "open_by_handle_at": 265,
    },
}
X32_SYSCALL_BIT = 0x40000000
CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: a thread may make none.
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
# Calls refused outright: new processes and programs, tracing, new namespaces (a user
# namespace would give the code capabilities back, inside it), and io_uring (it does
# file and network I/O the other calls' checks never see), and opening files by handle
# (which skips the path walk; the code keeps CAP_DAC_READ_SEARCH when run as nobody).
DENIED_CALLS = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "ptrace",
    "unshare",
    "setns",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
)
EPERM = 1
ENOSYS = 38
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000
# BPF opcodes
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06
# struct seccomp_data offsets
OFFSET_NR = 0
OFFSET_ARCH = 4
OFFSET_ARG0_LOW = 16  # little-endian: the low 32 bits of args[0]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_supported() -> bool:
    """Whether this machine's architecture has a filter here."""
    return os.uname().machine in SECCOMP_ARCHES


def seccomp_program(arch: dict[str, int], network: bool) -> list[tuple[int, int, int, int]]:
    """The BPF filter: no processes, exec, ptrace, namespaces, io_uring; offline no ``socket()``.

    Threads stay possible (``clone`` with ``CLONE_THREAD`` and no namespace flag;
    ``clone3``, whose flags a filter cannot read, answers ENOSYS so that the C
    library falls back to ``clone``). ``socketpair`` stays allowed when offline,
    which asyncio needs.

    Returns:
        Instructions as ``(code, jt, jf, k)``.
    """
    denied = [*DENIED_CALLS] + ([] if network else ["socket"])
    # Written with symbolic jump targets, resolved below.
    prog: list[tuple[int, Any, Any, int]] = [
        (LD_W_ABS, 0, 0, OFFSET_ARCH),
        (JEQ_K, 0, "kill", arch["audit_arch"]),
        (LD_W_ABS, 0, 0, OFFSET_NR),
    ]
    if arch["audit_arch"] == SECCOMP_ARCHES["x86_64"]["audit_arch"]:
        prog.append((JGE_K, "deny", 0, X32_SYSCALL_BIT))
    for name in denied:
        if name in arch:
            prog.append((JEQ_K, "deny", 0, arch[name]))
    prog += [
        (JEQ_K, "enosys", 0, arch["clone3"]),
        (JEQ_K, 0, "allow", arch["clone"]),
        (LD_W_ABS, 0, 0, OFFSET_ARG0_LOW),
        (JSET_K, "deny", 0, CLONE_NAMESPACES),
        (JSET_K, "allow", "deny", CLONE_THREAD),
    ]
    labels = {
        "allow": RET_ALLOW,
        "deny": RET_ERRNO | EPERM,
        "enosys": RET_ERRNO | ENOSYS,
        "kill": RET_KILL_PROCESS,
    }
    where = {name: len(prog) + i for i, name in enumerate(labels)}
    prog += [(RET_K, 0, 0, value) for value in labels.values()]

    def jump(target: Any, at: int) -> int:
        return target if isinstance(target, int) else where[target] - at - 1

    return [(code, jump(jt, i), jump(jf, i), k) for i, (code, jt, jf, k) in enumerate(prog)]


def apply_seccomp(network: bool) -> None:
    """Install :func:`seccomp_program` for this process and all it may start.

    Raises:
        OSError: The architecture is not covered, or the kernel refused the filter.
    """
    machine = os.uname().machine
    if machine not in SECCOMP_ARCHES:
        raise OSError(f"no seccomp filter for {machine}")
    program = seccomp_program(SECCOMP_ARCHES[machine], network)
    raw = b"".join(struct.pack("=HBBI", *insn) for insn in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len=len(program), filter=ctypes.addressof(buffer))
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "prctl(SECCOMP)")


# --- the run's disk, and its user ------------------------------------------------------

MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
# Files (and directories) one run may create in its tmpfs.
MAX_INODES = 4096


def mount_workdir(workdir: str, size_bytes: int, owner: tuple[int, int] | None) -> None:
    """Put a tmpfs of ``size_bytes`` over the working directory (in this mount namespace).

    The run then cannot write more than that in all its files together (ENOSPC),
    nor more than :data:`MAX_INODES` files; it all vanishes with the namespace.

    Raises:
        OSError: The kernel refused the mount (no mount namespace of our own).
    """
    options = f"size={size_bytes},nr_inodes={MAX_INODES},mode=0700"
    if owner is not None:
        options += f",uid={owner[0]},gid={owner[1]}"
    libc = _libc()
    flags = ctypes.c_ulong(MS_NOSUID | MS_NODEV | MS_NOEXEC)
    result = libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", flags, options.encode())
    _check(result, "mount(tmpfs)")
    os.chdir(workdir)  # the old directory lies under the mount now


PR_SET_KEEPCAPS = 8
CAP_DAC_READ_SEARCH = 2


def become(owner: tuple[int, int]) -> None:
    """Switch to an unprivileged user and group for good (the server runs as root).

    As root, ``RLIMIT_NPROC`` does not apply and a root-owned file is the code's
    own; as an ordinary user (``nobody``) both hold. The permitted capabilities
    are kept through the switch so that :func:`drop_capabilities` can leave
    ``CAP_DAC_READ_SEARCH``: the Python installation may sit where only root can
    read (``/root/.pyenv``), and Landlock, not file modes, decides what is read.
    """
    uid, gid = owner
    _check(_libc().prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(KEEPCAPS)")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"could not switch to uid {uid}")


# --- capabilities and resource limits ----------------------------------------------


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities(keep: int = 0) -> None:
    """Clear every capability but those in ``keep`` (a bit mask of capabilities 0-31).

    Without ``CAP_DAC_OVERRIDE``, ``CAP_SYS_ADMIN``, ``CAP_SYS_RESOURCE``, ``CAP_KILL``
    and the rest, the code cannot raise its resource limits, mount, or reach into
    other users' files and processes.
    """
    libc = _libc()
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # fails harmlessly on old kernels
    header = _CapHeader(version=0x20080522, pid=0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = keep
    _check(libc.capset(ctypes.byref(header), data), "capset")


def set_limits(cpu_s: float, memory_mb: int, max_file_bytes: int) -> None:
    """Set the kernel's resource limits, soft and hard, for the code.

    CPU time is rounded up to whole seconds (the kernel's unit): at the soft limit
    the process gets SIGXCPU, one second later SIGKILL.
    """
    cpu = max(1, int(-(-cpu_s // 1)))
    memory = memory_mb * 1024 * 1024
    limits = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_AS: (memory, memory),
        resource.RLIMIT_DATA: (memory, memory),
        resource.RLIMIT_FSIZE: (max_file_bytes, max_file_bytes),
        resource.RLIMIT_NOFILE: (MAX_OPEN_FILES, MAX_OPEN_FILES),
        resource.RLIMIT_NPROC: (MAX_PROCESSES, MAX_PROCESSES),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        resource.setrlimit(which, value)


# --- what the code may read -----------------------------------------------------------

SYSTEM_LIBRARY_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo", "/dev/urandom", "/dev/zero")
NETWORK_FILES = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/usr/share/ca-certificates",
)
# Third-party packages (the server's own code among them) stay out of reach.
PACKAGE_DIRS = ("site-packages", "dist-packages")


def _children(directory: str, skip: Callable[[str], bool]) -> Iterator[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        if not skip(name):
            yield os.path.join(directory, name)


def readable_paths(network: bool) -> list[str]:
    """Read-only paths: the standard library, shared libraries, a few system files.

    Directories that hold third-party packages are left out (Landlock rules only
    ever allow, so the standard library is allowed entry by entry).
    """
    stdlib = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib")}
    stdlib |= {os.path.realpath(directory) for directory in stdlib}  # imports use the unresolved path
    paths: list[str] = []
    for directory in sorted(stdlib):
        paths += _children(directory, lambda name: name in PACKAGE_DIRS)
    for entry in sys.path:  # the zipped standard library, lib-dynload
        real = os.path.realpath(entry)
        if real not in stdlib and not any(part in PACKAGE_DIRS for part in real.split(os.sep)):
            paths.append(real)
    library_dirs = {*SYSTEM_LIBRARY_DIRS, os.path.join(sys.base_prefix, "lib")}
    for directory in sorted(library_dirs):
        # python3.X directories there are either the standard library (allowed above) or packages.
        paths += _children(directory, lambda name: name.startswith("python"))
    paths += SYSTEM_FILES
    if network:
        paths += NETWORK_FILES
    return paths


# --- the audit hook ----------------------------------------------------------------------

PROCESS_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "subprocess.Popen",
        "os.startfile",
        "pty.spawn",
        "os.link",
        "os.symlink",
        "sys.settrace",
        "sys.setprofile",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)
REFUSED_IMPORTS = frozenset({"ctypes", "_ctypes", "cffi", "_cffi_backend"})
WRITE_EVENTS = frozenset(
    {
        "os.mkdir",
        "os.rmdir",
        "os.remove",
        "os.rename",
        "os.truncate",
        "os.chmod",
        "os.chown",
        "os.utime",
        "os.chflags",
        "os.lchflags",
        "os.mkfifo",
        "os.mknod",
        "os.setxattr",
        "os.removexattr",
    }
)
READ_EVENTS = frozenset({"os.listdir", "os.scandir", "os.chdir", "os.getxattr", "os.listxattr", "glob.glob"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def make_audit_hook(
    workdir: str, readable: Iterable[str], writable_files: Iterable[str], network: bool
) -> Callable[[str, tuple[Any, ...]], None]:
    """An audit hook that refuses what the code must not do, with a clear error.

    This is a courtesy layer and a fallback, not the boundary (PEP 578: audit
    hooks do not sandbox; code can, with effort, get around them). It turns
    what the kernel layers would refuse anyway into a readable PermissionError
    and covers kernels without them. To be hard to subvert from Python, the
    hook reads no module globals and no builtins at call time (both could be
    patched by the code): everything it uses is bound here, its data is
    immutable, and strings and numbers from the code are read through the base
    types' own methods (a ``str`` subclass could lie in its ``startswith``).

    Args:
        workdir: The only directory the code may write in.
        readable: Paths (and everything beneath them) the code may also read.
        writable_files: Single files the code may also write (``/dev/null``).
        network: Whether sockets are allowed.

    Returns:
        The hook, for :func:`sys.addaudithook`.
    """
    write_roots = (workdir, *writable_files)
    read_roots = (*write_roots, *readable)
    getcwd, fspath, getpid = os.getcwd, os.fspath, os.getpid
    is_instance, has_attr, to_type = isinstance, hasattr, type
    as_str, decode, int_and, int_eq = str.__str__, bytes.decode, int.__and__, int.__eq__
    refused = PermissionError
    process_events, write_events, read_events = PROCESS_EVENTS, WRITE_EVENTS, READ_EVENTS
    refused_imports, write_flags, af_unix = REFUSED_IMPORTS, WRITE_FLAGS, int(socket.AF_UNIX)

    def absolute(path: Any) -> str | None:
        if is_instance(path, bytes):
            path = decode(path, "utf-8", "surrogateescape")
        elif not is_instance(path, str):
            if not has_attr(to_type(path), "__fspath__"):
                return None  # a file descriptor, None: not a path
            return absolute(fspath(path))
        path = as_str(path)  # an exact str, whatever subclass came in
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        parts: list[str] = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        return "/" + "/".join(parts)

    def beneath(path: str, roots: tuple[str, ...]) -> bool:
        for root in roots:
            if path == root or path.startswith(root + "/"):
                return True
        return False

    def check(event: str, paths: Iterable[Any], roots: tuple[str, ...], verb: str) -> None:
        for raw in paths:
            path = absolute(raw)
            if path is not None and not beneath(path, roots):
                raise refused(f"sandbox: {verb} {path!r} is not allowed ({event})")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in process_events or event.startswith("ctypes."):
            raise refused(f"sandbox: {event} is not allowed")
        if event == "import" and args[0] in refused_imports:
            raise refused(f"sandbox: importing {args[0]} is not allowed")
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            mode = as_str(mode) if is_instance(mode, str) else ""
            writing = "w" in mode or "a" in mode or "x" in mode or "+" in mode
            writing = writing or (is_instance(flags, int) and int_and(flags, write_flags) != 0)
            if writing:
                check(event, (path,), write_roots, "writing")
            else:
                check(event, (path,), read_roots, "reading")
        elif event in write_events:
            check(event, args, write_roots, "changing")
        elif event in read_events:
            check(event, args[:1], read_roots, "reading")
        elif event in ("os.kill", "os.killpg") and not (
            is_instance(args[0], int) and int_eq(args[0], getpid())
        ):
            raise refused(f"sandbox: {event} is not allowed")
        elif event.startswith("socket.") and not network:
            if event == "socket.__new__" and len(args) > 1 and args[1] == af_unix:
                return  # socketpair() (asyncio's self-pipe); connect/bind stay refused
            raise refused(f"sandbox: the network is off ({event})")

    return hook


# --- running the code ----------------------------------------------------------------------


def _status(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode("utf-8", "replace"))


def confine(config: dict[str, Any]) -> None:
    """Apply every layer the server asked for, in an order where each still can be set."""
    workdir = os.getcwd()
    network = bool(config["network"])
    readable = readable_paths(network)
    writable_files = ["/dev/null"]
    if config["landlock"]:
        apply_landlock(workdir, readable, writable_files, network)
    if config["seccomp"]:
        apply_seccomp(network)
    keep = 0
    if config.get("run_as"):
        become((int(config["run_as"][0]), int(config["run_as"][1])))
        keep = 1 << CAP_DAC_READ_SEARCH
    drop_capabilities(keep)
    set_limits(float(config["cpu_s"]), int(config["memory_mb"]), int(config["max_file_bytes"]))
    if config["audit_hook"]:
        sys.addaudithook(make_audit_hook(workdir, readable, writable_files, network))
    # The code gets no handle on ctypes through sys.modules (the hook refuses a new import).
    for name in [name for name in sys.modules if name == "ctypes" or name.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]


def run_code(source: str) -> int:
    """Compile and run ``source`` as ``__main__``; print a traceback if it raises.

    Returns:
        The exit code: 0 if the code ran to its end, 1 if it raised.
    """
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    sys.argv = [""]
    # Tracebacks show the code's lines (the Python traceback module reads linecache).
    linecache.cache[CODE_FILENAME] = (len(source), None, source.splitlines(keepends=True), CODE_FILENAME)
    try:
        code = compile(source, CODE_FILENAME, "exec")
    except (SyntaxError, ValueError) as error:
        traceback.print_exception(error, limit=0)
        return 1
    try:
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as error:  # noqa: B036 - whatever the code raises is reported, not propagated
        _print_user_traceback(error)
        return 1
    return 0


def _print_user_traceback(error: BaseException) -> None:
    # The traceback is the code's: this module's frames (the exec call, the audit
    # hook refusing something) are left out.
    try:
        report = traceback.TracebackException(type(error), error, error.__traceback__)
        _drop_own_frames(report, set())
        print("".join(report.format()), end="", file=sys.stderr)
    except BaseException:  # noqa: B036 - e.g. the code broke the traceback module; use the C printer
        sys.__excepthook__(type(error), error, error.__traceback__)


def _drop_own_frames(report: traceback.TracebackException, seen: set[int]) -> None:
    if id(report) in seen:
        return
    seen.add(id(report))
    frames = [frame for frame in report.stack if frame.filename != __file__]
    report.stack = traceback.StackSummary.from_list(frames)
    for chained in (report.__cause__, report.__context__):
        if chained is not None:
            _drop_own_frames(chained, seen)


def runner(config: dict[str, Any], source: str) -> int:
    """Confine this process, report ``ready`` and run the code."""
    status_fd = int(config["status_fd"])
    try:
        confine(config)
    except BaseException as error:  # noqa: B036 - the server must learn why, the code must not run
        _status(status_fd, f"error {type(error).__name__}: {error}")
        return SETUP_FAILED
    _status(status_fd, "ready")
    os.close(status_fd)  # the code cannot write status lines
    return run_code(source)


def supervise(config: dict[str, Any]) -> int:
    """Read the code, run it in a forked runner, report how the runner ended."""
    status_fd = int(config["status_fd"])
    if config.get("tmpfs_bytes"):
        owner = config.get("run_as")
        try:
            mount_workdir(
                os.getcwd(), int(config["tmpfs_bytes"]), (int(owner[0]), int(owner[1])) if owner else None
            )
        except OSError as error:
            # The server's watchdog still caps the directory; it learns why here.
            _status(status_fd, f"notice no tmpfs: {error}")
    source = sys.stdin.buffer.read().decode("utf-8", "replace")
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)  # the code reads an empty stdin
    os.close(null)
    pid = os.fork()
    if pid == 0:
        # The runner leaves through SystemExit, up through the module, so that the
        # interpreter shuts down as usual: it waits for the code's threads, runs
        # atexit handlers and flushes the output.
        sys.exit(runner(config, source))
    _, wait_status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(wait_status):
        _status(status_fd, f"signal {os.WTERMSIG(wait_status)}")
    else:
        _status(status_fd, f"exit {os.waitstatus_to_exitcode(wait_status)}")
    return 0


if __name__ == "__main__":
    sys.exit(supervise(json.loads(sys.argv[1])))
