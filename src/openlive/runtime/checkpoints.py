"""Before the setup, the token and the session it resumes; after it, checkpoints saved in order."""

from __future__ import annotations

import asyncio
import logging
import time

from openlive.errors import CLOSE_INTERNAL, InvalidArgument
from openlive.runtime.io import SessionIO
from openlive.runtime.resumption import Resumer, ResumptionConfig
from openlive.runtime.timers import Timers
from openlive.server.logs import session_id_var
from openlive.server.tokens import apply_token
from openlive.session import Checkpoint, Session
from openlive.wire import Setup
from openlive.wire import server as msg
from openlive.wire.client import setup_from_canonical

log = logging.getLogger(__name__)


class Checkpoints:
    """The saved state of one session.

    Args:
        session: The session.
        io: The client.
        timers: Where the token's expiry is armed.
        resumption: Where sessions are saved; ``None`` refuses resumption.
        owner: Fingerprint of the key or token that opened the connection.
        token: The ephemeral token the connection presented, if any.
    """

    def __init__(
        self,
        session: Session,
        io: SessionIO,
        timers: Timers,
        resumption: ResumptionConfig | None,
        owner: str,
        token: str | None,
    ) -> None:
        self._session = session
        self._io = io
        self._timers = timers
        self._resumer = Resumer(resumption, owner) if resumption is not None else None
        self._store = resumption.store if resumption is not None else None
        self._token = token
        self._saves: asyncio.Task[msg.ServerMessage | None] | None = None

    @property
    def resumable(self) -> bool:
        """Whether the session asked for resumption and the server keeps sessions."""
        setup = self._session.setup
        return self._resumer is not None and setup is not None and setup.resumption is not None

    async def prepare_setup(self, setup: Setup) -> Setup:
        """Before the first setup: apply the token and resume the session it names."""
        resuming = setup.resumption is not None and bool(setup.resumption.handle)
        if self._token is not None:
            assert self._store is not None
            # Check the token and its locked fields first, spending nothing; only a
            # setup that passes spends a use.
            record = await self._store.use_token(self._token, time.time(), new_session=False)
            setup = setup_from_canonical(apply_token(record, setup.raw))
            if not resuming:
                record = await self._store.use_token(self._token, time.time(), new_session=True)
            self._timers.arm(
                max(0.0, record.expire_time - time.time()), "the ephemeral token expired; mint a new one"
            )
        if setup.resumption is not None:
            if self._resumer is None:
                raise InvalidArgument("setup.sessionResumption: this server keeps no sessions to resume")
            if setup.resumption.handle:
                await self._resumer.resume(self._session, setup.resumption.handle)
                session_id_var.set(self._session.id)
        return setup

    def save(self, checkpoint: Checkpoint) -> None:
        """Save a snapshot now; its handle goes out in its place in the order, once saved."""
        if self._resumer is None:
            return
        resumer = self._resumer
        session = self._session
        snapshot = session.snapshot()
        setup = session.setup
        transparent = setup is not None and setup.resumption is not None and setup.resumption.transparent
        index = checkpoint.last_consumed_index if transparent else None
        previous = self._saves

        async def save() -> msg.ServerMessage | None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                return await resumer.save(session.id, snapshot, index)
            except Exception:  # noqa: BLE001 - the store failing must not kill the server
                log.exception("could not save the session for resumption")
                self._io.close(CLOSE_INTERNAL, "could not save the session; resumption is unavailable")
                return None

        task = asyncio.create_task(save(), name=f"save-{session.id}")
        self._saves = task
        if not self._io.closing:
            self._io.send_when_ready(task)

    async def finish(self) -> None:
        """At the session's end: let the last save land, then save what came since."""
        if self._saves is not None:
            # Let the last checkpoint reach the store: its handle may be out already.
            await asyncio.gather(self._saves, return_exceptions=True)
        # Context added since the last checkpoint (turns without a reply) is kept too,
        # and the handle's lifetime restarts from the end of the session.
        if self._resumer is None or not self.resumable:
            return
        try:
            await self._resumer.save(self._session.id, self._session.snapshot(), None, only_if_changed=True)
        except Exception:  # noqa: BLE001 - the client is gone; nothing to tell it
            log.exception("could not save the session at its end")
