"""The self-signed localhost certificate: made once, private key kept private, and usable."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from openlive.server.tls import CERT_NAME, KEY_NAME, ensure_self_signed


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ensure_self_signed(tmp_path_factory.mktemp("tls") / "data")


def test_makes_a_certificate_and_key_in_the_directory(pair: tuple[Path, Path]) -> None:
    cert, key = pair
    assert cert.name == CERT_NAME and key.name == KEY_NAME
    assert cert.parent == key.parent
    assert cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sorted(p.name for p in cert.parent.iterdir()) == sorted([CERT_NAME, KEY_NAME])  # no .tmp left


def test_key_is_readable_by_its_owner_only(pair: tuple[Path, Path]) -> None:
    _, key = pair
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_key_matches_the_certificate(pair: tuple[Path, Path]) -> None:
    cert, key = pair
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert private.public_key().public_bytes(*spki) == certificate.public_key().public_bytes(*spki)


def test_second_call_reuses_the_pair(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    before = cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns, key.stat().st_mtime_ns
    assert ensure_self_signed(tmp_path) == (cert, key)
    assert (cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns, key.stat().st_mtime_ns) == before


def test_a_half_pair_is_replaced_by_a_new_pair(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    old_cert = cert.read_bytes()
    key.unlink()
    assert ensure_self_signed(tmp_path) == (cert, key)
    assert key.is_file() and cert.read_bytes() != old_cert


def test_key_is_private_even_over_a_leftover_temporary_file(tmp_path: Path) -> None:
    leftover = tmp_path / (KEY_NAME + ".tmp")
    leftover.write_bytes(b"half-written")
    os.chmod(leftover, 0o644)
    _, key = ensure_self_signed(tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_certificate_is_valid_for_localhost_and_loopback_addresses(pair: tuple[Path, Path]) -> None:
    certificate = x509.load_pem_x509_certificate(pair[0].read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert set(names.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    assert certificate.not_valid_before_utc < certificate.not_valid_after_utc
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days >= 365


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[int]:
    """A TLS server on a loopback port that says hello to each client, in a thread."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def handshake(port: int, context: ssl.SSLContext, server_hostname: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.recv(5)


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
def test_a_client_trusting_the_certificate_completes_a_verified_handshake(
    pair: tuple[Path, Path], hostname: str
) -> None:
    cert, key = pair
    client = ssl.create_default_context(cafile=str(cert))
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname
    with tls_server(cert, key) as port:
        assert handshake(port, client, hostname) == b"hello"


def test_the_handshake_fails_for_a_client_that_does_not_trust_it(pair: tuple[Path, Path]) -> None:
    cert, key = pair
    untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA loaded
    trusting = ssl.create_default_context(cafile=str(cert))
    with tls_server(cert, key) as port:
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(port, untrusting, "localhost")
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(port, trusting, "example.com")
