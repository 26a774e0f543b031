"""The browser console's routes: the page at ``/``, its files, and the tokens it connects with.

The page never holds an API key. It asks this server for a one-use ephemeral token
(``POST /console/token``) and opens its Live session with that, as any browser app
should. Who gets a token:

* a client on this machine: its address is loopback, the ``Host`` it asked for is a
  local name (a page whose DNS name was rebound to 127.0.0.1 asks for its own name),
  and no proxy forwarded the request (a reverse proxy on this machine makes every
  client look local; the forwarding headers give it away);
* any client that presents the console password the operator set
  (``console_password``) in the ``X-Openlive-Console-Password`` header, as
  percent-encoded UTF-8; it is compared in constant time and never logged. Wrong
  passwords are counted per address, and an address that keeps guessing is refused
  for a while.

A page from another origin is refused: the console's calls are same-origin only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from openlive.console import asset
from openlive.errors import OpenliveError
from openlive.server.origin import is_local_host
from openlive.server.tokens import mint, token_json
from openlive.session.handles import owner_fingerprint

log = logging.getLogger(__name__)

PASSWORD_HEADER = "x-openlive-console-password"
# Headers a reverse proxy adds: a request that carries one came from somewhere else.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host")
# Each token opens one session; the page asks for a new one for each connection.
TOKEN_USES = 1
# Longest password looked at; longer ones are wrong without being hashed.
MAX_PASSWORD_BYTES = 1024

# The page loads only its own files and talks only to its own origin. The worklets
# are scripts ('self'); camera and screen previews play MediaStreams; frames are
# drawn to a canvas and read back as blob: URLs.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
    "Permissions-Policy": "microphone=(self), camera=(self), display-capture=(self)",
}


@dataclass(frozen=True)
class Refusal:
    """Why a console request is refused: an HTTP status, its gRPC-style name, and a message."""

    code: int
    status: str
    message: str

    def response(self) -> JSONResponse:
        """The error as the Gemini API shapes it."""
        body = {"error": {"code": self.code, "message": self.message, "status": self.status}}
        return JSONResponse(body, status_code=self.code, headers={"Cache-Control": "no-store"})


NEEDS_PASSWORD = Refusal(
    401, "UNAUTHENTICATED", "this console needs the password its operator set (console_password)"
)
LOCAL_ONLY = Refusal(
    403,
    "PERMISSION_DENIED",
    "the console answers only browsers on the server's own machine; its operator can set "
    "console_password to open it from elsewhere",
)
FOREIGN_PAGE = Refusal(403, "PERMISSION_DENIED", "the console's calls are accepted from its own page only")
TOO_MANY_GUESSES = Refusal(
    429, "RESOURCE_EXHAUSTED", "too many wrong console passwords from your address; wait a minute"
)


class GuessLimiter:
    """Counts wrong passwords per client address in a sliding window, in bounded memory.

    Args:
        max_failures: Wrong passwords an address may send in ``window_s``.
        window_s: How long a wrong password counts.
        max_addresses: Addresses remembered; the oldest are forgotten first.
    """

    def __init__(self, max_failures: int = 10, window_s: float = 60.0, max_addresses: int = 4096) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    def blocked(self, address: str, now: float) -> bool:
        """Whether ``address`` has used up its wrong guesses for now."""
        recent = [t for t in self._failures.get(address, []) if now - t < self.window_s]
        if recent:
            self._failures[address] = recent
        else:
            self._failures.pop(address, None)
        return len(recent) >= self.max_failures

    def failed(self, address: str, now: float) -> None:
        """Count one wrong password from ``address``."""
        times = self._failures.pop(address, [])
        times.append(now)
        self._failures[address] = times[-self.max_failures :]
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)


class ConsoleAccess:
    """Decides who may use the console's endpoints.

    Args:
        password: The operator's console password; empty lets only this machine in.
        limiter: Where wrong passwords are counted.
    """

    def __init__(self, password: str = "", limiter: GuessLimiter | None = None) -> None:
        # Only a digest is kept, and compared digest to digest, so that neither the
        # comparison's time nor a length check says anything about the password.
        self._digest = _digest(password.encode("utf-8")) if password else None
        self.limiter = limiter or GuessLimiter()

    @property
    def password_set(self) -> bool:
        """Whether the operator set a console password."""
        return self._digest is not None

    def check(
        self, client_host: str, headers: Mapping[str, str], secure: bool, now: float | None = None
    ) -> Refusal | None:
        """``None`` if the request may use the console, else why not.

        Args:
            client_host: The peer's address.
            headers: The request's headers (lower-case names).
            secure: Whether the request came over TLS.
            now: The current monotonic time.
        """
        now = time.monotonic() if now is None else now
        if not _same_origin(headers, secure):
            return FOREIGN_PAGE
        if is_local_request(client_host, headers):
            return None
        if self._digest is None:
            return LOCAL_ONLY
        presented = headers.get(PASSWORD_HEADER)
        if not presented:
            return NEEDS_PASSWORD
        if self.limiter.blocked(client_host, now):
            return TOO_MANY_GUESSES
        # Percent-encoded UTF-8, as the page sends it: a header may only hold Latin-1.
        raw = unquote_to_bytes(presented)
        if len(raw) <= MAX_PASSWORD_BYTES and hmac.compare_digest(_digest(raw), self._digest):
            return None
        self.limiter.failed(client_host, now)
        log.info("console: a wrong password from %s", client_host)
        return NEEDS_PASSWORD


def _digest(password: bytes) -> bytes:
    return hashlib.sha256(b"openlive console password\0" + password).digest()


def is_local_request(client_host: str, headers: Mapping[str, str]) -> bool:
    """Whether the request comes straight from this machine, for a local name."""
    if not is_local_host(client_host):
        return False
    if any(headers.get(name) for name in FORWARDING_HEADERS):
        return False
    host = urlsplit("//" + headers.get("host", "")).hostname if headers.get("host") else None
    return host is not None and is_local_host(host)


def _same_origin(headers: Mapping[str, str], secure: bool) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-origin call: browsers send Origin on those
    expected = f"{'https' if secure else 'http'}://{headers.get('host', '')}"
    return _origin_key(origin) == _origin_key(expected)


def _origin_key(origin: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme, parts.hostname.rstrip("."), port


def _access(request: Request) -> ConsoleAccess | None:
    access: ConsoleAccess | None = request.app.state.openlive.console
    return access


def _not_found() -> JSONResponse:
    return Refusal(404, "NOT_FOUND", "no such console file").response()


async def console_page(request: Request) -> Response:
    """``GET /``: the console page (404 when the console is off)."""
    return _file("index.html") if _access(request) is not None else _not_found()


async def console_file(request: Request) -> Response:
    """``GET /console/{name}``: one of the page's files."""
    if _access(request) is None:
        return _not_found()
    return _file(request.path_params["name"])


def _file(name: str) -> Response:
    found = asset(name)
    if found is None:
        return _not_found()
    return Response(found.body, media_type=found.media_type, headers=SECURITY_HEADERS)


async def console_info(request: Request) -> JSONResponse:
    """``GET /console/info``: what the page offers: models, voices, languages."""
    refused = _refused(request)
    if refused is not None:
        return refused
    state = request.app.state.openlive
    speech = state.speech_capabilities
    return JSONResponse(
        {
            "models": state.models.names,
            "voices": list(speech.voices) if speech else [],
            "languages": list(speech.languages) if speech else [],
            "speech": speech is not None,
        },
        headers={"Cache-Control": "no-store"},
    )


async def console_token(request: Request) -> JSONResponse:
    """``POST /console/token``: a one-use ephemeral token for the page's next session."""
    refused = _refused(request)
    if refused is not None:
        return refused
    state = request.app.state.openlive
    if state.resumption is None:
        return Refusal(501, "UNIMPLEMENTED", "this server has no store for ephemeral tokens").response()
    try:
        token = mint({"uses": TOKEN_USES}, owner=owner_fingerprint("openlive console"))
    except OpenliveError as error:  # the request is fixed: only a server fault gets here
        return Refusal(500, "INTERNAL", error.reason).response()
    await state.resumption.store.put_token(token)
    log.info("console: minted a one-use token for %s", _client_host(request))
    return JSONResponse(token_json(token), headers={"Cache-Control": "no-store"})


def _refused(request: Request) -> JSONResponse | None:
    """The answer to a request the console must not serve (it is off, or the client may not)."""
    access = _access(request)
    if access is None:
        return _not_found()
    refused = access.check(_client_host(request), request.headers, request.url.scheme == "https")
    return refused.response() if refused is not None else None


def _client_host(request: Request) -> str:
    return request.client.host if request.client else ""
