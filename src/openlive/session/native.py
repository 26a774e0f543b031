"""The native-audio dialog settings of a session, and the user's tone heard in their voice.

Three settings of the Live API's native-audio models, read from the setup:

- ``proactivity.proactiveAudio``: a reply to the user's speech is first judged
  (is the speech addressed to the assistant?) and may not be made at all;
- ``generationConfig.enableAffectiveDialog``: the user's tone, heard in their
  voice against their own baseline and in their words, goes to the language model
  as a line of the system message, and the reply is spoken in a matching way;
- ``generationConfig.thinkingConfig`` (and the thinking model's name): a reasoning
  pass before the answer, within a budget of tokens.

Plain data and arithmetic, no I/O: the session uses it to shape each reply's request.
The voice features (:class:`VoiceFeatures`) are measured in the pipeline
(:mod:`openlive.pipeline.affect`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

# A thinking budget of -1 lets the model choose; it then thinks at most this long.
DYNAMIC_THINKING_TOKENS = 384
# No budget, however large, lets one reply think longer than this (a bound on work).
MAX_THINKING_TOKENS = 2048


@dataclass(frozen=True)
class ThinkingPlan:
    """A reasoning pass before the answer.

    Attributes:
        max_tokens: Most tokens of thought.
        include: Send the thoughts to the client (``includeThoughts``), as parts
            with ``thought: true``, before the answer.
    """

    max_tokens: int
    include: bool = False


@dataclass(frozen=True)
class Delivery:
    """How to speak one reply, against the voice's own way.

    Attributes:
        speed: Speaking rate against the voice's own (below 1 slower, above 1 faster);
            the synthesiser keeps the voice's pitch.
        gain: Loudness factor.
    """

    speed: float = 1.0
    gain: float = 1.0


@dataclass(frozen=True)
class NativeDialog:
    """The native-audio settings of one session.

    Attributes:
        proactive: ``proactivity.proactiveAudio``.
        affective: ``generationConfig.enableAffectiveDialog``.
        thinking: The reasoning pass before each answer; ``None`` for none.
    """

    proactive: bool = False
    affective: bool = False
    thinking: ThinkingPlan | None = None


def is_thinking_model(model: str) -> bool:
    """Whether a model name is a thinking model (thinks unless its budget is 0)."""
    return "thinking" in model


def native_dialog(raw_setup: dict[str, Any], model: str) -> NativeDialog:
    """The settings a canonical setup (camelCase, checked by the schema) asks for, for ``model``.

    The thinking model thinks by default (a dynamic budget), as the Live API's
    does; any model thinks when the setup gives it a budget other than 0 (a
    superset: the documentation lists thinking for the thinking model only).
    """
    config = raw_setup.get("generationConfig", {})
    thinking = config.get("thinkingConfig", {})
    budget = thinking.get("thinkingBudget")
    if budget is None:
        budget = -1 if is_thinking_model(model) else 0
    plan = None
    if budget != 0:
        tokens = DYNAMIC_THINKING_TOKENS if budget < 0 else min(budget, MAX_THINKING_TOKENS)
        plan = ThinkingPlan(max_tokens=tokens, include=bool(thinking.get("includeThoughts", False)))
    return NativeDialog(
        proactive=bool(raw_setup.get("proactivity", {}).get("proactiveAudio", False)),
        affective=bool(config.get("enableAffectiveDialog", False)),
        thinking=plan,
    )


# -- tone -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceFeatures:
    """What one utterance's voice measured (see :func:`openlive.pipeline.affect.measure_voice`).

    Attributes:
        pitch_hz: Median pitch of the voiced frames; 0 when none was found.
        pitch_spread: Spread of the pitch, in semitones (standard deviation).
        energy_db: Mean loudness of the speech frames, in dB below full scale.
        span_s: Seconds from the first to the last speech frame.
    """

    pitch_hz: float
    pitch_spread: float
    energy_db: float
    span_s: float


Mood = Literal["calm", "upset", "down", "cheerful"]


@dataclass(frozen=True)
class Tone:
    """The user's tone in one utterance.

    Attributes:
        mood: The label the reply adapts to.
        arousal: How much more animated than their baseline (0 is their usual).
        valence: The words' feeling: below 0 negative, above 0 positive.
    """

    mood: Mood
    arousal: float
    valence: float


# Words that carry the feeling of an utterance. Short lists of common words, not
# phrases fitted to a test set; the voice carries the rest.
_NEGATIVE = frozenset(
    "angry annoyed annoying awful broken hate hated horrible furious frustrated frustrating "
    "ridiculous terrible useless stupid wrong worst fed sick tired sad upset unacceptable "
    "again fail failed failing failure disaster ruined lost crying worried scared afraid "
    "unbelievable seriously nothing never problem problems damn hurts painful lonely".split()
)
_POSITIVE = frozenset(
    "great awesome amazing wonderful fantastic love loved excited happy glad thanks thank "
    "brilliant perfect yay wow cool nice excellent delighted thrilled celebrate won".split()
)
_WORD = re.compile(r"[a-z']+")

# A change this large against the user's own baseline counts as one unit of arousal:
# three semitones of pitch, 6 dB of loudness, a quarter faster speech.
PITCH_UNIT_ST = 3.0
ENERGY_UNIT_DB = 6.0
RATE_UNIT = 0.25
# How fast the baseline follows the user's utterances (weight of the newest).
BASELINE_WEIGHT = 0.3


@dataclass
class _Baseline:
    pitch_hz: float
    energy_db: float
    words_per_s: float
    count: int = 1


class ToneTracker:
    """The user's tone, utterance by utterance, against their own voice so far in the session."""

    def __init__(self) -> None:
        self._baseline: _Baseline | None = None

    def estimate(self, text: str, voice: VoiceFeatures | None) -> Tone:
        """The tone of an utterance of ``text`` that sounded like ``voice``; the baseline stays."""
        words = _WORD.findall(text.lower())
        negative = sum(w in _NEGATIVE for w in words)
        positive = sum(w in _POSITIVE for w in words)
        exclaims = min(text.count("!"), 2)
        valence = float(positive - negative)
        arousal = 0.5 * exclaims + 0.5 * (negative + positive > 0)
        base = self._baseline
        if voice is not None and base is not None and voice.span_s > 0:
            arousal += self._change(voice, len(words), base)
        mood: Mood = "calm"
        if valence < 0:
            mood = "down" if arousal <= -0.5 else "upset"
        elif valence > 0:
            mood = "cheerful" if arousal >= 0.0 else "calm"
        elif arousal >= 2.0:
            mood = "upset"  # a raised voice with no words to tell: to an assistant, mostly frustration
        elif arousal <= -1.5:
            mood = "down"
        return Tone(mood, round(arousal, 2), valence)

    @staticmethod
    def _change(voice: VoiceFeatures, words: int, base: _Baseline) -> float:
        change = 0.0
        if voice.pitch_hz > 0 and base.pitch_hz > 0:
            change += 12 * math.log2(voice.pitch_hz / base.pitch_hz) / PITCH_UNIT_ST
        change += (voice.energy_db - base.energy_db) / ENERGY_UNIT_DB
        if base.words_per_s > 0 and words >= 3:
            change += (words / voice.span_s / base.words_per_s - 1.0) / RATE_UNIT
        return change

    def observe(self, text: str, voice: VoiceFeatures | None) -> None:
        """Fold a committed utterance into the user's baseline."""
        if voice is None or voice.span_s <= 0:
            return
        rate = len(_WORD.findall(text.lower())) / voice.span_s
        base = self._baseline
        if base is None:
            self._baseline = _Baseline(voice.pitch_hz, voice.energy_db, rate)
            return
        w = BASELINE_WEIGHT
        if voice.pitch_hz > 0:
            old = base.pitch_hz
            base.pitch_hz = voice.pitch_hz if old <= 0 else (1 - w) * old + w * voice.pitch_hz
        base.energy_db = (1 - w) * base.energy_db + w * voice.energy_db
        base.words_per_s = (1 - w) * base.words_per_s + w * rate
        base.count += 1


# What the language model is told, and how the reply is spoken, for each mood.
_TONE_LINES: dict[Mood, str] = {
    "calm": "The user's tone of voice: calm. Answer in your usual friendly way.",
    "upset": (
        "The user's tone of voice: upset or frustrated (louder, faster or sharper than usual for them). "
        "Start by briefly acknowledging how they feel, then answer calmly, gently and reassuringly."
    ),
    "down": (
        "The user's tone of voice: low and subdued (quieter or slower than usual for them). "
        "Answer warmly and gently, with a few encouraging words."
    ),
    "cheerful": (
        "The user's tone of voice: cheerful and excited. "
        "Match their energy: answer brightly and with enthusiasm."
    ),
}
_DELIVERIES: dict[Mood, Delivery | None] = {
    "calm": None,
    "upset": Delivery(speed=0.9, gain=0.8),
    "down": Delivery(speed=0.93, gain=0.85),
    "cheerful": Delivery(speed=1.07, gain=1.0),
}


def tone_line(tone: Tone) -> str:
    """The system-message line that tells the language model the user's tone."""
    return _TONE_LINES[tone.mood]


def delivery_for(tone: Tone) -> Delivery | None:
    """How to speak a reply to a user in ``tone``; ``None`` for the voice's own way."""
    return _DELIVERIES[tone.mood]
