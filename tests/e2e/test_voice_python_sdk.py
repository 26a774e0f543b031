"""The Live API documentation's audio examples, through google-genai, on the real models.

Speech input is made with espeak-ng (``tests/e2e/speech.py``), so each test knows
what was said; the server hears it with Silero VAD and Whisper tiny.en, answers with
SmolLM2, and speaks with Piper (English) or espeak-ng (other languages). The calls
are the ones the documentation's Python examples make: ``send_realtime_input`` with
``audio=types.Blob(..., mime_type="audio/pcm;rate=N")``, activity markers,
``audio_stream_end``, ``speech_config`` voices and languages, and replies saved to a
24 kHz WAV file with the ``wave`` module.

Whole utterances are sent at once (the server accepts audio up to 60 s ahead of real
time), except where the test is about timing: the barge-in streams its interrupting
utterance in 20 ms chunks at real-time pace, as a microphone would.
"""

from __future__ import annotations

import asyncio
import re
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from google.genai import errors, types

from openlive.engines.voices import typical_f0
from tests.e2e import speech

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the speech input; install it"),
]

MODEL = "gemini-2.0-flash-live-001"
TIMEOUT_S = 120
OUTPUT_RATE = 24_000
OUTPUT_MIME = "audio/pcm;rate=24000"

WEATHER = "What is the weather like today?"
CAT_STORY = "Please tell me a short story about a cat."

# Seconds of reply audio per character of its transcript. Measured on this server
# (8 Piper voices x 6 prompts, plus espeak-ng in German, French and Spanish):
# 0.044-0.07 s/char for English prose, as ordinary speech (12-20 characters a
# second); up to 0.15 s/char for replies full of digits and symbols, which are
# spoken as words ("12 * 13 = 198"); 0.08-0.11 s/char for short espeak-ng replies,
# whose clause pauses weigh more. Below 0.03 s/char (two thirds of the fastest
# measured) clauses went unspoken; above 0.25 s/char (1.7 times the slowest) audio
# is repeated or padded with long silences.
MIN_S_PER_CHAR = 0.03
MAX_S_PER_CHAR = 0.25


# -- helpers -------------------------------------------------------------------------


def audio_blob(pcm: bytes, rate: int) -> types.Blob:
    return types.Blob(data=pcm, mime_type=f"audio/pcm;rate={rate}")


async def stream_audio(session: Any, pcm: bytes, rate: int, chunk_ms: int = 20) -> None:
    """Send ``pcm`` in ``chunk_ms`` pieces at real-time pace, like a microphone."""
    start = time.monotonic()
    for index, chunk in enumerate(speech.chunks(pcm, rate, chunk_ms)):
        # A chunk leaves once its last sample has been recorded.
        delay = start + (index + 1) * chunk_ms / 1000 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await session.send_realtime_input(audio=audio_blob(chunk, rate))


async def collect_turn(session: Any) -> list[types.LiveServerMessage]:
    """Every message of one turn; `receive()` ends at turnComplete."""
    return [message async for message in session.receive()]


async def collect_until_reply(session: Any, max_turns: int = 5) -> list[list[types.LiveServerMessage]]:
    """Turns up to and including the first one that ends without being interrupted.

    Automatic activity detection may cut speech into several utterances; each one
    asks for a reply and interrupts the previous reply, so earlier turns can end
    ``interrupted``.
    """
    turns = []
    for _ in range(max_turns):
        turn = await collect_turn(session)
        turns.append(turn)
        if not any(m.server_content and m.server_content.interrupted for m in turn):
            return turns
    raise AssertionError(f"no reply finished in {max_turns} turns")


async def until_audio(session: Any) -> list[types.LiveServerMessage]:
    """Messages of the next turn up to its first audio."""
    messages = []
    async for message in session.receive():
        messages.append(message)
        if message.data:
            break
    return messages


async def until_heard_and_answered(
    session: Any, expected: str, heard_before: str
) -> list[types.LiveServerMessage]:
    """Messages, turn after turn, until ``expected`` has been heard and a reply to it has audio."""
    messages: list[types.LiveServerMessage] = []
    while True:
        async for message in session.receive():
            messages.append(message)
            if message.data and heard_most_of(expected, input_transcript(messages) + " " + heard_before):
                return messages


def contents(messages: list[types.LiveServerMessage]) -> list[types.LiveServerContent]:
    return [m.server_content for m in messages if m.server_content is not None]


def reply_text(messages: list[types.LiveServerMessage]) -> str:
    return "".join(m.text for m in messages if m.text is not None)


def reply_audio(messages: list[types.LiveServerMessage]) -> bytes:
    return b"".join(m.data for m in messages if m.data is not None)


def input_transcript(messages: list[types.LiveServerMessage]) -> str:
    return " ".join(c.input_transcription.text or "" for c in contents(messages) if c.input_transcription)


def output_transcript(messages: list[types.LiveServerMessage]) -> str:
    return "".join(c.output_transcription.text or "" for c in contents(messages) if c.output_transcription)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def heard_most_of(expected: str, transcript: str, share: float = 0.75) -> bool:
    """Whether ``share`` of the expected words appear in the transcript (tiny.en errs)."""
    wanted, heard = words(expected), set(words(transcript))
    return sum(w in heard for w in wanted) >= share * len(wanted)


def assert_finished_reply(turn: list[types.LiveServerMessage]) -> None:
    kinds = contents(turn)
    assert kinds and kinds[-1].turn_complete, "the turn did not end with turnComplete"
    assert any(c.generation_complete for c in kinds), "no generationComplete: the reply did not finish"
    assert not any(c.interrupted for c in kinds)


def save_wav(path: Path, messages: list[types.LiveServerMessage]) -> None:
    """Write the reply's audio as the documentation's example does."""
    wf = wave.open(str(path), "wb")
    wf.setnchannels(1)
    wf.setsampwidth(2)
    wf.setframerate(OUTPUT_RATE)
    for message in messages:
        if message.data is not None:
            wf.writeframes(message.data)
    wf.close()


def samples(pcm: bytes) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def audio_config(**extra: Any) -> dict[str, Any]:
    """AUDIO replies, capped so that a rambling one stays a few seconds of synthesis."""
    return {"response_modalities": ["AUDIO"], "max_output_tokens": 150, **extra}


async def spoken_reply(genai_client: Any, config: dict[str, Any], text: str) -> list[types.LiveServerMessage]:
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": text}]}, turn_complete=True
        )
        return await asyncio.wait_for(collect_turn(session), TIMEOUT_S)


# -- sending audio -------------------------------------------------------------------


@pytest.mark.parametrize("rate", [16_000, 44_100])
async def test_audio_in_gets_a_text_reply(genai_client: Any, rate: int) -> None:
    # The documentation's config, with a cap on the reply so that a rambling one
    # cannot take half a minute.
    config = {"response_modalities": ["TEXT"], "max_output_tokens": 60}
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(audio=audio_blob(speech.speak(WEATHER, rate), rate))
        messages = await asyncio.wait_for(collect_turn(session), TIMEOUT_S)

    assert reply_text(messages).strip(), "no text reply to the spoken question"
    assert_finished_reply(messages)
    usage = messages[-1].usage_metadata
    assert usage is not None and usage.prompt_tokens_details
    prompt = {d.modality: d.token_count for d in usage.prompt_tokens_details}
    # 32 tokens a second of user audio: about 2 s of speech here.
    assert 20 <= (prompt.get(types.MediaModality.AUDIO) or 0) <= 150, prompt


@pytest.mark.parametrize(
    ("sentence", "rate"),
    [
        (WEATHER, 16_000),
        (CAT_STORY, 44_100),
        ("How many days are there in a week?", 48_000),
    ],
)
async def test_input_audio_transcription(genai_client: Any, sentence: str, rate: int) -> None:
    config = {"response_modalities": ["TEXT"], "input_audio_transcription": {}, "max_output_tokens": 40}
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(audio=audio_blob(speech.speak(sentence, rate), rate))
        messages = await asyncio.wait_for(collect_turn(session), TIMEOUT_S)

    transcript = input_transcript(messages)
    assert heard_most_of(sentence, transcript), f"said {sentence!r}, transcribed {transcript!r}"
    assert reply_text(messages).strip()


# -- receiving audio -----------------------------------------------------------------


async def test_audio_reply_saved_as_wav_with_its_transcription(genai_client: Any, tmp_path: Path) -> None:
    messages = await spoken_reply(
        genai_client, audio_config(output_audio_transcription={}), "Hello? Gemini are you there?"
    )
    assert_finished_reply(messages)
    parts = [p for c in contents(messages) if c.model_turn for p in c.model_turn.parts or []]
    assert parts and {p.inline_data.mime_type if p.inline_data else p.text for p in parts} == {OUTPUT_MIME}

    path = tmp_path / "audio.wav"
    save_wav(path, messages)
    pcm = reply_audio(messages)
    assert pcm and len(pcm) % 2 == 0
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, OUTPUT_RATE)
        assert wav.readframes(wav.getnframes()) == pcm
    audio = samples(pcm)
    assert float(np.sqrt(np.mean(audio**2))) > 0.01, "the reply audio is silent"

    transcript = output_transcript(messages)
    assert transcript.strip(), "output_audio_transcription is on but no transcription came"
    seconds = len(pcm) / 2 / OUTPUT_RATE
    per_char = seconds / len(transcript)
    assert MIN_S_PER_CHAR <= per_char <= MAX_S_PER_CHAR, (
        f"{seconds:.2f} s of audio for {len(transcript)} characters: {transcript!r}"
    )
    usage = messages[-1].usage_metadata
    assert usage is not None and usage.response_tokens_details
    response = {d.modality: d.token_count for d in usage.response_tokens_details}
    assert response == {types.MediaModality.AUDIO: round(seconds * 32)}


def voice_config(name: str) -> dict[str, Any]:
    return audio_config(
        output_audio_transcription={},
        temperature=0.0,
        seed=1,
        speech_config=types.SpeechConfig(
            voice_config=types.VoiceConfig(prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=name))
        ),
    )


async def test_voices_sound_different(genai_client: Any) -> None:
    prompt = "Hello how are you?"
    kore, charon = await asyncio.gather(
        spoken_reply(genai_client, voice_config("Kore"), prompt),
        spoken_reply(genai_client, voice_config("Charon"), prompt),
    )
    kore_pcm, charon_pcm = reply_audio(kore), reply_audio(charon)
    assert kore_pcm and charon_pcm
    kore_f0, charon_f0 = (
        typical_f0(samples(kore_pcm), OUTPUT_RATE),
        typical_f0(samples(charon_pcm), OUTPUT_RATE),
    )
    # Kore is set 1.86 times Charon's pitch; measured about 1.8 (110-140 Hz against
    # 63-78 Hz on three replies). Two renderings of one voice differ by a few per cent.
    assert kore_f0 > 1.35 * charon_f0 > 0, f"Kore {kore_f0:.0f} Hz, Charon {charon_f0:.0f} Hz"


async def test_german_is_spoken(genai_client: Any) -> None:
    config = audio_config(
        output_audio_transcription={}, speech_config=types.SpeechConfig(language_code="de-DE")
    )
    messages = await spoken_reply(genai_client, config, "Hallo, wie geht es dir?")
    assert_finished_reply(messages)
    pcm = reply_audio(messages)
    assert pcm and len(pcm) % 2 == 0
    assert float(np.sqrt(np.mean(samples(pcm) ** 2))) > 0.01
    transcript = output_transcript(messages)
    assert transcript.strip()
    assert MIN_S_PER_CHAR <= len(pcm) / 2 / OUTPUT_RATE / len(transcript) <= MAX_S_PER_CHAR


# What a listener must never hear read out: emphasis, headings, code, links, tables, emoji.
MARKUP = re.compile(r"[*#`\[\]|_~]|\]\(|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


async def test_markdown_is_not_spoken(genai_client: Any) -> None:
    prompt = "Give me a bulleted list of three fruits with bold names, and the price of each in dollars."
    text_config = {"response_modalities": ["TEXT"], "max_output_tokens": 150, "temperature": 0.0, "seed": 1}
    written, spoken = await asyncio.gather(
        spoken_reply(genai_client, text_config, prompt),
        spoken_reply(genai_client, voice_config("Kore"), prompt),
    )
    assert_finished_reply(spoken)
    transcript = output_transcript(spoken)
    assert transcript.strip() and reply_audio(spoken)
    # The same model writes markup when asked in a TEXT session (the condition this test is
    # about); what is spoken, and transcribed, has none of it.
    print(f"written: {reply_text(written)!r}\nspoken: {transcript!r}")
    assert not MARKUP.search(transcript), transcript


async def test_unknown_voice_is_refused(genai_client: Any) -> None:
    with pytest.raises(errors.APIError) as caught:
        async with genai_client.aio.live.connect(model=MODEL, config=voice_config("Nobody")) as session:
            await asyncio.wait_for(session._receive(), TIMEOUT_S)
    assert caught.value.code == 1007
    # The close reason names the bad voice and starts the list of good ones (a
    # WebSocket close reason holds at most 123 bytes, so the list is cut short).
    assert "Nobody" in str(caught.value) and "Puck" in str(caught.value)


# -- interruptions and activity detection --------------------------------------------


async def test_barge_in_interrupts_the_spoken_reply(genai_client: Any) -> None:
    config = audio_config(
        system_instruction="You are a storyteller. Always answer with a long story of many paragraphs.",
        max_output_tokens=1000,
        # Deterministic: this prompt gives a story that takes about 40 s to generate,
        # so the reply is still being generated when the user talks over it.
        temperature=0.0,
        seed=1,
        input_audio_transcription={},
    )
    interruption = "Stop. What time is it?"
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(
            audio=audio_blob(speech.speak("Please tell me a long story about a dragon.", 16_000), 16_000)
        )
        barge_in: asyncio.Task[None] | None = None

        async def first_turn() -> list[types.LiveServerMessage]:
            nonlocal barge_in
            messages = []
            async for message in session.receive():
                messages.append(message)
                if message.data and barge_in is None:
                    # The reply is being spoken: talk over it, in real time.
                    barge_in = asyncio.create_task(
                        stream_audio(session, speech.speak(interruption, 16_000), 16_000)
                    )
            return messages

        try:
            interrupted_turn = await asyncio.wait_for(first_turn(), TIMEOUT_S)
            assert barge_in is not None, "the reply had no audio"
            await asyncio.wait_for(barge_in, TIMEOUT_S)
            # The reply to the interruption would be a long story too: its first audio will do.
            # Its two sentences may be two turns (espeak-ng pauses 380 ms after "Stop.",
            # longer than the default 300 ms of silence that ends a turn): read on until
            # all of it has been heard.
            next_turn = await asyncio.wait_for(
                until_heard_and_answered(session, interruption, input_transcript(interrupted_turn)), TIMEOUT_S
            )
        finally:
            if barge_in is not None:
                barge_in.cancel()

    kinds = contents(interrupted_turn)
    flags = [i for i, c in enumerate(kinds) if c.interrupted]
    assert flags, "no interrupted while the user talked over the reply"
    assert kinds[-1].turn_complete and flags[0] < len(kinds) - 1
    assert not any(c.generation_complete for c in kinds), (
        "an interrupted reply must not be generation-complete"
    )
    assert not any(c.model_turn for c in kinds[flags[0] :]), "reply audio arrived after interrupted"
    assert reply_audio(interrupted_turn)
    # The interrupting utterance is heard and answered.
    assert heard_most_of(interruption, input_transcript(next_turn) + " " + input_transcript(interrupted_turn))
    assert reply_audio(next_turn)


@pytest.mark.parametrize(
    ("said", "word"),
    [
        ("Okay.", "okay"),  # in the backchannel word list
        ("That's so cool.", "cool"),  # not in it: the listener judge's probe decides
    ],
)
async def test_a_backchannel_does_not_interrupt_the_spoken_reply(
    genai_client: Any, said: str, word: str
) -> None:
    config = audio_config(
        system_instruction="You are a storyteller. Always answer with a long story of many paragraphs.",
        max_output_tokens=1000,
        temperature=0.0,
        seed=1,
        input_audio_transcription={},
    )
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(
            audio=audio_blob(speech.speak("Please tell me a long story about a dragon.", 16_000), 16_000)
        )
        backchannel: asyncio.Task[None] | None = None
        audio_after: list[bytes] = []

        async def first_turn() -> list[types.LiveServerMessage]:
            nonlocal backchannel
            messages = []
            async for message in session.receive():
                messages.append(message)
                if message.data and backchannel is None:
                    # The reply is being spoken: say it, in real time, then stay silent.
                    pcm = speech.speak(said, 16_000) + bytes(2 * 16_000 * 2)
                    backchannel = asyncio.create_task(stream_audio(session, pcm, 16_000))
                elif message.data and backchannel is not None and backchannel.done():
                    audio_after.append(message.data)
                if len(audio_after) >= 5 and word in input_transcript(messages).lower():
                    return messages  # the backchannel was heard, and the reply went on
            return messages

        try:
            turn = await asyncio.wait_for(first_turn(), TIMEOUT_S)
        finally:
            if backchannel is not None:
                backchannel.cancel()

    assert backchannel is not None, "the reply had no audio"
    assert not any(c.interrupted for c in contents(turn)), "a backchannel interrupted the reply"
    assert audio_after, "the reply did not go on after the backchannel"
    # The backchannel was heard (sent as an input transcription), and is no turn of its own.
    assert word in input_transcript(turn).lower()


async def test_configured_automatic_activity_detection(genai_client: Any) -> None:
    config = {
        "response_modalities": ["TEXT"],
        "max_output_tokens": 40,
        "realtime_input_config": {
            "automatic_activity_detection": {
                "disabled": False,
                "start_of_speech_sensitivity": types.StartSensitivity.START_SENSITIVITY_LOW,
                "end_of_speech_sensitivity": types.EndSensitivity.END_SENSITIVITY_LOW,
                "prefix_padding_ms": 20,
                "silence_duration_ms": 100,
            }
        },
    }
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(audio=audio_blob(speech.speak(WEATHER, 16_000), 16_000))
        turns = await asyncio.wait_for(collect_until_reply(session), TIMEOUT_S)
    assert reply_text(turns[-1]).strip()
    assert_finished_reply(turns[-1])


async def test_disabled_activity_detection_with_activity_markers(genai_client: Any) -> None:
    config = {
        "response_modalities": ["TEXT"],
        "realtime_input_config": {
            "automatic_activity_detection": {"disabled": True},
            "activity_handling": "NO_INTERRUPTION",
        },
        "input_audio_transcription": {},
        "max_output_tokens": 40,
    }
    said = f"{WEATHER} {CAT_STORY}"
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(activity_start=types.ActivityStart())
        await session.send_realtime_input(audio=audio_blob(speech.speak(said, 16_000), 16_000))
        await session.send_realtime_input(activity_end=types.ActivityEnd())
        messages = await asyncio.wait_for(collect_turn(session), TIMEOUT_S)

    kinds = contents(messages)
    heard = [i for i, c in enumerate(kinds) if c.input_transcription]
    replied = [i for i, c in enumerate(kinds) if c.model_turn]
    assert heard and replied and heard[0] < replied[0], "the transcription must come before the reply"
    # The markers, not pauses, delimit the utterance: both sentences are one turn.
    transcript = input_transcript(messages)
    assert heard_most_of(said, transcript), transcript
    assert_finished_reply(messages)


async def test_audio_stream_end_flushes_the_utterance(genai_client: Any) -> None:
    config = {"response_modalities": ["TEXT"], "input_audio_transcription": {}, "max_output_tokens": 40}
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        # The microphone is switched off mid-stream: no trailing silence for the
        # activity detection to end the utterance on.
        await session.send_realtime_input(audio=audio_blob(speech.speak(WEATHER, 16_000, tail_s=0), 16_000))
        await session.send_realtime_input(audio_stream_end=True)
        messages = await asyncio.wait_for(collect_turn(session), TIMEOUT_S)
    assert heard_most_of(WEATHER, input_transcript(messages)), input_transcript(messages)
    assert reply_text(messages).strip()
    assert_finished_reply(messages)


async def test_audio_stream_end_separates_utterances(genai_client: Any) -> None:
    # Two sentences with only 0.3 s between them are one utterance; audioStreamEnd
    # between them ends the first, so each is heard on its own.
    config = {"response_modalities": ["TEXT"], "input_audio_transcription": {}, "max_output_tokens": 40}
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(audio=audio_blob(speech.speak(WEATHER, 16_000, tail_s=0), 16_000))
        await session.send_realtime_input(audio_stream_end=True)
        await session.send_realtime_input(audio=audio_blob(speech.speak(CAT_STORY, 16_000), 16_000))
        # The second sentence may interrupt the first reply or, held while it is heard,
        # come after that reply has finished: read on until both are heard and answered.
        turns: list[list[types.LiveServerMessage]] = []
        transcripts: list[str] = []
        while len(transcripts) < 2 and len(turns) < 6:
            turns += await asyncio.wait_for(collect_until_reply(session), TIMEOUT_S)
            transcripts = [
                c.input_transcription.text or ""
                for turn in turns
                for c in contents(turn)
                if c.input_transcription
            ]
    assert len(transcripts) == 2, transcripts
    assert heard_most_of(WEATHER, transcripts[0]) and "cat" not in words(transcripts[0]), transcripts
    assert heard_most_of(CAT_STORY, transcripts[1]) and "weather" not in words(transcripts[1]), transcripts
    assert reply_text(turns[-1]).strip()
