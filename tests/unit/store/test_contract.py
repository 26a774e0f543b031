"""The Store contract, run against SQLite and a real Redis alike."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest

from openlive.errors import CLOSE_POLICY, PolicyViolation
from openlive.store import SessionRecord, Store, TokenRecord, TokenRefused
from tests.unit.store.conftest import StoreFactory

HOUR = 3600.0

SNAPSHOT: dict[str, Any] = {
    "setup": {"model": "models/x", "generationConfig": {"temperature": 0.7, "responseModalities": ["AUDIO"]}},
    "history": [{"role": "user", "parts": [{"text": "héllo ✓"}]}, {"role": "model", "parts": []}],
    "empty": {},
    "flags": [True, False, None],
    "big": 2**53 + 1,
    "precise": 0.1 + 0.2,
}


def session(version: int = 1, *, expires_at: float | None = None, **snapshot: Any) -> SessionRecord:
    expires_at = time.time() + HOUR if expires_at is None else expires_at
    return SessionRecord(
        owner="owner-fp", version=version, snapshot=snapshot or SNAPSHOT, expires_at=expires_at
    )


def token(
    name: str = "auth_tokens/abc",
    *,
    uses: int = 1,
    expire_time: float | None = None,
    new_session_expire_time: float | None = None,
    setup: dict[str, Any] | None = None,
    field_mask: tuple[str, ...] | None = None,
) -> TokenRecord:
    t = time.time()
    return TokenRecord(
        name=name,
        owner="key-fp",
        uses_left=uses,
        expire_time=t + 30 * 60 if expire_time is None else expire_time,
        new_session_expire_time=t + 60 if new_session_expire_time is None else new_session_expire_time,
        setup=setup,
        field_mask=field_mask,
    )


async def refusal(store: Store, name: str, now: float, new_session: bool) -> str:
    with pytest.raises(TokenRefused) as info:
        await store.use_token(name, now, new_session)
    return str(info.value.reason)


def test_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


# -- sessions ---------------------------------------------------------------------


async def test_session_round_trip(store: Store, now: float) -> None:
    record = session(expires_at=now + 1234.5678)
    await store.save_session("s1", record)
    assert await store.load_session("s1", now) == record


async def test_replace_increases_version(store: Store, now: float) -> None:
    await store.save_session("s1", session(1, turn=1))
    await store.save_session("s1", session(2, turn=2))
    loaded = await store.load_session("s1", now)
    assert loaded is not None
    assert (loaded.version, loaded.snapshot) == (2, {"turn": 2})


async def test_unknown_session_is_none(store: Store, now: float) -> None:
    assert await store.load_session("nope", now) is None


async def test_sessions_are_kept_apart(store: Store, now: float) -> None:
    await store.save_session("a", session(1, who="a"))
    await store.save_session("b", session(7, who="b"))
    a, b = await store.load_session("a", now), await store.load_session("b", now)
    assert a is not None and b is not None
    assert (a.version, a.snapshot, b.version, b.snapshot) == (1, {"who": "a"}, 7, {"who": "b"})


async def test_expired_session_is_invisible(store: Store, now: float) -> None:
    await store.save_session("s1", session(expires_at=now + 10))
    assert await store.load_session("s1", now + 9.999) is not None
    assert await store.load_session("s1", now + 10) is None
    assert await store.load_session("s1", now + 11) is None


async def test_session_saved_already_expired_is_invisible(store: Store) -> None:
    await store.save_session("old", session(expires_at=time.time() - 5))
    assert await store.load_session("old", time.time()) is None


async def test_session_snapshot_must_be_json(store: Store, now: float) -> None:
    with pytest.raises((TypeError, ValueError)):
        await store.save_session("s", session(blob=b"bytes"))
    with pytest.raises(ValueError):
        await store.save_session("s", session(expires_at=math.inf))
    assert await store.load_session("s", now) is None


# -- tokens -----------------------------------------------------------------------


async def test_token_round_trip(store: Store, now: float) -> None:
    setup = {"model": "models/x", "generationConfig": {"temperature": 0.5}, "tools": []}
    minted = token(setup=setup, field_mask=("generationConfig.temperature", "model"))
    await store.put_token(minted)
    assert await store.use_token(minted.name, now, new_session=False) == minted
    bare = token("auth_tokens/bare")
    await store.put_token(bare)
    assert await store.use_token(bare.name, now, new_session=False) == bare


async def test_one_use_token_starts_one_session(store: Store, now: float) -> None:
    await store.put_token(token(uses=1))
    before = await store.use_token("auth_tokens/abc", now, new_session=True)
    assert before.uses_left == 1  # as it was before this use
    reason = await refusal(store, "auth_tokens/abc", now + 1, new_session=True)
    assert "no uses left" in reason


async def test_resuming_spends_no_use(store: Store, now: float) -> None:
    await store.put_token(token(uses=2))
    for _ in range(5):
        assert (await store.use_token("auth_tokens/abc", now, new_session=False)).uses_left == 2
    assert (await store.use_token("auth_tokens/abc", now, new_session=True)).uses_left == 2
    assert (await store.use_token("auth_tokens/abc", now, new_session=True)).uses_left == 1
    assert "no uses left" in await refusal(store, "auth_tokens/abc", now, new_session=True)
    # Used up for new sessions, the token still resumes the sessions it started.
    assert (await store.use_token("auth_tokens/abc", now, new_session=False)).uses_left == 0


async def test_new_session_expire_time_stops_new_sessions_only(store: Store, now: float) -> None:
    await store.put_token(token(uses=5, new_session_expire_time=now + 60, expire_time=now + 1800))
    await store.use_token("auth_tokens/abc", now + 59.9, new_session=True)
    reason = await refusal(store, "auth_tokens/abc", now + 60, new_session=True)
    assert "newSessionExpireTime" in reason
    assert (await store.use_token("auth_tokens/abc", now + 60, new_session=False)).uses_left == 4
    assert (await store.use_token("auth_tokens/abc", now + 1799.9, new_session=False)).uses_left == 4


async def test_expire_time_refuses_everything(store: Store, now: float) -> None:
    await store.put_token(token(uses=5, new_session_expire_time=now + 60, expire_time=now + 1800))
    for new_session in (True, False):
        reason = await refusal(store, "auth_tokens/abc", now + 1800, new_session)
        assert "expired" in reason and "expireTime" in reason
    assert "expired" in await refusal(store, "auth_tokens/abc", now + 5000, new_session=False)
    # A refused use spends nothing.
    assert (await store.use_token("auth_tokens/abc", now, new_session=True)).uses_left == 5


async def test_expiry_wins_over_uses(store: Store, now: float) -> None:
    await store.put_token(token(uses=0, new_session_expire_time=now + 60, expire_time=now + 120))
    assert "newSessionExpireTime" in await refusal(store, "auth_tokens/abc", now + 60, new_session=True)
    assert "expired" in await refusal(store, "auth_tokens/abc", now + 120, new_session=True)
    assert "no uses left" in await refusal(store, "auth_tokens/abc", now, new_session=True)


async def test_unknown_token_is_refused(store: Store, now: float) -> None:
    assert "unknown" in await refusal(store, "auth_tokens/never-minted", now, new_session=True)
    assert "unknown" in await refusal(store, "auth_tokens/never-minted", now, new_session=False)


async def test_every_reason_is_distinct_and_a_policy_close(store: Store, now: float) -> None:
    await store.put_token(
        token("auth_tokens/t", uses=1, new_session_expire_time=now + 60, expire_time=now + 120)
    )
    await store.use_token("auth_tokens/t", now, new_session=True)
    errors = []
    for name, at in [("auth_tokens/x", now), ("auth_tokens/t", now + 120), ("auth_tokens/t", now + 60)]:
        with pytest.raises(TokenRefused) as info:
            await store.use_token(name, at, new_session=True)
        errors.append(info.value)
    with pytest.raises(TokenRefused) as info:
        await store.use_token("auth_tokens/t", now, new_session=True)
    errors.append(info.value)
    assert len({e.reason for e in errors}) == 4
    for e in errors:
        assert isinstance(e, PolicyViolation)
        assert e.close_code == CLOSE_POLICY
        assert e.close_reason() == e.reason  # fits a close frame untruncated
        assert "auth_tokens/" not in e.reason  # never echoes the secret name


async def test_negative_uses_means_unlimited(store: Store, now: float) -> None:
    await store.put_token(token(uses=-1))
    for _ in range(5):
        assert (await store.use_token("auth_tokens/abc", now, new_session=True)).uses_left == -1


async def test_a_token_is_never_minted_twice(store: Store, now: float) -> None:
    await store.put_token(token(uses=1))
    await store.use_token("auth_tokens/abc", now, new_session=True)
    with pytest.raises(ValueError):
        await store.put_token(token(uses=1))
    assert "no uses left" in await refusal(store, "auth_tokens/abc", now, new_session=True)


async def test_token_times_must_be_finite(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.put_token(token(expire_time=math.inf))
    with pytest.raises(ValueError):
        await store.put_token(token(new_session_expire_time=math.nan))
    await store.put_token(token())
    with pytest.raises(ValueError):
        await store.use_token("auth_tokens/abc", math.nan, new_session=True)


async def test_concurrent_uses_of_a_one_use_token(make_store: StoreFactory, now: float) -> None:
    stores = [make_store() for _ in range(4)]  # separate connections on the same backing
    await stores[0].put_token(token(uses=1))
    results = await asyncio.gather(
        *(stores[i % 4].use_token("auth_tokens/abc", now, new_session=True) for i in range(20)),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, TokenRecord)]
    refusals = [r for r in results if isinstance(r, TokenRefused)]
    assert len(wins) == 1 and len(refusals) == 19, results
    assert all("no uses left" in r.reason for r in refusals)


async def test_tokens_and_sessions_are_shared_between_instances(make_store: StoreFactory, now: float) -> None:
    a, b = make_store(), make_store()
    await a.put_token(token(uses=1))
    await a.save_session("s", session(3))
    await b.use_token("auth_tokens/abc", now, new_session=True)
    assert "no uses left" in await refusal(a, "auth_tokens/abc", now, new_session=True)
    loaded = await b.load_session("s", now)
    assert loaded is not None and loaded.version == 3


# -- secret -----------------------------------------------------------------------


async def test_secret_is_stable(make_store: StoreFactory) -> None:
    a, b = make_store(), make_store()
    first, second = await asyncio.gather(a.secret(), b.secret())  # racing to create it
    assert isinstance(first, bytes) and len(first) == 32
    assert first == second == await a.secret() == await b.secret()
    assert await make_store().secret() == first
