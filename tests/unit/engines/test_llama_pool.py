"""The llama.cpp engine's context pool: a generation takes the context with most of its prompt cached.

Plain objects stand in for ``llama_cpp.Llama``: the pool reads only the tokens a
context's KV cache holds (``input_ids[:n_tokens]``).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from openlive.engines.llama import ContextPool, cached_prefix


class Context:
    def __init__(self, name: str, tokens: list[int], size: int = 64) -> None:
        self.name = name
        self.input_ids = np.zeros(size, dtype=np.intc)
        self.input_ids[: len(tokens)] = tokens
        self.n_tokens = len(tokens)


@pytest.mark.parametrize(
    ("cached", "prompt", "expected"),
    [
        ([], [1, 2, 3], 0),
        ([1, 2, 3], [1, 2, 3, 4, 5], 3),
        ([1, 2, 3, 9, 9], [1, 2, 3, 4, 5], 3),
        ([1, 2, 3, 4, 5], [1, 2, 3], 3),
        ([7, 2, 3], [1, 2, 3], 0),
        ([1, 2, 3], [], 0),
    ],
)
def test_cached_prefix_counts_the_leading_tokens_in_the_cache(
    cached: list[int], prompt: list[int], expected: int
) -> None:
    assert cached_prefix(Context("c", cached), prompt) == expected


def test_cached_prefix_ignores_what_lies_past_the_cached_tokens() -> None:
    context = Context("c", [1, 2, 3])
    context.input_ids[3:6] = [4, 5, 6]  # stale, past n_tokens
    assert cached_prefix(context, [1, 2, 3, 4, 5, 6]) == 3


def test_a_conversation_gets_back_the_context_that_holds_its_history() -> None:
    mine = Context("mine", [1, 2, 3, 4, 5, 6])
    other = Context("other", [1, 2, 9, 9])
    empty = Context("empty", [])
    pool = ContextPool([other, mine, empty])
    taken = pool.get([1, 2, 3, 4, 5, 6, 7, 8])
    assert taken is mine
    assert pool.busy == 1
    # The next best is taken next.
    assert pool.get([1, 2, 3]) is other
    pool.put(mine)
    assert pool.busy == 1
    assert pool.get([5, 5]) in (mine, empty)
    assert pool.busy == 2


def test_get_waits_for_a_context_to_come_back() -> None:
    only = Context("only", [])
    pool = ContextPool([only])
    assert pool.get([1]) is only
    got: list[Context] = []
    waiter = threading.Thread(target=lambda: got.append(pool.get([1])))
    waiter.start()
    waiter.join(0.05)
    assert waiter.is_alive() and not got
    pool.put(only)
    waiter.join(5)
    assert got == [only]


def test_best_cached_reads_every_free_context_and_none_taken() -> None:
    mine = Context("mine", [1, 2, 3, 4])
    other = Context("other", [1, 2])
    pool = ContextPool([other, mine])
    assert pool.best_cached([1, 2, 3, 4, 5]) == 4
    taken = pool.get([1, 2, 3, 4, 5])
    assert taken is mine
    assert pool.best_cached([1, 2, 3, 4, 5]) == 2  # only the free one counts
    pool.put(taken)
    assert ContextPool([]).best_cached([1]) == 0


PROMPT = list(range(1, 301))  # a prompt of 300 tokens


def test_a_generation_waits_for_the_context_reading_its_prompt_ahead() -> None:
    reading = Context("reading", PROMPT[:10], size=400)
    other = Context("other", PROMPT[:1], size=400)
    pool = ContextPool([reading, other], max_wait_s=10.0)
    assert pool.get_ahead(PROMPT[:200]) is reading
    taken: list[Context] = []
    waiter = threading.Thread(target=lambda: taken.append(pool.get(PROMPT)))
    waiter.start()
    waiter.join(0.3)
    assert taken == []  # the context reading ahead will hold 200 of its tokens; the free one holds 1
    assert pool.wanted  # so reading ahead stops early and gives the context back
    reading.input_ids[:150] = PROMPT[:150]
    reading.n_tokens = 150
    pool.put(reading)
    waiter.join(5)
    assert taken == [reading]
    assert not pool.wanted


def test_a_turn_waits_for_its_own_reply_ahead_being_stopped_but_not_for_long() -> None:
    ahead = Context("ahead", PROMPT[:250], size=400)
    other = Context("other", PROMPT[:1], size=400)
    pool = ContextPool([ahead, other], max_wait_s=0.2)
    assert pool.get(PROMPT[:250]) is ahead  # the reply started ahead, being stopped
    started = time.monotonic()
    assert pool.get(PROMPT) is other  # not given back in time: the turn goes on without it
    assert time.monotonic() - started >= 0.2


def test_a_generation_does_not_wait_for_a_context_holding_little_more_of_its_prompt() -> None:
    pool = ContextPool([Context("a", PROMPT[:20], size=400), Context("b", PROMPT[:1], size=400)], 10.0)
    held = pool.get(PROMPT[:50])
    started = time.monotonic()
    assert pool.get(PROMPT) is not held
    assert time.monotonic() - started < 5


def test_a_generation_with_another_prompt_does_not_wait_for_reading_ahead() -> None:
    pool = ContextPool([Context("a", [1]), Context("b", [7])], max_wait_s=10.0)
    ahead = pool.get_ahead(PROMPT)
    assert pool.get([7, 8]) is not ahead


def test_reading_ahead_never_waits_for_a_context() -> None:
    only = Context("only", [])
    pool = ContextPool([only])
    assert pool.get([1]) is only
    assert pool.get_ahead([1, 2]) is None  # busy: no reading ahead, no waiting
    pool.put(only)
    assert pool.get_ahead([1, 2]) is only
