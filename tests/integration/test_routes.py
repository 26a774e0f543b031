"""The Live endpoint's paths and models, and the HTTP routes beside it."""

from __future__ import annotations

import socket

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from openlive.engines.registry import DOCUMENTED_MODELS
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import TIMEOUT_S, live, session, setup_message, text_of


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1alpha"])
async def test_every_api_version_serves_sessions(srv: RunningServer, version: str) -> None:
    async with session(srv, version=version) as client:
        assert text_of(await client.turn(version)) == f"echo: {version}"


async def test_double_leading_slash_as_the_js_sdk_sends(srv: RunningServer) -> None:
    path = "//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    async with session(srv, url=f"ws://127.0.0.1:{srv.port}{path}?key=x") as client:
        assert text_of(await client.turn("slashes")) == "echo: slashes"


@pytest.mark.parametrize("version", ["v2", "v1beta1", "V1"])
async def test_unknown_version_closes_1008(srv: RunningServer, version: str) -> None:
    async with live(srv, version=version) as client:
        closed = await client.refused()
    assert closed.code == 1008
    assert "version" in closed.reason and version in closed.reason
    assert "v1beta" in closed.reason


async def test_unknown_method_closes_1008(srv: RunningServer) -> None:
    async with live(srv, method="StreamGenerateContent") as client:
        closed = await client.refused()
    assert closed.code == 1008
    assert "StreamGenerateContent" in closed.reason
    assert "BidiGenerateContent" in closed.reason


async def test_a_path_outside_the_live_endpoint_is_refused(srv: RunningServer) -> None:
    with pytest.raises(InvalidStatus):
        await connect(f"ws://127.0.0.1:{srv.port}/ws/somewhere.else", open_timeout=TIMEOUT_S)


async def test_unknown_model_closes_1008_listing_served_models() -> None:
    fake = FakeLLM()
    async with running_server({"alpha-live": fake, "models/beta-live": fake}) as srv:
        async with live(srv) as client:
            await client.send(setup_message(model="models/gemini-9-ultra"))
            closed = await client.closed()
        assert closed.code == 1008
        assert "gemini-9-ultra" in closed.reason
        assert "alpha-live" in closed.reason and "beta-live" in closed.reason
        assert len(closed.reason.encode()) <= 123
        # The names it lists work.
        async with session(srv, setup_message(model="models/beta-live")) as client:
            assert text_of(await client.turn("b")) == "echo: b"


async def test_unknown_model_reason_fits_a_close_frame_with_many_models() -> None:
    fake = FakeLLM()
    table = {f"a-rather-long-model-name-number-{i}": fake for i in range(20)}
    async with running_server(table) as srv, live(srv) as client:
        await client.send(setup_message(model="nope"))
        closed = await client.closed()
    assert closed.code == 1008
    assert "a-rather-long-model-name-number-0" in closed.reason
    assert len(closed.reason.encode()) <= 123


async def test_health_reports_status_and_open_sessions(srv: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        idle = await http.get("/health")
        async with session(srv), session(srv):
            busy = await http.get("/health")
    assert idle.status_code == 200
    assert idle.headers["content-type"].startswith("application/json")
    body = idle.json()
    assert body["status"] == "ok"
    assert body["sessions"] == 0
    assert body["maxSessions"] == 64
    assert body["models"] == sorted(DOCUMENTED_MODELS)
    assert busy.json()["sessions"] == 2


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1alpha"])
async def test_models_route_lists_served_models(srv: RunningServer, version: str) -> None:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        response = await http.get(f"/{version}/models")
    assert response.status_code == 200
    models = response.json()["models"]
    assert [m["name"] for m in models] == [f"models/{name}" for name in sorted(DOCUMENTED_MODELS)]
    assert all(m["supportedGenerationMethods"] == ["bidiGenerateContent"] for m in models)
    assert {m["displayName"] for m in models} == set(DOCUMENTED_MODELS)
    # The fake engine's window (4096) is below the documented ones, so it is the limit.
    assert {m["inputTokenLimit"] for m in models} == {FakeLLM().context_size}
    assert all(0 < m["outputTokenLimit"] <= m["inputTokenLimit"] for m in models)


@pytest.mark.parametrize("name", ["gemini-2.0-flash-live-001", "models/gemini-2.0-flash-live-001"])
async def test_one_model_answers_like_the_live_api(srv: RunningServer, name: str) -> None:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        response = await http.get(f"/v1beta/models/{name.removeprefix('models/')}")
    assert response.status_code == 200
    model = response.json()
    assert model["name"] == "models/gemini-2.0-flash-live-001"
    assert model["version"] == "001"
    assert model["supportedGenerationMethods"] == ["bidiGenerateContent"]
    assert model["inputTokenLimit"] == FakeLLM().context_size
    assert model["outputTokenLimit"] == min(8192, FakeLLM().context_size)


async def test_an_unknown_model_is_404_naming_the_served_ones(srv: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        response = await http.get("/v1beta/models/gemini-9-ultra")
        wrong_version = await http.get("/v9/models/gemini-2.0-flash-live-001")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["status"] == "NOT_FOUND"
    assert "gemini-9-ultra" in error["message"] and "gemini-2.0-flash-live-001" in error["message"]
    assert wrong_version.status_code == 404


async def test_a_name_served_through_a_pattern_is_found_and_opens_a_session() -> None:
    async with running_server({"gemini-2.0-flash-live-001": FakeLLM(), "gemini-3*": FakeLLM()}) as srv:
        async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
            found = await http.get("/v1beta/models/gemini-3.9-live")
            listed = await http.get("/v1beta/models")
        async with session(srv, setup_message(model="models/gemini-3.9-live")) as client:
            assert text_of(await client.turn("hi")) == "echo: hi"
    assert found.status_code == 200 and found.json()["name"] == "models/gemini-3.9-live"
    assert [m["name"] for m in listed.json()["models"]] == ["models/gemini-2.0-flash-live-001"]


async def test_models_routes_need_a_valid_key_when_keys_are_set() -> None:
    async with running_server(FakeLLM(), api_keys=["right"]) as srv:
        async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
            wrong = await http.get(
                "/v1beta/models/gemini-2.0-flash-live-001", headers={"x-goog-api-key": "no"}
            )
            right = await http.get(
                "/v1beta/models/gemini-2.0-flash-live-001", headers={"x-goog-api-key": "right"}
            )
    assert wrong.status_code == 403
    assert right.status_code == 200


async def test_health_is_degraded_while_an_openai_compatible_endpoint_is_unreachable() -> None:
    from openlive.engines.openai_compat import OpenAICompatEngine

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    remote = OpenAICompatEngine(f"http://127.0.0.1:{port}/v1", "m", context_size=4096)
    async with running_server({"gemini-2.0-flash-live-001": FakeLLM(), "remote-model": remote}) as srv:
        async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
            response = await http.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    (down,) = [e for e in body["engines"] if not e["ready"]]
    assert down["models"] == ["remote-model"] and "unreachable" in down["reason"]
    assert all(e["ready"] for e in body["engines"] if e is not down)
