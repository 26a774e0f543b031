"""One exception tree for openlive, each error carrying its WebSocket close code.

Foreign errors (from JSON parsing, engines, sockets) are mapped to these at the
boundary where they happen, so the connection layer only ever has to turn an
``OpenliveError`` into a close frame.
"""

from __future__ import annotations

# Close codes the Live API uses (RFC 6455 numbers).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_INVALID_ARGUMENT = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN_LATER = 1013

# A close frame's reason must fit in 123 bytes of UTF-8.
MAX_REASON_BYTES = 123


class OpenliveError(Exception):
    """Base of every error openlive raises on purpose.

    Attributes:
        close_code: The WebSocket close code a session ends with for this error.
        reason: A short, human-actionable explanation sent as the close reason.
    """

    close_code: int = CLOSE_INTERNAL

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def close_reason(self) -> str:
        """The reason, cut to fit a close frame (123 bytes of UTF-8)."""
        return truncate_reason(self.reason)


class InvalidArgument(OpenliveError):
    """The client sent something malformed or not allowed (close 1007)."""

    close_code = CLOSE_INVALID_ARGUMENT


class NotSupportedYet(InvalidArgument):
    """A documented field that this server does not implement yet (close 1007)."""


class PolicyViolation(OpenliveError):
    """Authentication failed, or the request breaks a server policy (close 1008)."""

    close_code = CLOSE_POLICY


class MessageTooBig(OpenliveError):
    """A client message exceeds the configured size limit (close 1009)."""

    close_code = CLOSE_TOO_BIG


class ServerBusy(OpenliveError):
    """The server has no room for another session now (close 1013)."""

    close_code = CLOSE_TRY_AGAIN_LATER


class EngineError(OpenliveError):
    """A model engine failed while serving a request (close 1011)."""

    close_code = CLOSE_INTERNAL


class ConfigError(OpenliveError):
    """The server's own configuration is invalid; raised before serving."""


def truncate_reason(reason: str) -> str:
    r"""Cut a close reason to the 123 bytes a close frame allows, on a character boundary.

    A lone UTF-16 surrogate cannot be encoded as UTF-8, so a close frame holding one
    could not be sent at all; any that reach here are written as ``\udfff`` escapes.
    """
    encoded = reason.encode("utf-8", errors="backslashreplace")
    if len(encoded) <= MAX_REASON_BYTES:
        return encoded.decode("utf-8")
    cut = encoded[: MAX_REASON_BYTES - 3].decode("utf-8", errors="ignore")
    return cut + "..."


class ContextWindowExceeded(InvalidArgument):
    """The conversation no longer fits the model's context window (close 1007)."""
