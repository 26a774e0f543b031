"""Resumption state and ephemeral tokens: SQLite (embedded) or Redis (scale-out).

``RedisStore`` is imported on first use, so the ``redis`` package is needed only
by deployments that use it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from openlive.errors import ConfigError
from openlive.store.base import SessionRecord, Store, TokenRecord, TokenRefused
from openlive.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from openlive.store.redis import RedisStore

__all__ = ["RedisStore", "SessionRecord", "SqliteStore", "Store", "TokenRecord", "TokenRefused", "open_store"]

_REDIS_SCHEMES = ("redis://", "rediss://")


def open_store(url_or_path: str | os.PathLike[str]) -> Store:
    """The store a setting names.

    Args:
        url_or_path: A ``redis://`` or ``rediss://`` URL (a :class:`RedisStore`
            with the default key prefix), or else the path of a SQLite file
            (a :class:`SqliteStore`; ``~`` is expanded).

    Returns:
        The store, not yet connected: the first operation connects.

    Raises:
        ConfigError: A Redis URL was given but the ``redis`` package is not installed.
    """
    target = os.fspath(url_or_path)
    if target.lower().startswith(_REDIS_SCHEMES):
        try:
            from openlive.store.redis import RedisStore
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError(
                f"a Redis store needs the 'redis' package (pip install 'redis>=5.0.1'): {exc}"
            ) from exc
        return RedisStore(target)
    return SqliteStore(os.path.expanduser(target))


def __getattr__(name: str) -> Any:
    if name == "RedisStore":
        from openlive.store.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
