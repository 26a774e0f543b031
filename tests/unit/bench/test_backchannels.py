"""The offline barge-in replay: its data and its decisions over recognitions."""

from __future__ import annotations

from openlive.bench.backchannels import Clip, clips, decide, load_splits
from openlive.pipeline.backchannel import BargeInConfig
from openlive.testing import FakeListenerJudge

CLIP = Clip("test", "backchannels", "Sounds good.", "espeak:en-us:150")


def heard(*utterances: tuple[list[tuple[int, str]], str], speech_ms: int = 700) -> dict[str, object]:
    return {
        "speech_ms": speech_ms,
        "utterances": [{"at_ms": 0, "glimpses": g, "final": f} for g, f in utterances],
    }


def test_the_test_split_is_spoken_in_voices_the_tune_split_does_not_use() -> None:
    splits = load_splits()
    assert not set(splits["test"]["voices"]) & set(splits["tune"]["voices"])
    assert len(splits["test"]["backchannels"]) >= 40 and len(splits["test"]["interjections"]) >= 30
    todo = clips(splits, ["test"])
    per = splits["test"]["voices_per_phrase"]
    assert len(todo) == per * (len(splits["test"]["backchannels"]) + len(splits["test"]["interjections"]))
    assert len({c.key for c in todo}) == len(todo)


def test_words_outside_the_list_interrupt_without_the_judge_and_go_on_with_it() -> None:
    recognised = heard(([(256, "Sounds"), (448, "Sounds good.")], "Sounds good."))
    assert decide(CLIP, recognised, None, BargeInConfig()).interrupted
    judge = FakeListenerJudge({"Sounds good.": 2.0})
    outcome = decide(CLIP, recognised, judge, BargeInConfig())
    assert not outcome.interrupted and outcome.judged == 1


def test_a_second_utterance_in_a_clip_is_decided_anew() -> None:
    clip = Clip("test", "interjections", "Okay, stop.", "espeak:en-us:150")
    recognised = heard(([(256, "Okay")], "Okay"), ([], "Stop."))
    outcome = decide(clip, recognised, None, BargeInConfig())
    assert outcome.interrupted and outcome.at_ms == 700  # at the end of the speech
