"""Ephemeral tokens: mint them (``POST /{version}/auth_tokens``) and apply their constraints.

A token lets a browser open a Live session without holding the API key. It is
minted with the key, may be used ``uses`` times to start a session (resuming one
spends nothing), expires at ``expireTime``, starts no new session after
``newSessionExpireTime``, and may lock parts of the session's setup: a client
setup that changes a locked field is refused.
"""

from __future__ import annotations

import copy
import datetime
import secrets
import time
from typing import Any

from openlive.errors import InvalidArgument, PolicyViolation
from openlive.store import TokenRecord
from openlive.wire import spec
from openlive.wire.decode import check_json
from openlive.wire.schema import normalize, to_camel

TOKEN_PREFIX = "auth_tokens/"
DEFAULT_EXPIRE_S = 30 * 60
DEFAULT_NEW_SESSION_EXPIRE_S = 60
MAX_EXPIRE_S = 20 * 60 * 60
MAX_USES = 1_000_000
UNLIMITED_USES = -1

_CREATE_FIELDS = {"uses", "expireTime", "newSessionExpireTime", "bidiGenerateContentSetup", "fieldMask"}


def parse_timestamp(value: Any, path: str) -> float:
    """A protobuf JSON Timestamp (RFC 3339) as Unix time.

    Raises:
        InvalidArgument: Not an RFC 3339 timestamp.
    """
    if not isinstance(value, str):
        raise InvalidArgument(f"{path} must be an RFC 3339 timestamp string")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{path} {value[:40]!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def format_timestamp(unix: float) -> str:
    """Unix time as a protobuf JSON Timestamp."""
    moment = datetime.datetime.fromtimestamp(unix, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def mint(body: Any, owner: str, now: float | None = None) -> TokenRecord:
    """Check a create request and make the token it asks for.

    Args:
        body: The decoded JSON body (camelCase or snake_case fields).
        owner: Fingerprint of the API key that asks.
        now: The current Unix time.

    Raises:
        InvalidArgument: A field is malformed or out of range; the reason names it.
    """
    now = time.time() if now is None else now
    if not isinstance(body, dict):
        raise InvalidArgument("the request body must be a JSON object")
    # The body was decoded by plain json.loads: refuse what a Live frame may not hold.
    check_json(body)
    fields = {to_camel(k): v for k, v in body.items()}
    unknown = sorted(set(fields) - _CREATE_FIELDS)
    if unknown:
        raise InvalidArgument(f"unknown field {unknown[0]!r} in the auth token request")
    uses = fields.get("uses", 1)
    if isinstance(uses, bool) or not isinstance(uses, int) or not 0 <= uses <= MAX_USES:
        raise InvalidArgument(f"uses must be an integer from 0 (no limit) to {MAX_USES}")
    expire = (
        parse_timestamp(fields["expireTime"], "expireTime")
        if "expireTime" in fields
        else now + DEFAULT_EXPIRE_S
    )
    new_session = (
        parse_timestamp(fields["newSessionExpireTime"], "newSessionExpireTime")
        if "newSessionExpireTime" in fields
        else min(now + DEFAULT_NEW_SESSION_EXPIRE_S, expire)
    )
    if expire <= now:
        raise InvalidArgument("expireTime must be in the future")
    if expire > now + MAX_EXPIRE_S:
        raise InvalidArgument(f"expireTime must be within {MAX_EXPIRE_S // 3600} hours")
    if new_session > expire:
        raise InvalidArgument("newSessionExpireTime must not be after expireTime")
    setup = None
    if fields.get("bidiGenerateContentSetup"):
        setup = normalize(fields["bidiGenerateContentSetup"], spec.SETUP, "bidiGenerateContentSetup")
        # Saved as JSON: bytes fields are not expected in a locked setup.
        if _has_bytes(setup):
            raise InvalidArgument("bidiGenerateContentSetup must not hold binary fields")
    mask = _field_mask(fields.get("fieldMask"))
    return TokenRecord(
        name=TOKEN_PREFIX + secrets.token_urlsafe(32),
        owner=owner,
        # 0 means no limit in the Live API; the stores never spend a negative count.
        uses_left=uses if uses > 0 else UNLIMITED_USES,
        expire_time=expire,
        new_session_expire_time=new_session,
        setup=setup,
        field_mask=mask,
    )


def token_json(token: TokenRecord) -> dict[str, Any]:
    """The ``AuthToken`` the SDK expects back."""
    return {
        "name": token.name,
        "uses": max(token.uses_left, 0),
        "expireTime": format_timestamp(token.expire_time),
        "newSessionExpireTime": format_timestamp(token.new_session_expire_time),
    }


def _field_mask(value: Any) -> tuple[str, ...] | None:
    if value is None or value == "" or value == []:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidArgument("fieldMask must be a comma-separated string of field paths")
    return tuple(
        ".".join(to_camel(part) for part in item.strip().split(".")) for item in items if item.strip()
    )


def _has_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, dict):
        return any(_has_bytes(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bytes(v) for v in value)
    return False


def locked_paths(token: TokenRecord) -> tuple[str, ...]:
    """The setup paths a token locks: its field mask, or every field its setup sets."""
    if token.field_mask is not None:
        return token.field_mask
    setup = token.setup or {}
    paths: list[str] = []
    for key, value in setup.items():
        if isinstance(value, dict) and value:
            paths += [f"{key}.{inner}" for inner in value]
        else:
            paths.append(key)
    return tuple(paths)


def apply_token(token: TokenRecord, client_setup: dict[str, Any]) -> dict[str, Any]:
    """The setup a session gets: the client's, under the token's constraints.

    Locked fields take the token's value (a client that sets one to something else
    is refused); the token's other fields fill in what the client left unset.

    Raises:
        PolicyViolation: The client's setup changes a locked field (close 1008).
    """
    effective = copy.deepcopy(client_setup)
    token_setup = token.setup or {}
    # The resumption handle is always the client's own: a token that locks
    # sessionResumption (as the token docs show) locks whether it is on, not which
    # session to resume.
    handle = (client_setup.get("sessionResumption") or {}).get("handle")
    if handle is not None:
        effective["sessionResumption"].pop("handle", None)
        client_setup = effective
        effective = copy.deepcopy(client_setup)
    for path in locked_paths(token):
        wanted = _get(token_setup, path)
        given = _get(client_setup, path)
        if given is not None and path != "model" and given != wanted:
            raise PolicyViolation(f"setup.{path} is locked by the ephemeral token; leave it unset")
        if path == "model" and given is not None and wanted is not None and _model(given) != _model(wanted):
            raise PolicyViolation("setup.model is locked by the ephemeral token; use the token's model")
        _put(effective, path, wanted)
    _fill_defaults(effective, token_setup)
    if handle is not None:
        effective.setdefault("sessionResumption", {})["handle"] = handle
    return effective


def _model(name: Any) -> str:
    return str(name).removeprefix("models/")


def _get(tree: dict[str, Any], path: str) -> Any:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _put(tree: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is None:
                return
            child = node[part] = {}
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = copy.deepcopy(value)


def _fill_defaults(target: dict[str, Any], defaults: dict[str, Any]) -> None:
    for key, value in defaults.items():
        if key not in target:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(target[key], dict):
            _fill_defaults(target[key], value)


def require_token_name(credential: str | None) -> str:
    """The token a Constrained connection presented.

    Raises:
        PolicyViolation: None, or not an ``auth_tokens/`` name.
    """
    if not credential:
        raise PolicyViolation(
            "missing ephemeral token: send Authorization: Token auth_tokens/... or ?access_token="
        )
    if not credential.startswith(TOKEN_PREFIX):
        raise PolicyViolation("BidiGenerateContentConstrained takes an ephemeral token (auth_tokens/...)")
    return credential
