"""The llama.cpp engine's context pool: a generation takes the context with most of its prompt cached.

Plain objects stand in for ``llama_cpp.Llama``: the pool reads only the tokens a
context's KV cache holds (``input_ids[:n_tokens]``).
"""

from __future__ import annotations

import threading

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
