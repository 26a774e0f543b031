"""Log lines: no credential anywhere, one line per record whatever a client sent."""

from __future__ import annotations

import io
import json
import logging

import pytest

from openlive.server.logs import escape_controls, log_handler, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            '127.0.0.1:5 - "WebSocket /ws/x.BidiGenerateContent?key=AIzaSyA-secret_1" [accepted]',
            "AIzaSyA-secret_1",
        ),
        ("/ws/x?alt=json&key=s3cr3t-value&other=1", "s3cr3t-value"),
        ("/ws/x?KEY=UpperCase123", "UpperCase123"),
        ("/ws/x?access_token=auth_tokens/abcDEF123_-xyz", "abcDEF123_-xyz"),
        ("//ws/x?access_token=auth_tokens%2Fencoded999", "encoded999"),
        ("/ws/x%3Fkey%3Dpercent-encoded-key", "percent-encoded-key"),
        ("headers: {'x-goog-api-key': 'header-key-123'}", "header-key-123"),
        ("[(b'authorization', b'Token auth_tokens/tok-in-header-1')]", "tok-in-header-1"),
        ("Authorization: Bearer bearer-secret-99", "bearer-secret-99"),
        ("token auth_tokens/Zm9vYmFyYmF6cXV4 expired", "Zm9vYmFyYmF6cXV4"),
        ("store redis://:redis-pass-1@10.0.0.2:6379/0", "redis-pass-1"),
        ("LLM server http://user:llm-pass-2@vllm:8000/v1", "llm-pass-2"),
    ],
)
def test_credentials_are_masked(text: str, secret: str) -> None:
    masked = redact(text)
    assert secret not in masked
    assert "<redacted>" in masked


def test_ordinary_text_is_left_alone() -> None:
    text = "session opened from 127.0.0.1 (2 open); keyboard=1 monkey=2 tokens used: 40"
    assert redact(text) == text


def test_control_characters_are_escaped_onto_one_line() -> None:
    escaped = escape_controls("a\nb\r\x1b[31mc\x00\u2028d\udfff")
    assert escaped == "a\\nb\\r\\x1b[31mc\\x00\\u2028d\\udfff"
    assert "\n" not in escaped


def _emit(handler: logging.Handler, message: str, *args: object, exc: BaseException | None = None) -> None:
    logger = logging.getLogger("openlive.test_logs")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    if exc is None:
        logger.info(message, *args)
    else:
        try:
            raise exc
        except type(exc):
            logger.exception(message, *args)


@pytest.mark.parametrize("as_json", [False, True])
def test_the_serve_handler_masks_and_escapes(as_json: bool) -> None:
    stream = io.StringIO()
    _emit(log_handler(as_json, stream), "field %r from /ws?key=%s", "bad\nERROR forged", "the-key-123")
    _emit(
        log_handler(as_json, stream),
        "failed",
        exc=RuntimeError("cannot open wss://h/ws?access_token=auth_tokens/leaked-in-traceback"),
    )
    out = stream.getvalue()
    assert "the-key-123" not in out and "leaked-in-traceback" not in out
    lines = out.splitlines()
    assert not any(line.startswith("ERROR forged") for line in lines)
    if as_json:
        records = [json.loads(line) for line in lines]
        assert records[0]["message"].startswith("field 'bad\\nERROR forged'")
        assert "RuntimeError" in records[1]["error"]
    else:
        assert "Traceback" in out  # tracebacks keep their lines


@pytest.mark.parametrize(
    "url",
    [
        "/ws/x?%6Bey=SECRET-1",
        "/ws/x?alt=sse&k%65y=SECRET-1",
        "/ws/x?%61ccess_token=SECRET-1&x=1",
        "/ws/x?api%5Fkey=SECRET-1",
        "/ws/x?%4B%45%59=SECRET-1",
    ],
)
def test_a_credential_under_a_percent_encoded_name_is_masked(url: str) -> None:
    # Query names are decoded before they are read: %6Bey is the key parameter.
    assert "SECRET-1" not in redact(url)


def test_other_percent_encoded_names_are_left_alone() -> None:
    assert redact("/ws/x?x%41=visible&b=2") == "/ws/x?x%41=visible&b=2"
