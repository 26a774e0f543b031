import pytest

from openlive.bench.quality import TOOL_SETS, collapse, load_set, normalise, score_answer


def test_the_sets_are_big_enough_and_well_formed() -> None:
    quality = load_set("quality.json")
    assert len(quality["items"]) >= 50 and len(quality["session"]) == 30
    assert len(set(quality["session"])) == 30
    assert {i["kind"] for i in quality["items"]} == {"fact", "arithmetic", "instruction", "memory", "unknown"}
    for set_name in TOOL_SETS:
        tools = load_set(set_name)
        names = {f["name"] for f in tools["functions"]}
        assert len(tools["cases"]) >= 34 and 7 <= len(names) <= 10, set_name
        for case in tools["cases"]:
            for plan in case["expect"]:
                assert set(plan) <= names | {"code", "search"}, case["request"]
            assert set(case.get("args", {})) <= names, case["request"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Eighty-four.", "84."),
        ("one hundred and fifty minutes", "150 minutes"),
        ("It is **1,000** km", "it is 1000 km"),
        ("I don\u2019t know", "i don't know"),
        ("seven", "7"),
        ("at 100.0 degrees", "at 100 degrees"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_numbers_match_whole_and_words_at_a_word_start() -> None:
    item = {"answers": ["84"]}
    assert score_answer(item, "12 times 7 is eighty-four.")
    assert not score_answer(item, "It is 184.")
    assert not score_answer(item, "It is 8.4")
    assert score_answer({"answers": ["paris"]}, "The capital is Paris.")
    assert not score_answer({"answers": ["tom"]}, "That is an atom.")


def test_forbid_also_and_length() -> None:
    sky = {"answers": ["blue"], "forbid": ["purple"]}
    assert score_answer(sky, "Blue.") and not score_answer(sky, "Blue or purple.")
    colors = {"answers": ["red"], "also": ["blue", "yellow"]}
    assert score_answer(colors, "Red, blue and yellow") and not score_answer(colors, "Red and green")
    short = {"answers": ["yes"], "max_words": 3}
    assert score_answer(short, "Yes.") and not score_answer(short, "Yes, of course I can say that.")


def test_collapse_counts_distinct_and_repeated_replies() -> None:
    assert collapse(["a", "b", "c"]) == (1.0, 1)
    ratio, repeats = collapse(["The answer is 1."] * 4 + ["Paris."])
    assert ratio == pytest.approx(2 / 5) and repeats == 4


def test_the_tools_bench_runs_the_planner_the_server_builds() -> None:
    from openlive.bench.quality import planners_for
    from openlive.testing import FakeLLM, FakeToolCallingLLM

    tiny = planners_for(FakeLLM(), FakeToolCallingLLM([], one_call=True))
    assert set(tiny) == {"words", "native, a request at a time"}
    assert set(planners_for(FakeLLM())) == {"words"}
    assert set(planners_for(FakeToolCallingLLM([]))) == {"native", "words"}
