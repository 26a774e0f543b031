from openlive.engines.llama import opens_tool_call, parse_tool_calls
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


def test_what_opens_a_call() -> None:
    assert opens_tool_call("<tool_call>\n{")
    assert opens_tool_call('  {"name"')
    assert opens_tool_call("```json\n{")
    assert not opens_tool_call("Hello! I'm")
    assert not opens_tool_call("```python\nprint")
    assert not opens_tool_call("")


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
