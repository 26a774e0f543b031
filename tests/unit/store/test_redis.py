"""What only the Redis store promises: key layout, Redis-side expiry, optional import."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest

from openlive.store import SessionRecord, TokenRecord, TokenRefused, open_store

pytest.importorskip("redis.asyncio", reason="the 'redis' Python package is not installed")

from redis.asyncio import Redis  # noqa: E402

from openlive.store.redis import DEFAULT_PREFIX, RedisStore  # noqa: E402


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisStore]:
    s = RedisStore(redis_url, prefix=redis_prefix)
    yield s
    await s.close()


async def test_keys_are_namespaced_and_expire_in_redis(
    store: RedisStore, raw: Redis, redis_prefix: str, now: float
) -> None:
    await store.save_session("s1", SessionRecord("o", 1, {}, now + 100.0004))
    await store.put_token(TokenRecord("auth_tokens/t", "k", 1, now + 200.5, now + 60))
    await store.secret()
    keys = sorted([k.decode() async for k in raw.scan_iter(match=f"{redis_prefix}*")])
    assert keys == [
        f"{redis_prefix}secret",
        f"{redis_prefix}session:s1",
        f"{redis_prefix}token:auth_tokens/t",
    ]
    assert await raw.pexpiretime(f"{redis_prefix}session:s1") == math.ceil((now + 100.0004) * 1000)
    assert await raw.pexpiretime(f"{redis_prefix}token:auth_tokens/t") == math.ceil((now + 200.5) * 1000)
    assert await raw.pexpiretime(f"{redis_prefix}secret") == -1  # never expires


async def test_redis_drops_expired_records(store: RedisStore, raw: Redis, redis_prefix: str) -> None:
    await store.save_session("gone", SessionRecord("o", 1, {}, time.time() - 1))
    await store.save_session("ancient", SessionRecord("o", 1, {}, -5.0))
    await store.put_token(TokenRecord("auth_tokens/gone", "k", 1, time.time() - 1, time.time() - 1))
    assert await raw.exists(f"{redis_prefix}session:gone", f"{redis_prefix}session:ancient") == 0
    assert await raw.exists(f"{redis_prefix}token:auth_tokens/gone") == 0
    with pytest.raises(TokenRefused, match="unknown"):
        await store.use_token("auth_tokens/gone", time.time(), new_session=False)


async def test_prefixes_keep_deployments_apart(redis_url: str, redis_prefix: str, now: float) -> None:
    a = RedisStore(redis_url, prefix=redis_prefix + "a:")
    b = RedisStore(redis_url, prefix=redis_prefix + "b:")
    await a.put_token(TokenRecord("auth_tokens/t", "k", 1, now + 600, now + 60))
    await a.save_session("s", SessionRecord("o", 1, {}, now + 600))
    with pytest.raises(TokenRefused, match="unknown"):
        await b.use_token("auth_tokens/t", now, new_session=True)
    assert await b.load_session("s", now) is None
    assert await a.secret() != await b.secret()
    await a.close()
    await b.close()


async def test_default_prefix(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert store.prefix == DEFAULT_PREFIX == "openlive:"
    assert "127.0.0.1" not in repr(store)  # URLs may carry passwords
    await store.close()


async def test_scripts_survive_a_script_flush(store: RedisStore, raw: Redis, now: float) -> None:
    await store.put_token(TokenRecord("auth_tokens/t", "k", 2, now + 600, now + 60))
    await store.use_token("auth_tokens/t", now, new_session=True)
    await raw.script_flush()  # e.g. a Redis restart or failover
    assert (await store.use_token("auth_tokens/t", now, new_session=True)).uses_left == 1


async def test_open_store_takes_redis_urls(redis_url: str) -> None:
    for url in (redis_url, "rediss://cache.example:6380/2", "REDIS://localhost"):
        store = open_store(url)
        assert isinstance(store, RedisStore) and store.prefix == DEFAULT_PREFIX
        await store.close()


def test_redis_is_not_imported_with_the_package() -> None:
    code = "import sys, openlive.store; assert 'redis' not in sys.modules, 'redis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
