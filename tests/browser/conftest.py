"""Browser fixtures: the real `openlive serve` and Debian's Chromium, driven by Playwright.

Chromium gets fake devices: a microphone that plays a WAV file and a camera that
shows a y4m picture. Every page's requests and WebSocket frames are recorded, so
that a test can check what the page sent; screenshots go to build/browser-screenshots/
(or $OPENLIVE_SCREENSHOTS).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, start_server, stop_server

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

API_KEY = "browser-test-api-key-5f1c9a"
CONSOLE_PASSWORD = "console-pass-7d2e41"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("OPENLIVE_SCREENSHOTS") or ROOT / "build" / "browser-screenshots")


def chromium_path() -> str:
    """Debian's Chromium, or skip (``make test`` installs it)."""
    path = os.environ.get("OPENLIVE_CHROMIUM") or shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed; run `make test` (or apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    # Module-scoped: Playwright's sync API runs an event loop in this thread while it is
    # open, and the async tests that run after these modules need the thread free.
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is missing; run `make test` (it installs the dev extra)"
    )
    with sync_api.sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def voice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server with the embedded models and voice, over self-signed TLS, with an API key."""
    server = start_server(tmp_path_factory.mktemp("console-voice"), "--api-key", API_KEY)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def text_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server, text only, over plain http on localhost (``--no-tls``), with an API key."""
    server = start_server(
        tmp_path_factory.mktemp("console-text"), "--no-voice", "--api-key", API_KEY, tls=False
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Text only, plain http, with a console password (set in the environment, as the README advises)."""
    server = start_server(
        tmp_path_factory.mktemp("console-password"),
        "--no-voice",
        "--api-key",
        API_KEY,
        tls=False,
        env={"OPENLIVE_CONSOLE_PASSWORD": CONSOLE_PASSWORD},
    )
    yield server
    stop_server(server)


@dataclass
class ConsolePage:
    """One Chromium with one console page, and everything it sent and got."""

    page: Any
    browser: Any
    requests: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)
    sent_frames: list[str] = field(default_factory=list)
    received_frames: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        """The page's ``window.openliveConsole.state`` (turns without their DOM nodes)."""
        return json.loads(  # type: ignore[no-any-return]
            self.page.evaluate(
                "JSON.stringify(window.openliveConsole.state,"
                " (k, v) => (k === 'userLine' || k === 'modelLine' ? undefined : v))"
            )
        )

    def wait_for(self, condition: str, timeout_s: float = 120.0) -> None:
        """Wait until the JavaScript expression ``condition`` (over ``state``) is true."""
        try:
            self.page.wait_for_function(
                f"() => {{ const state = window.openliveConsole.state; return {condition}; }}",
                timeout=timeout_s * 1000,
                polling=200,
            )
        except Exception as error:
            raise AssertionError(
                f"waited {timeout_s} s for {condition}: {error}\n{self.describe()}"
            ) from None

    def connect(self) -> None:
        self.page.get_by_role("button", name="Connect", exact=True).click()
        self.wait_for("state.status === 'open' || state.status === 'closed' || state.status === 'error'", 60)
        assert self.state()["status"] == "open", self.describe()

    def sent_messages(self) -> list[dict[str, Any]]:
        messages = []
        for frame in self.sent_frames:
            try:
                messages.append(json.loads(frame))
            except ValueError:
                continue
        return messages

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def describe(self) -> str:
        """Everything needed to see why a test failed."""
        try:
            state = json.dumps(self.state(), indent=1)[-6000:]
        except Exception as error:  # the page may be gone
            state = f"(no state: {error})"
        return f"state: {state}\nconsole:\n" + "\n".join(self.console[-40:])


@pytest.fixture
def open_console(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """``open_console(server, microphone=wav, camera=y4m, grant=True, **context)`` → a ConsolePage."""
    pages: list[ConsolePage] = []

    def opener(
        server: LiveServer,
        microphone: Path | None = None,
        camera: Path | None = None,
        grant: bool = True,
        **context: Any,
    ) -> ConsolePage:
        args = ["--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]
        if grant:
            args.append("--use-fake-ui-for-media-stream")
        if microphone is not None:
            args.append(f"--use-file-for-fake-audio-capture={microphone}")
        if camera is not None:
            args.append(f"--use-file-for-fake-video-capture={camera}")
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=args)
        page = browser.new_context(ignore_https_errors=True, **context).new_page()
        console = ConsolePage(page, browser)
        page.on("console", lambda message: console.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.console.append(f"pageerror: {error}"))
        page.on(
            "request",
            lambda request: console.requests.append(
                {"url": request.url, "headers": request.headers, "body": request.post_data}
            ),
        )

        def on_socket(socket: Any) -> None:
            console.sockets.append(socket.url)
            socket.on("framesent", lambda frame: console.sent_frames.append(_text(frame)))
            socket.on("framereceived", lambda frame: console.received_frames.append(_text(frame)))

        page.on("websocket", on_socket)
        pages.append(console)
        page.goto(server.base_url + "/")
        page.wait_for_selector("body[data-ready=true]")
        return console

    yield opener
    for console in pages:
        console.browser.close()


def _text(frame: Any) -> str:
    return frame if isinstance(frame, str) else bytes(frame).decode("utf-8", "replace")
