from openlive.engines.base import ChatMessage
from openlive.engines.profile import CAPABLE, TINY
from openlive.parts import ImagePart, RetiredImage, TextPart
from openlive.session.prompts import (
    DEFAULT_PERSONA,
    READ_REQUEST,
    SCREEN_READ,
    SEEING,
    SPOKEN,
    TINY_BRIEF,
    reading_turn,
    recent,
    shape_prompt,
    system_text,
    tool_results_request,
    without_seeing,
)


def conversation(turns: int) -> list[ChatMessage]:
    messages = []
    for n in range(turns):
        messages += [ChatMessage("user", f"question {n}"), ChatMessage("assistant", f"answer {n}")]
    return messages


def test_the_brevity_crutch_is_only_for_tiny_models() -> None:
    assert TINY_BRIEF in system_text(None, TINY, spoken=False)
    assert TINY_BRIEF not in system_text(None, CAPABLE, spoken=False)
    assert "one or two sentences" in tool_results_request(TINY)
    assert "one or two sentences" not in tool_results_request(CAPABLE)


def test_spoken_replies_ask_for_no_markup_in_every_tier() -> None:
    for profile in (TINY, CAPABLE):
        assert SPOKEN in system_text(None, profile, spoken=True)
        assert SPOKEN not in system_text(None, profile, spoken=False)
    assert "markdown" in SPOKEN and "emoji" in SPOKEN


def test_the_clients_instruction_replaces_the_default_persona_and_comes_first() -> None:
    text = system_text("You are a pirate.", CAPABLE, spoken=True)
    assert text.startswith("You are a pirate.") and DEFAULT_PERSONA not in text
    assert system_text("   ", CAPABLE, spoken=False) == DEFAULT_PERSONA


def test_tiny_models_keep_the_last_turns_capable_ones_everything() -> None:
    history = [*conversation(6), ChatMessage("user", "newest")]
    tiny = shape_prompt(None, history, TINY, spoken=False)
    assert tiny[0].role == "system"
    # Seven user turns: the window has moved once, by three, and keeps four.
    assert [m.content for m in tiny[1:] if m.role == "user"][-3:] == ["question 4", "question 5", "newest"]
    assert len([m for m in tiny[1:] if m.role == "user"]) == 4
    capable = shape_prompt(None, history, CAPABLE, spoken=False)
    assert capable[1:] == history


def test_recent_keeps_replies_after_the_first_kept_user_turn() -> None:
    history = conversation(4)
    assert recent(history, 2) == history[4:]
    assert recent(history, 5) == history
    assert recent(history, None) == history


def test_recent_moves_its_start_in_steps_so_the_prompt_cache_holds() -> None:
    starts = []
    for turns in range(1, 30):
        history = [*conversation(turns), ChatMessage("user", "newest")]
        kept = recent(history, 3)
        users = [m for m in kept if m.role == "user"]
        assert 3 <= len(users) <= 5 or len(history) == len(kept)
        assert kept[-1].content == "newest"
        starts.append(kept[0].content)
    # The first kept message changes once every three turns, never at every turn.
    changes = sum(1 for a, b in zip(starts, starts[1:], strict=False) if a != b)
    assert changes <= len(starts) // 3 + 1


def test_without_house_rules_the_clients_instruction_goes_alone() -> None:
    from dataclasses import replace

    bare = replace(CAPABLE, house_rules=False)
    history = [ChatMessage("user", "hi")]
    assert shape_prompt(None, history, bare, spoken=True) == history
    assert shape_prompt("Be brief.", history, bare, spoken=True) == [
        ChatMessage("system", "Be brief."),
        *history,
    ]


def test_a_conversation_with_images_tells_the_model_it_sees_them_and_keeps_the_persona() -> None:
    plain = conversation(1)
    assert SEEING not in shape_prompt(None, plain, TINY, spoken=False)[0].content
    for image in (ImagePart(b"jpeg", "image/jpeg"), RetiredImage("0" * 24)):
        shown = [
            ChatMessage("user", "[image: a dialog]\nwhat is it?", (image, TextPart("what is it?"))),
            *plain,
        ]
        system = shape_prompt(None, shown, TINY, spoken=False)[0].content
        assert system.startswith(DEFAULT_PERSONA) and system.endswith(SEEING)


def test_a_reading_turn_gives_the_screens_text_then_the_question_then_what_to_do() -> None:
    turn = reading_turn('  The main text: "Total 1345".\n', " what's the total? ")
    assert turn.index(SCREEN_READ) < turn.index("Total 1345") < turn.index("what's the total?")
    assert turn.endswith("what's the total?\n" + READ_REQUEST)


def test_the_line_about_images_and_the_default_persona_leave_a_reading_turns_system_message() -> None:
    system = system_text(None, TINY, spoken=True, extra=SEEING)
    assert without_seeing(system) == f"{TINY_BRIEF}\n\n{SPOKEN}"
    assert without_seeing(SEEING) == ""
    # A client's own instruction stays.
    assert without_seeing(system_text("Be a pirate.", TINY, False, SEEING)) == f"Be a pirate.\n\n{TINY_BRIEF}"
