"""The packaged voices at a speaking rate: how long and how high they speak, and their length responses.

For each voice, ``check`` sentences of ``data/speaking_rate.json`` are spoken at the
voice's own rate and at the rates affective dialog asks for; reported: the duration
ratio against the voice's own (the target is ``1 / rate``) and the typical F0 ratio
(the target is 1; a tape would give ``rate``). With ``--calibrate``, the length
responses of Piper and hibari (``LENGTH_RESPONSE``, ``SPEED_RESPONSE``) are measured
again on the ``calibration`` sentences and printed beside the stored ones. Run:
``openlive bench speaking-rate [--calibrate]``.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from openlive.engines.audio_base import LIVE_API_VOICES, OUTPUT_RATE, TTS, Samples
from openlive.engines.speaking_rate import RESPONSE_SETTINGS
from openlive.engines.voices import typical_f0

RATES = (0.9, 0.93, 1.07)


def spoken(tts: TTS, text: str, voice: str, rate: float = 1.0) -> Samples:
    """``text`` spoken by ``tts`` in ``voice`` (US English) at ``rate``, all of it."""
    pieces = list(tts.synthesize(text, voice, "en-US", threading.Event(), rate=rate))
    audio: Samples = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    return audio


def piper_response(texts: Sequence[str]) -> list[float]:
    """The embedded Piper voice's mean duration at each length scale, against 1.0."""
    from piper import SynthesisConfig

    from openlive.engines.piper_tts import PiperTts

    voice = PiperTts()._voice  # noqa: SLF001 - the bench measures the model itself
    rows = []
    for text in texts:
        lengths = []
        for scale in RESPONSE_SETTINGS:
            config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0)
            lengths.append(sum(len(c.audio_float_array) for c in voice.synthesize(text, syn_config=config)))
        rows.append(np.asarray(lengths, np.float64) / lengths[RESPONSE_SETTINGS.index(1.0)])
    return [round(float(x), 4) for x in np.mean(rows, axis=0)]


def hibari_response(texts: Sequence[str]) -> list[float]:
    """The mean duration (frames) of hibari's speech at each ``1 / speed``, against speed 1.0."""
    from openlive.engines.hibari_tts import HibariTts

    model: Any = HibariTts()._hibari  # noqa: SLF001 - the bench measures the model itself
    rows = []
    for text in texts:
        frames = []
        for setting in RESPONSE_SETTINGS:
            speed = np.asarray([1.0 / setting], np.float32)
            count = 0
            for phonemes in model.phonemize(text):
                ids = np.asarray([model.ids(phonemes)], np.int64)
                count += model.sess.run(None, {"ids": ids, "speed": speed})[0][0].shape[1]
            frames.append(count)
        rows.append(np.asarray(frames, np.float64) / frames[RESPONSE_SETTINGS.index(1.0)])
    return [round(float(x), 4) for x in np.mean(rows, axis=0)]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every packaged voice at each rate; with ``--calibrate``, the responses too."""
    parser = argparse.ArgumentParser(prog="openlive bench speaking-rate", description=__doc__)
    parser.add_argument("--calibrate", action="store_true", help="measure the length responses again")
    args = parser.parse_args(argv)
    from openlive.engines.voice_cast import packaged_cast

    data: dict[str, Any] = json.loads(
        resources.files("openlive.bench").joinpath("data/speaking_rate.json").read_text()
    )
    if args.calibrate:
        from openlive.engines.hibari_tts import SPEED_RESPONSE
        from openlive.engines.piper_tts import LENGTH_RESPONSE

        for name, measure, stored in (
            ("piper LENGTH_RESPONSE", piper_response, LENGTH_RESPONSE),
            ("hibari SPEED_RESPONSE", hibari_response, SPEED_RESPONSE),
        ):
            measured = measure(data["calibration"])
            print(f"{name} measured: {measured}")
            largest = max(abs(a - b) for a, b in zip(measured, stored, strict=True))
            print(f"  largest difference from the stored one: {largest:.4f}")
    cast = packaged_cast()
    print("voice   rate  duration ratio (target)  F0 ratio (tape would be)")
    for voice in LIVE_API_VOICES:
        own = [spoken(cast, text, voice) for text in data["check"]]
        own_f0 = [typical_f0(o, OUTPUT_RATE) for o in own]
        for rate in RATES:
            styled = [spoken(cast, text, voice, rate) for text in data["check"]]
            durations = [s.size / o.size for s, o in zip(styled, own, strict=True)]
            pitches = [
                typical_f0(s, OUTPUT_RATE) / f0 for s, f0 in zip(styled, own_f0, strict=True) if f0 > 0
            ]
            print(
                f"{voice:7} {rate:.2f}  {np.median(durations):.3f} ({1 / rate:.3f}) "
                f"[{min(durations):.3f}-{max(durations):.3f}]  {np.median(pitches):.3f} ({rate:.2f}) "
                f"[{min(pitches):.3f}-{max(pitches):.3f}]",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
