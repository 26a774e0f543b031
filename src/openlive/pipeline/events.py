"""The typed events that pass between the stages of the voice path.

voice in (:mod:`~openlive.pipeline.voice_input`) → turn taking
(:mod:`~openlive.pipeline.turn_taking`) → responder
(:mod:`~openlive.pipeline.responder`) → pacing (:mod:`~openlive.pipeline.pacing`) → out.

- voice in emits :class:`SpeechStarted`, :class:`TentativeTranscript` (the
  speech so far, recognised during a pause), :class:`SpeechResumed` (the pause
  did not end the turn) and :class:`FinalTranscript` (the turn's words);
  the audio front end's :class:`SpeechPaused` and :class:`SpeechEnded` stay
  inside it.
- turn taking turns them into session events and replies started ahead; a
  barge-in is the session's ``CancelGeneration``, which stops the reply's tasks.
- the responder makes :data:`ReplyChunk` values: text pieces or spoken chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

from openlive.pipeline.audio_in import SpeechLasted, SpeechPaused, SpeechResumed, SpeechStarted
from openlive.pipeline.audio_in import Utterance as SpeechEnded
from openlive.pipeline.speech_out import SpokenChunk
from openlive.session.native import VoiceFeatures


@dataclass(frozen=True)
class TentativeTranscript:
    """The speech before a pause, recognised before the end of speech is committed."""

    text: str
    speech_s: float
    language: str | None = None
    voice: VoiceFeatures | None = None


@dataclass(frozen=True)
class FinalTranscript:
    """The words of a committed turn of ``speech_s`` seconds, heard in ``language``.

    ``voice`` is what its voice measured, when the session asks for affective dialog.
    """

    text: str
    speech_s: float
    language: str | None = None
    voice: VoiceFeatures | None = None


# What voice in tells turn taking.
VoiceEvent = SpeechStarted | TentativeTranscript | SpeechResumed | SpeechLasted | FinalTranscript

# What a responder makes: text pieces (a text reply) or spoken chunks.
ReplyChunk = str | SpokenChunk

__all__ = [
    "FinalTranscript",
    "ReplyChunk",
    "SpeechEnded",
    "SpeechLasted",
    "SpeechPaused",
    "SpeechResumed",
    "SpeechStarted",
    "SpokenChunk",
    "TentativeTranscript",
    "VoiceEvent",
]
