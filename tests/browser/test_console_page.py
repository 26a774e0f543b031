"""The console page itself: keyboard use, accessible names, 200 % zoom, push to talk,
the password prompt, plain http on localhost, and the worklet's resampler."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import CONSOLE_PASSWORD, ConsolePage
from tests.browser.media import write_speech_wav
from tests.e2e.conftest import LiveServer
from tests.e2e.speech import available as espeak_available

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Roles of the controls a person operates; each must have an accessible name.
CONTROL_ROLES = ("button", "checkbox", "combobox", "radio", "textbox", "spinbutton", "slider", "meter")


def test_every_control_has_an_accessible_name(text_server: LiveServer, open_console: Any) -> None:
    console = open_console(text_server)
    console.page.locator("details summary").click()  # the VAD settings, folded by default
    snapshot = console.page.locator("body").aria_snapshot()
    controls = [
        line.strip()
        for line in snapshot.splitlines()
        if re.match(rf"^\s*- ({'|'.join(CONTROL_ROLES)})\b", line)
    ]
    assert len(controls) >= 20, snapshot
    unnamed = [line for line in controls if not re.match(r'^- \w+ "[^"]+"', line)]
    assert not unnamed, f"controls without an accessible name: {unnamed}\n{snapshot}"
    for name in ("Model", "Voice", "Language", "Start of speech sensitivity", "Message"):
        assert f'"{name}"' in snapshot, snapshot


def test_keyboard_alone_connects_and_sends_text_over_plain_http(
    text_server: LiveServer, open_console: Any
) -> None:
    assert text_server.base_url.startswith("http://localhost")
    console = open_console(text_server)
    page = console.page
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "connect":
            break
    else:
        pytest.fail("Tab never reached the Connect button")
    page.keyboard.press("Enter")
    console.wait_for("state.status === 'open'", 60)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "text":
            break
    else:
        pytest.fail("Tab never reached the message box")
    page.keyboard.type("Hello, who are you?")
    page.keyboard.press("Enter")
    console.wait_for("state.turns.some((t) => t.complete && t.model.trim())", 120)
    turn = console.state()["turns"][-1]
    assert turn["user"] == "Hello, who are you?" and turn["latencyMs"] is not None, console.describe()
    # The page itself is served with a policy that keeps it to its own origin.
    response = page.request.get(text_server.base_url + "/")
    assert "connect-src 'self'" in response.headers["content-security-policy"]


def test_readable_at_200_percent_zoom(text_server: LiveServer, open_console: Any) -> None:
    # A 1280x900 window at 200 % zoom: 640x450 CSS pixels, each drawn as 2x2.
    console = open_console(text_server, viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page = console.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, textarea, h1, h2, label')]
            .filter((e) => e.offsetParent !== null)
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => e.id || e.textContent.trim())"""
    )
    assert not overflowing, overflowing
    console.connect()
    console.screenshot("zoom-200")


def test_password_prompt_for_a_browser_off_this_machine(
    password_server: LiveServer, open_console: Any
) -> None:
    # A proxy's forwarding header: the server must treat the page as remote.
    console = open_console(password_server, extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
    page = console.page
    password = page.get_by_label("Console password")
    assert password.is_visible(), console.describe()
    assert "password" in console.state()["alert"], console.describe()
    password.fill("not-the-password")
    page.get_by_role("button", name="Connect", exact=True).click()
    console.wait_for("state.alert.includes('password is wrong')", 30)
    assert console.state()["status"] != "open"
    password.fill(CONSOLE_PASSWORD)
    console.connect()
    assert CONSOLE_PASSWORD not in password_server.log()


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the spoken input")
def test_push_to_talk_from_the_keyboard(voice_server: LiveServer, open_console: Any, tmp_path: Any) -> None:
    wav = write_speech_wav(tmp_path / "hello.wav", ("Hello there.", 1.0))
    console = open_console(voice_server, microphone=wav)
    page = console.page
    page.get_by_role("radio", name="Push to talk").check()
    console.connect()
    talk = page.get_by_role("button", name="Hold to talk")
    talk.focus()
    page.wait_for_timeout(500)
    assert _audio_sent(console) == 0, "audio went out before the button was held"
    page.keyboard.down("Space")
    console.wait_for("state.pttHeld && state.audioChunksSent > 20", 10)
    page.keyboard.up("Space")
    console.wait_for("!state.pttHeld", 5)
    sent = console.sent_messages()
    setup = next(m["setup"] for m in sent if "setup" in m)
    assert setup["realtimeInputConfig"]["automaticActivityDetection"]["disabled"] is True
    kinds = [next(iter(m["realtimeInput"])) for m in sent if "realtimeInput" in m]
    assert kinds[0] == "activityStart" and kinds[-1] == "activityEnd" and "audio" in kinds, kinds
    held = _audio_sent(console)
    page.wait_for_timeout(500)
    assert _audio_sent(console) == held, "audio went on after the button was released"


def _audio_sent(console: ConsolePage) -> int:
    return sum(1 for m in console.sent_messages() if "audio" in m.get("realtimeInput", {}))


def test_player_flush_drops_what_is_queued(text_server: LiveServer, open_console: Any) -> None:
    console = open_console(text_server)
    result = console.page.evaluate(
        """async () => {
            const { Player } = await import('/console/audio.js');
            const reports = [];
            const player = new Player((report) => reports.push(report));
            await player.start();
            // Two seconds of a quiet tone, as the server sends it: 16-bit PCM at 24 kHz.
            const pcm = Int16Array.from({ length: 48000 }, (_, i) => 1000 * Math.sin(i / 10));
            const received = player.play(new Uint8Array(pcm.buffer), 24000);
            await new Promise((r) => setTimeout(r, 300));
            player.flush();
            await new Promise((r) => setTimeout(r, 500));
            player.stop();
            const flushed = reports.find((r) => r.flushed);
            return { received, flushed, last: reports.at(-1) };
        }"""
    )
    assert result["received"] == 48_000, result
    flushed, last = result["flushed"], result["last"]
    assert flushed is not None and flushed["queued"] == 0, result
    # Some played before the flush, the rest never did.
    assert 0 < flushed["played"] < 48_000 and last["played"] < 48_000 and last["queued"] == 0, result


@pytest.mark.parametrize("rate", [48_000, 44_100])
def test_capture_resampler_keeps_speech_and_drops_what_would_fold(
    text_server: LiveServer, open_console: Any, rate: int
) -> None:
    console = open_console(text_server)
    result = console.page.evaluate(
        """async (rate) => {
            const { Downsampler } = await import('/console/resample.js');
            const tone = (hz, seconds) => Float32Array.from({ length: rate * seconds },
                (_, i) => 0.5 * Math.sin(2 * Math.PI * hz * i / rate));
            const rms = (x) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
            const run = (hz) => {
                const d = new Downsampler(rate, 16000);
                const input = tone(hz, 1);
                const out = [];
                // Fed in the worklet's 128-sample blocks.
                for (let i = 0; i < input.length; i += 128) {
                    out.push(...d.process(input.subarray(i, i + 128)));
                }
                const settled = Float32Array.from(out.slice(1600));
                let crossings = 0;
                for (let i = 1; i < settled.length; i++) {
                    if (settled[i - 1] < 0 !== settled[i] < 0) crossings++;
                }
                const heard = crossings / 2 / (settled.length / 16000);
                return { length: out.length, rms: rms(settled), hz: heard };
            };
            return { speech: run(1000), fold: run(12000) };
        }""",
        rate,
    )
    speech, fold = result["speech"], result["fold"]
    assert abs(speech["length"] - 16_000) <= 2, result
    assert abs(speech["hz"] - 1000) < 10, result
    assert abs(speech["rms"] - 0.5 / 2**0.5) < 0.02, result
    # 12 kHz would fold to 4 kHz at 16 kHz: at least 20 dB down.
    assert fold["rms"] < speech["rms"] / 10, result
