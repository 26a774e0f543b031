"""Build server messages in the Live API's camelCase JSON. No I/O.

Each builder returns a plain ``dict`` ready for :func:`encode`. Bytes are written
as standard base64, as the official SDKs expect.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ServerMessage = dict[str, Any]


def encode(message: ServerMessage) -> str:
    """Serialise a server message to compact JSON text."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def setup_complete(session_id: str | None = None) -> ServerMessage:
    """``setupComplete``: the session is live."""
    return {"setupComplete": {"sessionId": session_id} if session_id else {}}


def text_part(text: str) -> dict[str, Any]:
    """A text part of a model turn."""
    return {"text": text}


def inline_data_part(data: bytes, mime_type: str) -> dict[str, Any]:
    """An inline-data part (e.g. ``audio/pcm;rate=24000``) of a model turn."""
    return {"inlineData": {"mimeType": mime_type, "data": base64.b64encode(data).decode("ascii")}}


def executable_code_part(code: str) -> dict[str, Any]:
    """An ``executableCode`` part: Python the model wrote, about to run."""
    return {"executableCode": {"language": "PYTHON", "code": code}}


def code_execution_result_part(outcome: str, output: str) -> dict[str, Any]:
    """A ``codeExecutionResult`` part: how the code ran (``OUTCOME_OK``...) and what it printed."""
    return {"codeExecutionResult": {"outcome": outcome, "output": output}}


def model_turn(parts: Iterable[Mapping[str, Any]]) -> ServerMessage:
    """``serverContent.modelTurn`` with the given parts."""
    return {"serverContent": {"modelTurn": {"parts": [dict(p) for p in parts]}}}


def generation_complete() -> ServerMessage:
    """``serverContent.generationComplete``: the model has produced all of its reply."""
    return {"serverContent": {"generationComplete": True}}


def turn_complete(usage: UsageMetadata | None = None) -> ServerMessage:
    """``serverContent.turnComplete``, with the turn's ``usageMetadata`` beside it."""
    message: ServerMessage = {"serverContent": {"turnComplete": True}}
    if usage is not None:
        message["usageMetadata"] = usage.to_json()
    return message


def interrupted() -> ServerMessage:
    """``serverContent.interrupted``: the reply was cut short by the user."""
    return {"serverContent": {"interrupted": True}}


def input_transcription(text: str, finished: bool | None = None) -> ServerMessage:
    """``serverContent.inputTranscription``: what the user said."""
    return {"serverContent": {"inputTranscription": _transcription(text, finished)}}


def output_transcription(text: str, finished: bool | None = None) -> ServerMessage:
    """``serverContent.outputTranscription``: what the model said aloud."""
    return {"serverContent": {"outputTranscription": _transcription(text, finished)}}


def _transcription(text: str, finished: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if finished is not None:
        body["finished"] = finished
    return body


def grounding_metadata(metadata: Mapping[str, Any]) -> ServerMessage:
    """``serverContent.groundingMetadata``: sources behind the reply."""
    return {"serverContent": {"groundingMetadata": dict(metadata)}}


def url_context_metadata(urls: Iterable[tuple[str, str]]) -> ServerMessage:
    """``serverContent.urlContextMetadata``: each URL fetched and its retrieval status."""
    entries = [{"retrievedUrl": url, "urlRetrievalStatus": status} for url, status in urls]
    return {"serverContent": {"urlContextMetadata": {"urlMetadata": entries}}}


def tool_call(function_calls: Iterable[Mapping[str, Any]]) -> ServerMessage:
    """``toolCall``: function calls the client must answer (``id``, ``name``, ``args``)."""
    return {"toolCall": {"functionCalls": [dict(c) for c in function_calls]}}


def tool_call_cancellation(ids: Iterable[str]) -> ServerMessage:
    """``toolCallCancellation``: calls whose results are no longer wanted."""
    return {"toolCallCancellation": {"ids": list(ids)}}


def go_away(time_left_seconds: float) -> ServerMessage:
    """``goAway``: the connection ends after ``timeLeft`` (a protobuf Duration string)."""
    return {"goAway": {"timeLeft": duration(time_left_seconds)}}


def session_resumption_update(
    new_handle: str | None, resumable: bool, last_consumed_client_message_index: int | None = None
) -> ServerMessage:
    """``sessionResumptionUpdate``: a handle to resume from, or that none is valid now."""
    body: dict[str, Any] = {"resumable": resumable}
    if new_handle:
        body["newHandle"] = new_handle
    if last_consumed_client_message_index is not None:
        body["lastConsumedClientMessageIndex"] = str(last_consumed_client_message_index)
    return {"sessionResumptionUpdate": body}


def duration(seconds: float) -> str:
    """Format seconds as a protobuf JSON Duration (``"1.5s"``)."""
    text = f"{max(seconds, 0.0):.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


@dataclass
class UsageMetadata:
    """Token counts of one turn, split by modality.

    Attributes:
        prompt: Prompt tokens by modality (``TEXT``, ``AUDIO``...).
        response: Response tokens by modality.
        thoughts: Tokens of the reasoning before the answer (``thoughtsTokenCount``).
    """

    prompt: dict[str, int] = field(default_factory=dict)
    response: dict[str, int] = field(default_factory=dict)
    thoughts: int = 0

    @property
    def prompt_token_count(self) -> int:
        """All prompt tokens."""
        return sum(self.prompt.values())

    @property
    def response_token_count(self) -> int:
        """All response tokens."""
        return sum(self.response.values())

    def to_json(self) -> dict[str, Any]:
        """The ``usageMetadata`` object."""
        usage: dict[str, Any] = {
            "promptTokenCount": self.prompt_token_count,
            "responseTokenCount": self.response_token_count,
            "totalTokenCount": self.prompt_token_count + self.response_token_count + self.thoughts,
            "promptTokensDetails": _details(self.prompt),
            "responseTokensDetails": _details(self.response),
        }
        if self.thoughts:
            usage["thoughtsTokenCount"] = self.thoughts
        return usage


def _details(counts: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"modality": m, "tokenCount": n} for m, n in sorted(counts.items()) if n]
