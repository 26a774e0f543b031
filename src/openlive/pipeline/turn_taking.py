"""The turn-taking stage: voice events in, session events and replies started ahead out.

A start of speech may interrupt the reply playing; a tentative transcript starts
the reply it would get, held unsent (:class:`~openlive.pipeline.speculation.Speculation`);
the user going on drops it; the final transcript commits the turn, and the turn
takes the reply started ahead when it asks for the same one.
"""

from __future__ import annotations

from collections.abc import Callable

from openlive.pipeline.events import (
    FinalTranscript,
    SpeechResumed,
    SpeechStarted,
    TentativeTranscript,
    VoiceEvent,
)
from openlive.pipeline.reply import Reply
from openlive.pipeline.responder import Responder
from openlive.pipeline.speculation import Speculation
from openlive.session import Action, Session


class TurnTaking:
    """Decides, from the voice events, when the user's turn starts and ends.

    Args:
        session: The session the events go to.
        responder: Starts replies ahead of their turn.
        act: Carries out the actions the session answers with.
        closing: Whether the connection is closing (no new work then).
    """

    def __init__(
        self,
        session: Session,
        responder: Responder,
        act: Callable[[list[Action]], None],
        closing: Callable[[], bool],
    ) -> None:
        self._session = session
        self._responder = responder
        self._act = act
        self._closing = closing
        self.ahead = Speculation()

    def hear(self, event: VoiceEvent) -> None:
        """Take the next event from voice in."""
        session = self._session
        if isinstance(event, SpeechStarted):
            self._act(session.speech_started())
        elif isinstance(event, TentativeTranscript):
            # Start the reply this transcript would get; it is held until the turn claims it.
            request = (
                None if self._closing() else session.preview_reply(event.text, event.speech_s, event.language)
            )
            if request is None:
                self.ahead.drop()
            else:
                self.ahead.start(request, self._responder.start(request))
        elif isinstance(event, SpeechResumed):
            self.ahead.drop()
        elif isinstance(event, FinalTranscript):
            actions = session.speech_transcribed(event.text, event.speech_s, event.language)
            self.ahead.claim(actions)  # the reply started ahead, if the turn asks for the same
            self._act(actions)

    def take(self, turn_id: int) -> Reply | None:
        """The reply started ahead that turn ``turn_id`` claimed, if any."""
        return self.ahead.take(turn_id)

    def close(self) -> None:
        """Stop every reply held."""
        self.ahead.close()
