"""Who may use the console: local requests, the password, guesses, origins."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from openlive.config import Settings, load_settings
from openlive.errors import ConfigError
from openlive.server.console import (
    FOREIGN_PAGE,
    LOCAL_ONLY,
    NEEDS_PASSWORD,
    PASSWORD_HEADER,
    TOO_MANY_GUESSES,
    ConsoleAccess,
    GuessLimiter,
    is_local_request,
)

LOCAL = {"host": "localhost:8443"}


@pytest.mark.parametrize(
    ("client", "headers", "local"),
    [
        ("127.0.0.1", {"host": "localhost:8443"}, True),
        ("::1", {"host": "[::1]:8443"}, True),
        ("127.0.0.1", {"host": "127.0.0.1"}, True),
        ("127.0.0.1", {"host": "app.localhost:8443"}, True),
        ("192.0.2.4", {"host": "localhost:8443"}, False),  # another machine
        ("127.0.0.1", {"host": "rebound.example:8443"}, False),  # DNS rebinding
        ("127.0.0.1", {"host": "localhost:8443", "x-forwarded-for": "203.0.113.1"}, False),  # a proxy
        ("127.0.0.1", {"host": "localhost", "forwarded": "for=203.0.113.1"}, False),
        ("127.0.0.1", {"host": "localhost", "x-real-ip": "203.0.113.1"}, False),
        ("127.0.0.1", {}, False),
    ],
)
def test_local_request(client: str, headers: dict[str, str], local: bool) -> None:
    assert is_local_request(client, headers) is local


def test_local_browsers_need_no_password() -> None:
    assert ConsoleAccess("a-long-password").check("127.0.0.1", LOCAL, secure=True) is None
    assert ConsoleAccess("").check("127.0.0.1", LOCAL, secure=True) is None


def test_remote_browsers_need_the_password() -> None:
    access = ConsoleAccess("a-long-password")
    remote = {"host": "openlive.example"}
    assert access.check("192.0.2.4", remote, secure=True) == NEEDS_PASSWORD
    wrong = {**remote, PASSWORD_HEADER: "a-long-passwore"}
    assert access.check("192.0.2.4", wrong, secure=True) == NEEDS_PASSWORD
    right = {**remote, PASSWORD_HEADER: "a-long-password"}
    assert access.check("192.0.2.4", right, secure=True) is None
    # Too long to be the password: refused without hashing megabytes.
    assert access.check("192.0.2.5", {**remote, PASSWORD_HEADER: "x" * 5000}, secure=True) == NEEDS_PASSWORD


def test_without_a_password_remote_browsers_are_refused() -> None:
    assert (
        ConsoleAccess("").check("192.0.2.4", {"host": "x.example", PASSWORD_HEADER: "a"}, True) == LOCAL_ONLY
    )


def test_the_password_may_hold_any_character() -> None:
    password = "ça va? 日本 %41"
    access = ConsoleAccess(password)
    headers = {"host": "x.example", PASSWORD_HEADER: quote(password)}
    assert access.check("192.0.2.4", headers, secure=True) is None


@pytest.mark.parametrize(
    ("origin", "secure", "allowed"),
    [
        ("https://localhost:8443", True, True),
        ("https://LOCALHOST:8443/", True, True),
        ("http://localhost:8443", True, False),  # another scheme is another origin
        ("https://localhost:3000", True, False),  # another local page
        ("https://evil.example", True, False),
        ("null", True, False),
        ("http://localhost:8443", False, True),
    ],
)
def test_only_the_console_own_page_may_call(origin: str, secure: bool, allowed: bool) -> None:
    result = ConsoleAccess("").check("127.0.0.1", {**LOCAL, "origin": origin}, secure=secure)
    assert (result is None) is allowed
    if not allowed:
        assert result == FOREIGN_PAGE


def test_guesses_are_limited_per_address_and_forgotten() -> None:
    access = ConsoleAccess("a-long-password", GuessLimiter(max_failures=3, window_s=60))
    remote = {"host": "x.example"}
    for _ in range(3):
        assert access.check("192.0.2.4", {**remote, PASSWORD_HEADER: "no"}, True, now=0) == NEEDS_PASSWORD
    right = {**remote, PASSWORD_HEADER: "a-long-password"}
    assert access.check("192.0.2.4", right, True, now=1) == TOO_MANY_GUESSES
    assert access.check("192.0.2.9", right, True, now=1) is None  # another address
    assert access.check("192.0.2.4", right, True, now=61) is None  # the window passed


def test_the_guess_limiter_stays_bounded() -> None:
    limiter = GuessLimiter(max_failures=2, window_s=60, max_addresses=100)
    for n in range(10_000):
        limiter.failed(f"10.0.{n // 256}.{n % 256}", now=0)
        limiter.failed("10.9.9.9", now=0)
    assert len(limiter._failures) <= 100
    assert all(len(times) <= 2 for times in limiter._failures.values())


def test_console_settings() -> None:
    settings = load_settings(environ={"OPENLIVE_CONSOLE_PASSWORD": "from-the-env"})
    assert settings.console and settings.console_password == "from-the-env"
    assert "from-the-env" not in repr(settings)
    with pytest.raises(ConfigError, match="at least 8"):
        Settings(console_password="short").check()
    assert load_settings(environ={"OPENLIVE_CONSOLE": "off"}).console is False
