"""Resumption handles: signed, so a tampered or foreign handle is told apart from a good one."""

from __future__ import annotations

import uuid

import pytest

from openlive.errors import CLOSE_POLICY, PolicyViolation
from openlive.session.handles import Handle, make_handle, owner_fingerprint, read_handle

SECRET = b"s" * 32
SESSION = "0123456789abcdef" * 2


def test_a_handle_reads_back_as_the_session_and_version_it_names() -> None:
    handle = make_handle(SECRET, SESSION, 7)
    assert read_handle(SECRET, handle) == Handle(session_id=SESSION, version=7)
    # Surrounding whitespace (a handle pasted from a log) is tolerated.
    assert read_handle(SECRET, f"  {handle}\n") == Handle(session_id=SESSION, version=7)


def test_handles_differ_by_version_and_session() -> None:
    other = uuid.UUID(int=0x5678).hex
    handles = {
        make_handle(SECRET, SESSION, 1),
        make_handle(SECRET, SESSION, 2),
        make_handle(SECRET, other, 1),
    }
    assert len(handles) == 3


def _flip(char: str) -> str:
    return "A" if char != "A" else "B"


@pytest.mark.parametrize("where", ["signature", "version", "session"])
def test_a_tampered_handle_is_refused_as_altered(where: str) -> None:
    session_id, version, signature = make_handle(SECRET, SESSION, 3).split(".")
    if where == "signature":
        signature = _flip(signature[0]) + signature[1:]
    elif where == "version":
        version = "4"
    else:
        session_id = "f" + session_id[1:]
    with pytest.raises(PolicyViolation) as raised:
        read_handle(SECRET, f"{session_id}.{version}.{signature}")
    assert raised.value.close_code == CLOSE_POLICY
    assert "altered" in raised.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-a-handle",
        f"{SESSION}.1",
        f"{SESSION}.x.{'A' * 32}",
        f"{SESSION[:-1]}.1.{'A' * 32}",
        f"{SESSION.upper()}.1.{'A' * 32}",
        f"{SESSION}.1.{'A' * 10}",
        f"{SESSION}.1.{'A' * 32}.extra",
        f"{SESSION}.1.{'+' * 32}",
    ],
    ids=[
        "empty",
        "word",
        "no-signature",
        "non-numeric-version",
        "short-session",
        "uppercase-session",
        "short-signature",
        "extra-part",
        "non-urlsafe-signature",
    ],
)
def test_a_malformed_handle_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(PolicyViolation) as raised:
        read_handle(SECRET, text)
    assert "malformed" in raised.value.reason
    assert raised.value.close_code == CLOSE_POLICY


def test_a_handle_from_another_secret_is_refused() -> None:
    handle = make_handle(b"another server's secret", SESSION, 1)
    with pytest.raises(PolicyViolation) as raised:
        read_handle(SECRET, handle)
    assert "another server" in raised.value.reason


def test_owner_fingerprints_are_stable_distinct_and_hide_the_key() -> None:
    assert owner_fingerprint("key-a") == owner_fingerprint("key-a")
    assert owner_fingerprint("key-a") != owner_fingerprint("key-b")
    assert "key-a" not in owner_fingerprint("key-a")
    # No key at all is an owner too (a server that accepts any key).
    assert owner_fingerprint(None) == owner_fingerprint("")


@pytest.mark.parametrize(
    "version",
    ["07", "007", "00", "\u0667", "\uff17", "+7", " 7"],
    ids=[
        "leading-zero",
        "two-leading-zeros",
        "double-zero",
        "arabic-digit",
        "fullwidth-digit",
        "plus",
        "space",
    ],
)
def test_a_version_spelled_another_way_is_refused_as_malformed(version: str) -> None:
    # Each of these reads as 7 (or 0) through int(): accepting them would give one
    # saved state many handles.
    session_id, _, signature = make_handle(SECRET, SESSION, int(version.strip().lstrip("+") or 0)).split(".")
    with pytest.raises(PolicyViolation, match="malformed"):
        read_handle(SECRET, f"{session_id}.{version}.{signature}")


def test_version_zero_is_a_handle() -> None:
    assert read_handle(SECRET, make_handle(SECRET, SESSION, 0)).version == 0


def test_a_handle_with_a_newline_inside_is_refused() -> None:
    session_id, version, signature = make_handle(SECRET, SESSION, 3).split(".")
    with pytest.raises(PolicyViolation, match="malformed"):
        read_handle(SECRET, f"{session_id}.{version}\n.{signature}")
