"""The embedded store: one SQLite file in the data directory.

Durability and atomicity:

* The database runs in WAL mode with ``synchronous=FULL``: every commit is
  fsynced to the write-ahead log before it returns. ``kill -9`` of the process
  can neither lose a committed write nor corrupt the file (that already holds
  with ``NORMAL``, since the log is written before commit returns and the OS
  keeps it); ``FULL`` also keeps the last commits through a power cut, which
  matters for tokens: a spent use that came back after a reboot would let a
  one-use token start a second session. Writes are rare (a session save per
  turn, a token per mint), so the fsync is cheap.
* Each operation is one transaction. Writes start with ``BEGIN IMMEDIATE``,
  which takes SQLite's write lock up front, so the read-check-write of
  :meth:`SqliteStore.use_token` is atomic across threads *and* processes
  sharing the file; a waiting writer retries for ``busy_timeout`` seconds.

Threading: sqlite3 connections are not to be shared between threads, so each
store owns one connection that lives in, and is only used by, a dedicated
single-thread executor. Operations queue there and never block the event loop.

Expired records are invisible at once and deleted lazily: every session save and
token mint also deletes up to ``purge_batch`` expired rows of each kind.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from openlive.errors import ConfigError
from openlive.store import _rules
from openlive.store.base import SessionRecord, TokenRecord, TokenRefused

T = TypeVar("T")

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT PRIMARY KEY,
    uses_left INTEGER NOT NULL,
    expire_time REAL NOT NULL,
    new_session_expire_time REAL NOT NULL,
    extras TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_expire_time ON tokens (expire_time);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

_SECRET_KEY = "secret"
_SECRET_BYTES = 32


class SqliteStore:
    """Sessions and tokens in one SQLite file, safe for several processes at once.

    Args:
        path: The database file (created, with mode 0600, if missing; its
            directory too). ``":memory:"`` gives a private, non-durable store.
        busy_timeout: Seconds a write waits for another process's write lock.
        purge_batch: At most this many expired sessions, and as many expired
            tokens, are deleted per write.
        clock: Wall clock used only to decide what lazy purging may delete;
            visibility always follows the ``now`` callers pass.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        purge_batch: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = os.fspath(path)
        self._busy_timeout = busy_timeout
        self._purge_batch = purge_batch
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openlive-sqlite")
        self._conn: sqlite3.Connection | None = None  # touched only by the executor's thread
        self._secret: bytes | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # -- the Store protocol -------------------------------------------------------

    async def save_session(self, session_id: str, record: SessionRecord) -> None:
        """Write (replace) a session's record atomically."""
        _rules.check_finite(record.expires_at)
        snapshot = _rules.dump_json(record.snapshot)

        def op(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                conn.execute(
                    "INSERT OR REPLACE INTO sessions (id, owner, version, snapshot, expires_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (session_id, record.owner, record.version, snapshot, record.expires_at),
                )
                self._purge(conn)

        await self._run(op)

    async def load_session(self, session_id: str, now: float) -> SessionRecord | None:
        """The session's record, or ``None`` if unknown or expired at ``now``."""

        def op(conn: sqlite3.Connection) -> SessionRecord | None:
            row = conn.execute(
                "SELECT owner, version, snapshot, expires_at FROM sessions WHERE id = ? AND expires_at > ?",
                (session_id, now),
            ).fetchone()
            if row is None:
                return None
            owner, version, snapshot, expires_at = row
            return SessionRecord(
                owner=owner,
                version=version,
                snapshot=json.loads(snapshot),
                expires_at=expires_at,
            )

        return await self._run(op)

    async def put_token(self, token: TokenRecord) -> None:
        """Store a newly minted token.

        Raises:
            ValueError: A live token by that name already exists (names are random,
                so this means a bug; refilling a token's uses is never allowed).
        """
        _rules.check_finite(token.expire_time, token.new_session_expire_time)
        extras = _rules.token_extras_to_json(token)

        def op(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                self._purge(conn)
                try:
                    conn.execute(
                        "INSERT INTO tokens (name, uses_left, expire_time, new_session_expire_time, extras)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (
                            token.name,
                            token.uses_left,
                            token.expire_time,
                            token.new_session_expire_time,
                            extras,
                        ),
                    )
                except sqlite3.IntegrityError:
                    raise ValueError("a token with this name already exists") from None

        await self._run(op)

    async def use_token(self, name: str, now: float, new_session: bool) -> TokenRecord:
        """Check a token and, for a new session, spend one use, atomically.

        Returns:
            The token as it was before this use.

        Raises:
            TokenRefused: Unknown, past ``expire_time``, or (for a new session) past
                ``new_session_expire_time`` or with no uses left. The reason says which.
        """
        _rules.check_finite(now)

        def op(conn: sqlite3.Connection) -> TokenRecord | str:
            with _immediate(conn):
                row = conn.execute(
                    "SELECT uses_left, expire_time, new_session_expire_time, extras"
                    " FROM tokens WHERE name = ?",
                    (name,),
                ).fetchone()
                token = _rules.token_from_parts(name, *row) if row is not None else None
                refused = _rules.refusal(token, now, new_session)
                if refused is not None:
                    return refused
                assert token is not None
                if new_session and token.uses_left > 0:
                    conn.execute("UPDATE tokens SET uses_left = uses_left - 1 WHERE name = ?", (name,))
                return token

        result = await self._run(op)
        if isinstance(result, str):
            raise TokenRefused(_rules.REASONS[result])
        return result

    async def secret(self) -> bytes:
        """A random secret shared by every process on this file (made once, 32 bytes)."""
        if self._secret is not None:
            return self._secret

        def op(conn: sqlite3.Connection) -> bytes:
            with _immediate(conn):
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (_SECRET_KEY, secrets.token_bytes(_SECRET_BYTES)),
                )
                (value,) = conn.execute("SELECT value FROM meta WHERE key = ?", (_SECRET_KEY,)).fetchone()
            return bytes(value)

        self._secret = await self._run(op)
        return self._secret

    async def close(self) -> None:
        """Wait for queued operations, close the connection and stop the thread."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._close_connection)
        finally:
            self._executor.shutdown(wait=False)

    # -- plumbing -----------------------------------------------------------------

    async def _run(self, op: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._in_thread, op)

    def _in_thread(self, op: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            self._conn = self._open()
        return op(self._conn)

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _open(self) -> sqlite3.Connection:
        memory = self.path == ":memory:"
        if not memory:
            _create_private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        try:
            _retry_while_locked(lambda: self._prepare(conn, memory), self._busy_timeout)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection, memory: bool) -> None:
        # The journal mode is stored in the file; switching needs an exclusive lock.
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        if mode.lower() != "wal" and not memory:
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if mode.lower() != "wal":
                raise ConfigError(f"cannot put the store {self.path} in WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous=FULL")  # per connection
        with _immediate(conn):
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"the store {self.path} has schema version {version}, newer than this openlive's "
                    f"({SCHEMA_VERSION}); upgrade openlive or use another file"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if version < SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _purge(self, conn: sqlite3.Connection) -> None:
        """Delete a bounded batch of expired rows (inside the caller's transaction)."""
        now = self._clock()
        conn.execute(
            "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at <= ? LIMIT ?)",
            (now, self._purge_batch),
        )
        conn.execute(
            "DELETE FROM tokens WHERE rowid IN (SELECT rowid FROM tokens WHERE expire_time <= ? LIMIT ?)",
            (now, self._purge_batch),
        )


class _immediate:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` if the block raises."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


def _create_private_file(path: str) -> None:
    """Create the database file readable by its owner only (the WAL files inherit the mode)."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _retry_while_locked(action: Callable[[], None], timeout: float) -> None:
    """Run ``action``, retrying while another process holds a lock it needs.

    The busy handler covers ordinary transactions, but switching to WAL mode and
    WAL recovery can report "database is locked" without waiting.
    """
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if ("locked" not in message and "busy" not in message) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
