"""The listener judge: its few-shot odds, its probe of the model's state, and what happens without it."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from openlive.errors import ConfigError
from openlive.pipeline.listener_judge import (
    EVIDENCE,
    ListenerJudge,
    ListenerModel,
    listener_odds,
    probe_inputs,
)
from openlive.testing import FakeScorer, FakeStateScorer

LEANS_YES = {" yes": -0.1, " no": -3.0}  # the few-shot odds alone: a listener's response (2.9)


def probe(judge_name: str = "judge") -> ListenerModel:
    """A probe over (odds, 2 state numbers) that reads the state's first number only (> 0: go on)."""
    return ListenerModel(
        judge=judge_name,
        mean=np.zeros(3),
        scale=np.ones(3),
        weights=np.array([0.0, 5.0, 0.0]),
        bias=0.0,
        offset=0.5,
    )


def scorer() -> FakeStateScorer:
    # The words are not in the prompt's worked examples: the fake finds them in the case only.
    return FakeStateScorer(LEANS_YES, states={"Zorb flib": [-1.0, 0.0]}, default=[1.0, 0.0], lean=0.4)


def loaded(judge: ListenerJudge) -> ListenerJudge:
    judge.load()
    assert judge.ready
    return judge


def test_the_odds_are_yes_against_no_less_the_lean() -> None:
    assert listener_odds(FakeScorer(LEANS_YES, lean=0.4), "Zorb flib") == pytest.approx(2.5)


def test_the_probes_input_is_the_odds_then_the_state() -> None:
    assert list(probe_inputs(1.5, np.array([0.25, -2.0]))) == [1.5, 0.25, -2.0]
    assert EVIDENCE == ("odds",)


def test_the_probe_decides_from_the_state_when_the_scorer_keeps_states() -> None:
    judge = loaded(ListenerJudge(scorer, "judge", classifier=probe))
    assert judge("Zorb flib") == pytest.approx(-5.0 + 0.5)  # odds say go on; the state says stop
    assert judge("Mhm, lovely") == pytest.approx(5.0 + 0.5)


def test_without_a_probe_the_odds_decide() -> None:
    judge = loaded(ListenerJudge(scorer, "judge"))
    assert judge("Zorb flib") == pytest.approx(2.5)


def test_a_scorer_keeping_no_states_is_not_probed() -> None:
    read: list[int] = []

    def counted() -> ListenerModel:
        read.append(1)
        return probe()

    judge = loaded(ListenerJudge(lambda: FakeScorer(LEANS_YES, lean=0.4), "judge", classifier=counted))
    assert judge("Zorb flib") == pytest.approx(2.5) and read == []


@pytest.mark.parametrize("broken", ["another model", "missing", "another size"])
def test_a_probe_that_does_not_fit_is_reported_and_the_odds_decide(
    broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    def read() -> ListenerModel:
        if broken == "missing":
            raise ConfigError("the listener judge's model is missing: no such file")
        if broken == "another size":  # the scorer's states have 2 numbers, this probe reads 4
            return ListenerModel("judge", np.zeros(5), np.ones(5), np.ones(5), bias=0.0, offset=0.0)
        return probe("another-model")

    with caplog.at_level(logging.WARNING, logger="openlive.pipeline.listener_judge"):
        judge = loaded(ListenerJudge(scorer, "judge", classifier=read))
    assert judge("Zorb flib") == pytest.approx(2.5)
    assert [r.message for r in caplog.records if "no trained probe" in r.message]


def test_a_judge_whose_model_fails_to_load_is_absent(caplog: pytest.LogCaptureFixture) -> None:
    def fails() -> FakeScorer:
        raise ConfigError("the qwen extra is not installed")

    judge = ListenerJudge(fails, "judge", classifier=probe)
    with caplog.at_level(logging.WARNING, logger="openlive.pipeline.listener_judge"):
        judge.load()
    assert not judge.ready and "word list alone decides" in caplog.text


def test_the_shipped_probe_reads_the_packaged_judges_state() -> None:
    shipped = ListenerModel.packaged()
    assert shipped.judge == "qwen-0.5b" and shipped.size == len(EVIDENCE) + 896
    assert json.loads(shipped.to_json())["inputs"] == "odds, then the state (896 numbers)"
    assert "backchannel_train" in shipped.about


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"judge": "j"}),
        json.dumps({"judge": "j", "mean": [0], "scale": [0], "weights": [0], "bias": 0, "offset": 0}),
    ],
)
def test_a_broken_probe_file_is_refused_with_a_clear_error(text: str) -> None:
    with pytest.raises(ConfigError, match="the listener judge's model"):
        ListenerModel.from_json(text)
