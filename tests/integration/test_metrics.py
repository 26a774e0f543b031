"""GET /metrics over a real socket: sessions, closes and reply timings in the Prometheus format."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from openlive.testing import FakeLLM, running_server

from .helpers import TIMEOUT_S, live, session, setup_message


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_count_open_sessions_turns_and_closes() -> None:
    async with (
        running_server({"gemini-2.0-flash-live-001": FakeLLM(), "gemini-3*": FakeLLM()}) as srv,
        httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http,
    ):
        async with session(srv) as first, session(srv, setup_message(model="gemini-3.9-live")) as second:
            await first.turn("one")
            await second.turn("two")
            await first.turn("three")
            during = await scrape(http)
        async with live(srv) as client:
            await client.send({"setup": {"model": "models/gemini-2.0-flash-live-001", "nonsense": 1}})
            assert (await client.closed()).code == 1007
        after = await scrape(http)
    # Open sessions by the config entry that serves them: the pattern, not each name.
    assert during[("openlive_open_sessions", (("model", "gemini-2.0-flash-live-001"),))] == 1
    assert during[("openlive_open_sessions", (("model", "gemini-3*"),))] == 1
    assert during[("openlive_turns_total", (("modality", "text"),))] == 3
    assert during[("openlive_first_token_seconds_count", ())] == 3
    assert not [k for k in after if k[0] == "openlive_open_sessions"]
    assert after[("openlive_session_closes_total", (("code", "1007"),))] == 1
