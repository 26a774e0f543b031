"""The conversation as a state machine. No I/O, no await.

Feed it client messages (``receive``) and generation events (``generation_text``,
``generation_done``); it answers with :data:`Action` values for the connection
layer to carry out: messages to send, generations to start or cancel, a close.
Like the protocol core of ``websockets``, it can be tested by feeding it inputs
and reading what comes out.
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams
from openlive.errors import InvalidArgument, NotSupportedYet
from openlive.session.history import History, Turn
from openlive.wire import server as msg
from openlive.wire.client import ClientContent, ClientMessage, RealtimeInput, Setup, ToolResponse


class State(enum.Enum):
    """Where a session is in its life."""

    AWAITING_SETUP = "awaiting_setup"
    ACTIVE = "active"
    CLOSED = "closed"


@dataclass(frozen=True)
class Send:
    """Send this message to the client."""

    message: msg.ServerMessage


@dataclass(frozen=True)
class StartGeneration:
    """Start generating a reply; report back with the same ``turn_id``."""

    turn_id: int
    model: str
    messages: tuple[ChatMessage, ...]
    params: SamplingParams


@dataclass(frozen=True)
class CancelGeneration:
    """Stop the generation of ``turn_id`` and drop whatever it still produces."""

    turn_id: int


Action = Send | StartGeneration | CancelGeneration

# Resolves the model name a client asked for to the served name, or raises
# PolicyViolation naming the models this server serves.
ModelResolver = Callable[[str], str]


@dataclass(frozen=True)
class SessionLimits:
    """Per-session bounds.

    Attributes:
        max_history_chars: Text the history may hold before the session is refused
            more; bounds memory for clients that only add context.
        max_output_tokens: Cap on a reply's length when the client names none.
    """

    max_history_chars: int = 1_000_000
    max_output_tokens: int = 1024


@dataclass
class _Generation:
    turn_id: int
    sent: list[str] = field(default_factory=list)


class Session:
    """One Live API session: setup, then turns, then closed.

    Args:
        resolve_model: Maps the client's model name to a served model name.
        limits: Per-session bounds.
        session_id: An id for logs and ``setupComplete``; random if not given.
    """

    def __init__(
        self,
        resolve_model: ModelResolver,
        limits: SessionLimits | None = None,
        session_id: str | None = None,
    ) -> None:
        self.id = session_id or uuid.uuid4().hex
        self.state = State.AWAITING_SETUP
        self.setup: Setup | None = None
        self.model: str | None = None
        self.history = History()
        self._resolve_model = resolve_model
        self._limits = limits or SessionLimits()
        self._turn_ids = itertools.count(1)
        self._generation: _Generation | None = None
        # Context that arrives while a reply is being generated joins the history
        # after that reply, so the history stays in the order things happened.
        self._deferred: list[Turn] = []
        self._reply_after_deferred = False

    @property
    def generating(self) -> bool:
        """Whether a reply is being generated now."""
        return self._generation is not None

    # -- client messages -------------------------------------------------------------

    def receive(self, message: ClientMessage) -> list[Action]:
        """Take one client message and return what to do.

        Raises:
            InvalidArgument: The message is not allowed now (close 1007).
            PolicyViolation: The model asked for is not served (close 1008).
        """
        if self.state is State.CLOSED:
            return []
        if self.state is State.AWAITING_SETUP:
            if not isinstance(message, Setup):
                raise InvalidArgument("the first message must be setup")
            return self._on_setup(message)
        if isinstance(message, Setup):
            raise InvalidArgument("setup was already received; send it only once per session")
        if isinstance(message, ClientContent):
            return self._on_client_content(message)
        if isinstance(message, RealtimeInput):
            return self._on_realtime_input(message)
        if isinstance(message, ToolResponse):
            raise NotSupportedYet("toolResponse is not supported yet by this openlive server")
        raise AssertionError(f"unhandled message {message!r}")

    def _on_setup(self, setup: Setup) -> list[Action]:
        config = setup.generation_config
        if config.response_modalities != ("TEXT",):
            raise NotSupportedYet(
                "setup.generationConfig.responseModalities "
                f"{config.response_modalities[0]} is not supported yet; use TEXT"
            )
        if config.candidate_count not in (None, 1):
            raise InvalidArgument("setup.generationConfig.candidateCount must be 1 in the Live API")
        self.model = self._resolve_model(setup.model)
        self.setup = setup
        self.state = State.ACTIVE
        return [Send(msg.setup_complete(self.id))]

    def _on_client_content(self, content: ClientContent) -> list[Action]:
        turns = []
        for index, turn in enumerate(content.turns):
            if turn.role not in ("user", "model"):
                raise InvalidArgument(
                    f"clientContent.turns[{index}].role must be user or model, not {turn.role!r}"
                )
            if turn.text:
                turns.append(Turn(role="user" if turn.role == "user" else "model", text=turn.text))
        return self._add_turns(turns, reply=content.turn_complete)

    def _on_realtime_input(self, realtime: RealtimeInput) -> list[Action]:
        if not realtime.text:
            return []
        # Realtime text is a whole user turn that asks for a reply at once.
        return self._add_turns([Turn(role="user", text=realtime.text)], reply=True)

    def _add_turns(self, turns: list[Turn], reply: bool) -> list[Action]:
        self._check_room(turns)
        actions: list[Action] = []
        if self._generation is not None:
            if not reply:
                self._deferred.extend(turns)
                return []
            # New input that asks for a reply supersedes the one being generated.
            actions += self._interrupt()
        self.history.extend(turns)
        if reply and len(self.history):
            actions.append(self._start_generation())
        elif reply:
            actions.append(Send(msg.turn_complete()))
        return actions

    def _check_room(self, turns: list[Turn]) -> None:
        added = sum(len(t.text) for t in turns) + sum(len(t.text) for t in self._deferred)
        if self.history.chars + added > self._limits.max_history_chars:
            raise InvalidArgument(
                f"session history would exceed {self._limits.max_history_chars} characters; "
                "start a new session or send a summary instead of the full context"
            )

    # -- generation ------------------------------------------------------------------

    def _start_generation(self) -> StartGeneration:
        assert self.setup is not None and self.model is not None
        generation = _Generation(turn_id=next(self._turn_ids))
        self._generation = generation
        config = self.setup.generation_config
        return StartGeneration(
            turn_id=generation.turn_id,
            model=self.model,
            messages=tuple(self.prompt()),
            params=SamplingParams(
                temperature=config.temperature,
                top_p=config.top_p,
                top_k=config.top_k,
                max_tokens=config.max_output_tokens or self._limits.max_output_tokens,
                seed=config.seed,
                presence_penalty=config.presence_penalty,
                frequency_penalty=config.frequency_penalty,
            ),
        )

    def prompt(self) -> list[ChatMessage]:
        """The chat prompt for the next reply: system instruction, then the history."""
        messages = []
        if self.setup is not None and self.setup.system_instruction is not None:
            instruction = self.setup.system_instruction.text
            if instruction:
                messages.append(ChatMessage(role="system", content=instruction))
        messages += [
            ChatMessage(role="assistant" if t.role == "model" else "user", content=t.text)
            for t in self.history
        ]
        return messages

    def generation_text(self, turn_id: int, text: str) -> list[Action]:
        """The generation of ``turn_id`` produced ``text``; stale turns are ignored."""
        generation = self._generation
        if generation is None or generation.turn_id != turn_id or not text:
            return []
        generation.sent.append(text)
        return [Send(msg.model_turn([msg.text_part(text)]))]

    def generation_done(self, turn_id: int, stats: GenerationStats) -> list[Action]:
        """The generation of ``turn_id`` ended by itself; finish the turn."""
        generation = self._generation
        if generation is None or generation.turn_id != turn_id:
            return []
        self._finish_generation(generation)
        usage = msg.UsageMetadata(
            prompt={"TEXT": stats.prompt_tokens}, response={"TEXT": stats.response_tokens}
        )
        return [Send(msg.generation_complete()), Send(msg.turn_complete(usage))]

    def _interrupt(self) -> list[Action]:
        generation = self._generation
        assert generation is not None
        self._finish_generation(generation)
        return [
            CancelGeneration(generation.turn_id),
            Send(msg.interrupted()),
            Send(msg.turn_complete()),
        ]

    def _finish_generation(self, generation: _Generation) -> None:
        # Only what the client was sent stays in the history.
        reply = "".join(generation.sent)
        if reply:
            self.history.append(Turn(role="model", text=reply))
        self.history.extend(self._deferred)
        self._deferred.clear()
        self._generation = None

    def close(self) -> list[Action]:
        """End the session; a running generation is cancelled."""
        actions: list[Action] = []
        if self._generation is not None:
            actions.append(CancelGeneration(self._generation.turn_id))
            self._generation = None
        self.state = State.CLOSED
        return actions
