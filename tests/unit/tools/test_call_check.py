from collections.abc import Sequence

from openlive.engines.base import ChatMessage, Judge
from openlive.engines.native_tools import ToolSpec
from openlive.tools.call_check import MAX_MESSAGE_CHARS, OFFSET, CallCheck, check_prompt

DOOR = ToolSpec("lock_door", "Lock one of the house's doors.", {"type": "object"})


class Odds:
    """A judge whose log-probabilities of yes and no are set, and which records the prompts."""

    def __init__(self, yes: float, no: float) -> None:
        self.yes, self.no = yes, no
        self.prompts: list[list[ChatMessage]] = []

    def answer_logprobs(
        self, messages: Sequence[ChatMessage], answers: Sequence[str], keep_cache: bool = False
    ) -> list[float]:
        assert list(answers) == ["yes", "no"] and keep_cache
        self.prompts.append(list(messages))
        return [self.yes, self.no]


def test_the_question_names_the_request_and_what_the_function_does() -> None:
    prompt = check_prompt(
        [ChatMessage("user", "Tell me a joke about doors.")], "Tell me a joke about doors.", DOOR
    )
    question = prompt[-1].content
    assert prompt[-1].role == "user" and prompt[0].role == "system"
    assert '"Tell me a joke about doors."' in question
    assert "Lock one of the house's doors." in question
    assert "Earlier" not in question


def test_a_follow_up_is_asked_about_with_the_turns_before_it() -> None:
    messages = [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "First thing."),
        ChatMessage("user", "Lock the front door."),
        ChatMessage("assistant", "The front door is locked."),
        ChatMessage("user", "And the back one."),
    ]
    question = check_prompt(messages, "And the back one.", DOOR)[-1].content
    assert "User: Lock the front door.\nAssistant: The front door is locked." in question
    assert "First thing" not in question and "Be brief" not in question  # two turns back at most


def test_long_text_is_clipped() -> None:
    task = "please " * 1000
    question = check_prompt([ChatMessage("user", task)], task, DOOR)[-1].content
    assert len(question) < 2 * MAX_MESSAGE_CHARS + 200


def test_a_call_stands_when_yes_is_likely_enough() -> None:
    messages = [ChatMessage("user", "Lock up.")]
    assert isinstance(Odds(0, 0), Judge)
    assert CallCheck(Odds(-0.1, -2.0)).fits(messages, "Lock up.", DOOR)
    # The model's doubt up to the offset still keeps the call; more takes it back.
    assert CallCheck(Odds(-OFFSET + 0.1, 0.0)).fits(messages, "Lock up.", DOOR)
    assert not CallCheck(Odds(-OFFSET - 0.1, 0.0)).fits(messages, "Lock up.", DOOR)
    assert CallCheck(Odds(-3.0, 0.0), offset=0.0).log_odds(messages, "Lock up.", DOOR) == -3.0


def test_a_function_without_a_description_is_asked_about_by_its_name() -> None:
    lights = ToolSpec("turn_on_the_lights", "", {"type": "object"})
    camel = ToolSpec("playPodcastEpisode", " ", {"type": "object"})
    assert '"turn on the lights"' in check_prompt([], "Lights!", lights)[-1].content
    assert '"play podcast episode"' in check_prompt([], "Play it.", camel)[-1].content
