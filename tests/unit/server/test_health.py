"""Engine readiness for /health: probed off the loop, with a timeout, cached."""

from __future__ import annotations

import threading

from openlive.engines.registry import ModelTable
from openlive.server.health import EngineHealth, EngineStatus, overall_status
from openlive.testing import FakeLLM


def probed(answer: str | None, delay_s: float = 0.0) -> FakeLLM:
    """A fake engine with a probe, as remote engines have: ``answer`` after ``delay_s``."""

    def probe(timeout_s: float) -> str | None:
        threading.Event().wait(delay_s)
        return answer

    return FakeLLM(probe=probe)


DOWN = "http://x/v1 is unreachable: ConnectError"


async def test_each_engine_reports_ready_or_why_not() -> None:
    local, up, down = FakeLLM(), probed(None), probed(DOWN)
    table = ModelTable({"a": local, "b": up, "c": down, "c-*": down})
    statuses = await EngineHealth(table).statuses()
    by_models = {s.models: s for s in statuses}
    assert by_models[("a",)].ready and by_models[("b",)].ready
    assert by_models[("c", "c-*")] == EngineStatus("FakeLLM", ("c", "c-*"), False, DOWN)
    # Probes ran in worker threads, not on the event loop's.
    assert up.probed_in and up.probed_in[0] != threading.main_thread().name
    assert local.probed_in == []  # an engine without a probe counts as ready unasked


async def test_a_probe_that_hangs_counts_as_down_after_the_timeout() -> None:
    slow = probed(None, delay_s=2.0)
    (status,) = await EngineHealth(ModelTable({"m": slow}), timeout_s=0.1).statuses()
    assert not status.ready and "no answer within 0.1 s" in status.reason


async def test_answers_are_cached_for_a_while() -> None:
    now = [0.0]
    engine = probed("down")
    health = EngineHealth(ModelTable({"m": engine}), cache_s=5.0, clock=lambda: now[0])
    await health.statuses()
    now[0] = 4.0
    await health.statuses()
    assert len(engine.probed_in) == 1
    now[0] = 6.0
    await health.statuses()
    assert len(engine.probed_in) == 2


def test_overall_status() -> None:
    ok = EngineStatus("X", ("a",), True)
    down = EngineStatus("Y", ("b",), False, "unreachable")
    assert overall_status([ok], draining=False) == ("ok", 200)
    assert overall_status([ok, down], draining=False) == ("degraded", 200)
    assert overall_status([down], draining=False) == ("down", 503)
    assert overall_status([ok], draining=True) == ("draining", 503)
