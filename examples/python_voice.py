"""Talk to openlive: your voice in, its voice out, with both sides transcribed.

With a microphone and speakers (pip install sounddevice; Linux also needs
`apt-get install libportaudio2`):

    export SSL_CERT_FILE=$(.venv/bin/openlive cert)
    .venv/bin/python examples/python_voice.py

Without them, or to script it, send a WAV file and get the reply as a WAV file:

    espeak-ng -w question.wav "What is the capital of France?"
    .venv/bin/python examples/python_voice.py question.wav reply.wav

The server is at OPENLIVE_BASE_URL (default https://localhost:8443); the key is
GEMINI_API_KEY (any key is accepted by a server with no keys configured).
"""

from __future__ import annotations

import asyncio
import os
import sys
import wave
from typing import Any

from google import genai
from google.genai import types

IN_RATE = 16_000  # what we send: 16-bit mono PCM (the server takes any rate it is told)
OUT_RATE = 24_000  # what the server sends back
CHUNK_S = 0.04

client = genai.Client(
    api_key=os.environ.get("GEMINI_API_KEY", "any-key-on-loopback"),
    http_options={"base_url": os.environ.get("OPENLIVE_BASE_URL", "https://localhost:8443")},
)
model = "gemini-2.0-flash-live-001"
config: dict[str, Any] = {
    "response_modalities": ["AUDIO"],
    "speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}},
    "input_audio_transcription": {},
    "output_audio_transcription": {},
}


def show(message: types.LiveServerMessage) -> None:
    """Print what was heard and what is being said, as it comes."""
    content = message.server_content
    if content is None:
        return
    if content.input_transcription and content.input_transcription.text:
        print(f"you: {content.input_transcription.text}", flush=True)
    if content.output_transcription and content.output_transcription.text:
        print(f"openlive: {content.output_transcription.text}", flush=True)
    if content.interrupted:
        print("(interrupted)", flush=True)


async def from_files(source: str, target: str) -> None:
    """Send a WAV file as if spoken, write the spoken reply to a WAV file."""
    with wave.open(source, "rb") as wav:
        if wav.getsampwidth() != 2:
            sys.exit(f"{source}: need 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
        rate, channels = wav.getframerate(), wav.getnchannels()
        pcm = wav.readframes(wav.getnframes())
    if channels > 1:  # keep the first channel
        frame = 2 * channels
        pcm = b"".join(pcm[i : i + 2] for i in range(0, len(pcm), frame))
    step = 2 * int(rate * CHUNK_S)
    reply = bytearray()
    async with client.aio.live.connect(model=model, config=config) as session:
        for start in range(0, len(pcm), step):
            blob = types.Blob(data=pcm[start : start + step], mime_type=f"audio/pcm;rate={rate}")
            await session.send_realtime_input(audio=blob)
            await asyncio.sleep(CHUNK_S)  # as fast as someone speaks
        # The microphone is off: the server ends the turn without waiting for silence.
        await session.send_realtime_input(audio_stream_end=True)
        async for message in session.receive():  # one turn, to its turnComplete
            show(message)
            if message.data:
                reply += message.data
    with wave.open(target, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(OUT_RATE)
        out.writeframes(bytes(reply))
    print(f"wrote {len(reply) / 2 / OUT_RATE:.1f} s of speech to {target}")


async def live(sd: Any) -> None:
    """Microphone to the server, the server to the speakers, until Ctrl-C."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=50)

    def captured(data: Any, _frames: int, _time: Any, _status: Any) -> None:
        # Runs on sounddevice's thread; a full queue drops audio rather than block it.
        loop.call_soon_threadsafe(lambda: chunks.full() or chunks.put_nowait(bytes(data)))

    block = int(IN_RATE * CHUNK_S)
    with (
        sd.RawInputStream(samplerate=IN_RATE, channels=1, dtype="int16", blocksize=block, callback=captured),
        sd.RawOutputStream(samplerate=OUT_RATE, channels=1, dtype="int16") as speaker,
    ):
        async with client.aio.live.connect(model=model, config=config) as session:
            print("Listening; talk, and talk over the reply to interrupt it. Ctrl-C ends.")

            async def send() -> None:
                while True:
                    data = await chunks.get()
                    blob = types.Blob(data=data, mime_type=f"audio/pcm;rate={IN_RATE}")
                    await session.send_realtime_input(audio=blob)

            sender = asyncio.create_task(send())
            try:
                while True:  # receive() ends at each turnComplete; the conversation goes on
                    async for message in session.receive():
                        show(message)
                        if message.data:
                            # Written off the event loop: the write blocks while the speaker plays.
                            await asyncio.to_thread(speaker.write, message.data)
            finally:
                sender.cancel()


def sounddevice() -> Any:
    """The sounddevice module, or None when it (or PortAudio under it) is missing."""
    try:
        import sounddevice as sd
    except (ImportError, OSError):
        return None
    return sd


def main() -> None:
    """Files if given, else microphone and speakers."""
    if len(sys.argv) == 3:
        asyncio.run(from_files(sys.argv[1], sys.argv[2]))
        return
    sd = sounddevice()
    if sd is None:
        sys.exit(
            "no microphone access: pip install sounddevice (and apt-get install libportaudio2), "
            "or pass files: python examples/python_voice.py question.wav reply.wav"
        )
    try:
        asyncio.run(live(sd))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
