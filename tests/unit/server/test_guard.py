"""The guard's pieces: client-facing 1011 reasons and the per-address count."""

from __future__ import annotations

import pytest

from openlive.server.guard import AddressSlots, public_reason


@pytest.mark.parametrize(
    ("reason", "leaked"),
    [
        (
            "cannot reach http://127.0.0.1:9409/v1/chat/completions: no connection in 5 s",
            ("127.0.0.1", "9409", "/v1"),
        ),
        ("the connection to https://llm.internal.corp:8000/v1 failed", ("llm.internal.corp", "8000")),
        ("redis://10.1.2.3:6379/0 is down", ("10.1.2.3", "6379")),
        ("could not open /var/lib/openlive/sessions.db", ("/var/lib", "sessions.db")),
        ("fe80::1%eth0 refused, then [2001:db8::5]:443", ("fe80", "2001:db8")),
        ("vllm-box:8000 answered HTTP 500", ("vllm-box",)),
    ],
)
def test_1011_reasons_lose_their_internals(reason: str, leaked: tuple[str, ...]) -> None:
    public = public_reason(1011, reason)
    for part in leaked:
        assert part not in public, public


def test_1011_reasons_keep_what_failed() -> None:
    assert public_reason(1011, "the model failed; see the server log for session ab12") == (
        "the model failed; see the server log for session ab12"
    )
    assert (
        public_reason(1011, "cannot reach http://x:1/v1: timed out") == "cannot reach the backend: timed out"
    )


def test_words_with_colons_are_not_taken_for_addresses() -> None:
    reason = "the model failed: state:deadbeef at step a:b"
    assert public_reason(1011, reason) == reason


def test_other_codes_are_left_alone() -> None:
    reason = "setup.model 'http://x/y' is not served here"
    assert public_reason(1007, reason) == reason


def test_address_slots_count_up_to_the_cap_and_free_again() -> None:
    slots = AddressSlots(2)
    assert slots.take("a") and slots.take("a")
    assert not slots.take("a")
    assert slots.take("b")
    slots.give_back("a")
    assert slots.take("a")
    slots.give_back("a")
    slots.give_back("a")
    slots.give_back("b")
    assert not slots._open


def test_address_slots_without_a_cap() -> None:
    slots = AddressSlots(0)
    assert all(slots.take("a") for _ in range(1000))
