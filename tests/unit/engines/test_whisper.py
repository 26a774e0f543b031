"""WhisperAsr with the real embedded tiny.en model, on speech made with espeak-ng."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from openlive.audio import resample
from openlive.engines.audio_base import ASR, INPUT_RATE, GlimpsingASR, Samples
from openlive.engines.embedded import whisper_tiny_en_dir
from openlive.engines.whisper import (
    DEFAULT_QUIET_PEAK_DBFS,
    MAX_CHUNK_S,
    MAX_LIFT_DB,
    WhisperAsr,
    _chunks,
    _ends_in_repeat,
    lift_quiet,
)
from openlive.errors import ConfigError

FOX = "the quick brown fox jumps over the lazy dog"
KITCHEN = "please turn off the lights in the kitchen"

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def model_dir() -> Path:
    try:
        return whisper_tiny_en_dir()
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def asr() -> WhisperAsr:
    # Two workers, so that two threads really decode at the same time.
    return WhisperAsr(model_dir(), num_workers=2, cpu_threads=1)


def speak(tmp_path: Path, text: str, *options: str) -> Samples:
    """Speech from espeak-ng (22.05 kHz), resampled to 16 kHz."""
    path = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", *options, "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return resample(pcm.astype(np.float32) / 32768.0, rate, INPUT_RATE)


def clear_speech(tmp_path: Path, text: str) -> Samples:
    # Short gaps between words (-g 8, in 10 ms units) keep tiny.en on espeak's diction.
    return speak(tmp_path, text, "-s", "140", "-g", "8")


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]+", " ", text.lower()).split()


def heard(reference: str, transcript: str) -> int:
    """How many of the reference's words the transcript contains."""
    said = set(words(transcript))
    return sum(word in said for word in words(reference))


@pytest.fixture(scope="module")
def fox(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    return clear_speech(tmp_path_factory.mktemp("fox"), FOX)


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    return clear_speech(tmp_path_factory.mktemp("kitchen"), KITCHEN)


def test_is_an_asr_engine_for_english(asr: WhisperAsr) -> None:
    assert isinstance(asr, ASR)
    assert asr.languages == ("en",)


def test_sentence_is_transcribed(asr: WhisperAsr, fox: Samples) -> None:
    text = asr.transcribe(fox)
    assert heard(FOX, text) >= 6, text
    assert len(words(text)) <= 12, text  # no repeated sentence


def test_language_tags_are_accepted_and_unknown_ones_refused(asr: WhisperAsr, kitchen: Samples) -> None:
    assert heard(KITCHEN, asr.transcribe(kitchen, language="en-US")) >= 6
    with pytest.raises(ValueError, match="does not know language 'de'"):
        asr.transcribe(kitchen, language="de")


def test_an_initial_prompt_guides_but_is_not_part_of_the_transcript(kitchen: Samples) -> None:
    prompted = WhisperAsr(model_dir(), num_workers=1, initial_prompt="Hello, how are you? I'm fine, thanks.")
    text = prompted.transcribe(kitchen)
    assert heard(KITCHEN, text) >= 6, text
    assert "fine" not in words(text) and "hello" not in words(text), text


def test_an_english_model_hears_english_whatever_it_is_asked_to_detect(
    asr: WhisperAsr, kitchen: Samples
) -> None:
    heard_as = asr.hear(kitchen, None, ("de-DE", "fr-FR"))
    assert heard_as.language == "en" and heard(KITCHEN, heard_as.text) >= 6


def test_short_utterance(asr: WhisperAsr, tmp_path: Path) -> None:
    hello = speak(tmp_path, "hello", "-v", "en-us")
    assert hello.size < INPUT_RATE  # under a second
    assert words(asr.transcribe(hello)) == ["hello"]


def test_a_glimpse_hears_the_first_words_of_speech_that_goes_on(asr: WhisperAsr, fox: Samples) -> None:
    assert isinstance(asr, GlimpsingASR)
    first = fox[: INPUT_RATE * 3 // 2]  # the first second and a half of the sentence
    seen = words(asr.glimpse(first, "en-US"))
    assert seen and seen[0] == words(FOX)[0], seen
    assert asr.glimpse(np.zeros(INPUT_RATE, dtype=np.float32)) == ""
    with pytest.raises(ValueError, match="does not know language 'de'"):
        asr.glimpse(first, language="de")


def test_silence_and_noise_give_nothing(asr: WhisperAsr) -> None:
    assert asr.transcribe(np.zeros(2 * INPUT_RATE, dtype=np.float32)) == ""
    assert asr.transcribe(np.zeros(0, dtype=np.float32)) == ""
    # Quiet hiss at -40 dBFS passes the energy gate; the model's no-speech rule drops it.
    hiss = np.random.default_rng(7).normal(0.0, 0.01, 2 * INPUT_RATE).astype(np.float32)
    assert asr.transcribe(hiss) == ""
    # Raised to -6 dBFS before the model hears them, quiet rumble and mains hum still give nothing.
    rumble = np.cumsum(np.random.default_rng(8).normal(0.0, 1.0, 2 * INPUT_RATE))
    rumble -= np.convolve(rumble, np.ones(400) / 400, "same")
    t = np.arange(2 * INPUT_RATE) / INPUT_RATE
    hum = np.sin(2 * np.pi * 50 * t) + 0.3 * np.sin(2 * np.pi * 150 * t)
    for noise in (rumble, hum):
        quiet = (noise * 10 ** (-40 / 20) / np.max(np.abs(noise))).astype(np.float32)
        assert asr.transcribe(quiet) == ""
        assert asr.glimpse(quiet) == ""


def test_two_threads_at_once_each_get_their_own_text(asr: WhisperAsr, fox: Samples, kitchen: Samples) -> None:
    alone = {"fox": asr.transcribe(fox), "kitchen": asr.transcribe(kitchen)}
    start = threading.Barrier(2)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(name: str, audio: Samples) -> None:
        try:
            start.wait(timeout=10)
            results[name] = asr.transcribe(audio)
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("fox", fox)),
        threading.Thread(target=run, args=("kitchen", kitchen)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert results == alone
    assert heard(FOX, results["fox"]) >= 6
    assert heard(KITCHEN, results["kitchen"]) >= 6


def test_audio_longer_than_30_s_is_transcribed_in_chunks(
    asr: WhisperAsr, fox: Samples, kitchen: Samples
) -> None:
    gap = np.zeros(30 * INPUT_RATE, dtype=np.float32)
    audio = np.concatenate([fox, gap, kitchen])
    assert audio.size > 30 * INPUT_RATE
    text = asr.transcribe(audio)
    assert heard(FOX, text) >= 6, text
    assert heard(KITCHEN, text) >= 6, text
    assert text.lower().index("lazy") < text.lower().index("kitchen")


def test_long_audio_is_cut_in_its_quietest_place() -> None:
    rng = np.random.default_rng(1)
    audio = rng.normal(0.0, 0.1, 50 * INPUT_RATE).astype(np.float32)
    quiet = slice(24 * INPUT_RATE, int(24.3 * INPUT_RATE))
    audio[quiet] = 0.0
    chunks = _chunks(audio)
    assert len(chunks) == 2
    assert all(chunk.size <= MAX_CHUNK_S * INPUT_RATE for chunk in chunks)
    assert quiet.start <= chunks[0].size <= quiet.stop
    assert np.array_equal(np.concatenate(chunks), audio)
    assert len(_chunks(audio[: 20 * INPUT_RATE])) == 1


def test_mono_audio_is_required(asr: WhisperAsr) -> None:
    with pytest.raises(ValueError, match="mono"):
        asr.transcribe(np.zeros((2, INPUT_RATE), dtype=np.float32))


def test_loop_detection() -> None:
    assert _ends_in_repeat([7, 1, 2, 3, 1, 2, 3])
    assert _ends_in_repeat([4, 4, 4])
    assert _ends_in_repeat([1, 2, 3, 1, 2, 3, 1])  # cut in the middle of a loop
    assert not _ends_in_repeat([4, 4])  # "no no"
    assert not _ends_in_repeat([1, 2, 3, 4])
    assert not _ends_in_repeat([])


def test_a_window_without_room_after_the_speech_loops_and_is_decoded_again(
    asr: WhisperAsr, tmp_path: Path
) -> None:
    good_morning = speak(tmp_path, "good morning")
    # The default 8 s window lets tiny.en end the transcript on its own.
    before = asr.fallbacks
    assert words(asr.transcribe(good_morning)) == ["good", "morning"]
    assert asr.fallbacks == before
    # With no minimum window it repeats "Good morning." over and over; the repeat
    # is caught and the window decoded again on the full 30 s.
    tight = WhisperAsr(model_dir(), min_window_s=0.0)
    text = tight.transcribe(good_morning)
    assert words(text) == ["good", "morning"], text
    assert tight.fallbacks == 1


def test_quiet_audio_is_raised_to_the_target_peak_and_loud_audio_left_alone() -> None:
    target = 10 ** (-6 / 20)
    quiet = np.array([0.0, 0.01, -0.02, 0.005], dtype=np.float32)
    raised = lift_quiet(quiet, target)
    assert float(np.max(np.abs(raised))) == pytest.approx(target, rel=1e-6)
    np.testing.assert_allclose(raised / raised[2], quiet / quiet[2], rtol=1e-6)  # one gain for all
    loud = np.array([0.0, 0.7, -0.2], dtype=np.float32)
    assert lift_quiet(loud, target) is loud
    assert lift_quiet(quiet, None) is quiet
    silent = np.zeros(8, dtype=np.float32)
    assert lift_quiet(silent, target) is silent
    # A faint hum is raised by at most MAX_LIFT_DB, not to the level of speech.
    hum = np.full(4, 10 ** (-54 / 20), dtype=np.float32)
    assert float(np.max(lift_quiet(hum, target))) == pytest.approx(10 ** ((-54 + MAX_LIFT_DB) / 20), rel=1e-5)


def test_the_model_hears_quiet_speech_as_if_it_were_at_the_target_level(
    asr: WhisperAsr, fox: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = fox * np.float32(10 ** (-30 / 20) / float(np.max(np.abs(fox))))
    peaks: list[float] = []
    features = asr._features

    def spy(audio: Samples, **kwargs: object) -> object:
        peaks.append(float(np.max(np.abs(audio))))
        return features(audio, **kwargs)

    monkeypatch.setattr(asr, "_features", spy)
    assert heard(FOX, asr.transcribe(quiet)) >= 7
    assert peaks and all(
        peak == pytest.approx(10 ** (DEFAULT_QUIET_PEAK_DBFS / 20), rel=1e-4) for peak in peaks
    )
    peaks.clear()
    asr.glimpse(quiet)
    assert peaks == [pytest.approx(10 ** (DEFAULT_QUIET_PEAK_DBFS / 20), rel=1e-4)]


def test_the_lift_can_be_turned_off_and_is_checked(fox: Samples) -> None:
    as_it_comes = WhisperAsr(model_dir(), quiet_peak_dbfs=None)
    quiet = fox * np.float32(0.03 / float(np.max(np.abs(fox))))
    peaks: list[float] = []
    features = as_it_comes._features

    def spy(audio: Samples, **kwargs: object) -> object:
        peaks.append(float(np.max(np.abs(audio))))
        return features(audio, **kwargs)

    as_it_comes._features = spy
    as_it_comes.transcribe(quiet)
    assert peaks == [pytest.approx(0.03, rel=1e-4)]
    with pytest.raises(ConfigError, match="quiet_peak_dbfs"):
        WhisperAsr(model_dir(), quiet_peak_dbfs=3.0)


class _Unsure:
    """The real model, whose answers are reported with a given mean log-probability."""

    def __init__(self, model: object, logprob: float) -> None:
        self._model = model
        self._logprob = logprob

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def generate(self, *args: object, **kwargs: object) -> list[object]:
        results = self._model.generate(*args, **kwargs)  # type: ignore[attr-defined]
        return [_Scored(result, self._logprob) for result in results]


class _Scored:
    def __init__(self, result: object, logprob: float) -> None:
        self.sequences_ids = result.sequences_ids  # type: ignore[attr-defined]
        self.no_speech_prob = 0.0  # sure it is speech: only the words are unsure
        tokens = len(self.sequences_ids[0])
        self.scores = [logprob * (tokens + 1) / max(tokens, 1)]


@pytest.mark.parametrize(("logprob", "heard"), [(-2.5, False), (-1.5, True)])
def test_an_unsure_glimpse_hears_nothing_while_a_transcript_keeps_its_words(
    asr: WhisperAsr, fox: Samples, logprob: float, heard: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fox[: INPUT_RATE * 3 // 2]
    monkeypatch.setattr(asr, "_model", _Unsure(asr._model, logprob))
    assert bool(words(asr.glimpse(first))) is heard
    assert words(asr.transcribe(fox))[:2] == words(FOX)[:2]  # the whole utterance's words are kept
