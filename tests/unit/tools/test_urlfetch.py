"""The URL-context fetcher: SSRF refusals, pinned connections, redirects, limits, find_urls."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openlive.tools.html_text import HtmlPage, html_to_text, parse_html
from openlive.tools.urlfetch import (
    ERROR,
    SUCCESS,
    UNSAFE,
    FetchLimits,
    fetch_all,
    fetch_url,
    find_urls,
    is_public_address,
    parse_ip_host,
)


def local(port: int, **limits: Any) -> FetchLimits:
    """Limits that allow the test server: 127.0.0.1 on its port (a bare host means 80 and 443 only)."""
    return FetchLimits(allowed_hosts=frozenset({f"127.0.0.1:{port}"}), **{"timeout_s": 5.0, **limits})


PAGE = b"""<!doctype html>
<html><head><title>  Local
 test page </title>
<style>body { color: red }</style>
<script>document.write("SCRIPT_TEXT")</script>
</head><body>
<h1>Hello &amp; welcome</h1>
<p>First   paragraph
 of text.</p>
<noscript>NOSCRIPT_TEXT</noscript>
<ul><li>one</li><li>two</li></ul>
</body></html>"""


# ---------------------------------------------------------------------------
# Test doubles: fake DNS, local servers


class FakeDNS:
    """A resolver with fixed answers that records every lookup."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int, /) -> list[str]:
        self.calls.append((host, port))
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


class Handler(BaseHTTPRequestHandler):
    hits: list[str]  # set per server class

    def do_GET(self) -> None:
        self.hits.append(self.path)
        parts = urlsplit(self.path)
        route = parts.path
        if route == "/page":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif route == "/plain":
            self._send(200, "text/plain", "plain text, é".encode())
        elif route == "/json":
            self._send(200, "application/json", b'{"a": 1}')
        elif route == "/big":
            self._send(200, "text/plain", b"a" * 200_000)
        elif route == "/host":
            self._send(200, "text/plain", self.headers["Host"].encode())
        elif route == "/image":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
        elif route == "/missing":
            self._send(404, "text/html", b"<p>not here</p>")
        elif route == "/redirect":
            self._redirect(parse_qs(parts.query)["to"][0])
        elif route.startswith("/loop/"):
            self._redirect(f"/loop/{int(route.rsplit('/', 1)[1]) + 1}")
        else:
            self._send(500, "text/plain", b"unknown route")

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("BoundHandler", (Handler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server: (base URL, paths it was asked for)."""
    yield from _serve()


@pytest.fixture
def base(server: tuple[str, list[str]]) -> str:
    return server[0]


@pytest.fixture
def port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections are accepted by the kernel but never answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


# ---------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1:8443/x",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://[::1]/",
        "http://[::]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/admin",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping 169.254.169.254
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.1/",  # octal
        "http://0x7f000001/",
        "http://0xa9.0xfe.0xa9.0xfe/",
    ],
)
async def test_non_public_targets_are_refused_without_dns(url: str) -> None:
    dns = FakeDNS()
    page = await fetch_url(url, resolver=dns)
    assert page.status == UNSAFE, page
    assert "public" in page.error
    assert page.text == ""
    assert dns.calls == []  # literals and localhost never go to DNS


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "javascript:alert(1)"]
)
async def test_non_http_schemes_are_refused(url: str) -> None:
    dns = FakeDNS({"example.com": ["93.184.216.34"]})
    page = await fetch_url(url, resolver=dns)
    assert page.status == UNSAFE
    assert "http" in page.error
    assert dns.calls == []


async def test_public_name_resolving_to_loopback_is_refused() -> None:
    dns = FakeDNS({"innocent.example": ["127.0.0.1"]})
    page = await fetch_url("http://innocent.example/", resolver=dns)
    assert page.status == UNSAFE
    assert "127.0.0.1" in page.error
    assert dns.calls == [("innocent.example", 80)]


@pytest.mark.parametrize("private", ["10.1.2.3", "169.254.169.254", "::ffff:192.168.0.1", "fd12::1"])
async def test_any_private_address_in_a_dns_answer_refuses(private: str) -> None:
    dns = FakeDNS({"mixed.example": ["93.184.216.34", private]})
    page = await fetch_url("https://mixed.example/", resolver=dns)
    assert page.status == UNSAFE
    assert str(ipaddress.ip_address(private)) in page.error
    assert dns.calls == [("mixed.example", 443)]


async def test_allowed_ip_does_not_allow_names_that_resolve_to_it(port: int) -> None:
    # The operator allowed 127.0.0.1 as written; a name whose DNS says 127.0.0.1
    # is exactly the trick the check exists for.
    dns = FakeDNS({"rebind.example": ["127.0.0.1"]})
    page = await fetch_url(f"http://rebind.example:{port}/page", local(port), resolver=dns)
    assert page.status == UNSAFE


@pytest.mark.parametrize("url", ["http://1.2.3.4.5/", "http://example.0x10/", "http://0177.0.0.1/"])
async def test_numeric_host_that_is_not_an_address_is_an_error(url: str) -> None:
    # httpx itself rejects a dotted quad with leading zeros; either way nothing is fetched.
    dns = FakeDNS()
    page = await fetch_url(url, resolver=dns)
    assert page.status == ERROR
    assert dns.calls == []


# ---------------------------------------------------------------------------
# Fetching from an allowed local server


async def test_fetches_an_html_page_as_text(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/page", local(port))
    assert page.status == SUCCESS, page.error
    assert page.url == f"{base}/page"
    assert page.final_url == f"{base}/page"
    assert page.title == "Local test page"
    assert page.text.splitlines()[:3] == ["Hello & welcome", "", "First paragraph of text."]
    assert "one\ntwo" in page.text
    for hidden in ("SCRIPT_TEXT", "color: red", "NOSCRIPT_TEXT", "Local test page"):
        assert hidden not in page.text
    assert not page.truncated


async def test_plain_text_and_json_are_kept_as_they_are(base: str, port: int) -> None:
    plain, data = await fetch_all([f"{base}/plain", f"{base}/json"], local(port))
    assert (plain.status, plain.title, plain.text) == (SUCCESS, "", "plain text, é")
    assert (data.status, data.text) == (SUCCESS, '{"a": 1}')


async def test_allow_private_switch_allows_loopback(base: str) -> None:
    page = await fetch_url(f"{base}/plain", FetchLimits(allow_private=True))
    assert page.status == SUCCESS


async def test_connection_goes_to_the_checked_ip_with_the_original_host_header(port: int) -> None:
    # ".example" names never resolve for real, so success proves the fetch used
    # the fake answer (no second lookup), and the Host header kept the name.
    dns = FakeDNS({"pinned.example": ["127.0.0.1"]})
    limits = FetchLimits(allowed_hosts=frozenset({f"pinned.example:{port}"}))
    page = await fetch_url(f"http://pinned.example:{port}/host", limits, resolver=dns)
    assert page.status == SUCCESS, page.error
    assert page.text == f"pinned.example:{port}"
    assert dns.calls == [("pinned.example", port)]


async def test_unreachable_address_falls_back_to_the_next_one(port: int) -> None:
    # The server listens on 127.0.0.1 only, so ::1 refuses (or has no IPv6 at all).
    dns = FakeDNS({"dual.example": ["::1", "127.0.0.1"]})
    limits = FetchLimits(allowed_hosts=frozenset({f"dual.example:{port}"}))
    page = await fetch_url(f"http://dual.example:{port}/host", limits, resolver=dns)
    assert page.status == SUCCESS, page.error


async def test_unsupported_content_type_is_an_error(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/image", local(port))
    assert page.status == ERROR
    assert "unsupported content type image/png" in page.error.lower()
    assert page.text == ""


async def test_http_error_status_is_an_error(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/missing", local(port))
    assert page.status == ERROR
    assert "404" in page.error


async def test_refused_connection_is_an_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    page = await fetch_url(f"http://127.0.0.1:{closed_port}/", local(closed_port))
    assert page.status == ERROR
    assert "connect" in page.error.lower()


@pytest.mark.parametrize("failure", [{}, {"empty.example": []}, {"empty.example": ["not-an-ip"]}])
async def test_dns_failures_are_errors(failure: dict[str, list[str]]) -> None:
    page = await fetch_url("http://empty.example/", resolver=FakeDNS(failure))
    assert page.status == ERROR
    assert "empty.example" in page.error


# ---------------------------------------------------------------------------
# Redirects


async def test_follows_a_redirect_within_allowed_hosts(server: tuple[str, list[str]], port: int) -> None:
    base, hits = server
    page = await fetch_url(f"{base}/redirect?to=/page", local(port))
    assert page.status == SUCCESS, page.error
    assert page.final_url == f"{base}/page"
    assert page.title == "Local test page"
    assert hits == ["/redirect?to=/page", "/page"]


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://internal.example/",  # fake DNS says 10.9.8.7
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_an_unsafe_target_is_refused(base: str, port: int, location: str) -> None:
    dns = FakeDNS({"internal.example": ["10.9.8.7"]})
    page = await fetch_url(f"{base}/redirect?to={location}", local(port), resolver=dns)
    assert page.status == UNSAFE, page
    # Where the redirect led is reported, though nothing was read there.
    assert page.final_url == str(httpx.URL(location)), page
    assert page.text == ""


async def test_redirect_to_another_loopback_address_is_refused(port: int) -> None:
    # Allowing 127.0.0.1 allows that address (in any spelling), not all of loopback.
    spelled = await fetch_url(f"http://127.1:{port}/plain", local(port))
    assert spelled.status == SUCCESS
    page = await fetch_url(f"http://127.0.0.1:{port}/redirect?to=http://127.0.0.2:{port}/page", local(port))
    assert page.status == UNSAFE


async def test_too_many_redirects(server: tuple[str, list[str]], port: int) -> None:
    base, hits = server
    limits = local(port, max_redirects=3)
    page = await fetch_url(f"{base}/loop/0", limits)
    assert page.status == ERROR
    assert "redirects" in page.error
    assert hits == ["/loop/0", "/loop/1", "/loop/2", "/loop/3"]  # the first request and three hops


async def test_zero_redirects_allowed(base: str, port: int) -> None:
    limits = local(port, max_redirects=0)
    page = await fetch_url(f"{base}/redirect?to=/page", limits)
    assert page.status == ERROR


# ---------------------------------------------------------------------------
# Limits


async def test_body_is_cut_at_max_bytes(base: str, port: int) -> None:
    limits = local(port, max_bytes=10_000, max_text_chars=1_000_000)
    page = await fetch_url(f"{base}/big", limits)
    assert page.status == SUCCESS
    assert page.text == "a" * 10_000
    assert page.truncated


async def test_text_is_cut_at_max_text_chars(base: str, port: int) -> None:
    limits = local(port, max_text_chars=500)
    page = await fetch_url(f"{base}/big", limits)
    assert page.status == SUCCESS
    assert len(page.text) == 500
    assert page.truncated


async def test_server_that_never_answers_times_out(silent_port: int) -> None:
    limits = local(silent_port, timeout_s=0.5)
    started = time.monotonic()
    page = await fetch_url(f"http://127.0.0.1:{silent_port}/", limits)
    assert page.status == ERROR
    assert time.monotonic() - started < 2.0
    assert "time" in page.error


async def test_slow_dns_counts_against_the_deadline() -> None:
    async def slow(host: str, port: int, /) -> list[str]:
        await asyncio.sleep(10)
        return ["93.184.216.34"]

    started = time.monotonic()
    page = await fetch_url("http://slow.example/", FetchLimits(timeout_s=0.3), resolver=slow)
    assert page.status == ERROR
    assert time.monotonic() - started < 2.0


async def test_fetch_all_keeps_order_and_bounds_concurrency() -> None:
    in_flight = 0
    peak = 0

    async def counting(host: str, port: int, /) -> list[str]:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return ["10.0.0.1"] if host.startswith("private") else []

    urls = [f"http://{'private' if i % 2 else 'nothing'}{i}.example/" for i in range(10)]
    pages = await fetch_all(urls, resolver=counting)
    assert [p.url for p in pages] == urls
    assert [p.status for p in pages] == [ERROR, UNSAFE] * 5
    assert peak == 4


# ---------------------------------------------------------------------------
# HTTPS: SNI and the certificate check use the name, not the pinned IP


def _tls_contexts(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``name`` and a client context trusting its CA."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openlive test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert_file, key_file)
    client_ctx = ssl.create_default_context(cafile=str(ca_file))
    return server_ctx, client_ctx


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext, list[str | None]]]:
    """An HTTPS server for "secure.example": (port, client context, SNI names it saw)."""
    server_ctx, client_ctx = _tls_contexts(tmp_path, "secure.example")
    seen_sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    for base, _hits in _serve(server_ctx):
        yield int(base.rsplit(":", 1)[1]), client_ctx, seen_sni


async def test_https_pinned_connection_sends_sni_and_checks_the_certificate_name(
    tls_server: tuple[int, ssl.SSLContext, list[str | None]],
) -> None:
    port, client_ctx, seen_sni = tls_server
    dns = FakeDNS({"secure.example": ["127.0.0.1"]})
    limits = FetchLimits(allowed_hosts=frozenset({f"secure.example:{port}"}))
    page = await fetch_url(
        f"https://secure.example:{port}/host", limits, resolver=dns, ssl_context=client_ctx
    )
    assert page.status == SUCCESS, page.error
    assert page.text == f"secure.example:{port}"
    assert seen_sni == ["secure.example"]


async def test_https_certificate_for_another_name_is_rejected(
    tls_server: tuple[int, ssl.SSLContext, list[str | None]],
) -> None:
    port, client_ctx, _ = tls_server
    dns = FakeDNS({"impostor.example": ["127.0.0.1"]})
    limits = FetchLimits(allowed_hosts=frozenset({f"impostor.example:{port}"}))
    page = await fetch_url(
        f"https://impostor.example:{port}/host", limits, resolver=dns, ssl_context=client_ctx
    )
    assert page.status == ERROR
    assert "certificate" in page.error.lower()


# ---------------------------------------------------------------------------
# Pure helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/a.", ["https://example.com/a"]),
        (
            "(https://example.com/x), then http://b.example/y;",
            ["https://example.com/x", "http://b.example/y"],
        ),
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language)!",
            ["https://en.wikipedia.org/wiki/Python_(programming_language)"],
        ),
        ("[docs](https://docs.example/page?q=1&r=2)", ["https://docs.example/page?q=1&r=2"]),
        ("<https://a.example/> and 'https://b.example/'", ["https://a.example/", "https://b.example/"]),
        (
            "HTTPS://EXAMPLE.COM/ twice https://example.com/a https://example.com/a",
            ["HTTPS://EXAMPLE.COM/", "https://example.com/a"],
        ),
        ("ipv6 http://[::1]:8080/x, ok", ["http://[::1]:8080/x"]),
        ("ftp://example.com/ file:///etc/passwd www.example.com http:// https://", []),
        ("no urls here", []),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert find_urls(text) == expected


def test_find_urls_limit() -> None:
    text = " ".join(f"https://site{i}.example/" for i in range(30))
    assert find_urls(text, limit=3) == [
        "https://site0.example/",
        "https://site1.example/",
        "https://site2.example/",
    ]
    assert len(find_urls(text)) == 20


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.515", "10.1.2.3"),
        ("0177.0.0.01", "127.0.0.1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.com", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
    ],
)
def test_parse_ip_host(host: str, expected: str | None) -> None:
    address = parse_ip_host(host)
    assert (str(address) if address is not None else None) == expected


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),
        ("127.0.0.1", False),
        ("100.127.255.255", False),
        ("198.18.0.1", False),
        ("239.1.2.3", False),
        ("255.255.255.255", False),
        ("2001:db8::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_html_to_text_keeps_pre_and_drops_hidden_elements() -> None:
    title, text = html_to_text(
        "<title>T</title><p>a</p><pre>def f():\n    return 1</pre>"
        "<template>TEMPLATE</template><svg><title>SVG</title></svg><p>b<br>c</p>"
    )
    assert title == "T"
    assert text == "a\n\ndef f():\n    return 1\n\nb\nc"


def test_parse_html_reads_first_heading_and_canonical_url() -> None:
    page = parse_html(
        '<head><link rel="Canonical" href=" https://example.org/a "><link rel="canonical" href="/rel">'
        "</head><h1><img></h1><h2>Real  <b>heading</b></h2><h3>Later</h3><script>x</script>"
    )
    assert page == HtmlPage(
        title="", text="Real heading\n\nLater", heading="Real heading", canonical="https://example.org/a"
    )


# ---------------------------------------------------------------------------
# allowed_hosts entries with and without a port


async def test_a_bare_allowed_host_does_not_open_its_other_ports(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/page", FetchLimits(allowed_hosts=frozenset({"127.0.0.1"})))
    assert page.status == UNSAFE, page


async def test_a_host_port_entry_opens_that_port_only(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/page", local(port))
    assert page.status == SUCCESS, page.error
    other = await fetch_url(f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/", local(port))
    assert other.status == UNSAFE, other


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("wiki.lan", "http://wiki.lan/", True),
        ("wiki.lan", "https://wiki.lan/", True),
        ("wiki.lan", "http://wiki.lan:443/", True),
        ("wiki.lan", "http://wiki.lan:8080/", False),
        ("wiki.lan:8080", "http://wiki.lan:8080/", True),
        ("WIKI.lan.:8080", "http://wiki.LAN:8080/", True),
        ("wiki.lan:8080", "http://wiki.lan/", False),
        ("[fd00::1]:8080", "http://[fd00::1]:8080/", True),
        ("fd00::1", "http://[fd00::1]/", True),
        ("fd00::1", "http://[fd00::1]:8080/", False),
        ("10.0.0.5:81", "http://10.0.0.5:81/", True),
        ("10.0.0.5:eighty", "http://10.0.0.5:80/", False),
    ],
)
async def test_allowed_host_entries(entry: str, url: str, allowed: bool) -> None:
    dns = FakeDNS({"wiki.lan": ["10.1.1.1"]})
    # Nothing listens at these addresses: an allowed URL fails to connect (ERROR), a refused one is UNSAFE.
    limits = FetchLimits(allowed_hosts=frozenset({entry}), timeout_s=0.5)
    page = await fetch_url(url, limits, resolver=dns)
    assert (page.status != UNSAFE) == allowed, page


async def test_final_url_is_empty_when_a_fetch_fails_without_a_redirect(base: str, port: int) -> None:
    page = await fetch_url(f"{base}/missing", local(port))
    assert page.status == ERROR
    assert page.final_url == ""
