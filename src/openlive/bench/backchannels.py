"""Offline replay of the barge-in decision: do backchannels go on, do interjections interrupt?

``python -m openlive.bench.backchannels`` speaks each phrase of
``bench/data/backchannels.json`` in several voices (espeak-ng, and the packaged
Piper and hibari voices), runs the audio through the server's own audio front
end (Silero VAD, the endpointer, the speech marks at the probe lengths),
recognises each glimpse and the whole utterance with the server's Whisper
(:meth:`~openlive.engines.whisper.WhisperAsr.glimpse` and ``transcribe``), and
applies the barge-in rules (:class:`~openlive.pipeline.backchannel.BargeIn`),
with the listener judge (:mod:`openlive.pipeline.listener_judge`: its trained
probe, or with ``--no-probe`` its few-shot odds) or without.

It prints, per split, how many backchannels interrupted, how many interjections
did and how much speech had been heard when they did, and the judge's accuracy
on the written phrases and on what Whisper heard. Recognitions are kept in a
cache file, so a second run only replays the decisions.

Unlike the server, every glimpse runs (the server skips a mark while a probe
still runs), the decision at the user's pause is the whole utterance's, and a
second utterance in a clip (a pause at a comma) is decided as speech during the
reply still playing. The judge's run time is measured here, once per text; the
decision times count the speech heard, not the recognition's or the judge's time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.pipeline.backchannel import BargeIn, BargeInConfig, Heard, Verdict, classify

KINDS = ("backchannels", "interjections")


def load_splits() -> dict[str, dict[str, Any]]:
    """The splits of ``bench/data/backchannels.json``."""
    text = resources.files("openlive.bench").joinpath("data/backchannels.json").read_text("utf-8")
    splits: dict[str, dict[str, Any]] = json.loads(text)["splits"]
    return splits


@dataclass(frozen=True)
class Clip:
    """One phrase in one voice."""

    split: str
    kind: str
    text: str
    voice: str

    @property
    def key(self) -> str:
        """The clip's key in the recognition cache."""
        return f"{self.split}|{self.voice}|{self.text}"


def clips(splits: dict[str, dict[str, Any]], names: Sequence[str]) -> list[Clip]:
    """Each phrase of the splits ``names`` in ``voices_per_phrase`` of its split's voices (in turn)."""
    out: list[Clip] = []
    for name in names:
        split = splits[name]
        voices: list[str] = split["voices"]
        per = min(int(split["voices_per_phrase"]), len(voices))
        turn = 0
        for kind in KINDS:
            for text in split[kind]:
                for k in range(per):
                    out.append(Clip(name, kind, text, voices[(turn + k) % len(voices)]))
                turn += per
    return out


def recognise_all(todo: list[Clip], cache: dict[str, Any], save: Callable[[], None]) -> None:
    """Speak and recognise every clip not in ``cache`` yet, as the server would.

    A clip's entry: the marks it was recognised at, its voiced length
    (``speech_ms``) and each utterance the endpointer found in it (a pause at a
    comma may end one): when it started (ms after the first), the glimpses at the
    marks (ms of speech, text) and the whole utterance's transcript.
    """
    config = BargeInConfig()
    marks = config.marks_ms
    # A recognition made at other marks (an older cache) is made again.
    missing = [clip for clip in todo if cache.get(clip.key, {}).get("marks") != list(marks)]
    if not missing:
        return
    from openlive.bench.client import OUTPUT_RATE
    from openlive.bench.speech import RATE
    from openlive.bench.turn_speech import piper_speaker, said, tts_synthesize
    from openlive.config import Settings
    from openlive.engines.silero import SileroVad
    from openlive.engines.voice_cast import packaged_cast
    from openlive.engines.whisper import WhisperAsr
    from openlive.engines.whisper_models import whisper_model_dir
    from openlive.pipeline.audio_in import AudioInput, SpeechLasted, SpeechStarted, Utterance

    settings = Settings()
    asr = WhisperAsr(whisper_model_dir(settings.asr_model, settings.resolved_data_dir()), num_workers=1)
    vad = SileroVad()
    cast = packaged_cast()
    piper = piper_speaker(tts_synthesize(cast), OUTPUT_RATE)
    chunk = RATE // 50 * 2  # 20 ms of 16-bit samples
    for n, clip in enumerate(missing, 1):
        engine, *rest = clip.voice.split(":")
        if engine == "espeak":
            spoken = said(clip.text, rest[0], int(rest[1]))
        else:
            spoken = said(clip.text, rest[0], 0, speak=piper)
        audio_in = AudioInput(vad.stream(), marks_ms=marks)
        utterances: list[dict[str, Any]] = []
        first_s: float | None = None
        for start in range(0, len(spoken.pcm), chunk):
            for event in audio_in.feed(spoken.pcm[start : start + chunk], RATE):
                if isinstance(event, SpeechStarted):
                    first_s = event.at_s if first_s is None else first_s
                    utterances.append(
                        {"at_ms": round(1000 * (event.at_s - first_s)), "glimpses": [], "final": ""}
                    )
                elif isinstance(event, SpeechLasted) and utterances:
                    text = asr.glimpse(event.audio, "en") if event.ms < config.max_judged_ms else ""
                    utterances[-1]["glimpses"].append((event.ms, text))
                elif isinstance(event, Utterance) and utterances:
                    utterances[-1]["final"] = (
                        asr.transcribe(event.audio, "en") if event.duration_s >= 0.1 else ""
                    )
        speech_ms = round(1000 * (spoken.voiced_end - spoken.voiced_start) / RATE)
        cache[clip.key] = {"speech_ms": speech_ms, "utterances": utterances, "marks": list(marks)}
        heard = [(u["glimpses"], u["final"]) for u in utterances]
        print(f"[{n}/{len(missing)}] {clip.voice:24} {clip.text!r}: {heard}", file=sys.stderr)
        if n % 20 == 0:
            save()
    save()


@dataclass
class Outcome:
    """One clip's decision."""

    clip: Clip
    interrupted: bool
    at_ms: int  # ms of speech when it was decided (the whole clip's speech if at its end)
    judged: int  # the judge's answers it took
    heard: Heard | None


def decide(
    clip: Clip, heard: dict[str, Any], judge: Callable[[str], float] | None, config: BargeInConfig
) -> Outcome:
    """Replay the barge-in decision over one clip's recognitions: each utterance in it is decided anew."""
    asked = 0
    last: Heard | None = None
    for utterance in heard["utterances"]:
        decision = BargeIn(config, "en-US", judging=judge is not None)

        def answer(decision: BargeIn = decision) -> Verdict:
            nonlocal asked
            question = decision.question
            assert question is not None and judge is not None
            asked += 1
            return decision.judged(question, judge(question))

        for ms, text in utterance["glimpses"]:
            if ms >= config.max_backchannel_ms:
                verdict = decision.speech(ms)
                if verdict is Verdict.PENDING:  # heard on while its words are judged
                    verdict = decision.overtime(text)
                    if decision.question is not None:
                        verdict = answer()
            else:
                verdict = decision.partial(text)
                if decision.question is not None:
                    verdict = answer()
            if verdict is Verdict.INTERRUPT:
                return Outcome(clip, True, int(utterance["at_ms"]) + ms, asked, decision.heard)
        verdict = decision.ended(utterance["final"], final=False)
        if decision.question is not None:
            verdict = answer()
        verdict = decision.ended(utterance["final"])
        last = decision.heard
        if verdict is Verdict.INTERRUPT:
            return Outcome(clip, True, int(heard["speech_ms"]), asked, decision.heard)
    return Outcome(clip, False, int(heard["speech_ms"]), asked, last)


def _percentile(values: list[int], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(outcomes: list[Outcome], names: Sequence[str]) -> None:
    """Counts per split."""
    for name in names:
        mine = [o for o in outcomes if o.clip.split == name]
        back = [o for o in mine if o.clip.kind == "backchannels"]
        inter = [o for o in mine if o.clip.kind == "interjections"]
        at = [o.at_ms for o in inter if o.interrupted]
        print(
            f"{name:6} backchannels interrupting {sum(o.interrupted for o in back)}/{len(back)}; "
            f"interjections interrupting {sum(o.interrupted for o in inter)}/{len(inter)}, "
            f"decided after median {_percentile(at, 50):.0f} ms of speech (p90 {_percentile(at, 90):.0f}); "
            f"{sum(o.judged > 0 for o in inter if o.interrupted)} of them waited for a judgment; "
            f"judgments {sum(o.judged for o in mine)}"
        )


def text_accuracy(
    splits: dict[str, dict[str, Any]],
    names: Sequence[str],
    judge: Callable[[str], float] | None,
    margin: float,
) -> None:
    """The decision on each phrase as written (no speech): the list alone, and the list with the judge."""
    for name in names:
        right_list = right_judge = total = 0
        for kind in KINDS:
            for text in splits[name][kind]:
                wants_backchannel = kind == "backchannels"
                listed = classify(text, "en") is not Heard.WORDS
                judged = listed or (judge is not None and judge(text) > margin)
                total += 1
                right_list += listed == wants_backchannel
                right_judge += judged == wants_backchannel
        line = f"{name:6} text only: the list right on {right_list}/{total}"
        if judge is not None:
            line += f", the list with the judge {right_judge}/{total}"
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replay."""
    parser = argparse.ArgumentParser(prog="python -m openlive.bench.backchannels", description=__doc__)
    parser.add_argument("--splits", default="tune,test,bench", help="comma-separated split names")
    parser.add_argument(
        "--cache", type=Path, default=Path("backchannels-heard.json"), help="recognitions kept here"
    )
    parser.add_argument("--judge", choices=("none", "qwen-0.5b"), default="qwen-0.5b")
    parser.add_argument(
        "--no-probe", action="store_true", help="the judge's few-shot odds decide, not its trained probe"
    )
    parser.add_argument(
        "--margin", type=float, default=None, help="the judge's margin (default: the server's)"
    )
    parser.add_argument("--show", action="store_true", help="print each clip whose decision is wrong")
    args = parser.parse_args(argv)
    from openlive.pipeline.backchannel import DEFAULT_LISTENER_MARGIN

    names = [n.strip() for n in args.splits.split(",") if n.strip()]
    splits = load_splits()
    todo = clips(splits, names)
    cache: dict[str, Any] = json.loads(args.cache.read_text("utf-8")) if args.cache.exists() else {}

    def save() -> None:
        args.cache.write_text(json.dumps(cache, indent=0), "utf-8")

    recognise_all(todo, cache, save)
    config = BargeInConfig(listener_margin=DEFAULT_LISTENER_MARGIN if args.margin is None else args.margin)
    print("without the judge (the word list):")
    report([decide(c, cache[c.key], None, config) for c in todo], names)
    text_accuracy(splits, names, None, config.listener_margin)
    if args.judge == "none":
        return 0
    from openlive.config import Settings
    from openlive.pipeline.listener_judge import packaged_judge

    judge = packaged_judge(Settings().resolved_data_dir(), args.judge, probed=not args.no_probe)
    judge.load()
    if not judge.ready:
        print("the judge did not load")
        return 1
    times: list[float] = []
    answers: dict[str, float] = {}

    def timed(text: str) -> float:
        if text not in answers:
            started = time.perf_counter()
            answers[text] = judge(text)
            times.append(1000 * (time.perf_counter() - started))
        return answers[text]

    outcomes = [decide(c, cache[c.key], timed, config) for c in todo]
    how = "its few-shot odds" if args.no_probe else "its probe"
    print(f"with the judge ({args.judge}, {how}, margin {config.listener_margin:+.2f}):")
    report(outcomes, names)
    text_accuracy(splits, names, timed, config.listener_margin)
    if times:
        p90 = _percentile([round(t) for t in times], 90)
        print(
            f"judge run time: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, "
            f"max {max(times):.0f} ms over {len(times)} distinct texts"
        )
    if args.show:
        for o in outcomes:
            if o.interrupted != (o.clip.kind == "interjections"):
                heard = [(u["glimpses"], u["final"]) for u in cache[o.clip.key]["utterances"]]
                print(
                    f"  wrong: {o.clip.split} {o.clip.kind[:4]} {o.clip.voice:24} {o.clip.text!r} "
                    f"{heard} -> {'interrupt' if o.interrupted else 'go on'}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
