"""Fetching the pages a user names, for the Live API ``urlContext`` tool.

The server fetches URLs that come from a user's message, so it must not become a
way to reach what only the server can reach (SSRF): its own loopback services,
the private network it sits in, a cloud metadata endpoint. The defences:

- Only ``http`` and ``https``.
- The host is resolved once, by us, and *every* address in the answer is
  checked; one unsafe address refuses the URL (an attacker's DNS can mix a
  public and a private answer). Hosts written as IP addresses, in any of the
  spellings ``inet_aton`` accepts (``2130706433``, ``0x7f.1``, ``127.1``), are
  read as the address they mean, and IPv6 forms that embed an IPv4 address
  (``::ffff:127.0.0.1``, 6to4, NAT64) are judged by that address.
- The connection goes to the checked address itself (the request URL is
  rewritten to the IP, the ``Host`` header and TLS SNI/certificate check keep
  the name), so no second DNS lookup can answer differently (DNS rebinding).
- Redirects are followed by hand, each hop checked as above, at most
  ``max_redirects`` of them; the whole fetch has one deadline.
- Only text-like content is read, and only up to ``max_bytes``.

Failures never raise: they come back as a ``FetchedPage`` whose status is
``URL_RETRIEVAL_STATUS_UNSAFE`` (refused on purpose) or
``URL_RETRIEVAL_STATUS_ERROR`` (anything else), with a sentence saying why.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import functools
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx

from openlive.tools.html_text import html_to_text

log = logging.getLogger(__name__)

Status = Literal[
    "URL_RETRIEVAL_STATUS_SUCCESS",
    "URL_RETRIEVAL_STATUS_ERROR",
    "URL_RETRIEVAL_STATUS_UNSAFE",
]
SUCCESS: Status = "URL_RETRIEVAL_STATUS_SUCCESS"
ERROR: Status = "URL_RETRIEVAL_STATUS_ERROR"
UNSAFE: Status = "URL_RETRIEVAL_STATUS_UNSAFE"

# How many pages `fetch_all` fetches at once.
DEFAULT_CONCURRENCY = 4

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEADERS = {
    "User-Agent": "openlive-urlcontext/0.1",
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.1",
}
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_APPLICATION_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript", "application/x-javascript"}
)
# NAT64's well-known prefix: 64:ff9b::a.b.c.d is translated to a.b.c.d (RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


class Resolver(Protocol):
    """Answers which IP addresses a host name has (a DNS lookup)."""

    async def __call__(self, host: str, port: int, /) -> list[str]:
        """Returns the IP addresses of ``host``, as strings, in preference order."""
        ...


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one fetch, and which private targets an operator allows.

    Attributes:
        max_bytes: Body cap. Reading stops beyond it; what was read is kept and the
            page is marked truncated.
        timeout_s: Deadline for the whole fetch, DNS and redirects included.
        max_redirects: How many redirects are followed before giving up.
        max_text_chars: How much text (after HTML is reduced) is given to the model.
        allow_private: Allow loopback, private, link-local and other non-public
            targets (for a server on a trusted network).
        allowed_hosts: Host names or IP addresses allowed even if they are not
            public (a test's local server, an intranet wiki), each either bare
            (its default ports, 80 and 443, only) or with a port
            (``wiki.lan:8080``, ``[fd00::1]:8080``). A name is matched as written
            in the URL, not by the address it resolves to, so a public name whose
            DNS points at an allowed IP is still refused.
    """

    max_bytes: int = 1_000_000
    timeout_s: float = 10.0
    max_redirects: int = 5
    max_text_chars: int = 20_000
    allow_private: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FetchedPage:
    """The outcome of fetching one URL.

    Attributes:
        url: The URL as the user gave it.
        status: The Live API ``UrlRetrievalStatus`` enum string.
        final_url: Where the fetch ended: the page's URL (``url`` itself when there
            was no redirect), or after redirects the hop that failed; empty when
            the fetch failed before any redirect.
        title: The HTML title, if any.
        text: The page reduced to text (``text/plain`` and JSON as they are);
            empty on failure.
        error: Why the fetch failed, as a sentence a person can act on.
        truncated: The body was cut at ``max_bytes`` or the text at
            ``max_text_chars``.
    """

    url: str
    status: Status
    final_url: str = ""
    title: str = ""
    text: str = ""
    error: str = ""
    truncated: bool = False


class _Refused(Exception):
    """Ends a fetch early with a status and a reason (internal to this module)."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class _Target:
    """One hop's destination, checked: where to connect and what to call it."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host as written in the URL, without brackets
    is_ip_literal: bool
    addresses: tuple[str, ...]  # checked IPs, tried in order


# ---------------------------------------------------------------------------
# Finding URLs in a message


# A URL runs to the next space, quote or angle bracket. Square brackets end it too
# (Markdown "[text](url)"), except around an IPv6 host right after "//".
_URL_IN_TEXT = re.compile(r"""https?://(?:\[[0-9A-Fa-f:.%]+\])?[^\s<>"'`\[\]{}|\\^]*""", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\"*_~"
_CLOSERS = {")": "(", "]": "["}


def _strip_trailing(url: str) -> str:
    """Drops punctuation that ends the sentence rather than the URL.

    A closing parenthesis is kept when the URL opened one itself, as Wikipedia
    URLs do (``.../Python_(programming_language)``).
    """
    while url:
        last = url[-1]
        if last in _TRAILING_PUNCTUATION:
            url = url[:-1]
        elif last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str, limit: int = 20) -> list[str]:
    """Finds the http/https URLs in a user's message.

    Args:
        text: The message.
        limit: At most this many URLs are returned.

    Returns:
        The URLs in the order they appear, each once, without the punctuation
        that ends the sentence around them (``).,;`` and the like).
    """
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        url = _strip_trailing(match.group(0))
        if url in found or not _has_host(url):
            continue
        found.append(url)
        if len(found) >= limit:
            break
    return found


def _has_host(url: str) -> bool:
    try:
        return bool(httpx.URL(url).host)
    except httpx.InvalidURL:
        return False


# ---------------------------------------------------------------------------
# Judging addresses


def parse_ip_host(host: str) -> _IPAddress | None:
    """Reads a URL host as an IP address, if it is one.

    Besides the usual forms, IPv4 is read the way ``inet_aton`` (and so the OS
    resolver) reads it: one to four parts, each decimal, ``0x`` hex or
    ``0``-prefixed octal, the last part filling the remaining bytes. So
    ``2130706433``, ``0x7f.1`` and ``127.1`` are all ``127.0.0.1``.

    Args:
        host: The host, without brackets or a trailing dot.

    Returns:
        The address, or None if the host is a name.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if ":" in host:
        # Brackets come off before this; a colon here is an IPv6 form with a scope
        # ("%25eth0" as percent-encoded in a URL).
        try:
            return ipaddress.ip_address(host.replace("%25", "%", 1))
        except ValueError:
            return None
    return _parse_loose_ipv4(host)


def _parse_loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_ipv4_part(part)
        if number is None:
            return None
        numbers.append(number)
    # The leading parts are one byte each; the last fills the bytes that are left.
    *leading, last = numbers
    if any(n > 0xFF for n in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = 0
    for n in leading:
        value = value << 8 | n
    return ipaddress.IPv4Address(value << (8 * (4 - len(leading))) | last)


def _parse_ipv4_part(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def _looks_numeric(host: str) -> bool:
    """True if the last label is a number, so the host can only be an IPv4 address.

    Browsers (the WHATWG URL standard) read such a host as IPv4 and reject it if
    it is not one; it is never sent to DNS as a name.
    """
    last = host.rsplit(".", 1)[-1].lower()
    return last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:]))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is a translation form."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: _IPAddress) -> bool:
    """True if ``address`` is a public unicast address, safe to fetch from.

    False for loopback, private (RFC 1918), shared/CGNAT (100.64/10), link-local
    (169.254/16, where cloud metadata lives, and fe80::/10), unique-local
    (fc00::/7), unspecified, multicast, reserved and documentation ranges; an
    IPv6 address that embeds an IPv4 one is judged by the IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
    # `is_global` alone is not enough: Python counts multicast as global.
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


def _host_key(host: str) -> str:
    """Compares hosts: IPs by the address they mean, names case-insensitively."""
    host = host.strip().strip("[]").rstrip(".").lower()
    address = parse_ip_host(host)
    return str(address) if address is not None else host


def _allowed_entry(entry: str) -> tuple[str, int | None]:
    """An ``allowed_hosts`` entry as ``(host key, port)``; ``None`` means the default ports.

    An entry with a port that is not a number gets port -1, which matches nothing.
    """
    text = entry.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""  # a name, an IPv4 address, or a bare IPv6 address
    if not port:
        return _host_key(host), None
    return _host_key(host), int(port) if port.isascii() and port.isdigit() else -1


def _host_allowed(host: str, port: int, allowed_hosts: frozenset[str]) -> bool:
    """Whether ``host:port`` is listed: with its port, or bare when the port is 80 or 443."""
    key = _host_key(host)
    for entry in allowed_hosts:
        allowed_host, allowed_port = _allowed_entry(entry)
        if allowed_host != key:
            continue
        if port == allowed_port or (allowed_port is None and port in _DEFAULT_PORTS.values()):
            return True
    return False


def _is_localhost_name(host: str) -> bool:
    # "localhost" and its subdomains are loopback by definition (RFC 6761); they
    # are refused by name, whatever a resolver says.
    return host == "localhost" or host.endswith(".localhost")


# ---------------------------------------------------------------------------
# Checking one hop


def _parse_url(text: str) -> httpx.URL:
    try:
        url = httpx.URL(text.strip())
    except httpx.InvalidURL as exc:
        raise _Refused(ERROR, f"{text!r} is not a valid URL ({exc}).") from exc
    if url.scheme not in _DEFAULT_PORTS:
        shown = url.scheme or "no scheme"
        raise _Refused(UNSAFE, f"Only http and https URLs can be fetched, not {shown}.")
    if not url.host:
        raise _Refused(ERROR, f"{text!r} has no host name.")
    return url


async def _check_target(url: httpx.URL, limits: FetchLimits, resolver: Resolver) -> _Target:
    """Resolves a hop's host once and checks every address it has.

    Raises:
        _Refused: The URL is unsafe, or its host cannot be resolved.
    """
    url = _parse_url(str(url))
    host = url.raw_host.decode("ascii").rstrip(".")
    literal = parse_ip_host(host)
    if literal is None and _looks_numeric(host):
        raise _Refused(ERROR, f"{host} is neither a host name nor a valid IP address.")
    port = url.port or _DEFAULT_PORTS[url.scheme]
    allowed = limits.allow_private or _host_allowed(host, port, limits.allowed_hosts)
    if not allowed and _is_localhost_name(host.lower()):
        raise _Refused(UNSAFE, f"{host} is this server itself; only public addresses are fetched.")
    addresses = [literal] if literal is not None else await _resolve(host, port, resolver)
    if not allowed:
        for address in addresses:
            if not is_public_address(address):
                raise _Refused(UNSAFE, _unsafe_reason(host, address))
    return _Target(url, host, literal is not None, tuple(str(a) for a in addresses))


async def _resolve(host: str, port: int, resolver: Resolver) -> list[_IPAddress]:
    try:
        answers = await resolver(host, port)
    except OSError as exc:
        raise _Refused(ERROR, f"Could not resolve {host} ({exc}).") from exc
    if not answers:
        raise _Refused(ERROR, f"{host} has no addresses.")
    addresses: list[_IPAddress] = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(answer))
        except ValueError as exc:
            raise _Refused(ERROR, f"The resolver gave {answer!r} for {host}, not an IP address.") from exc
    return addresses


def _unsafe_reason(host: str, address: _IPAddress) -> str:
    where = host if host == str(address) else f"{host} ({address})"
    return (
        f"{where} is not a public address (loopback, private, link-local or reserved); "
        "the URL context tool only fetches public pages."
    )


async def system_resolver(host: str, port: int, /) -> list[str]:
    """Resolves ``host`` with the operating system's resolver (``getaddrinfo``).

    Returns:
        The distinct addresses, in the order the system prefers them.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


# ---------------------------------------------------------------------------
# Connecting to the checked address


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The TLS context fetches use unless given one: system-independent CA roots (certifi)."""
    return httpx.create_ssl_context()


def _host_header(target: _Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{host}:{target.url.port}" if target.url.port is not None else host


async def _send_pinned(client: httpx.AsyncClient, target: _Target) -> httpx.Response:
    """Sends a GET to the checked addresses in turn, keeping the name for Host and TLS.

    The request URL names the IP, so httpx connects there without resolving
    anything; the ``Host`` header and, for https, ``sni_hostname`` (which httpcore
    uses both for SNI and for checking the certificate) carry the original name.

    Returns:
        The response, streaming: the caller must close it.
    """
    extensions: dict[str, str] = {}
    if target.url.scheme == "https" and not target.is_ip_literal:
        extensions["sni_hostname"] = target.host
    headers = {**_HEADERS, "Host": _host_header(target)}
    last_error: httpx.ConnectError | None = None
    for address in target.addresses:
        request = client.build_request(
            "GET", target.url.copy_with(host=address), headers=headers, extensions=extensions
        )
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            # A name often has an IPv6 and an IPv4 address and only one is reachable.
            last_error = exc
    assert last_error is not None  # addresses is never empty
    raise last_error


def _client(limits: FetchLimits, ssl_context: ssl.SSLContext) -> httpx.AsyncClient:
    # One client per hop: httpx pools connections by (scheme, IP, port), so a
    # pooled TLS connection made for one name could otherwise carry a request for
    # another name on the same IP without its certificate being checked.
    # trust_env=False: a proxy from the environment would do its own DNS lookup.
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(limits.timeout_s),
        verify=ssl_context,
        trust_env=False,
    )


# ---------------------------------------------------------------------------
# Reading the page


def _media_type(response: httpx.Response) -> tuple[str, str]:
    """Returns ``(media type, charset)`` from Content-Type, lower-cased; either may be ``""``."""
    media, *params = response.headers.get("content-type", "").split(";")
    charset = ""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _is_text_type(media: str) -> bool:
    return (
        media.startswith("text/")
        or media in _HTML_TYPES
        or media in _TEXT_APPLICATION_TYPES
        or media.endswith(("+json", "+xml"))
    )


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """Reads the (decompressed) body up to ``max_bytes``; True if there was more."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        room = max_bytes - len(body)
        if len(chunk) > room:
            body += chunk[:room]
            return bytes(body), True
        body += chunk
    return bytes(body), False


def _decode(body: bytes, charset: str, html: bool) -> str:
    if not charset and html:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii", "replace") if match else ""
    try:
        codecs.lookup(charset or "utf-8")
    except LookupError:
        charset = ""
    # "replace": a body cut at max_bytes can end inside a multi-byte character.
    return body.decode(charset or "utf-8", errors="replace")


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


async def _read_page(url: str, target: _Target, response: httpx.Response, limits: FetchLimits) -> FetchedPage:
    if not 200 <= response.status_code < 300:
        reason = f" {response.reason_phrase}" if response.reason_phrase else ""
        raise _Refused(ERROR, f"The server answered HTTP {response.status_code}{reason}.")
    media, charset = _media_type(response)
    if media and not _is_text_type(media):
        raise _Refused(ERROR, f"Unsupported content type {media}: only HTML and text pages can be read.")
    body, truncated = await _read_capped(response, limits.max_bytes)
    if not media and b"\x00" in body:
        raise _Refused(ERROR, "Unsupported content type: the page is binary and says not what it is.")
    html = media in _HTML_TYPES or (not media and _looks_like_html(body))
    text = _decode(body, charset, html)
    title = ""
    if html:
        # Parsing a megabyte of HTML takes a noticeable time; keep it off the event loop.
        title, text = await asyncio.to_thread(html_to_text, text)
    if len(text) > limits.max_text_chars:
        text = text[: limits.max_text_chars]
        truncated = True
    return FetchedPage(url, SUCCESS, str(target.url), title, text, truncated=truncated)


# ---------------------------------------------------------------------------
# Fetching


def _next_url(current: httpx.URL, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        raise _Refused(ERROR, f"The server redirected (HTTP {response.status_code}) without saying where.")
    try:
        # Relative to the URL as named, not the IP the request went to.
        return current.join(location)
    except httpx.InvalidURL as exc:
        raise _Refused(ERROR, f"The server redirected to an invalid URL {location!r}.") from exc


async def _fetch(
    url: str, limits: FetchLimits, resolver: Resolver, ssl_context: ssl.SSLContext, hops: list[str]
) -> FetchedPage:
    current = _parse_url(url)
    for _ in range(limits.max_redirects + 1):
        hops.append(str(current))
        target = await _check_target(current, limits, resolver)
        async with _client(limits, ssl_context) as client:
            response = await _send_pinned(client, target)
            try:
                if response.status_code not in _REDIRECT_CODES:
                    page = await _read_page(url, target, response, limits)
                    # Without a redirect the page is where the user said, as they wrote it.
                    return page if len(hops) > 1 else dataclasses.replace(page, final_url=url)
                current = _next_url(target.url, response)
            finally:
                await response.aclose()
    raise _Refused(ERROR, f"Too many redirects: gave up after {limits.max_redirects}.")


def _network_reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "The server did not answer in time."
    if isinstance(exc, httpx.ConnectError):
        return f"Could not connect to the server ({exc})."
    return f"The fetch failed ({type(exc).__name__}: {exc})."


async def fetch_url(
    url: str,
    limits: FetchLimits = FetchLimits(),
    *,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchedPage:
    """Fetches one page safely and reduces it to text.

    Args:
        url: The URL as the user gave it.
        limits: Size, time and redirect bounds, and which private hosts are allowed.
        resolver: Looks host names up; the system resolver by default.
        ssl_context: TLS settings (trusted CAs); ``default_ssl_context()`` by default.

    Returns:
        The page. Network and HTTP problems never raise: the page comes back with
        status ``URL_RETRIEVAL_STATUS_ERROR``, or ``URL_RETRIEVAL_STATUS_UNSAFE``
        when the URL was refused, and ``error`` says why.
    """
    hops: list[str] = []
    try:
        async with asyncio.timeout(limits.timeout_s):
            return await _fetch(
                url, limits, resolver or system_resolver, ssl_context or default_ssl_context(), hops
            )
    except _Refused as refused:
        if refused.status == UNSAFE:
            log.debug("url context: refused %s: %s", url, refused.reason)
        status, error = refused.status, refused.reason
    except TimeoutError:
        status, error = ERROR, f"The fetch timed out after {limits.timeout_s:g} s."
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        status, error = ERROR, _network_reason(exc)
    # Where a redirect led is reported even when the fetch failed there.
    return FetchedPage(url, status, final_url=hops[-1] if len(hops) > 1 else "", error=error)


async def fetch_all(
    urls: Sequence[str],
    limits: FetchLimits = FetchLimits(),
    *,
    resolver: Resolver | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[FetchedPage]:
    """Fetches several pages concurrently, at most ``concurrency`` at a time.

    Args:
        urls: The URLs, as the user gave them.
        limits: Applied to each fetch separately.
        resolver: Looks host names up; the system resolver by default.
        concurrency: How many fetches run at once.

    Returns:
        One page per URL, in the same order.
    """
    gate = asyncio.Semaphore(concurrency)

    async def fetch_one(url: str) -> FetchedPage:
        async with gate:
            return await fetch_url(url, limits, resolver=resolver)

    return list(await asyncio.gather(*(fetch_one(url) for url in urls)))
