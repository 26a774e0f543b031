"""Structured logs: every record carries the id of the session it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import time

session_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="-")


class SessionFilter(logging.Filter):
    """Adds ``session_id`` (from the running task's context) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag the record with the current session id; never drops records."""
        if not hasattr(record, "session_id"):
            record.session_id = session_id_var.get()
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
        entry.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "info", as_json: bool = False) -> None:
    """Send openlive's and uvicorn's logs to stderr, text or JSON lines."""
    handler = logging.StreamHandler()
    handler.addFilter(SessionFilter())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s session=%(session_id)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request at INFO: one line per turn with a remote engine.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
