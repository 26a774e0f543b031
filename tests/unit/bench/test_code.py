"""The code bench's sets and how it reads a program's output."""

from __future__ import annotations

from openlive.bench.code import load_sets, printed_answer


def test_every_set_is_there_each_task_with_an_answer_not_in_its_own_words() -> None:
    sets = load_sets()
    assert {name: len(items) for name, items in sets.items()} == {"first": 12, "second": 20, "third": 27}
    for items in sets.values():
        for item in items:
            assert item["task"].strip() and item["answer"].strip()
            # A program that prints the task back is not right.
            assert not printed_answer(item["task"], item["answer"]), item


def test_a_number_counts_only_standing_alone() -> None:
    assert printed_answer("98689\n", "98689")
    assert printed_answer("The answer is 9.0", "9")
    assert printed_answer("0b11001010", "11001010")
    assert not printed_answer("198689", "98689")
    assert not printed_answer("9.5", "9")
    assert not printed_answer("", "9")


def test_a_text_answer_counts_anywhere_in_any_case() -> None:
    assert printed_answer("It was a sunday.", "Sunday")
    assert not printed_answer("Saturday", "Sunday")


def test_no_task_is_in_two_sets() -> None:
    tasks = [item["task"].lower() for items in load_sets().values() for item in items]
    assert len(set(tasks)) == len(tasks)
