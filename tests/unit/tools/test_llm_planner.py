"""LlmPlanner: task splitting, routing and arguments with FakeLLM; accuracy on the real SmolLM2-135M.

The fast tests script the model with FakeLLM. The ``e2e`` tests load the embedded
GGUF and measure: the documentation's examples must plan exactly, and the
accuracy set below (importable: ``ACCURACY_SET``, ``HELDOUT_SET``) must route at
least 90% of its requests right with arguments that always validate.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest

from openlive.bench.code import load_sets
from openlive.engines.base import LLM, ChatMessage
from openlive.engines.sentence_embedder import shared_embedder
from openlive.testing import FakeEmbedder, FakeLLM
from openlive.tools.llm_planner import (
    MAX_TASK_CHARS,
    MAX_TASKS,
    LlmPlanner,
    Route,
    arithmetic,
    check_code,
    extract_code,
    function_verbs,
    search_query,
    split_tasks,
    words,
)
from openlive.tools.planner import CodeStep, FunctionStep, Planner, SearchStep, Step
from openlive.wire.tools import Tools, parse_tools

# -- declarations ------------------------------------------------------------------------

# The documentation's, with no descriptions.
LIGHTS_DECLARATIONS: list[dict[str, Any]] = [{"name": "turn_on_the_lights"}, {"name": "turn_off_the_lights"}]
WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"location": {"type": "STRING", "description": "The city, e.g. London"}},
        "required": ["location"],
    },
}
TIMER = {
    "name": "set_timer",
    "description": "Start a countdown timer.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"minutes": {"type": "INTEGER", "description": "How long the timer runs, in minutes"}},
        "required": ["minutes"],
    },
}
EMAIL = {
    "name": "send_email",
    "description": "Send an email.",
    "parameters": {
        "type": "OBJECT",
        "properties": {
            "to": {"type": "STRING", "description": "The recipient's email address"},
            "subject": {"type": "STRING"},
            "body": {"type": "STRING"},
        },
        "required": ["to", "subject", "body"],
    },
}
MUSIC = {
    "name": "play_music",
    "description": "Play music of a genre.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"genre": {"type": "STRING", "enum": ["pop", "rock", "jazz", "classical", "hip hop"]}},
        "required": ["genre"],
    },
}
HOME_DECLARATIONS = [*LIGHTS_DECLARATIONS, WEATHER, TIMER, EMAIL, MUSIC]

TOOLSETS: dict[str, Tools] = {
    "lights": parse_tools([{"functionDeclarations": LIGHTS_DECLARATIONS}]),
    "home": parse_tools([{"functionDeclarations": HOME_DECLARATIONS}]),
    # The documentation's "combining multiple tools" configuration.
    "combined": parse_tools(
        [{"googleSearch": {}}, {"codeExecution": {}}, {"functionDeclarations": LIGHTS_DECLARATIONS}]
    ),
    "everything": parse_tools(
        [{"googleSearch": {}}, {"codeExecution": {}}, {"functionDeclarations": HOME_DECLARATIONS}]
    ),
}

# The documentation's prompt, verbatim.
COMBINED_PROMPT = (
    "\nHey, I need you to do three things for me.\n\n"
    "1. Compute the largest prime palindrome under 100000.\n"
    "2. Then use Google Search to look up information about the largest earthquake in California "
    "the week of Dec 5 2024?\n"
    "3. Turn on the lights\n\nThanks!\n"
)


# -- the accuracy set --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request, the declarations in force, and the plan it should get.

    ``expected`` lists each step as a function name, ``"code"`` or ``"search"``;
    empty when the model should answer without tools. ``args`` gives, per function,
    argument values that must appear (strings: contained, ignoring case).
    """

    request: str
    toolset: str
    expected: tuple[str, ...]
    args: dict[str, dict[str, Any]] = field(default_factory=dict)


ACCURACY_SET: list[Case] = [
    # The documentation's lights, no descriptions.
    Case("Turn on the lights please", "lights", ("turn_on_the_lights",)),
    Case("Turn off the lights", "lights", ("turn_off_the_lights",)),
    Case("Switch the lights off, I'm going to bed.", "lights", ("turn_off_the_lights",)),
    Case("Can you switch on the light in here?", "lights", ("turn_on_the_lights",)),
    Case("It's too dark, lights on please", "lights", ("turn_on_the_lights",)),
    Case("Turn the lights off", "lights", ("turn_off_the_lights",)),
    Case("Hi there!", "lights", ()),
    Case("How are you today?", "lights", ()),
    # A home assistant's functions.
    Case(
        "What's the weather like in Paris?", "home", ("get_weather",), {"get_weather": {"location": "Paris"}}
    ),
    Case("How's the weather in Berlin", "home", ("get_weather",), {"get_weather": {"location": "Berlin"}}),
    Case("Set a timer for 10 minutes", "home", ("set_timer",), {"set_timer": {"minutes": 10}}),
    Case("Set a 3 minute timer", "home", ("set_timer",), {"set_timer": {"minutes": 3}}),
    Case(
        "Send an email to alice@example.com about the meeting tomorrow",
        "home",
        ("send_email",),
        {"send_email": {"to": "alice@example.com"}},
    ),
    Case(
        "Email bob@example.com and tell him I'm running late",
        "home",
        ("send_email",),
        {"send_email": {"to": "bob@example.com"}},
    ),
    Case("Play some jazz", "home", ("play_music",), {"play_music": {"genre": "jazz"}}),
    Case("Put on some rock music", "home", ("play_music",), {"play_music": {"genre": "rock"}}),
    Case(
        "I want to listen to classical music", "home", ("play_music",), {"play_music": {"genre": "classical"}}
    ),
    Case(
        "Play some jazz and turn off the lights",
        "home",
        ("play_music", "turn_off_the_lights"),
        {"play_music": {"genre": "jazz"}},
    ),
    Case("Turn on the lights", "home", ("turn_on_the_lights",)),
    Case("Thank you, that's all", "home", ()),
    Case("Tell me a joke", "home", ()),
    Case("What's your name?", "home", ()),
    Case("Write a short poem about the sea", "home", ()),
    # Code execution and search beside functions.
    Case("Compute the largest prime palindrome under 100000.", "combined", ("code",)),
    Case("When did the last Brazil vs. Argentina soccer match happen?", "combined", ("search",)),
    Case("What is 2**20?", "combined", ("code",)),
    Case("Who is the president of France?", "combined", ("search",)),
    Case("Turn on the lights", "combined", ("turn_on_the_lights",)),
    Case("Good morning!", "combined", ()),
    Case(COMBINED_PROMPT, "combined", ("code", "search", "turn_on_the_lights")),
    Case("Calculate the sum of the first 100 primes", "everything", ("code",)),
    Case("Search the web for the latest news about the Mars rover", "everything", ("search",)),
    Case(
        "What's the weather in Madrid?",
        "everything",
        ("get_weather",),
        {"get_weather": {"location": "Madrid"}},
    ),
    Case("Set a timer for 20 minutes", "everything", ("set_timer",), {"set_timer": {"minutes": 20}}),
    Case("Hello!", "everything", ()),
]

# Written together with ACCURACY_SET but not looked at while tuning the planner:
# its score is the honest estimate of how the planner does on requests it was not fitted to.
HELDOUT_SET: list[Case] = [
    Case("Please turn the lights on", "lights", ("turn_on_the_lights",)),
    Case("Lights off", "lights", ("turn_off_the_lights",)),
    Case("Could you turn on the lamp?", "lights", ("turn_on_the_lights",)),
    Case("Kill the lights", "lights", ("turn_off_the_lights",)),
    Case("What time is it?", "lights", ()),
    Case("Weather forecast for London?", "home", ("get_weather",), {"get_weather": {"location": "London"}}),
    Case("Is it raining in Seattle?", "home", ("get_weather",), {"get_weather": {"location": "Seattle"}}),
    Case("Set timer 15 minutes", "home", ("set_timer",), {"set_timer": {"minutes": 15}}),
    Case("Start a countdown of 2 minutes please", "home", ("set_timer",), {"set_timer": {"minutes": 2}}),
    Case(
        "Write an email to carol@example.com with subject Lunch saying see you at noon",
        "home",
        ("send_email",),
        {"send_email": {"to": "carol@example.com"}},
    ),
    Case("Play hip hop", "home", ("play_music",), {"play_music": {"genre": "hip hop"}}),
    Case(
        "Can you play something classical?", "home", ("play_music",), {"play_music": {"genre": "classical"}}
    ),
    Case("Good night", "home", ()),
    Case("What's 2 plus 2?", "home", ()),
    Case(
        "Turn off the lights and set a timer for 5 minutes",
        "home",
        ("turn_off_the_lights", "set_timer"),
        {"set_timer": {"minutes": 5}},
    ),
    Case("Calculate the factorial of 12", "everything", ("code",)),
    Case("Search for the latest news about SpaceX", "everything", ("search",)),
    Case("Who won the 2022 World Cup?", "everything", ("search",)),
    Case("How many days are there between March 1 2024 and July 4 2024?", "everything", ("code",)),
    Case("Play some pop music", "everything", ("play_music",), {"play_music": {"genre": "pop"}}),
    Case("Hello, nice to meet you", "everything", ()),
]


# Requests where words give little or misleading evidence: statements that name a
# function's subject, hints that need understanding ("too bright" means off). Reported,
# not held to a bar: they show where a 135M model and word overlap run out.
HARD_SET: list[Case] = [
    Case("It's too bright, the lights are hurting my eyes", "lights", ("turn_off_the_lights",)),
    Case("I can't see anything, the lights!", "lights", ("turn_on_the_lights",)),
    Case("Lights, I'm going to sleep", "lights", ("turn_off_the_lights",)),
    Case("Remind me in 5 minutes", "home", ("set_timer",), {"set_timer": {"minutes": 5}}),
    Case("The music is too loud", "home", ()),
    Case("I love the weather today", "home", ()),
    Case("Tell me about your favourite music", "home", ()),
    Case("Tell me about the latest iPhone", "combined", ("search",)),
    Case("What's the current population of Japan?", "combined", ("search",)),
    Case("I like prime numbers", "combined", ()),
    Case("Minutes of the meeting were sent", "everything", ()),
    Case("What's up?", "everything", ()),
]


def plan_names(steps: Sequence[Step]) -> tuple[str, ...]:
    """A plan as the accuracy set writes it: function names, "code", "search"."""
    return tuple(
        step.name if isinstance(step, FunctionStep) else "code" if isinstance(step, CodeStep) else "search"
        for step in steps
    )


@dataclass
class Score:
    """What an accuracy run measured."""

    total: int = 0
    correct: int = 0
    args_checked: int = 0
    args_right: int = 0
    invalid_args: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    plan_ms: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def report(self, label: str) -> str:
        lines = [
            f"{label}: {self.correct}/{self.total} plans right ({self.accuracy:.0%}); "
            f"argument values {self.args_right}/{self.args_checked}; "
            f"plan time median {statistics.median(self.plan_ms):.0f} ms, max {max(self.plan_ms):.0f} ms"
        ]
        lines += [f"  miss: {miss}" for miss in self.misses]
        lines += [f"  invalid args: {bad}" for bad in self.invalid_args]
        return "\n".join(lines)


def _arg_matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, str):
        return isinstance(got, str) and expected.lower() in got.lower()
    return bool(expected == got)


def score(planner: Planner, cases: Sequence[Case]) -> Score:
    """Run ``planner`` on every case and count what it got right."""
    result = Score()
    for case in cases:
        tools = TOOLSETS[case.toolset]
        started = time.perf_counter()
        steps = planner.plan([ChatMessage("user", case.request)], tools, threading.Event())
        result.plan_ms.append((time.perf_counter() - started) * 1000)
        result.total += 1
        got = plan_names(steps)
        if got == case.expected:
            result.correct += 1
        else:
            result.misses.append(f"{case.request.strip()[:70]!r}: expected {case.expected}, got {got}")
        for step in steps:
            if not isinstance(step, FunctionStep):
                continue
            declaration = tools.function(step.name)
            assert declaration is not None
            if not jsonschema.Draft202012Validator(declaration.parameters).is_valid(step.args):
                result.invalid_args.append(f"{step.name}({step.args})")
            for key, value in case.args.get(step.name, {}).items():
                result.args_checked += 1
                if _arg_matches(value, step.args.get(key)):
                    result.args_right += 1
                else:
                    result.misses.append(
                        f"{case.request.strip()[:50]!r}: {step.name} {key}={step.args.get(key)!r}"
                    )
    return result


# -- fast tests with FakeLLM -------------------------------------------------------------


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You are a helpful assistant."), ChatMessage("user", text)]


def scripted(*replies: str) -> FakeLLM:
    """A FakeLLM that answers ``replies`` in order (the last one again when they run out)."""
    queue = list(replies)

    def reply(_: Sequence[ChatMessage]) -> str:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return FakeLLM(reply)


def plan(llm: LLM, text: str, toolset: str | Tools) -> list[Step]:
    tools = TOOLSETS[toolset] if isinstance(toolset, str) else toolset
    return LlmPlanner(llm).plan(user(text), tools, threading.Event())


def test_is_a_planner() -> None:
    assert isinstance(LlmPlanner(FakeLLM()), Planner)


def test_no_tools_declared_plans_nothing_without_the_model() -> None:
    fake = FakeLLM()
    assert plan(fake, "Turn on the lights please", Tools()) == []
    assert fake.calls == []


def test_url_context_alone_plans_nothing() -> None:
    assert plan(FakeLLM(), "Summarise https://example.com", parse_tools([{"urlContext": {}}])) == []


def test_the_documentation_lights_example_needs_no_model_call() -> None:
    fake = FakeLLM()
    steps = plan(fake, "Turn on the lights please", "lights")
    assert steps == [FunctionStep(task="Turn on the lights please", name="turn_on_the_lights", args={})]
    assert fake.calls == []  # decided by words; no parameters, so no arguments to write


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Turn off the lights", "turn_off_the_lights"),
        ("Switch the lights off, I'm going to bed.", "turn_off_the_lights"),
        ("Can you switch on the light in here?", "turn_on_the_lights"),
        ("Turn off the light on the porch", "turn_off_the_lights"),  # the first particle counts
    ],
)
def test_opposites_decide_between_on_and_off(text: str, name: str) -> None:
    assert plan_names(plan(FakeLLM(), text, "lights")) == (name,)


def test_open_and_close_are_told_apart_in_any_form() -> None:
    tools = parse_tools([{"functionDeclarations": [{"name": "openGarageDoor"}, {"name": "closeGarageDoor"}]}])
    assert plan_names(plan(FakeLLM(), "Please close the garage door", tools)) == ("closeGarageDoor",)
    assert plan_names(plan(FakeLLM(), "Could you shut the garage?", tools)) == ("closeGarageDoor",)
    assert plan_names(plan(FakeLLM(), "Close the garage door, I left it open", tools)) == ("closeGarageDoor",)
    assert plan_names(plan(FakeLLM(), "Open the garage", tools)) == ("openGarageDoor",)


def test_chit_chat_plans_nothing_and_asks_no_model() -> None:
    fake = FakeLLM()
    texts = (
        "Hello, how are you?",
        "Tell me a joke",
        "Thanks!",
        "I love the weather today",
        "The music is loud",
    )
    for text in texts:
        assert plan(fake, text, "everything") == []
    assert fake.calls == []


def test_a_tie_is_broken_by_the_model_under_an_enum_schema() -> None:
    fake = scripted('"turn_off_the_lights"')
    steps = plan(fake, "The lights, please", "lights")
    assert plan_names(steps) == ("turn_off_the_lights",)
    (call,) = fake.calls
    schema = call[1].json_schema
    assert schema == {"enum": ["turn_on_the_lights", "turn_off_the_lights", "none"]} or schema == {
        "enum": ["turn_off_the_lights", "turn_on_the_lights", "none"]
    }
    assert call[0][-1].content == "The lights, please"


def test_the_model_may_choose_none() -> None:
    assert plan(scripted('"none"'), "The lights, please", "lights") == []


def test_an_answer_outside_the_enum_calls_nothing() -> None:
    assert plan(scripted('"make_coffee"'), "The lights, please", "lights") == []


def test_a_weak_best_that_is_clearly_ahead_needs_no_model() -> None:
    fake = FakeLLM()
    steps = plan(fake, "Tell me about the latest iPhone", "combined")
    assert steps == [SearchStep("Tell me about the latest iPhone", "the latest iPhone")]
    assert fake.calls == []


def test_without_model_choice_a_tie_gets_no_tool() -> None:
    fake = FakeLLM()
    planner = LlmPlanner(fake, use_model_choice=False)
    assert planner.route("Turn on the lights", TOOLSETS["lights"]) == Route("function", "turn_on_the_lights")
    assert planner.route("The lights, please", TOOLSETS["lights"]) == Route("none")
    assert fake.calls == []


def test_arguments_are_written_under_the_parameters_schema() -> None:
    fake = scripted('{"location": "Paris"}')
    steps = plan(fake, "What's the weather like in Paris?", "home")
    assert steps == [FunctionStep("What's the weather like in Paris?", "get_weather", {"location": "Paris"})]
    (call,) = fake.calls
    weather = TOOLSETS["home"].function("get_weather")
    assert weather is not None
    # The parameters schema, with the city narrowed to the request's own phrases.
    schema = call[1].json_schema
    assert schema is not None
    assert {k: v for k, v in schema.items() if k != "properties"} == {
        k: v for k, v in weather.parameters.items() if k != "properties"
    }
    assert schema["properties"]["location"]["type"] == "string"
    assert "Paris" in schema["properties"]["location"]["enum"]
    assert call[1].temperature == 0.0
    prompt = call[0][0].content
    assert (
        "get_weather" in prompt and "Get the current weather for a city." in prompt and "location" in prompt
    )


def test_an_enum_the_task_names_is_narrowed_to_that_value() -> None:
    fake = scripted('{"genre": "jazz"}')
    steps = plan(fake, "Play some jazz", "home")
    assert steps == [FunctionStep("Play some jazz", "play_music", {"genre": "jazz"})]
    schema = fake.params[0].json_schema
    assert schema is not None
    assert schema["properties"]["genre"]["enum"] == ["jazz"]


def test_a_phrase_to_copy_is_chosen_from_the_request_but_a_message_is_written() -> None:
    fake = scripted('{"to": "bob@example.com", "subject": "Late", "body": "Running late"}')
    plan(fake, "Email bob@example.com and tell him I'm running late", "home")
    schema = fake.params[0].json_schema
    assert schema is not None
    assert "bob@example.com" in schema["properties"]["to"]["enum"]
    assert "enum" not in schema["properties"]["subject"] and "enum" not in schema["properties"]["body"]


def test_invalid_json_drops_the_step() -> None:
    assert plan(scripted("sure! the location is Paris"), "What's the weather like in Paris?", "home") == []


def test_arguments_that_do_not_validate_drop_the_step() -> None:
    # minutes must be an integer; an engine that ignored the schema could say this.
    assert plan(scripted('{"minutes": "ten"}'), "Set a timer for 10 minutes", "home") == []
    assert plan(scripted('{"genre": "polka"}'), "Play some music", "home") == []
    assert plan(scripted("{}"), "Send an email to bob@example.com", "home") == []


def test_json_in_a_chatty_reply_is_found() -> None:
    steps = plan(scripted('Here you go: {"minutes": 10}'), "Set a timer for 10 minutes", "home")
    assert steps == [FunctionStep("Set a timer for 10 minutes", "set_timer", {"minutes": 10})]


def test_the_combined_documentation_prompt_gives_code_search_and_lights() -> None:
    code = "```python\nprint(max(n for n in range(100000) if str(n) == str(n)[::-1]))\n```"
    fake = scripted(code)
    steps = plan(fake, COMBINED_PROMPT, "combined")
    assert plan_names(steps) == ("code", "search", "turn_on_the_lights")
    first, second, third = steps
    assert isinstance(first, CodeStep) and first.task == "Compute the largest prime palindrome under 100000."
    assert first.code == "print(max(n for n in range(100000) if str(n) == str(n)[::-1]))"
    assert isinstance(second, SearchStep)
    assert second.query == "the largest earthquake in California the week of Dec 5 2024"
    assert third == FunctionStep("Turn on the lights", "turn_on_the_lights", {})
    assert len(fake.calls) == 1  # only the code needed the model


def test_a_coder_given_for_the_model_writes_the_code_and_only_the_code() -> None:
    coder = scripted("```python\nprint(sum(range(10)))\n```")
    model = scripted('{"room": "kitchen"}')
    request = "Calculate the sum of the numbers below 10. Then turn on the lights in the kitchen."
    steps = LlmPlanner(model, coder=coder).plan(user(request), TOOLSETS["combined"], threading.Event())
    code = next(s for s in steps if isinstance(s, CodeStep))
    assert code.code == "print(sum(range(10)))"
    assert len(coder.calls) == 1
    assert all("Python" not in str(call) for call in model.calls)  # the tiny model wrote no code


def test_a_failed_program_is_written_again_from_its_error_and_the_same_program_is_no_fix() -> None:
    error = "Traceback (most recent call last):\n" + "  line\n" * 20 + "ZeroDivisionError: division by zero"
    coder = scripted("```python\nprint(sum(range(10)))\n```")
    fixed = LlmPlanner(FakeLLM(), coder=coder).fix_code("Sum below 10", "print(1 / 0)", error)
    assert fixed == "print(sum(range(10)))"
    (messages, _), *_ = coder.calls
    assert messages[-2].content == "```python\nprint(1 / 0)\n```"  # its own program, then the error
    assert "ZeroDivisionError" in messages[-1].content and "Traceback" not in messages[-1].content
    same = scripted("```python\nprint(1 / 0)\n```")
    assert LlmPlanner(FakeLLM(), coder=same).fix_code("Sum below 10", "print(1 / 0)", error) is None


def test_code_and_search_are_used_only_when_declared() -> None:
    assert plan(FakeLLM(), "Compute the largest prime palindrome under 100000.", "lights") == []
    assert plan(FakeLLM(), "Who is the president of France?", "home") == []
    steps = plan(FakeLLM(), "Who is the president of France?", "combined")
    assert steps == [SearchStep("Who is the president of France?", "Who is the president of France")]


def test_plain_arithmetic_is_written_without_the_model() -> None:
    fake = FakeLLM()
    steps = plan(fake, "What is 2**20?", "combined")
    assert steps == [CodeStep("What is 2**20?", "print(2**20)")]
    assert fake.calls == []


def test_code_that_does_not_compile_is_retried_with_another_seed() -> None:
    fake = scripted("```python\nprint(1 +)\n```", "```python\nprint(sum(range(10)))\n```")
    steps = plan(fake, "Calculate the sum of the numbers below 10", "combined")
    assert steps == [CodeStep("Calculate the sum of the numbers below 10", "print(sum(range(10)))")]
    first, second = fake.params
    assert (first.seed, first.temperature) != (second.seed, second.temperature)
    assert first.max_tokens is not None and first.max_tokens <= 256


def test_code_that_never_compiles_drops_the_step() -> None:
    assert plan(scripted("```python\ndef (:\n```"), "Calculate the factorial of 10", "combined") == []


def test_code_with_an_undefined_name_is_kept_only_when_nothing_better_comes() -> None:
    fake = scripted("```python\nprint(fact(10))\n```")
    (step,) = plan(fake, "Calculate the factorial of 10", "combined")
    assert isinstance(step, CodeStep) and step.code == "print(fact(10))"
    assert len(fake.calls) == 2


def test_missing_standard_library_imports_are_added() -> None:
    fake = scripted("```python\nprint(factorial(10), math.sqrt(2), date(2024, 1, 1))\n```")
    (step,) = plan(fake, "Calculate the factorial of 10", "combined")
    assert isinstance(step, CodeStep)
    assert step.code == (
        "import math\nfrom datetime import date\nfrom math import factorial\n"
        "print(factorial(10), math.sqrt(2), date(2024, 1, 1))"
    )
    assert len(fake.calls) == 1


def test_a_helper_from_the_worked_examples_is_defined_for_a_program_that_calls_it() -> None:
    fake = scripted(
        "```python\ndef count(n):\n    return sum(1 for k in range(n) if is_prime(k))\n\n"
        "print(count(1000))\n```"
    )
    (step,) = plan(fake, "Count the prime numbers below 1000", "combined")
    assert isinstance(step, CodeStep)
    helper, program = step.code.split("\n\ndef count", 1)
    assert helper.startswith("def is_prime(n):") and "print(count(1000))" in program
    namespace: dict[str, Any] = {}
    exec(helper, namespace)  # noqa: S102 - the examples' own helper, checked to work
    assert [n for n in range(20) if namespace["is_prime"](n)] == [2, 3, 5, 7, 11, 13, 17, 19]
    assert len(fake.calls) == 1  # the mended program is used: no second try


def test_a_program_that_defines_its_own_helper_is_left_alone() -> None:
    code = "def is_prime(n):\n    return n == 2\n\nprint(is_prime(2))"
    fake = scripted(f"```python\n{code}\n```")
    (step,) = plan(fake, "Is 2 a prime number", "combined")
    assert isinstance(step, CodeStep) and step.code == code


def test_a_reply_cut_off_at_the_token_limit_loses_its_unfinished_lines() -> None:
    fake = scripted("```python\ntotal = sum(range(10))\nprint(total)\nfor i in range(")
    (step,) = plan(fake, "Calculate the sum of the numbers below 10", "combined")
    assert isinstance(step, CodeStep) and step.code == "total = sum(range(10))\nprint(total)"


def test_a_bare_last_expression_is_printed() -> None:
    fake = scripted("```python\nx = 6 * 7\nx\n```")
    (step,) = plan(fake, "Calculate six times seven", "combined")
    assert isinstance(step, CodeStep) and step.code == "x = 6 * 7\nprint(x)"


def test_multiple_requests_in_one_sentence() -> None:
    fake = scripted('{"genre": "jazz"}')
    steps = plan(fake, "Play some jazz and turn off the lights", "home")
    assert steps == [
        FunctionStep("Play some jazz", "play_music", {"genre": "jazz"}),
        FunctionStep("turn off the lights", "turn_off_the_lights", {}),
    ]


def test_only_the_newest_user_turn_is_planned() -> None:
    messages = [
        ChatMessage("user", "Turn on the lights"),
        ChatMessage("assistant", "Done."),
        ChatMessage("user", "Thanks, now turn them off"),
    ]
    steps = LlmPlanner(FakeLLM()).plan(messages, TOOLSETS["lights"], threading.Event())
    assert plan_names(steps) == ("turn_off_the_lights",)


def test_cancel_stops_between_model_calls() -> None:
    cancel = threading.Event()

    def reply(_: Sequence[ChatMessage]) -> str:
        cancel.set()  # the user interrupted while the model was writing arguments
        return '{"location": "Paris"}'

    fake = FakeLLM(reply)
    text = "What's the weather in Paris? Then set a timer for 10 minutes"
    assert LlmPlanner(fake).plan(user(text), TOOLSETS["home"], cancel) == []
    assert len(fake.calls) == 1


def test_an_already_cancelled_plan_calls_no_model() -> None:
    cancel = threading.Event()
    cancel.set()
    fake = FakeLLM()
    assert LlmPlanner(fake).plan(user("What's the weather in Paris?"), TOOLSETS["home"], cancel) == []
    assert fake.calls == []


@pytest.mark.parametrize(
    ("text", "tasks"),
    [
        (COMBINED_PROMPT, 3),
        ("Turn on the lights please", 1),
        ("Play rock and roll", 1),
        ("Play some jazz and then turn off the lights. Also set a timer for 5 minutes!", 3),
        ("When did the last Brazil vs. Argentina soccer match happen?", 1),
        ("- buy milk\n- call mom", 2),
        ("Thanks!", 0),
    ],
)
def test_split_tasks(text: str, tasks: int) -> None:
    assert len(split_tasks(text)) == tasks


@pytest.mark.parametrize(
    ("text", "tasks"),
    [
        # A verb that may be a noun starts a task when its object follows.
        ("Pay the phone bill and then tell me my balance.", 2),
        ("Book a taxi and text Ben that I'm late.", 2),
        ("Add salt and water to the list.", 1),
        ("I'd like tea and a cake.", 1),
        ("Find flights to Rome and show me the cheapest.", 2),
    ],
)
def test_split_tasks_on_verbs_followed_by_their_object(text: str, tasks: int) -> None:
    assert len(split_tasks(text)) == tasks


def test_the_declared_functions_verbs_split_tasks() -> None:
    text = "Dim the screen to 20 and polish the floor for five minutes."
    assert split_tasks(text) == [text]
    house = parse_tools([{"functionDeclarations": [{"name": "polish_floor"}, {"name": "fooBar"}]}])
    assert function_verbs(house) == {"polish", "foo"}
    tasks = split_tasks(text, function_verbs(house))
    assert tasks == ["Dim the screen to 20", "polish the floor for five minutes."]


@pytest.mark.parametrize(
    ("text", "tasks"),
    [
        (
            "Took my pills, 10 milligrams. Can you note that down?",
            ["Took my pills, 10 milligrams. Can you note that down?"],
        ),
        ("Print the slip. Just one copy is fine.", ["Print the slip. Just one copy is fine."]),
        (
            "I'm leaving now. Turn off the lights and lock the door.",
            ["I'm leaving now. Turn off the lights", "lock the door."],
        ),
        ("Print the list. Also start the car.", ["Print the list.", "start the car."]),
        ("What's the weather? Then set a timer.", ["What's the weather?", "set a timer."]),
        ("Where is my parcel? The number is 1Z99.", ["Where is my parcel? The number is 1Z99."]),
        ("It is cold in here.", ["It is cold in here."]),
    ],
)
def test_statements_join_the_request_they_explain(text: str, tasks: list[str]) -> None:
    assert split_tasks(text, statements_join=True) == tasks


def test_split_tasks_reads_only_as_much_text_as_the_planner_takes_tasks() -> None:
    # A hostile message of thousands of tasks costs no more than the ten read.
    text = "lock the door and turn on the lights " * 30_000
    tasks = split_tasks(text)
    assert sum(map(len, tasks)) <= MAX_TASKS * MAX_TASK_CHARS


def test_split_tasks_keeps_the_words_of_each_task() -> None:
    assert split_tasks(COMBINED_PROMPT) == [
        "Compute the largest prime palindrome under 100000.",
        "use Google Search to look up information about the largest earthquake in California "
        "the week of Dec 5 2024?",
        "Turn on the lights",
    ]


def test_words_split_identifiers_and_fold_forms() -> None:
    assert words("turn_on_the_lights") == ["turn", "on", "light"]
    assert words("getWeather") == ["weather"]
    assert words("media.play-music") == ["media", "play", "music"]
    assert words("Switching the lamps off") == ["turn", "light", "off"]
    assert words("closed") == words("closing") == words("close")
    assert words("songs") == words("music")


@pytest.mark.parametrize(
    ("task", "query"),
    [
        ("use Google Search to look up information about the largest earthquake", "the largest earthquake"),
        ("Search the web for the latest news about SpaceX", "the latest news about SpaceX"),
        ("When did Brazil vs. Argentina happen?", "When did Brazil vs. Argentina happen"),
        ("Look up the population of Peru", "the population of Peru"),
    ],
)  # fmt: skip
def test_search_query_strips_the_request(task: str, query: str) -> None:
    assert search_query(task) == query


@pytest.mark.parametrize(
    ("task", "expression"),
    [
        ("What is 2**20?", "2**20"),
        ("what is 3 plus 4 times 2", "3 + 4 * 2"),
        ("What's 2 to the power of 10?", "2 ** 10"),
        ("the week of Dec 5 2024", None),
        ("What is the sum of the digits of 2**100?", None),
        ("Calculate 12 * (3 + 4), please", "12 * (3 + 4)"),
        ("How many days between 2024-1-1 and 2024-3-15?", None),
        ("Call 555-1234", None),
        ("What is 7 plus 8, times 2?", None),  # only part of it is one expression
        ("What is 6 times 8 plus 2?", "6 * 8 + 2"),
    ],
)
def test_arithmetic(task: str, expression: str | None) -> None:
    assert arithmetic(task) == expression


def test_extract_and_check_code() -> None:
    assert extract_code("Sure:\n```python\nprint(1)\n```\nDone") == "print(1)"
    assert extract_code("```python\nprint(1)") == "print(1)"  # cut off at max_tokens
    assert extract_code("print(2)") == "print(2)"
    assert check_code("print(1)") is None
    assert check_code("import math\nprint(math.pi)") is None
    assert check_code("def f(n):\n    return n\nprint([f(i) for i in range(3)])") is None
    assert check_code("print(1 +)") is not None and "compile" in str(check_code("print(1 +)"))
    assert "factorial" in str(check_code("print(factorial(10))"))
    assert check_code("x = 1") == "prints nothing"


# -- the real model ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def smollm2() -> Iterator[LLM]:
    from openlive.engines.embedded import smollm2_path
    from openlive.engines.llama import LlamaCppEngine
    from openlive.errors import ConfigError

    try:
        path = smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    yield LlamaCppEngine(path, n_ctx=2048, contexts=1)


@pytest.mark.e2e
def test_llama_engine_json_schema_streams_through_the_pool() -> None:
    """SamplingParams.json_schema on LlamaCppEngine: shared grammars, several contexts, streaming, cancel."""
    from concurrent.futures import ThreadPoolExecutor

    from openlive.engines.base import GenerationStats, SamplingParams
    from openlive.engines.embedded import smollm2_path
    from openlive.engines.llama import LlamaCppEngine
    from openlive.errors import EngineError

    engine = LlamaCppEngine(smollm2_path(), n_ctx=1024, contexts=2)
    weather = TOOLSETS["home"].function("get_weather")
    timer = TOOLSETS["home"].function("set_timer")
    assert weather is not None and timer is not None
    jobs = [
        ("What's the weather in Paris?", weather.parameters),
        ("Set a timer for 10 minutes", timer.parameters),
    ] * 3

    def run(job: tuple[str, dict[str, Any]]) -> list[str]:
        text, schema = job
        # Greedy: at 0.7 the 135M model sometimes wrote a long string, with a raw newline
        # in it, until max_tokens cut it off; that is the grammar and the token cap (noted
        # as open), not the pool this test is about.
        params = SamplingParams(json_schema=schema, max_tokens=60, temperature=0.0)
        return list(
            engine.generate([ChatMessage("user", text)], params, GenerationStats(), threading.Event())
        )

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, jobs))
    for (_, schema), pieces in zip(jobs, results, strict=True):
        assert len(pieces) > 1  # streamed, not returned at once
        jsonschema.validate(json.loads("".join(pieces)), schema)
    assert len(engine._grammars) == 2  # one grammar per schema, shared by both contexts

    cancel = threading.Event()
    stream = engine.generate(
        [ChatMessage("user", "Write an email")],
        SamplingParams(
            json_schema={"type": "object", "properties": {"body": {"type": "string"}}}, max_tokens=200
        ),
        GenerationStats(),
        cancel,
    )
    next(stream)
    cancel.set()
    assert len(list(stream)) <= 1
    with pytest.raises(EngineError, match="JSON schema"):
        list(
            engine.generate(
                SEA_PROMPT, SamplingParams(json_schema={"type": "nonsense"}), GenerationStats(), cancel
            )
        )


SEA_PROMPT = [ChatMessage("user", "Tell me about the sea.")]


def real_plan(llm: LLM, text: str, toolset: str) -> list[Step]:
    planner = LlmPlanner(llm, embedder=shared_embedder)  # as the server builds it
    return planner.plan([ChatMessage("user", text)], TOOLSETS[toolset], threading.Event())


@pytest.mark.e2e
def test_real_model_documentation_lights_example(smollm2: LLM) -> None:
    steps = real_plan(smollm2, "Turn on the lights please", "lights")
    assert steps == [FunctionStep("Turn on the lights please", "turn_on_the_lights", {})]


@pytest.mark.e2e
def test_real_model_documentation_combined_example(smollm2: LLM) -> None:
    started = time.perf_counter()
    steps = real_plan(smollm2, COMBINED_PROMPT, "combined")
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"combined prompt planned in {elapsed_ms:.0f} ms: {steps}")
    assert plan_names(steps) == ("code", "search", "turn_on_the_lights")
    code, search, lights = steps
    assert isinstance(code, CodeStep)
    compile(code.code, "<plan>", "exec")  # it compiles; whether it is right, see the code report
    assert isinstance(search, SearchStep) and "earthquake in California" in search.query
    assert lights == FunctionStep("Turn on the lights", "turn_on_the_lights", {})


@pytest.mark.e2e
def test_real_model_hard_set_report(smollm2: LLM, capsys: pytest.CaptureFixture[str]) -> None:
    result = score(LlmPlanner(smollm2, embedder=shared_embedder), HARD_SET)
    with capsys.disabled():
        print("\n" + result.report("SmolLM2-135M hard set (reported only)"))
    assert result.invalid_args == []


@pytest.mark.e2e
@pytest.mark.parametrize(("label", "cases"), [("accuracy set", ACCURACY_SET), ("held-out set", HELDOUT_SET)])
def test_real_model_accuracy(
    smollm2: LLM, label: str, cases: list[Case], capsys: pytest.CaptureFixture[str]
) -> None:
    result = score(LlmPlanner(smollm2, embedder=shared_embedder), cases)
    with capsys.disabled():
        print("\n" + result.report(f"SmolLM2-135M {label}"))
    assert result.invalid_args == []
    assert result.accuracy >= 0.9


# -- writing code on the real model --------------------------------------------------------

# The tasks the code prompt was chosen on (`openlive bench code` runs them and a second set).
CODE_TASKS: list[tuple[str, str]] = [(item["task"], item["answer"]) for item in load_sets()["first"]]


def run_python(code: str, timeout: float = 10.0) -> str:
    """Run ``code`` in a fresh interpreter; its output, or the error's last line."""
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timed out"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["error"])[-1]
    return done.stdout.strip()


def code_report(llm: LLM, tasks: Sequence[tuple[str, str]]) -> tuple[int, int, int, list[str]]:
    """(written, ran, right answer, lines) for each compute task."""
    planner = LlmPlanner(llm)
    written = ran = right = 0
    lines = []
    for task, answer in tasks:
        started = time.perf_counter()
        code = planner.write_code(task)
        ms = (time.perf_counter() - started) * 1000
        output = run_python(code) if code is not None else "no code"
        written += code is not None
        ok_run = code is not None and not re.search(r"Error|timed out", output)
        ran += ok_run
        is_right = bool(re.search(rf"(?<![\d.]){answer}(?:\.0)?(?![\d.])", output))
        right += is_right
        verdict = "RIGHT" if is_right else "ran" if ok_run else "FAIL"
        lines.append(f"  {verdict} {ms:5.0f} ms {task!r} -> {output[:60]!r}")
        lines.append("    " + json.dumps(code))
    return written, ran, right, lines


@pytest.mark.e2e
def test_real_model_code_report(smollm2: LLM, capsys: pytest.CaptureFixture[str]) -> None:
    """A report, not a bar: SmolLM2-135M writes poor code. Only plain arithmetic must be right."""
    written, ran, right, lines = code_report(smollm2, CODE_TASKS)
    with capsys.disabled():
        print(f"\ncode for {len(CODE_TASKS)} tasks: {written} written, {ran} ran, {right} right")
        print("\n".join(lines))
    assert right >= 1  # 2**20 is written without the model


# -- routing by meaning (a fake embedder) ------------------------------------------------------

VOLUME = {
    "name": "set_volume",
    "description": "Set the speaker volume.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"level": {"type": "INTEGER", "description": "Volume from 0 to 100"}},
        "required": ["level"],
    },
}
CALL = {
    "name": "call_contact",
    "description": "Call a contact by phone.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"name": {"type": "STRING", "description": "Who to call"}},
        "required": ["name"],
    },
}
MEANING_TOOLS = parse_tools([{"functionDeclarations": [VOLUME, CALL]}])
LOUD = "The music is way too loud."
VOLUME_TEXT = "set volume: Set the speaker volume."
CALL_TEXT = "call contact: Call a contact by phone."


def plan_by_meaning(embedder: FakeEmbedder | None, text: str, *replies: str) -> list[Step]:
    planner = LlmPlanner(scripted(*replies or ('{"level": 30}',)), embedder=lambda: embedder)
    return planner.plan(user(text), MEANING_TOOLS, threading.Event())


def test_a_task_no_word_routes_goes_to_the_function_clearly_closest_in_meaning() -> None:
    embedder = FakeEmbedder({(LOUD, VOLUME_TEXT): 0.45, (LOUD, CALL_TEXT): 0.10})
    steps = plan_by_meaning(embedder, LOUD)
    assert plan_names(steps) == ("set_volume",)
    assert embedder.asked == [LOUD]
    # Without the embedder, the words alone route the statement nowhere.
    assert plan_by_meaning(None, LOUD) == []


@pytest.mark.parametrize(
    ("volume", "call"),
    [
        (0.25, 0.05),  # not close enough
        (0.45, 0.40),  # not clearly closer than the next
    ],
)
def test_meaning_decides_only_when_one_function_is_clearly_closest(volume: float, call: float) -> None:
    embedder = FakeEmbedder({(LOUD, VOLUME_TEXT): volume, (LOUD, CALL_TEXT): call})
    assert plan_by_meaning(embedder, LOUD) == []


def test_words_that_route_the_task_are_not_overruled_by_meaning() -> None:
    # "call" names call_contact; the embedder would have said set_volume.
    text = "Call Jake."
    embedder = FakeEmbedder({(text, VOLUME_TEXT): 0.9, (text, CALL_TEXT): 0.1})
    steps = plan_by_meaning(embedder, text, '{"name": "Jake"}')
    assert plan_names(steps) == ("call_contact",)
    assert embedder.asked == []


def test_an_embedder_that_is_not_installed_leaves_the_words_alone() -> None:
    planner = LlmPlanner(scripted('{"level": 30}'), embedder=lambda: None)
    assert planner.plan(user(LOUD), MEANING_TOOLS, threading.Event()) == []


def test_meaning_chooses_among_declared_functions_only() -> None:
    tools = parse_tools([{"codeExecution": {}}, {"googleSearch": {}}])
    embedder = FakeEmbedder()
    planner = LlmPlanner(scripted("none"), embedder=lambda: embedder)
    assert planner.plan(user("I had a long day at work."), tools, threading.Event()) == []
    assert embedder.asked == []


def test_a_cancelled_program_is_none_not_an_error() -> None:
    # The native planner has this planner write its programs, outside its own plan.
    cancel = threading.Event()
    cancel.set()
    fake = FakeLLM()
    assert LlmPlanner(fake).write_code("Is 7919 a prime number?", cancel) is None
    assert fake.calls == []
