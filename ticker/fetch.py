"""The HTTP client: httpx's API on aiohttp's transport, with every limit a poller needs.

A process that fetches one page (`ticker read`) takes httpx's own transport instead: a third
of the import time (bench/read_process.py), the same limits and the same error sentences.

Limits: http and https only, a few redirects, connect and read timeouts plus a deadline for the
whole exchange (a body that trickles forever ends too), and a cap on the decoded body (so a
gzip bomb stops at the cap). Conditional GET with ETag and Last-Modified; Cache-Control max-age
and Retry-After are read for the scheduler.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import functools
import os
import re
import socket
import ssl
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ticker import __version__
from ticker.errors import FetchError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"ticker/{__version__} (terminal news ticker; +https://pypi.org/project/ticker/)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
MAX_BODY = 16 * 1024 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)

# "aiohttp": the fast path for many concurrent GETs (bench/http_clients.py); "httpx": httpx's
# own transport (httpcore), quicker to import, for a process that fetches a page or two.
Transport = Literal["aiohttp", "httpx"]


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how much a fetch may take."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 45.0  # the whole exchange, body included
    max_bytes: int = MAX_BODY
    max_redirects: int = 5
    concurrency: int = 16

    @classmethod
    def for_timeout(cls, timeout: float, concurrency: int = 16) -> Limits:
        """Limits from the config's one timeout: connect within it (10 s at most), read within
        it, the whole exchange within twice it."""
        return cls(
            connect_timeout=min(10.0, timeout),
            read_timeout=timeout,
            deadline=timeout * 2,
            concurrency=concurrency,
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A finished fetch. `status` 304 means not modified and `body` is empty."""

    url: str
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HTTPStatusError(FetchError):
    """The server answered with an error status; `retry_after` in seconds when it said so."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Fetcher:
    """An async HTTP client for many concurrent GETs; use as `async with Fetcher() as f`."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        user_agent: str = USER_AGENT,
        transport: Transport = "aiohttp",
    ) -> None:
        self.limits = limits or Limits()
        self._user_agent = user_agent
        self._transport: Transport = transport
        self._client: httpx.AsyncClient | None = None
        self._entered = False
        self._opening: asyncio.Lock | None = None

    async def __aenter__(self) -> Fetcher:
        # The client is made on the first GET: `ticker read` of a saved article fetches nothing
        # and so never pays for importing httpx and aiohttp (0.15 s, bench/read_process.py).
        self._entered = True
        self._opening = asyncio.Lock()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _open(self) -> httpx.AsyncClient:
        """The shared client, made once; concurrent first GETs wait for the one making it."""
        assert self._opening is not None
        async with self._opening:
            if self._client is None:
                self._client = await _client(self.limits, self._user_agent, self._transport)
        return self._client

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        max_bytes: int | None = None,
    ) -> Response:
        """GET `url`, conditionally when validators are given. FetchError says what failed."""
        if not self._entered:
            raise RuntimeError("Fetcher used outside 'async with'")
        if not url.lower().startswith(("http://", "https://")):
            raise FetchError(f"only http and https addresses are fetched, not {_scheme(url)}")
        headers = {"Accept": accept}
        if etag := _sendable(etag):
            headers["If-None-Match"] = etag
        if last_modified := _sendable(last_modified):
            headers["If-Modified-Since"] = last_modified
        cap = max_bytes or self.limits.max_bytes
        try:
            async with asyncio.timeout(self.limits.deadline):
                return await self._get(url, headers, cap)
        except TimeoutError:
            raise FetchError(f"timed out after {self.limits.deadline:g} s") from None
        except FetchError:
            raise
        except Exception as error:  # every transport failure becomes one line
            raise FetchError(_describe(error)) from None

    async def _get(self, url: str, headers: Mapping[str, str], cap: int) -> Response:
        client = self._client or await self._open()
        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            final_url = str(response.url)
            if status == 304:
                return Response(final_url, status, b"", None, *_validators(response.headers))
            if status >= 400:
                retry = retry_after(response.headers.get("retry-after"))
                reason = _first_line(response.reason_phrase or "", 60)
                raise HTTPStatusError(f"HTTP {status} {reason}".strip(), status, retry)
            if not 200 <= status < 300:
                raise FetchError(f"unexpected HTTP status {status}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchError(f"response too large ({_size(int(declared))}, limit {_size(cap)})")
            body = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > cap:
                        raise FetchError(f"response too large (over {_size(cap)})")
            except FetchError:
                raise
            except Exception as error:  # the answer began: a failure now cuts it short
                raise FetchError(_describe(error, in_body=True)) from None
            return Response(
                final_url,
                status,
                bytes(body),
                response.headers.get("content-type"),
                *_validators(response.headers),
            )


async def _client(limits: Limits, user_agent: str, transport: Transport) -> httpx.AsyncClient:
    """httpx's client on the chosen transport, with the limits and the shared TLS settings."""
    if transport == "aiohttp":
        # Importing aiohttp and loading CA certificates took 0.17 s on first use: in a thread,
        # so a UI on this loop keeps reading keys; once per process.
        tls = await asyncio.to_thread(_tls_context)
    else:
        _import_httpcore()
        tls = _CertificatesOnFirstUse(ssl.PROTOCOL_TLS_CLIENT)
    _import_httpx()
    import httpx

    pool = httpx.Limits(
        max_connections=max(limits.concurrency, 1),
        max_keepalive_connections=max(limits.concurrency, 1),
    )
    if transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        mounted: httpx.AsyncBaseTransport | None = AiohttpTransport(
            verify=tls, limits=pool, trust_env=True
        )
    else:
        mounted = None  # httpx's own, which reads the proxy variables itself (trust_env)
    return httpx.AsyncClient(
        transport=mounted,
        verify=tls,
        limits=pool,
        trust_env=True,
        timeout=httpx.Timeout(
            limits.read_timeout, connect=limits.connect_timeout, pool=limits.deadline
        ),
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        headers={"User-Agent": user_agent},
    )


def _import_httpx() -> None:
    """Import httpx without its command-line client: that imports click, rich and pygments
    (0.04 s of a `ticker read`), and a library never runs it."""
    if "httpx" in sys.modules:
        return
    blocked = "httpx._main" not in sys.modules
    if blocked:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # its import fails: skipped
    try:
        import httpx  # noqa: F401
    finally:
        if blocked:
            del sys.modules["httpx._main"]


def _import_httpcore() -> None:
    """Import httpcore without trio: it imports trio when installed (0.05 s) only to run under
    trio, and ticker runs on asyncio."""
    if "httpcore" in sys.modules:
        return
    blocked = "trio" not in sys.modules
    if blocked:
        sys.modules["trio"] = None  # type: ignore[assignment]  # its import fails: no trio support
    try:
        import httpcore  # noqa: F401
    finally:
        if blocked:
            del sys.modules["trio"]


def _validators(headers: httpx.Headers) -> tuple[str | None, str | None, float | None]:
    """ETag, Last-Modified and the Cache-Control max-age (capped at a day)."""
    control = headers.get("cache-control") or ""
    max_age: float | None = None
    if not _NO_CACHE.search(control):
        match = _MAX_AGE.search(control)
        if match:
            max_age = float(min(int(match.group(1)), 86_400))
    return _sendable(headers.get("etag")), _sendable(headers.get("last-modified")), max_age


_SENDABLE = re.compile(r"[\x20-\x7e]{1,512}")


def _sendable(value: str | None) -> str | None:
    """A validator that can go back in a request header (printable ASCII), else None.

    A non-ASCII or control-character ETag kept would make every later request fail before
    it is sent, wedging the source for good.
    """
    return value if value is not None and _SENDABLE.fullmatch(value) else None


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 86_400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, min(delta, 86_400.0))


def _describe(error: BaseException, *, in_body: bool = False) -> str:
    """One readable line for a transport failure, the same sentence whichever transport raised
    it (aiohttp's and httpcore's exceptions differ; what happened is read from the chain)."""
    _import_httpx()
    import httpx

    chain = _chain(error)
    names = {type(link).__name__ for link in chain}
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(error, httpx.UnsupportedProtocol):
        return "redirected to an address that is not http or https"
    if isinstance(error, httpx.InvalidURL):
        return f"invalid address: {_first_line(error)}"
    if any(isinstance(link, socket.gaierror) for link in chain):
        return "cannot resolve the host name (no network, or no such host)"
    # The innermost: aiohttp's wrappers of ssl's errors are SSLErrors too, without the details.
    tls = next((link for link in reversed(chain) if isinstance(link, ssl.SSLError)), None)
    if isinstance(tls, ssl.SSLCertVerificationError):
        reason = _first_line(tls.verify_message or "", 120) or "not trusted"
        return f"cannot connect securely: certificate verify failed: {reason}"
    if tls is not None:
        reason = (tls.reason or "").lower().replace("_", " ")
        return f"cannot connect securely: {_first_line(reason, 120) or 'TLS failed'}"
    # httpx-aiohttp 0.2 reports every aiohttp connection error as a ConnectTimeout: a timeout
    # is one only when a TimeoutError caused it.
    timed_out = any(isinstance(link, TimeoutError) for link in chain)
    if timed_out and isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        return "connection timed out"
    if timed_out and isinstance(error, httpx.TimeoutException):
        return "the server stopped answering (read timed out)"
    if isinstance(error, httpx.ConnectError) or any(n.startswith("ClientConnector") for n in names):
        # The innermost OSError says what the system said: refused, unreachable...
        said = next(
            (
                link.strerror
                for link in reversed(chain)
                if isinstance(link, OSError) and link.strerror
            ),
            None,
        )
        return f"cannot connect: {_first_line(said or 'connection refused').lower()}"
    if isinstance(error, httpx.DecodingError):
        return "the response's compression is corrupt"
    malformed = isinstance(error, httpx.ProtocolError) and not str(error).startswith(
        ("peer closed connection", "Server disconnected")  # h11's and httpcore's end of input
    )
    if in_body and not malformed:
        return "the connection broke: the answer was cut short"
    if "ServerDisconnectedError" in names or (
        isinstance(error, httpx.RemoteProtocolError)
        and str(error).startswith("Server disconnected without sending a response")
    ):
        return "the server closed the connection without answering"
    if any(isinstance(link, OSError) and link.errno in _BROKEN for link in chain):
        return "the connection broke: reset by the server"
    if "ClientResponseError" in names or malformed:
        # aiohttp's parser and h11 both refuse the answer, each in its own words.
        return "the server's answer is not valid HTTP"
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return f"the connection broke: {_first_line(error) or 'closed early'}"
    return f"{type(error).__name__}: {_first_line(error)}".rstrip(": ")


_BROKEN = {errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE}


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what caused it, outermost first (the first of a group's errors)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain:
        chain.append(link)
        if isinstance(link, BaseExceptionGroup) and link.exceptions:
            link = link.exceptions[0]
        else:  # aiohttp keeps the OSError behind a connection error in `os_error` too
            link = link.__cause__ or link.__context__ or getattr(link, "os_error", None)
    return chain


def _first_line(error: object, limit: int = 200) -> str:
    from ticker.sanitize import clean_line

    return clean_line(str(error), limit, markup=False)


def _scheme(url: str) -> str:
    """The scheme of a URL as a person should see it in an error: 'file:'."""
    from ticker.sanitize import clean_line

    scheme, colon, _ = url.partition(":")
    return repr(clean_line(scheme, 20, markup=False) + colon)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def _tls_context() -> ssl.SSLContext:
    """The shared TLS settings, with aiohttp imported (it builds its own contexts on import)."""
    _import_httpx()
    import httpx_aiohttp  # noqa: F401

    return _ca_context()


class _CertificatesOnFirstUse(ssl.SSLContext):
    """httpx's default TLS settings, the CA certificates read at the first TLS connection: a
    page fetched over http:// does without them (0.02 s of `ticker read`, bench/README.md).

    Until then the context verifies against no certificate at all, so nothing is trusted early.
    """

    _loaded = False

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load()
        return super().wrap_socket(*args, **kwargs)

    def _load(self) -> None:
        if self._loaded:
            return
        # What httpx.create_ssl_context(trust_env=True) loads into a default context.
        if os.environ.get("SSL_CERT_FILE"):
            self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi

            self.load_verify_locations(cafile=certifi.where())
        self._loaded = True


@functools.cache
def _ca_context() -> ssl.SSLContext:
    """The TLS settings every fetch shares (system CAs, or SSL_CERT_FILE / SSL_CERT_DIR)."""
    _import_httpx()
    import httpx

    return httpx.create_ssl_context(trust_env=True)
