"""Structured logs: every record carries the id of the session it belongs to.

Every line also passes :class:`SafeLogFilter`: credentials are masked wherever
they appear (URLs with ``?key=``/``?access_token=``, headers, token names), and
control characters in a message are escaped, so that a value a client chose (a
field name with a newline in it) cannot forge a second log line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from typing import TextIO
from urllib.parse import unquote_plus

session_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="-")


class SessionFilter(logging.Filter):
    """Adds ``session_id`` (from the running task's context) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag the record with the current session id; never drops records."""
        if not hasattr(record, "session_id"):
            record.session_id = session_id_var.get()
        return True


REDACTED = "<redacted>"

# Credentials as they appear in URLs, headers and token names. Query parameters are
# matched after ``?``, ``&`` or ``;`` (and percent-encoded ``?``), whatever their case.
_SECRET_QUERY = re.compile(
    r"(?i)((?:[?&;]|%3f|%26)(?:key|api_key|apikey|access_token|token|x-goog-api-key)(?:=|%3d))[^&#\s\"'<>]*"
)
# Any query parameter whose name is percent-encoded (``?%6Bey=``): servers decode
# names before reading them, so ``%6Bey`` is ``key``; such a value is masked when
# the decoded name is a credential's.
_ENCODED_QUERY = re.compile(r"([?&;]([^=&#\s\"'<>]*%[^=&#\s\"'<>]*)=)[^&#\s\"'<>]*")
_SECRET_NAMES = frozenset({"key", "api_key", "apikey", "access_token", "token", "x-goog-api-key"})
_SECRET_HEADER = re.compile(
    r"(?i)((?:x-goog-api-key|authorization|api-key)['\"]?\s*[:=,]\s*(?:b?['\"])?(?:(?:token|bearer|basic)\s+)?)"
    r"[^\s'\",}]+"
)
_TOKEN_NAME = re.compile(r"(auth_tokens/)[A-Za-z0-9_\-]{4,}")
# A password in a URL's user part (``redis://:pw@host``, ``http://user:pw@host``).
_URL_PASSWORD = re.compile(r"(://[^/\s@:]*:)[^/\s@]+@")
# C0 and C1 controls (tab included), the Unicode line and paragraph separators, and
# lone surrogates (which a strict UTF-8 log file could not even write).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def redact(text: str) -> str:
    """``text`` with every credential it holds replaced by ``<redacted>``."""
    text = _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    text = _ENCODED_QUERY.sub(_mask_encoded, text)
    text = _SECRET_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)
    return _TOKEN_NAME.sub(lambda m: m.group(1) + REDACTED, text)


def _mask_encoded(match: re.Match[str]) -> str:
    name = unquote_plus(match.group(2)).strip().lower()
    return match.group(1) + REDACTED if name in _SECRET_NAMES else match.group(0)


def escape_controls(text: str) -> str:
    r"""``text`` with control characters written as escapes (``\n``, ``\x1b``), on one line."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class SafeLogFilter(logging.Filter):
    """Masks credentials and escapes control characters in every record it passes.

    The message is rendered here (``msg % args``) so that values interpolated from
    clients are covered too; tracebacks keep their lines but lose their credentials.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops records."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: log it as written
            message = f"{record.msg!s} {record.args!r}"
        record.msg = escape_controls(redact(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters print exc_text when it is set, in place of exc_info.
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, session id, message, extras."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "session_id"}

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a JSON object."""
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "session": getattr(record, "session_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(
            {
                k: redact(v) if isinstance(v, str) else v
                for k, v in vars(record).items()
                if k not in self._STANDARD and k != "exc_text"
            }
        )
        if record.exc_text:
            entry["error"] = redact(record.exc_text)
        elif record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def log_handler(as_json: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """The handler ``openlive serve`` logs through: session ids, no credentials, one line per record.

    Args:
        as_json: Write JSON lines instead of text.
        stream: Where to write; stderr by default.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(SessionFilter())
    handler.addFilter(SafeLogFilter())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s session=%(session_id)s %(message)s")
        )
    return handler


def configure_logging(level: str = "info", as_json: bool = False) -> None:
    """Send openlive's and uvicorn's logs to stderr, text or JSON lines."""
    handler = log_handler(as_json)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request at INFO: one line per turn with a remote engine.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
