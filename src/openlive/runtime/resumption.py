"""Session resumption over the store: restore a session from a handle, save checkpoints.

The session (no I/O) says when it can be resumed from (a ``Checkpoint`` action);
this module writes its snapshot to the store and only then hands the client a
handle, so a handle the client holds always names state that was committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass

from openlive.errors import PolicyViolation
from openlive.session import Session
from openlive.session.handles import make_handle, read_handle
from openlive.store import SessionRecord, Store
from openlive.wire import server as msg

log = logging.getLogger(__name__)

DEFAULT_HANDLE_TTL_S = 2 * 60 * 60


@dataclass(frozen=True)
class ResumptionConfig:
    """Where sessions are kept and for how long.

    Attributes:
        store: The store shared by every replica.
        handle_ttl_s: How long a handle stays valid after the session's last checkpoint.
    """

    store: Store
    handle_ttl_s: float = DEFAULT_HANDLE_TTL_S


class Resumer:
    """The resumption state of one connection.

    Args:
        config: Store and handle lifetime.
        owner: Fingerprint of the client's key or token; only it may resume.
    """

    def __init__(self, config: ResumptionConfig, owner: str) -> None:
        self._config = config
        self._owner = owner
        self._version = 0
        self._lock = asyncio.Lock()
        self._secret: bytes | None = None
        self._saved: dict[str, object] | None = None

    async def _get_secret(self) -> bytes:
        if self._secret is None:
            self._secret = await self._config.store.secret()
        return self._secret

    async def resume(self, session: Session, handle: str) -> None:
        """Load the session a handle names into ``session`` (before its setup).

        Raises:
            PolicyViolation: The handle is malformed, altered, unknown, expired, or
                belongs to another key; the reason says which.
        """
        parsed = read_handle(await self._get_secret(), handle)
        record = await self._config.store.load_session(parsed.session_id, time.time())
        if record is None or parsed.version > record.version:
            ttl = self._config.handle_ttl_s
            lifetime = f"{ttl / 3600:g} h" if ttl >= 3600 else f"{ttl:g} s"
            raise PolicyViolation(
                f"session handle is unknown or expired (handles last {lifetime} after the session's "
                "last update); start a new session"
            )
        if record.owner != self._owner:
            raise PolicyViolation(
                "session handle belongs to another API key; resume with the key that made it"
            )
        session.id = parsed.session_id
        session.restore(record.snapshot)
        # Claim the session: saving the next version now makes a connection that
        # still holds it (one told to go away, say) stop saving over it.
        self._version = record.version + 1
        claimed = dataclasses.replace(
            record, version=self._version, expires_at=time.time() + self._config.handle_ttl_s
        )
        await self._config.store.save_session(parsed.session_id, claimed)
        self._saved = record.snapshot
        log.info("resuming session at version %d", record.version)

    async def save(
        self,
        session_id: str,
        snapshot: dict[str, object],
        last_consumed_index: int | None,
        only_if_changed: bool = False,
    ) -> msg.ServerMessage | None:
        """Save a snapshot taken at a checkpoint; return the update that hands out its handle.

        Args:
            session_id: The session.
            snapshot: ``Session.snapshot()`` taken when the checkpoint was reached.
            last_consumed_index: For transparent resumption, the index of the last
                client message the snapshot includes; ``None`` otherwise.
            only_if_changed: Skip the save when the snapshot is the last one saved
                (at the session's end, right after a checkpoint).

        Returns:
            The update to send, or ``None`` when the session has moved on in a newer
            connection (then nothing is saved).
        """
        async with self._lock:
            if only_if_changed and snapshot == self._saved:
                return None
            current = await self._config.store.load_session(session_id, time.time())
            if current is not None and current.version > self._version:
                # Another connection resumed this session and moved it on: this
                # (older) connection must not overwrite its state.
                log.info("not saving: the session moved on in another connection")
                return None
            self._version += 1
            version = self._version
            record = SessionRecord(
                owner=self._owner,
                version=version,
                snapshot=snapshot,
                expires_at=time.time() + self._config.handle_ttl_s,
            )
            await self._config.store.save_session(session_id, record)
            self._saved = snapshot
        handle = make_handle(await self._get_secret(), session_id, version)
        return msg.session_resumption_update(
            handle, resumable=True, last_consumed_client_message_index=last_consumed_index
        )
