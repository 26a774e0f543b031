"""Urgent work first: work ahead of the user steps aside while urgent work runs."""

from __future__ import annotations

import threading

from openlive.priority import Priority


def test_step_aside_returns_at_once_when_nothing_is_urgent() -> None:
    priority = Priority(max_wait_s=10.0)
    assert priority.step_aside() is True
    assert priority.urgent_now == 0


def test_step_aside_waits_until_the_urgent_work_ends() -> None:
    priority = Priority(max_wait_s=10.0)
    stepped: list[bool] = []
    started = threading.Event()
    with priority.urgent():
        assert priority.urgent_now == 1

        def ahead() -> None:
            started.set()
            stepped.append(priority.step_aside())

        worker = threading.Thread(target=ahead)
        worker.start()
        started.wait(5)
        worker.join(0.05)
        assert worker.is_alive() and not stepped  # still waiting
    worker.join(5)
    assert stepped == [True]


def test_step_aside_waits_at_most_its_limit() -> None:
    priority = Priority(max_wait_s=0.01)
    with priority.urgent():
        assert priority.step_aside() is False


def test_urgent_blocks_nest_and_end_on_errors() -> None:
    priority = Priority()
    with priority.urgent(), priority.urgent():
        assert priority.urgent_now == 2
    try:
        with priority.urgent():
            raise ValueError("the work failed")
    except ValueError:
        pass
    assert priority.urgent_now == 0


def test_a_hold_is_urgent_until_released_once() -> None:
    priority = Priority(max_wait_s=0.01)
    held = priority.hold()
    assert priority.urgent_now == 1
    assert priority.step_aside() is False
    held.release()
    held.release()
    assert priority.urgent_now == 0
    assert priority.step_aside() is True


def test_a_checkpoint_pauses_only_work_marked_ahead_on_its_own_thread() -> None:
    priority = Priority(max_wait_s=10.0)
    passed: list[str] = []

    def work(kind: str) -> None:
        if kind == "ahead":
            with priority.ahead():
                priority.checkpoint()
        else:
            priority.checkpoint()
        passed.append(kind)

    with priority.urgent():
        urgent_work = threading.Thread(target=work, args=("for the user",))
        ahead_work = threading.Thread(target=work, args=("ahead",))
        urgent_work.start()
        ahead_work.start()
        urgent_work.join(5)
        ahead_work.join(0.1)
        assert passed == ["for the user"]  # the work ahead waits at its checkpoint
    ahead_work.join(5)
    assert passed == ["for the user", "ahead"]
    priority.checkpoint()  # this thread never marked: no wait even with nothing urgent
