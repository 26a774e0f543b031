"""``GET /{version}/models`` and ``GET /{version}/models/{name}``, answered as the Gemini API does.

The SDKs' ``client.models.list()`` and ``client.models.get(model=...)`` read these:
each served model with its token limits and ``bidiGenerateContent``, the one
method this server serves.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from openlive.engines.registry import ModelTable, canonical_model_name
from openlive.errors import PolicyViolation
from openlive.server.auth import check_api_key, presented_key
from openlive.server.origin import check_origin

# The Live API's documented reply limit; a smaller context window lowers it.
LIVE_OUTPUT_TOKEN_LIMIT = 8192
SUPPORTED_METHODS = ["bidiGenerateContent"]
# The API versions clients use; the WebSocket route takes the same.
API_VERSIONS = ("v1", "v1beta", "v1alpha")


def model_resource(models: ModelTable, name: str) -> dict[str, Any]:
    """The Gemini API's ``Model`` resource for a served name."""
    context = models.context_tokens(name)
    resource: dict[str, Any] = {
        "name": f"models/{name}",
        "baseModelId": name,
        "version": name.rsplit("-", 1)[-1] if name[-3:].isdigit() else "openlive",
        "displayName": name,
        "description": f"{name}, served by openlive on {type(models.engine(name)).__name__}",
        "inputTokenLimit": context,
        "outputTokenLimit": min(LIVE_OUTPUT_TOKEN_LIMIT, context),
        "supportedGenerationMethods": SUPPORTED_METHODS,
    }
    if "thinking" in name:
        resource["thinking"] = True
    return resource


def _refusal(request: Request) -> JSONResponse | None:
    if request.path_params["version"] not in API_VERSIONS:
        return _error(404, "NOT_FOUND", "unknown API version; use v1, v1beta or v1alpha")
    state = request.app.state.openlive
    try:
        # A browser page from a foreign origin is refused as on every route (server.origin).
        secure = request.url.scheme == "https"
        check_origin(request.headers, state.allowed_origins, bool(state.api_keys), secure)
        check_api_key(presented_key(request.headers, request.query_params), state.api_keys)
    except PolicyViolation as error:
        return _error(403, "PERMISSION_DENIED", error.reason)
    return None


async def list_models(request: Request) -> JSONResponse:
    """``GET /{version}/models``: every served name (names served through patterns are not listed)."""
    refused = _refusal(request)
    if refused is not None:
        return refused
    models: ModelTable = request.app.state.openlive.models
    return JSONResponse({"models": [model_resource(models, name) for name in models.names]})


async def get_model(request: Request) -> JSONResponse:
    """``GET /{version}/models/{name}``: one served model, or 404 naming what is served."""
    refused = _refusal(request)
    if refused is not None:
        return refused
    models: ModelTable = request.app.state.openlive.models
    name = canonical_model_name(request.path_params["name"])
    try:
        served = models.resolve(name)
    except PolicyViolation as error:
        return _error(404, "NOT_FOUND", error.reason)
    return JSONResponse(model_resource(models, served))


def _error(code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, status_code=code)
