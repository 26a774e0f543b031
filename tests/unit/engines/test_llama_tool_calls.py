import threading
from collections.abc import Sequence

from openlive.engines.llama import (
    MAX_TOOL_CALLS,
    NO_TOOL,
    opens_tool_call,
    parse_tool_calls,
    successive_calls,
)
from openlive.engines.native_tools import ToolCall


def test_calls_in_the_template_form_are_parsed_in_order() -> None:
    text = (
        '<tool_call>\n{"name": "lock_door", "arguments": {"door": "back"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "set_alarm", "arguments": {"time": "06:30"}}\n</tool_call>'
    )
    assert parse_tool_calls(text) == [
        ToolCall("lock_door", {"door": "back"}),
        ToolCall("set_alarm", {"time": "06:30"}),
    ]


def test_a_missing_closing_tag_still_parses_and_bad_blocks_are_skipped() -> None:
    text = (
        '<tool_call>\n{"name": "a", "arguments": {}}\n<tool_call>\nnot json\n'
        '<tool_call>{"name": 3, "arguments": {}}<tool_call>{"name": "b", "arguments": "{\\"x\\": 1}"}'
    )
    assert parse_tool_calls(text) == [ToolCall("a", {}), ToolCall("b", {"x": 1})]


def test_no_tag_no_call() -> None:
    assert parse_tool_calls('{"name": "a", "arguments": {}}') == []


def call(name: str, **arguments: object) -> str:
    """What the model writes after an opening tag, under the grammar."""
    import json

    return json.dumps({"name": name, "arguments": arguments}) + "\n</tool_call>"


class Writer:
    """Plays the model: hands out the scripted texts, one per opening tag, and keeps the tags."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.heads: list[str] = []

    def __call__(self, head: str) -> str:
        self.heads.append(head)
        return self.texts.pop(0) if self.texts else ""


def calls_of(
    *texts: str, stop_name: str = NO_TOOL.name, cancel: threading.Event | None = None
) -> list[ToolCall]:
    return successive_calls(Writer(texts), stop_name, cancel or threading.Event())


def test_calls_follow_one_another_until_the_model_names_no_function() -> None:
    writer = Writer([call("lock_door", door="back"), call("set_alarm", time="06:30"), call(NO_TOOL.name)])
    calls = successive_calls(writer, NO_TOOL.name, threading.Event())
    assert calls == [ToolCall("lock_door", {"door": "back"}), ToolCall("set_alarm", {"time": "06:30"})]
    # The template's form: each call opens on its own line after the one before.
    assert writer.heads == ["<tool_call>\n", "\n<tool_call>\n", "\n<tool_call>\n"]


def test_no_function_first_means_no_calls_and_is_never_returned() -> None:
    assert calls_of(call(NO_TOOL.name), call("lock_door", door="front")) == []


def test_the_same_function_may_be_called_again_with_other_arguments() -> None:
    texts = [call("lock_door", door=d) for d in ("front", "back", "garage")] + [call(NO_TOOL.name)]
    assert [c.arguments["door"] for c in calls_of(*texts)] == ["front", "back", "garage"]


def test_a_repeated_call_ends_the_calls_and_is_not_made_twice() -> None:
    texts = [call("lock_door", door="front"), call("lock_door", door="front"), call("set_alarm", time="7")]
    assert calls_of(*texts) == [ToolCall("lock_door", {"door": "front"})]


def test_text_that_is_no_call_ends_the_calls() -> None:
    # Cut short where the stop string matched (``{"name": ``), cut by a cancel, or nothing at all.
    assert calls_of(call("a"), '{"name": ', call("b")) == [ToolCall("a", {})]
    assert calls_of("not json at all") == []
    assert calls_of("") == []


def test_a_model_that_never_stops_is_cut_off() -> None:
    texts = [call("count", n=i) for i in range(3 * MAX_TOOL_CALLS)]
    assert len(calls_of(*texts)) == MAX_TOOL_CALLS


def test_a_cancelled_turn_asks_for_no_more_calls() -> None:
    cancel = threading.Event()
    writer = Writer([call("a"), call("b")])

    def write(head: str) -> str:
        text = writer(head)
        cancel.set()
        return text

    assert successive_calls(write, NO_TOOL.name, cancel) == [ToolCall("a", {})]
    assert len(writer.heads) == 1


def test_the_model_says_whether_another_call_follows() -> None:
    asked: list[int] = []

    def another() -> bool:
        asked.append(1)
        return len(asked) < 2  # one more call, then no more

    writer = Writer([call("a"), call("b"), call("c")])
    calls = successive_calls(writer, NO_TOOL.name, threading.Event(), another)
    assert calls == [ToolCall("a", {}), ToolCall("b", {})]
    assert len(asked) == 2 and len(writer.heads) == 2  # never asked before the first call


def test_what_opens_a_call() -> None:
    assert opens_tool_call("<tool_call>\n{")
    assert opens_tool_call('  {"name"')
    assert opens_tool_call("```json\n{")
    assert not opens_tool_call("Hello! I'm")
    assert not opens_tool_call("```python\nprint")
    assert not opens_tool_call("")


def test_a_declared_function_named_like_the_no_tool_choice_is_a_call() -> None:
    # The client declared ``reply_without_tools`` itself: then it is offered as theirs, not as ours.
    assert calls_of(call(NO_TOOL.name), call(NO_TOOL.name), stop_name="") == [ToolCall(NO_TOOL.name, {})]


def test_compiles_tells_a_program_from_one_joined_into_a_line() -> None:
    from openlive.engines.llama import compiles

    lines = "def f(n):\n    return n * 2\n\nprint(f(21))\n"
    assert compiles(lines)
    # What Qwen2.5-Coder-1.5B wrote inside a JSON string: the statements joined by spaces.
    assert not compiles("def f(n): return n * 2 print(f(21))")
    assert not compiles("print('a')\x00")
    # A program nested past the parser's limits is no program, and no crash.
    assert not compiles("(" * 100_000)
    assert not compiles("-" * 100_000 + "1")


def test_the_no_tool_choice_takes_no_arguments_and_cannot_clash_with_code_or_search() -> None:
    from openlive.engines.llama import NO_TOOL
    from openlive.tools.native_planner import CODE_FUNCTION, SEARCH_FUNCTION

    assert NO_TOOL.parameters == {"type": "object", "properties": {}, "additionalProperties": False}
    assert NO_TOOL.name not in {CODE_FUNCTION.name, SEARCH_FUNCTION.name}
    assert CODE_FUNCTION.code_argument == "code" and SEARCH_FUNCTION.code_argument == ""
