"""The scale-out store: Redis, shared by every openlive replica behind a load balancer.

Layout, under a configurable key prefix (default ``openlive:``):

* ``{prefix}session:{id}`` — the session record as a JSON string, expiring at
  ``expires_at`` (``SET … PXAT``).
* ``{prefix}token:{name}`` — a hash with ``uses_left``, ``expire_time``,
  ``new_session_expire_time`` (the fields the use check reads) and ``extras``
  (owner, setup and field mask as JSON, never touched by scripts), expiring at
  ``expire_time`` (``PEXPIREAT``). Times are kept as Python float reprs, which
  Lua's ``tonumber`` reads back to the same double.
* ``{prefix}secret`` — 32 random bytes, set once with ``SET NX``.

Minting and using a token are Lua scripts, so each is atomic across replicas:
a one-use token starts one session however many replicas race for it.

Redis deletes keys by its own clock; visibility also follows the ``now`` callers
pass, so a record is never returned after its expiry time even if Redis has not
dropped it yet. (If Redis's clock runs ahead of the callers', records vanish that
much early, and an expired token is reported as unknown once Redis has dropped it.)
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import redis.asyncio as aioredis

from openlive.store import _rules
from openlive.store.base import SessionRecord, TokenRecord, TokenRefused

DEFAULT_PREFIX = "openlive:"

_SECRET_BYTES = 32

# KEYS[1] token key; ARGV: uses_left, expire_time, new_session_expire_time, extras, expiry (Unix ms).
_PUT_TOKEN = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'uses_left', ARGV[1], 'expire_time', ARGV[2],
           'new_session_expire_time', ARGV[3], 'extras', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 1
"""

# KEYS[1] token key; ARGV: now, new_session ('1' or '0').
# Mirrors openlive.store._rules.refusal; returns {code} or {'ok', <fields before the use>}.
_USE_TOKEN = """
local v = redis.call('HMGET', KEYS[1], 'uses_left', 'expire_time', 'new_session_expire_time', 'extras')
if not v[1] then
  return {'unknown'}
end
local now = tonumber(ARGV[1])
if now >= tonumber(v[2]) then
  return {'expired'}
end
if ARGV[2] == '1' then
  if now >= tonumber(v[3]) then
    return {'no_new_sessions'}
  end
  local uses = tonumber(v[1])
  if uses == 0 then
    return {'no_uses'}
  end
  if uses > 0 then
    redis.call('HINCRBY', KEYS[1], 'uses_left', -1)
  end
end
return {'ok', v[1], v[2], v[3], v[4]}
"""


class RedisStore:
    """Sessions and tokens in Redis, for several openlive processes at once.

    Args:
        url: A redis-py connection URL: ``redis://[[user]:password@]host[:port][/db]``
            or ``rediss://…`` for TLS.
        prefix: Put before every key, so several deployments can share one Redis.
    """

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.url = url
        self.prefix = prefix
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url, decode_responses=False)
        self._put_script = self._redis.register_script(_PUT_TOKEN)
        self._use_script = self._redis.register_script(_USE_TOKEN)
        self._secret: bytes | None = None

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"  # the URL may hold a password

    # -- the Store protocol -------------------------------------------------------

    async def save_session(self, session_id: str, record: SessionRecord) -> None:
        """Write (replace) a session's record atomically, expiring at ``expires_at``."""
        key = self._key("session", session_id)
        expiry = _unix_ms(record.expires_at)
        if expiry <= 0:  # PXAT takes positive times only; such a record is long gone
            await self._redis.delete(key)
            return
        await self._redis.set(key, _rules.session_to_json(record), pxat=expiry)

    async def load_session(self, session_id: str, now: float) -> SessionRecord | None:
        """The session's record, or ``None`` if unknown or expired at ``now``."""
        raw = await self._redis.get(self._key("session", session_id))
        if raw is None:
            return None
        record = _rules.session_from_json(raw)
        return record if record.expires_at > now else None

    async def put_token(self, token: TokenRecord) -> None:
        """Store a newly minted token, expiring at its ``expire_time``.

        Raises:
            ValueError: A token by that name already exists (names are random, so
                this means a bug; refilling a token's uses is never allowed).
        """
        _rules.check_finite(token.expire_time, token.new_session_expire_time)
        added = await self._put_script(
            keys=[self._key("token", token.name)],
            args=[
                str(int(token.uses_left)),
                repr(float(token.expire_time)),
                repr(float(token.new_session_expire_time)),
                _rules.token_extras_to_json(token),
                _unix_ms(token.expire_time),
            ],
        )
        if not added:
            raise ValueError("a token with this name already exists")

    async def use_token(self, name: str, now: float, new_session: bool) -> TokenRecord:
        """Check a token and, for a new session, spend one use, atomically.

        Returns:
            The token as it was before this use.

        Raises:
            TokenRefused: Unknown, past ``expire_time``, or (for a new session) past
                ``new_session_expire_time`` or with no uses left. The reason says which.
        """
        _rules.check_finite(now)
        result: list[bytes] = await self._use_script(
            keys=[self._key("token", name)],
            args=[repr(float(now)), "1" if new_session else "0"],
        )
        code = result[0].decode()
        if code != "ok":
            raise TokenRefused(_rules.REASONS[code])
        uses_left, expire_time, new_session_expire_time, extras = result[1:]
        return _rules.token_from_parts(
            name, int(uses_left), float(expire_time), float(new_session_expire_time), extras
        )

    async def secret(self) -> bytes:
        """A random secret shared by every process on this Redis and prefix (made once, 32 bytes)."""
        if self._secret is None:
            key = self._key("secret")
            await self._redis.set(key, secrets.token_bytes(_SECRET_BYTES), nx=True)
            value: Any = await self._redis.get(key)
            if not isinstance(value, bytes):
                raise RuntimeError(f"the store secret {key!r} vanished from Redis")
            self._secret = value
        return self._secret

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()

    # -- plumbing -----------------------------------------------------------------

    def _key(self, kind: str, name: str = "") -> str:
        return f"{self.prefix}{kind}:{name}" if name else f"{self.prefix}{kind}"


def _unix_ms(t: float) -> int:
    """Unix milliseconds, rounded up so Redis never drops a key before its time."""
    _rules.check_finite(t)
    return math.ceil(t * 1000)
