"""Speech synthesis with the espeak-ng command, for every language the Live API lists.

espeak-ng is a formant synthesizer: robotic, but small, fast, and it speaks all
thirty documented languages. Each request runs one ``espeak-ng --stdout`` process
(text on stdin, never through a shell) whose WAV stream is read and resampled to
24 kHz as it arrives; cancelling kills the process.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from openlive.audio import StreamResampler
from openlive.engines.audio_base import OUTPUT_RATE, Samples, check_rate
from openlive.engines.voices import LIVE_API_LANGUAGES, LIVE_API_VOICES, canonical_language, canonical_voice
from openlive.errors import ConfigError, EngineError

# BCP-47 code to espeak-ng voices, best first; the first one installed is used.
# espeak-ng has no Australian, Indian or Canadian-French voice: the nearest accent stands in.
ESPEAK_LANGUAGE_CANDIDATES: Mapping[str, tuple[str, ...]] = {
    "de-DE": ("de",),
    "en-AU": ("en-au", "en-gb"),
    "en-GB": ("en-gb",),
    "en-IN": ("en-in", "en-gb"),
    "en-US": ("en-us",),
    "es-US": ("es-419", "es"),
    "fr-FR": ("fr-fr", "fr"),
    "hi-IN": ("hi",),
    "pt-BR": ("pt-br",),
    "ar-XA": ("ar",),
    "es-ES": ("es",),
    "fr-CA": ("fr-ca", "fr-fr", "fr"),
    "id-ID": ("id",),
    "it-IT": ("it",),
    "ja-JP": ("ja",),
    "tr-TR": ("tr",),
    "vi-VN": ("vi",),
    "bn-IN": ("bn",),
    "gu-IN": ("gu",),
    "kn-IN": ("kn",),
    "ml-IN": ("ml",),
    "mr-IN": ("mr",),
    "ta-IN": ("ta",),
    "te-IN": ("te",),
    "nl-NL": ("nl",),
    "ko-KR": ("ko",),
    "cmn-CN": ("cmn",),
    "pl-PL": ("pl",),
    "ru-RU": ("ru",),
    "th-TH": ("th",),
}


@dataclass(frozen=True)
class EspeakVoiceStyle:
    """How one voice name sounds in espeak-ng.

    Attributes:
        variant: The voice variant (``m1``..``m8`` male, ``f1``..``f5`` female).
        pitch: Pitch adjustment, 0-99 (espeak-ng ``-p``; 50 is the variant's own).
        speed: Words per minute (``-s``; 175 is espeak-ng's default).
    """

    variant: str
    pitch: int
    speed: int


ESPEAK_STYLES: Mapping[str, EspeakVoiceStyle] = {
    "Charon": EspeakVoiceStyle(variant="m8", pitch=35, speed=160),
    "Orus": EspeakVoiceStyle(variant="m1", pitch=50, speed=170),
    "Fenrir": EspeakVoiceStyle(variant="m3", pitch=55, speed=190),
    "Puck": EspeakVoiceStyle(variant="m7", pitch=70, speed=185),
    "Kore": EspeakVoiceStyle(variant="f1", pitch=40, speed=170),
    "Aoede": EspeakVoiceStyle(variant="f4", pitch=55, speed=175),
    "Leda": EspeakVoiceStyle(variant="f5", pitch=65, speed=180),
    "Zephyr": EspeakVoiceStyle(variant="f3", pitch=75, speed=175),
}

# Pieces are yielded once this much audio has arrived (and at the end).
PIECE_SECONDS = 0.25
# espeak-ng's ``-a`` (default 100 reaches full scale): headroom for resampling overshoot.
AMPLITUDE = 75
# The words a minute espeak-ng speaks at (``-s`` is clamped to these).
MIN_WPM, MAX_WPM = 80, 450


def installed_voices(executable: str) -> frozenset[str]:
    """The language names of the voices an espeak-ng installation has (``de``, ``en-us``, ...).

    Raises:
        ConfigError: espeak-ng cannot be run.
    """
    try:
        listing = subprocess.run(
            [executable, "--voices"], capture_output=True, check=True, timeout=30
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"cannot list the espeak-ng voices with {executable}: {exc}") from exc
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            names.add(fields[1].lower())
    return frozenset(names)


class _WavStream:
    """Parses a streamed WAV (whose size fields are placeholders) into 16-bit samples."""

    def __init__(self) -> None:
        self._buffer = b""
        self.rate: int | None = None
        self._in_data = False

    def feed(self, data: bytes) -> bytes:
        """Take the next bytes; return whole 16-bit PCM samples found so far, as bytes."""
        self._buffer += data
        if not self._in_data:
            self._parse_header()
            if not self._in_data:
                return b""
        whole = len(self._buffer) - len(self._buffer) % 2
        pcm, self._buffer = self._buffer[:whole], self._buffer[whole:]
        return pcm

    def _parse_header(self) -> None:
        buf = self._buffer
        if len(buf) < 12:
            return
        if buf[:4] != b"RIFF" or buf[8:12] != b"WAVE":
            raise EngineError("espeak-ng wrote something that is not a WAV stream")
        pos = 12
        while len(buf) >= pos + 8:
            chunk_id, size = buf[pos : pos + 4], struct.unpack("<I", buf[pos + 4 : pos + 8])[0]
            if chunk_id == b"data":
                if self.rate is None:
                    raise EngineError("espeak-ng's WAV stream has no format chunk")
                self._buffer = buf[pos + 8 :]
                self._in_data = True
                return
            if len(buf) < pos + 8 + size:
                return
            if chunk_id == b"fmt ":
                fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", buf[pos + 8 : pos + 24])
                if fmt != 1 or channels != 1 or bits != 16:
                    raise EngineError(
                        f"espeak-ng wrote {bits}-bit, {channels}-channel audio, not 16-bit mono"
                    )
                self.rate = rate
            pos += 8 + size + size % 2


class EspeakTts:
    """The espeak-ng command speaking the eight Live API voices in every documented language.

    Stateless apart from configuration: each synthesis is its own process, so any number
    may run at once.

    Args:
        executable: The espeak-ng command or its path.
        styles: Voice name to style; the eight Live API voices by default.

    Raises:
        ConfigError: espeak-ng is not installed, or has none of the mapped voices.
    """

    def __init__(
        self, executable: str = "espeak-ng", styles: Mapping[str, EspeakVoiceStyle] = ESPEAK_STYLES
    ) -> None:
        path = shutil.which(executable)
        if path is None:
            raise ConfigError(
                f"{executable} is not installed; install it (Debian/Ubuntu: apt-get install espeak-ng)"
            )
        self.executable = path
        installed = installed_voices(path)
        self.espeak_voices: dict[str, str] = {}
        for code, candidates in ESPEAK_LANGUAGE_CANDIDATES.items():
            found = next((name for name in candidates if name in installed), None)
            if found is not None:
                self.espeak_voices[code] = found
        if not self.espeak_voices:
            raise ConfigError(f"{path} has none of the voices for the Live API languages")
        self._languages = tuple(code for code in LIVE_API_LANGUAGES if code in self.espeak_voices)
        self._styles = dict(styles)
        self._voices = tuple(name for name in LIVE_API_VOICES if name in self._styles) + tuple(
            name for name in self._styles if name not in LIVE_API_VOICES
        )

    @classmethod
    def available(cls, executable: str = "espeak-ng") -> bool:
        """Whether the espeak-ng command is installed."""
        return shutil.which(executable) is not None

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names it accepts."""
        return self._voices

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes it speaks."""
        return self._languages

    def command(self, voice: str, language: str, rate: float = 1.0) -> list[str]:
        """The argument list that speaks in ``voice`` and ``language`` (text comes on stdin).

        ``rate`` scales the voice's words a minute (espeak-ng keeps the pitch).

        Raises:
            SpeechConfigError: Unknown voice or language.
            ValueError: A rate outside ``MIN_RATE``..``MAX_RATE``.
        """
        style = self._styles[canonical_voice(voice, self._voices)]
        espeak_voice = self.espeak_voices[canonical_language(language, self._languages)]
        wpm = min(MAX_WPM, max(MIN_WPM, round(style.speed * check_rate(rate))))
        return [
            self.executable,
            "-v",
            f"{espeak_voice}+{style.variant}",
            "-p",
            str(style.pitch),
            "-s",
            str(wpm),
            "-a",
            str(AMPLITUDE),
            "-b",
            "1",
            "--stdin",
            "--stdout",
        ]

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text``; yield 24 kHz float32 audio in pieces of about a quarter second.

        Args:
            text: What to say.
            voice: A voice name from :attr:`voices`.
            language: A code from :attr:`languages`.
            cancel: When set, the espeak-ng process is killed and nothing more is yielded.
            rate: Speaking rate against the voice's own words a minute (pitch kept).

        Raises:
            SpeechConfigError: Unknown voice or language (raised before any synthesis).
            ValueError: A rate outside ``MIN_RATE``..``MAX_RATE``.
            EngineError: espeak-ng failed.
        """
        args = self.command(voice, language, rate)
        return self._stream(args, text, cancel)

    def _stream(self, args: list[str], text: str, cancel: threading.Event) -> Iterator[Samples]:
        if cancel.is_set() or not text.strip():
            return
        try:
            process = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
            )
        except OSError as exc:
            raise EngineError(f"cannot run espeak-ng: {exc}") from exc
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        stdin, stdout = process.stdin, process.stdout

        def feed() -> None:
            try:
                stdin.write(text.encode("utf-8"))
                stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass  # killed on cancel, or exited early: its exit status tells

        writer = threading.Thread(target=feed, name="espeak-ng-stdin", daemon=True)
        writer.start()
        wav = _WavStream()
        resampler: StreamResampler | None = None
        pending = bytearray()
        finished = False
        try:
            while not cancel.is_set():
                data = stdout.read(65536)  # unbuffered: whatever has arrived
                pcm = wav.feed(data) if data else b""
                pending += pcm
                if wav.rate is not None and resampler is None:
                    resampler = StreamResampler(wav.rate, OUTPUT_RATE)
                at_end = not data
                if resampler is not None and wav.rate is not None:
                    if len(pending) >= 2 * int(PIECE_SECONDS * wav.rate) or at_end:
                        samples = np.frombuffer(bytes(pending), dtype="<i2").astype(np.float32) / 32768.0
                        pending.clear()
                        piece = np.clip(resampler.process(samples, last=at_end), -1.0, 1.0)
                        if piece.size and not cancel.is_set():
                            yield piece
                if at_end:
                    finished = True
                    break
        finally:
            if not finished and process.poll() is None:
                process.kill()
            code = process.wait()
            writer.join(timeout=1)
            stdout.close()
            errors = process.stderr.read().decode("utf-8", "replace").strip()
            process.stderr.close()
        if finished and code != 0:
            raise EngineError(f"espeak-ng exited with status {code}: {errors[:200]}")
        if finished and wav.rate is None:
            raise EngineError("espeak-ng wrote no audio")
