"""The turn-taking stage: voice events in, session events and replies started ahead out.

A start of speech may interrupt the reply playing; a tentative transcript starts
the reply it would get, held unsent (:class:`~openlive.pipeline.speculation.Speculation`);
the user going on drops it; the final transcript commits the turn, and the turn
takes the reply started ahead when it asks for the same one.

Speech that starts while a reply plays goes to the barge-in guard
(:class:`~openlive.pipeline.barge_in.BargeInGuard`), when there is one: the
reply is held until the speech is heard; an interruption interrupts it, and a
backchannel or noise lets it go on and is no turn.
"""

from __future__ import annotations

from collections.abc import Callable

from openlive.pipeline.barge_in import BargeInGuard
from openlive.pipeline.events import (
    FinalTranscript,
    SpeechLasted,
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
        barge_in: Judges speech heard during a reply; ``None``: it interrupts at once.
    """

    def __init__(
        self,
        session: Session,
        responder: Responder,
        act: Callable[[list[Action]], None],
        closing: Callable[[], bool],
        barge_in: BargeInGuard | None = None,
    ) -> None:
        self._session = session
        self._responder = responder
        self._act = act
        self._closing = closing
        self.ahead = Speculation()
        self.barge_in = barge_in

    def hear(self, event: VoiceEvent) -> None:
        """Take the next event from voice in."""
        session = self._session
        guard = self.barge_in
        if isinstance(event, SpeechStarted):
            if guard is not None:
                guard.settle()  # a transcript still waiting for the listener judge goes first
            setup = session.setup
            if guard is not None and setup is not None and setup.activity.interrupts and session.generating:
                guard.started()  # maybe only "mhm": hold the reply until the speech is heard
            else:
                self._act(session.speech_started())
        elif isinstance(event, SpeechLasted):
            if guard is not None:
                guard.lasted(event.ms, event.audio)
        elif isinstance(event, TentativeTranscript):
            if guard is not None:
                guard.paused(event.text)
            # Start the reply this transcript would get; it is held until the turn claims it.
            request = (
                None
                if self._closing()
                else session.preview_reply(event.text, event.speech_s, event.language, event.voice)
            )
            if request is None:
                self.ahead.drop()
            else:
                self.ahead.start(request, self._responder.start(request))
        elif isinstance(event, SpeechResumed):
            if guard is not None:
                guard.resumed()
            self.ahead.drop()
        elif isinstance(event, FinalTranscript):
            if guard is not None:
                # Decided at once, or when the listener judge answers (bounded).
                guard.transcribed(event.text, lambda backchannel: self._transcribed(event, backchannel))
            else:
                self._transcribed(event, False)

    def _transcribed(self, event: FinalTranscript, backchannel: bool) -> None:
        session = self._session
        if backchannel:
            # A backchannel or noise: the reply goes on; it is no turn.
            self._act(session.backchannel_heard(event.text, event.speech_s))
            return
        actions = session.speech_transcribed(event.text, event.speech_s, event.language, event.voice)
        self.ahead.claim(actions)  # the reply started ahead, if the turn asks for the same
        self._act(actions)

    def take(self, turn_id: int) -> Reply | None:
        """The reply started ahead that turn ``turn_id`` claimed, if any."""
        return self.ahead.take(turn_id)

    async def held(self) -> None:
        """Return when the reply may be sent (at once unless speech during it is being judged)."""
        if self.barge_in is not None:
            await self.barge_in.wait_open()

    def close(self) -> None:
        """Stop every reply held."""
        self.ahead.close()
        if self.barge_in is not None:
            self.barge_in.close()
