"""Proactive audio decided by the probe of the judge model's state, and what happens without it."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from openlive.engines.base import ChatMessage, SamplingParams
from openlive.engines.profile import make_profile
from openlive.errors import ConfigError
from openlive.pipeline.address_model import EVIDENCE, AddressModel
from openlive.pipeline.native_dialog import native_prepare
from openlive.pipeline.proactivity import JudgeModel, is_addressed, judge
from openlive.server.run import PROACTIVE_JUDGE_LLM
from openlive.session import StartGeneration
from openlive.testing import FakeLLM, FakeScorer, FakeStateScorer

HEARD = [
    ChatMessage("user", "what's on the radio"),
    ChatMessage("assistant", "Classical music on channel three."),
    ChatMessage("user", "Turn it up, I love this one"),
]
SURE_YES = {" yes": -0.05, " no": -4.0}  # the odds alone: addressed


def probe(judge_name: str = "judge") -> AddressModel:
    """A probe over (odds, 3 cues, 2 state numbers) that reads the state's first number (> 0 addressed).

    And a name said to someone, weighed as strongly.
    """
    return AddressModel(
        judge=judge_name,
        mean=np.zeros(6),
        scale=np.ones(6),
        weights=np.array([0.0, -8.0, 0.0, 0.0, 4.0, 0.0]),
        bias=0.0,
        offset=0.0,
    )


def tiny_llm() -> FakeLLM:
    llm = FakeLLM(reply=lambda _: "yes")
    llm.profile = make_profile("tiny", "auto", None, False)
    return llm


def test_the_probe_decides_from_the_state_when_the_scorer_keeps_states() -> None:
    scorer = FakeStateScorer(SURE_YES, states={"Turn it up": [-1.0, 0.0]}, default=[1.0, 0.0])
    judged = judge(scorer, HEARD, threading.Event(), probe())
    assert judged.model == pytest.approx(3.95) and judged.learned == pytest.approx(-4.0)
    assert judged.margin == judged.learned
    assert not is_addressed(scorer, HEARD, threading.Event(), classifier=probe())
    # Other words, another state: addressed.
    asked = [*HEARD[:2], ChatMessage("user", "and louder")]
    assert is_addressed(scorer, asked, threading.Event(), classifier=probe())
    # Without the probe, the odds and the cues decide as before: addressed.
    assert judge(scorer, HEARD, threading.Event()).learned is None
    assert is_addressed(scorer, HEARD, threading.Event())
    # The cues are inputs too: a name said to someone, whatever the state.
    named = [*HEARD[:2], ChatMessage("user", "Tom, and louder")]
    assert judge(scorer, named, threading.Event(), probe()).learned == pytest.approx(-4.0)


def test_a_scorer_without_states_is_never_probed() -> None:
    scorer = FakeScorer(SURE_YES)
    judged = judge(scorer, HEARD, threading.Event(), probe())
    assert judged.learned is None and judged.margin > 0
    no_states = FakeStateScorer(SURE_YES, default=[-5.0, 0.0])
    no_states.states = False  # type: ignore[misc]
    assert judge(no_states, HEARD, threading.Event(), probe()).learned is None


def test_the_judge_model_gives_its_probe_only_for_its_own_scorer_and_reads_it_once() -> None:
    scorer = FakeStateScorer(SURE_YES)
    built: list[AddressModel] = []
    model = JudgeModel(lambda: scorer, "judge", classifier=lambda: built.append(probe()) or built[-1])
    tiny, capable = tiny_llm(), FakeLLM()
    capable.profile = make_profile("capable", "auto", None, False)
    assert model.classifier_for(model.for_reply(capable)) is None  # an engine judging itself
    judging = model.for_reply(tiny)
    assert judging is scorer
    first = model.classifier_for(judging)
    assert first is not None and model.classifier_for(judging) is first and len(built) == 1


@pytest.mark.parametrize(
    "build",
    [lambda: probe("another-model"), lambda: (_ for _ in ()).throw(ConfigError("missing"))],
    ids=["trained-for-another-model", "missing"],
)
def test_a_probe_that_does_not_fit_is_said_once_and_the_evidence_is_summed(
    build: object, caplog: pytest.LogCaptureFixture
) -> None:
    scorer = FakeStateScorer(SURE_YES, default=[-5.0, 0.0])
    calls: list[int] = []

    def counted() -> AddressModel:
        calls.append(1)
        return build()  # type: ignore[operator,no-any-return]

    model = JudgeModel(lambda: scorer, "judge", classifier=counted)
    with caplog.at_level(logging.WARNING):
        assert model.classifier_for(scorer) is None
        assert model.classifier_for(scorer) is None
    assert len(calls) == 1
    assert sum("no trained probe" in r.getMessage() for r in caplog.records) == 1


def test_a_tiny_models_reply_is_declined_when_the_probe_says_the_words_were_not_for_it() -> None:
    scorer = FakeStateScorer(SURE_YES, states={"Turn it up": [-1.0, 0.0]}, default=[1.0, 0.0])
    request = StartGeneration(1, "m", tuple(HEARD), SamplingParams(), gate=True)
    judge_model = JudgeModel(lambda: scorer, "judge", classifier=probe)
    tiny = tiny_llm()
    prepare = native_prepare(tiny, request, judge_model)
    assert prepare is not None
    assert prepare(HEARD, threading.Event()).declined
    asked = [*HEARD[:2], ChatMessage("user", "and louder")]
    assert not prepare(asked, threading.Event()).declined
    assert tiny.calls == []  # the judging was the scorer's


def test_the_shipped_probe_reads_the_judge_models_state() -> None:
    shipped = AddressModel.packaged()
    assert shipped.judge == PROACTIVE_JUDGE_LLM == "qwen-1.5b"  # the server's judge reads it
    assert shipped.size == len(EVIDENCE) + 1536  # the odds and cues, then Qwen2.5-1.5B's state
    assert "cross-validation" in shipped.about
    with pytest.raises(ConfigError, match="reads 1540 inputs"):
        shipped.log_odds(np.zeros(10))
