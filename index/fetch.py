"""Safe HTTP for links and feeds: every request newsdesk makes to the web goes through `Fetcher`.

What it guards against, and how:

- a server that never answers, or answers forever: a time-out per read and a deadline for the
  whole response;
- a huge body: a size cap, checked against Content-Length and again while reading;
- something that is not an article or a feed: the caller names the media types it reads;
- redirects that loop or never end: followed by hand, at most `max_redirects`, each hop checked;
- requests to this machine or the private network (a link that points at 127.0.0.1, 10.x, a
  cloud's metadata address, or a name that resolves to one): every connection's address is
  resolved and checked when it is made, so a redirect or a DNS answer cannot slip past; the
  operator may allow a host by name (`allow_hosts`, the `--allow-host` flag);
- credentials: nothing is read from the environment (no proxies, no .netrc: httpx `trust_env`
  off), and no cookie or header is sent that newsdesk did not set;
- impoliteness: robots.txt is read and honoured per host (its Crawl-delay too), and requests to
  one host are spaced by at least `delay` seconds.

A request that fails raises `FetchError` saying why; the caller reports it and goes on.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib import metadata
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from newsdesk.core.errors import FetchError

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/xml", "text/xml", "application/feed+json", "application/json"})
ROBOTS_TYPES = frozenset({"text/plain"})
ROBOTS_MAX_AGE = 24 * 3600  # RFC 9309: a robots.txt is not used for longer than a day
_REDIRECTS = {301, 302, 303, 307, 308}
_AGENT = "newsdesk"


def _user_agent() -> str:
    try:
        return f"{_AGENT}/{metadata.version('newsdesk')} (news reader; honours robots.txt)"
    except metadata.PackageNotFoundError:
        return f"{_AGENT} (news reader; honours robots.txt)"


@dataclass(frozen=True)
class FetchPolicy:
    """How newsdesk fetches from the web.

    Args:
        timeout: Seconds to connect, and between two reads of a response. Default 10.
        deadline: Seconds a whole response may take. Default 30.
        max_bytes: Largest body read, in bytes. Default 10 MB.
        max_redirects: Redirects followed for one request. Default 5.
        delay: Least seconds between two requests to one host (robots.txt may ask for more,
            up to `max_delay`). Default 1.
        max_delay: The longest Crawl-delay honoured; a host that asks for more gets this.
        allow_hosts: Hosts, as links name them (`127.0.0.1`, `intranet.example`), that may be
            at private, loopback or link-local addresses. Default none.

    Example:
        >>> FetchPolicy(delay=0, allow_hosts=frozenset({"127.0.0.1"})).delay
        0
    """

    timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    delay: float = 1.0
    max_delay: float = 30.0
    allow_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Response:
    """What a request brought back: the body of a 200, or nothing new (`status` 304)."""

    url: str  # after redirects
    status: int
    content_type: str  # the media type, lower-case, without parameters ("" if none)
    body: bytes = b""
    charset: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Fetcher:
    """Fetches links politely and safely (see the module docstring); `close` when done.

    `robots` holds the robots.txt texts read so far, `{origin: [seconds since the epoch, text]}`:
    a watch keeps it between runs so that a poll with nothing new costs one request per feed.
    `requests` counts the requests made. `clock` and `sleep` are replaceable for tests of the
    spacing.
    """

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    robots: dict[str, list] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0

    def __post_init__(self) -> None:
        transport = httpx.HTTPTransport(trust_env=False)
        # The connection pool's network backend is the one place every connection is made,
        # redirects and keep-alive included: the address check lives there (httpx has no
        # public setting for it).
        transport._pool._network_backend = _CheckedBackend(self.policy.allow_hosts)
        self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False,
                                    timeout=httpx.Timeout(self.policy.timeout),
                                    headers={"User-Agent": _user_agent()})
        self._last: dict[str, float] = {}
        self._parsers: dict[str, RobotFileParser] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, kinds: frozenset[str], *, etag: str = "",
            last_modified: str = "") -> Response:
        """GET `url`, following redirects, if robots.txt allows; a body of one of `kinds`.

        `etag` and `last_modified` make the request conditional: a server with nothing new
        answers 304, returned with no body.

        Raises:
            FetchError: why the link could not be fetched.
        """
        headers = {"Accept": ", ".join(sorted(kinds)) + ", */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            return self._follow(url, kinds, headers)
        except FetchError as error:  # named by the link asked for, wherever it failed
            if error.url == url:
                raise
            raise FetchError(url, f"{error.reason} (redirected to {error.url})",
                             permanent=error.permanent, status=error.status,
                             retry_after=error.retry_after) from None

    def _follow(self, url: str, kinds: frozenset[str], headers: dict[str, str]) -> Response:
        """GET `url` and the redirects it leads to, checking each."""
        seen = []
        while True:
            _check_scheme(url)
            self.check_robots(url)
            seen.append(url)
            response = self._send(url, headers)
            try:
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"]).split("#")[0]
                    if url in seen:
                        raise FetchError(seen[0], f"redirects loop back to {url}")
                    if len(seen) > self.policy.max_redirects:
                        raise FetchError(seen[0], f"more than {self.policy.max_redirects} redirects")
                    continue
                return self._read(seen[0], str(response.url), response, kinds)
            finally:
                response.close()

    def check_robots(self, url: str) -> None:
        """FetchError when the host's robots.txt does not let newsdesk fetch `url`."""
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return
        try:
            parser = self._robots_of(f"{parts.scheme}://{parts.netloc}")
        except FetchError as error:  # named by the link asked for, not by its robots.txt
            raise FetchError(url, error.reason, permanent=error.permanent) from None
        if not parser.can_fetch(_AGENT, url):
            raise FetchError(url, f"robots.txt of {parts.hostname} does not allow newsdesk to "
                                  "fetch it")

    # -- one request ---------------------------------------------------------------------------

    def _send(self, url: str, headers: dict[str, str]):
        """The response to one GET, streamed (not yet read), after the host's spacing."""
        self._wait_turn(url)
        self.requests += 1
        try:
            return self._client.send(self._client.build_request("GET", url, headers=headers),
                                     stream=True)
        except _Refused as refused:
            raise FetchError(url, str(refused)) from None
        except httpx.HTTPError as error:
            raise _transport_error(url, error, self.policy) from None

    def _read(self, asked: str, url: str, response: httpx.Response,
              kinds: frozenset[str]) -> Response:
        """The body of a final response, checked for status, type and size."""
        status = response.status_code
        if status == 304:
            return Response(url, 304, "")
        if status >= 400 or status not in (200, 203):
            raise _status_error(asked, response)
        media, charset = _media_type(response.headers.get("content-type", ""))
        if kinds and media not in kinds:
            wanted = "a feed" if kinds <= FEED_TYPES else "an article page" if kinds <= PAGE_TYPES \
                else "an article page or a feed" if kinds & PAGE_TYPES else "text"
            raise FetchError(asked, f"not {wanted} (content type {media or 'missing'})")
        size = int(response.headers.get("content-length") or 0)
        if size > self.policy.max_bytes:
            raise FetchError(asked, f"larger than {_megabytes(self.policy.max_bytes)}")
        body = self._body(asked, response)
        return Response(url, status, media, body, charset, response.headers.get("etag", ""),
                        response.headers.get("last-modified", ""))

    def _body(self, asked: str, response: httpx.Response) -> bytes:
        started = self.clock()
        chunks, size = [], 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise FetchError(asked, f"larger than {_megabytes(self.policy.max_bytes)}")
                if self.clock() - started > self.policy.deadline:
                    raise FetchError(asked, f"took longer than {self.policy.deadline:g} s",
                                     permanent=False)
                chunks.append(chunk)
        except httpx.HTTPError as error:
            raise _transport_error(asked, error, self.policy) from None
        return b"".join(chunks)

    def _wait_turn(self, url: str) -> None:
        """Sleep until the host may be asked again: `delay` (or its Crawl-delay) since the last
        request to it."""
        parts = urlsplit(url)
        spacing = self.policy.delay
        parser = self._parsers.get(f"{parts.scheme}://{parts.netloc}")
        asked = parser.crawl_delay(_AGENT) if parser is not None else None
        if asked:
            spacing = min(max(spacing, float(asked)), self.policy.max_delay)
        last = self._last.get(parts.hostname or "")
        if last is not None and last + spacing > self.clock():
            self.sleep(last + spacing - self.clock())
        self._last[parts.hostname or ""] = self.clock()

    # -- robots.txt ----------------------------------------------------------------------------

    def _robots_of(self, origin: str) -> RobotFileParser:
        kept = self.robots.get(origin)
        if not kept or time.time() - kept[0] >= ROBOTS_MAX_AGE:
            kept = self.robots[origin] = [time.time(), self._read_robots(origin)]
            self._parsers.pop(origin, None)
        if origin not in self._parsers:
            parser = RobotFileParser()
            parser.parse(kept[1].splitlines())
            self._parsers[origin] = parser
        return self._parsers[origin]

    def _read_robots(self, origin: str) -> str:
        """The host's robots.txt; "" (all allowed) when it has none (RFC 9309: any 4xx)."""
        try:
            return self.get(f"{origin}/robots.txt", frozenset()).body.decode("utf-8", "replace")
        except FetchError as error:
            if 400 <= error.status < 500 and error.status != 429:
                return ""
            if error.permanent and not error.status:  # a private address, a redirect loop
                raise
            # Unreachable, or a server error: RFC 9309 says assume everything is disallowed.
            raise FetchError(error.url, f"robots.txt could not be read ({error.reason}); will "
                                        "try again later", permanent=False) from None


class _Refused(Exception):
    """A connection newsdesk will not make (an address that is not public)."""


class _CheckedBackend(httpcore.NetworkBackend):
    """httpcore's own backend, connecting only to public addresses (or allowed hosts).

    The host is resolved here, every address it resolves to is checked, and the connection is
    made to the checked address: what was checked is what is reached. TLS still verifies the
    host's name (httpcore passes it to the handshake separately).
    """

    def __init__(self, allow_hosts: frozenset[str]):
        self._inner = httpcore.SyncBackend()
        self._allow = {host.lower().strip("[]") for host in allow_hosts}

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = checked_address(host, port, self._allow)
        return self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                       socket_options=socket_options)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise _Refused("newsdesk does not fetch over Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def checked_address(host: str, port: int, allow: set[str]) -> str:
    """The address to connect to for `host`; _Refused when one it resolves to is not public
    and the host is not allowed."""
    host = host.lower().strip("[]")
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError) as error:
        raise _Refused(f"cannot resolve {host} ({error})") from None
    if not found:
        raise _Refused(f"cannot resolve {host}")
    if host not in allow:
        for address in sorted(found):
            if not _is_public(address):
                raise _Refused(f"{host} is at {address}, a private, loopback or link-local "
                               f"address; pass --allow-host {host} to fetch from it")
    return sorted(found)[0]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not a web link; give an http:// or https:// URL")


def _media_type(header: str) -> tuple[str, str]:
    """("text/html", "utf-8") from "text/html; charset=UTF-8"."""
    media, _, params = header.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    names = {401: "needs a login", 403: "forbidden", 404: "not found", 410: "gone",
             429: "too many requests", 451: "unavailable for legal reasons"}
    transient = status == 429 or status >= 500
    reason = names.get(status) or ("server error" if status >= 500 else "unexpected answer")
    return FetchError(url, f"{reason} (HTTP {status})", permanent=not transient, status=status,
                      retry_after=_retry_after(response.headers.get("retry-after", "")))


def _retry_after(value: str) -> float:
    """Seconds from a Retry-After header (a number of seconds, or an HTTP date); 0 if none."""
    value = value.strip()
    if not value:
        return 0.0
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


def _transport_error(url: str, error: Exception, policy: FetchPolicy) -> FetchError:
    if isinstance(error, httpx.TimeoutException):
        return FetchError(url, f"no answer within {policy.timeout:g} s", permanent=False)
    if isinstance(error, httpx.TooManyRedirects):
        return FetchError(url, "too many redirects")
    cause = error.__cause__ or error.__context__ or error
    text = str(cause) or type(cause).__name__
    return FetchError(url, f"cannot connect ({text})", permanent=False)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
