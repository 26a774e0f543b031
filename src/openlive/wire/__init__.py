"""The Live API wire format as data: parse client messages, build server messages.

Nothing here does I/O or awaits; feed it frames, read back messages.
"""

from openlive.wire.client import (
    Blob,
    ClientContent,
    ClientMessage,
    Content,
    GenerationConfig,
    Part,
    RealtimeInput,
    Setup,
    ToolResponse,
    parse_client_message,
)
from openlive.wire.server import ServerMessage, UsageMetadata, encode

__all__ = [
    "Blob",
    "ClientContent",
    "ClientMessage",
    "Content",
    "GenerationConfig",
    "Part",
    "RealtimeInput",
    "ServerMessage",
    "Setup",
    "ToolResponse",
    "UsageMetadata",
    "encode",
    "parse_client_message",
]
