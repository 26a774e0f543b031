"""Code run in child processes by the SQLite tests (importable, for the spawn start method)."""

from __future__ import annotations

import asyncio
import sys
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from openlive.store import SessionRecord, SqliteStore, TokenRecord, TokenRefused


def spend_tokens(
    path: str, names: list[str], now: float, barrier: Barrier, results: Queue[list[str]]
) -> None:
    """Try every token in ``names`` for a new session, from two stores at once; report the wins."""

    async def main() -> list[str]:
        stores = [SqliteStore(path), SqliteStore(path)]
        for store in stores:  # open the connections before the race starts
            await store.load_session("warm-up", now)
        barrier.wait(timeout=60)
        attempts = [stores[i % 2].use_token(name, now, True) for i, name in enumerate(names * 2)]
        outcomes = await asyncio.gather(*attempts, return_exceptions=True)
        for store in stores:
            await store.close()
        for outcome in outcomes:
            if not isinstance(outcome, TokenRecord | TokenRefused):
                raise outcome
        return [o.name for o in outcomes if isinstance(o, TokenRecord)]

    results.put(asyncio.run(main()))


async def _save_forever(path: str) -> None:
    store = SqliteStore(path)
    i = 0
    while True:
        record = SessionRecord(
            owner="o", version=i, snapshot={"i": i, "pad": "x" * 2000}, expires_at=time.time() + 3600
        )
        await store.save_session(f"s{i}", record)
        sys.stdout.write(f"saved s{i}\n")
        sys.stdout.flush()
        i += 1


if __name__ == "__main__":
    # python -m tests.unit.store._workers PATH: save sessions until killed, reporting each saved one.
    asyncio.run(_save_forever(sys.argv[1]))
