"""The Origin check: which web pages may use the server."""

from __future__ import annotations

import pytest

from openlive.errors import PolicyViolation
from openlive.server.origin import check_origin, is_local_host


def allowed(
    origin: str | None, host: str = "127.0.0.1:8443", keys: bool = False, listed: tuple[str, ...] = ()
) -> bool:
    headers = {"host": host} | ({"origin": origin} if origin is not None else {})
    try:
        check_origin(headers, list(listed), keys, secure=True)
    except PolicyViolation as error:
        assert error.close_code == 1008
        return False
    return True


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "app.localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]
)
def test_local_hosts(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize(
    "host", ["localhost.example", "10.0.0.1", "0.0.0.0", "example.org", "::ffff:8.8.8.8"]
)
def test_not_local_hosts(host: str) -> None:
    assert not is_local_host(host)


def test_no_origin_is_not_a_browser_and_passes() -> None:
    assert allowed(None)


@pytest.mark.parametrize(
    "origin", ["https://localhost:8443", "http://localhost:3000", "http://127.0.0.1", "http://[::1]:1"]
)
def test_without_keys_local_pages_pass(origin: str) -> None:
    assert allowed(origin)


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://evil.example", "127.0.0.1:8443"),
        ("null", "127.0.0.1:8443"),
        ("https://evil.example:8443", "evil.example:8443"),  # DNS rebinding: Host agrees with Origin
        ("chrome-extension://abcdef", "127.0.0.1:8443"),
        ("not a url at all", "127.0.0.1:8443"),
    ],
)
def test_without_keys_other_pages_are_refused(origin: str, host: str) -> None:
    assert not allowed(origin, host)


def test_listed_origins_pass_and_a_star_passes_all() -> None:
    assert allowed("https://app.example", listed=("https://APP.example/",))
    assert allowed("https://anything.example", listed=("*",))


def test_with_keys_and_no_list_any_page_passes() -> None:
    assert allowed("https://evil.example", keys=True)


def test_with_keys_and_a_list_only_listed_own_and_local_pages_pass() -> None:
    listed = ("https://app.example",)
    assert allowed("https://app.example", keys=True, listed=listed)
    assert allowed("https://live.example.com", host="live.example.com", keys=True, listed=listed)
    assert allowed("http://localhost:5173", keys=True, listed=listed)
    assert not allowed("https://evil.example", keys=True, listed=listed)
    assert not allowed("http://live.example.com", host="live.example.com", keys=True, listed=listed)
