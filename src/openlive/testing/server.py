"""Run an openlive server inside a test's event loop, on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from openlive.config import Settings
from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import LLM, ImageDescriber
from openlive.engines.registry import DOCUMENTED_MODELS, ModelTable
from openlive.engines.stand_in import StandIn
from openlive.runtime.tools import ToolRuntime
from openlive.server.app import AppState
from openlive.server.run import TlsFiles, load_stand_ins, make_server
from openlive.store import Store


@dataclass
class RunningServer:
    """A server started by :func:`running_server`.

    Attributes:
        port: The loopback port it listens on.
        state: Its shared state (open connections, models).
        scheme: ``ws`` or ``wss``.
    """

    port: int
    state: AppState
    scheme: str
    _server: object

    def url(self, version: str = "v1beta", method: str = "BidiGenerateContent", query: str = "") -> str:
        """The WebSocket URL of the Live endpoint."""
        path = f"/ws/google.ai.generativelanguage.{version}.GenerativeService.{method}"
        return f"{self.scheme}://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    @property
    def http_base(self) -> str:
        """``http(s)://127.0.0.1:PORT``."""
        return f"{'https' if self.scheme == 'wss' else 'http'}://127.0.0.1:{self.port}"

    async def shutdown(self) -> None:
        """Stop as on Ctrl-C: sessions get goAway and a close, then the server exits."""
        server = self._server
        server.should_exit = True  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def running_server(
    models: Mapping[str, LLM] | LLM,
    settings: Settings | None = None,
    tls: TlsFiles | None = None,
    speech: SpeechEngines | None = None,
    store: Store | None = None,
    tools: ToolRuntime | None = None,
    describer: ImageDescriber | None = None,
    tool_reader: StandIn[LLM] | None = None,
    code_writer: StandIn[LLM] | None = None,
    **overrides: object,
) -> AsyncIterator[RunningServer]:
    """Serve ``models`` on a free loopback port for the duration of the block.

    Args:
        models: One engine (served under the documented model names) or a table of
            model name to engine.
        settings: Base settings; host and port are always loopback and free.
        tls: Certificate and key to serve ``wss://`` with; plain ``ws://`` if ``None``.
        speech: Engines for the voice path (e.g. the fakes); text only if ``None``.
        store: Where sessions are saved for resumption; ``None`` refuses resumption.
        tools: How tool steps run (e.g. with a :class:`FakePlanner`); from the settings if ``None``.
        describer: Describes images for text-only engines (e.g. a :class:`FakeDescriber`);
            the embedded default if ``None``.
        tool_reader: Stands in for tiny engines after tool results, for thinking, for
            writing code and for turns with images (loaded before serving, as the
            server does); ``None``: none.
        code_writer: Writes tiny engines' programs for code execution (loaded before
            serving); ``None``: the tool reader writes them.
        **overrides: Settings fields to change, e.g. ``api_keys=["k"]``.
    """
    table = models if isinstance(models, Mapping) else {name: models for name in DOCUMENTED_MODELS}
    settings = dataclasses.replace(settings or Settings(), host="127.0.0.1", port=1, tls=tls is not None)
    for name, value in overrides.items():
        setattr(settings, name, value)
    models_table = ModelTable(table, describer, tool_reader=tool_reader, code_writer=code_writer)
    load_stand_ins(models_table)
    server, state = make_server(settings, models_table, tls, speech, store, tools)
    server.config.port = 0
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server exited before it started")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(port=port, state=state, scheme="wss" if tls else "ws", _server=server)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
