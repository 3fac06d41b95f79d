"""Both transports (aiohttp's for the poller, httpx's own for `ticker read`) fail in the same
words, on the same hostile answers from real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from hostile_server import (
    Handler,
    HostileServer,
    body,
    cut_off,
    gzip_bomb,
    raw_reply,
    redirect,
)

from ticker.errors import FetchError
from ticker.fetch import Fetcher, Limits, Transport

TRANSPORTS: list[Transport] = ["aiohttp", "httpx"]
QUICK = Limits(connect_timeout=2, read_timeout=1, deadline=4, max_bytes=2 << 20, concurrency=1)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    hostile = HostileServer().start()
    yield hostile
    hostile.stop()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


async def failure(transport: Transport, url: str) -> str:
    async with Fetcher(QUICK, transport=transport) as fetcher:
        with pytest.raises(FetchError) as raised:
            await fetcher.get(url)
    return str(raised.value)


def reset_after(data: bytes) -> Handler:
    """Write `data`, then drop the connection with a TCP reset."""

    async def handler(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        if data:
            transport.write(data)
            await asyncio.sleep(0.05)
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return web.Response()

    return handler


async def silent(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(10)
    return web.Response()


OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
ANSWERS: list[tuple[str, Handler, str]] = [
    ("empty", raw_reply(b""), "the server closed the connection without answering"),
    ("garbage", raw_reply(b"garbage garbage\r\n\r\n"), "the server's answer is not valid HTTP"),
    (
        "bad-header",
        raw_reply(OK_HEAD + b"Bad Header\r\n\r\n"),
        "the server's answer is not valid HTTP",
    ),
    (
        "two-lengths",
        raw_reply(OK_HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
        "the server's answer is not valid HTTP",
    ),
    (
        "cut-off",
        cut_off(b"x" * 20_000, 1000),
        "the connection broke: the answer was cut short",
    ),
    (
        "cut-off-chunked",
        cut_off(b"x" * 20_000, 1000, chunked=True),
        "the connection broke: the answer was cut short",
    ),
    ("reset", reset_after(b""), "the connection broke: reset by the server"),
    (
        "corrupt-gzip",
        raw_reply(
            OK_HEAD
            + b"Content-Encoding: gzip\r\nContent-Length: 20\r\n\r\n"
            + b"\x1f\x8b\x08\x00garbagegarbage!!"
        ),
        "the response's compression is corrupt",
    ),
    ("gzip-bomb", gzip_bomb(), "response too large (over 2 MB)"),
    ("silent", silent, "the server stopped answering (read timed out)"),
    ("not-found", body(b"gone", status=404), "HTTP 404 Not Found"),
    (
        "to-a-file",
        redirect("file:///etc/passwd"),
        "redirected to an address that is not http or https",
    ),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("answer", "said"), [(a, s) for _, a, s in ANSWERS], ids=[n for n, _, _ in ANSWERS]
)
async def test_a_hostile_answer_reads_the_same_on_either_transport(
    server: HostileServer, transport: Transport, answer: Handler, said: str
) -> None:
    url = server.serve(server.path(), answer)
    assert await failure(transport, url) == said


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_redirect_loop_reads_the_same_on_either_transport(
    server: HostileServer, transport: Transport
) -> None:
    path = server.path("loop")
    assert await failure(transport, server.serve(path, redirect(path))) == "too many redirects"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_refused_connection_reads_the_same_on_either_transport(
    transport: Transport,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    said = await failure(transport, f"http://127.0.0.1:{port}/feed")
    assert said == f"cannot connect: connect call failed ('127.0.0.1', {port})"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_unknown_host_reads_the_same_on_either_transport(transport: Transport) -> None:
    # A space in a host name fails in the resolver's own checks, before any query is sent.
    said = await failure(transport, "http://no such host.invalid/")
    assert said == "cannot resolve the host name (no network, or no such host)"


# -- TLS: a self-signed certificate on 127.0.0.1 -----------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture(scope="module")
def tls_port(certificate: tuple[Path, Path]) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 answering every request with a small page."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    loop = asyncio.new_event_loop()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK_HEAD + b"Content-Length: 5\r\n\r\nhello")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = loop.run_until_complete(asyncio.start_server(answer, "127.0.0.1", 0, ssl=context))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server.sockets[0].getsockname()[1]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    server.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_untrusted_certificate_is_said_as_such_not_as_a_timeout(
    tls_port: int, transport: Transport
) -> None:
    said = await failure(transport, f"https://127.0.0.1:{tls_port}/")
    assert said == "cannot connect securely: certificate verify failed: self-signed certificate"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_tls_to_a_plain_http_server_reads_the_same_on_either_transport(
    server: HostileServer, transport: Transport
) -> None:
    said = await failure(transport, f"https://127.0.0.1:{server.port}/")
    assert said == "cannot connect securely: wrong version number"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_redirect_from_http_to_trusted_https_is_followed(
    server: HostileServer,
    tls_port: int,
    certificate: tuple[Path, Path],
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # httpx's transport reads the CA certificates only at the first TLS connection: they must
    # be there when an http:// address sends ticker to https.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    from ticker import fetch

    fetch._ca_context.cache_clear()
    try:
        url = server.serve(server.path(), redirect(f"https://127.0.0.1:{tls_port}/page"))
        async with Fetcher(QUICK, transport=transport) as fetcher:
            response = await fetcher.get(url)
    finally:
        fetch._ca_context.cache_clear()
    assert (response.status, response.body) == (200, b"hello")
    assert response.url == f"https://127.0.0.1:{tls_port}/page"


def test_ticker_read_imports_neither_aiohttp_nor_trio(
    tmp_path: Path, server: HostileServer
) -> None:
    url = server.serve(
        server.path(), body(b"<html><body><p>" + b"word " * 60 + b"</p></body></html>", "text/html")
    )
    code = (
        "import sys\n"
        "from ticker.__main__ import main\n"
        f"code = main(['read', '--data-dir', {str(tmp_path)!r}, {url!r}])\n"
        "print(sorted(m for m in ('aiohttp', 'trio', 'httpx_aiohttp') if m in sys.modules), code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["TICKER_CONFIG"] = str(tmp_path / "config.toml")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.stdout.splitlines()[-1] == "[] 0", done.stderr[-2000:]
