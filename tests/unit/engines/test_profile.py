from openlive.engines.profile import CAPABLE, TINY_RECENT_TURNS, make_profile, profile_of


def test_auto_tier_follows_the_parameter_count() -> None:
    assert make_profile("auto", "auto", 135_000_000, template_has_tools=False).tiny
    assert not make_profile("auto", "auto", 494_000_000, template_has_tools=True).tiny
    assert not make_profile("auto", "auto", None, template_has_tools=True).tiny  # unknown: capable


def test_native_tools_only_where_the_template_takes_them_and_not_for_tiny_models() -> None:
    assert make_profile("auto", "auto", 1_500_000_000, template_has_tools=True).native_tools
    assert not make_profile("auto", "auto", 1_500_000_000, template_has_tools=False).native_tools
    assert not make_profile("auto", "auto", 135_000_000, template_has_tools=True).native_tools
    # Qwen2.5-Coder-0.5B: capable for prompts, but routes tools better by words (bench tools).
    half = make_profile("auto", "auto", 494_000_000, template_has_tools=True)
    assert not half.tiny and not half.native_tools
    assert make_profile("auto", "auto", None, template_has_tools=True).native_tools


def test_settings_override_detection() -> None:
    assert not make_profile("capable", "planner", 1_500_000_000, template_has_tools=True).native_tools
    assert make_profile("capable", "native", 135_000_000, template_has_tools=False).native_tools
    tiny = make_profile("tiny", "auto", 7_000_000_000, template_has_tools=True)
    assert tiny.tiny and tiny.recent_turns == TINY_RECENT_TURNS and not tiny.native_tools


def test_an_engine_without_a_profile_is_capable() -> None:
    assert profile_of(object()) == CAPABLE


def test_small_models_that_call_tools_make_one_call_a_turn() -> None:
    # Qwen2.5-Coder-1.5B stopped after its first call on every two-call request.
    assert make_profile("auto", "auto", 1_500_000_000, template_has_tools=True).one_call
    assert not make_profile("auto", "auto", 7_000_000_000, template_has_tools=True).one_call
    assert not make_profile("auto", "auto", None, template_has_tools=True).one_call  # an endpoint
    assert not make_profile("auto", "auto", 1_500_000_000, template_has_tools=False).one_call
