"""A small news site on 127.0.0.1, for the tests and benchmarks of links, feeds and watching:
pages, feeds and misbehaving routes (slow, huge, looping), served by the standard library's
threaded HTTP server. Nothing here reaches beyond this machine.

    with Newsroom() as site:
        site.page("/news/ferry.html", "Ferry sinks", "Rescuers searched ...")
        site.rss("/rss.xml", "Harbour Gazette", ["/news/ferry.html"])
        newsdesk ingest --allow-host 127.0.0.1 {site.url}/rss.xml
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers: a status, a body and its type, extra headers; `conditional`
    answers 304 to a request that names its ETag or Last-Modified."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True
    stall: bool = False  # answer nothing until the site closes (a host that hangs)
    stream_bytes: int = 0  # send this many bytes of filler, without Content-Length


@dataclass(frozen=True)
class Article:
    """A page of the site: what `page` renders."""

    path: str
    title: str
    text: str
    date: str = ""  # ISO 8601
    author: str = ""


class Newsroom:
    """The site: add routes, then read `url`; `hits` counts requests per path, `seen_headers`
    keeps each request's headers."""

    def __init__(self, name: str = "Harbour Gazette"):
        self.name = name
        self.routes: dict[str, Route] = {}
        self.articles: dict[str, Article] = {}
        self.hits: Counter[str] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Newsroom:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> int:
        return sum(self.hits.values())

    # -- content -----------------------------------------------------------------------------

    def page(self, path: str, title: str, text: str, *, date: str = "", author: str = "",
             canonical: str = "") -> Article:
        """An article page, as a news site writes one (site name, canonical link, byline)."""
        article = Article(path, title, text, date, author)
        self.articles[path] = article
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
        meta = f'<meta property="og:site_name" content="{html.escape(self.name)}">'
        if canonical:
            meta += f'<link rel="canonical" href="{html.escape(canonical)}">'
        if date:
            meta += f'<meta property="article:published_time" content="{date}">'
        if author:
            meta += f'<meta name="author" content="{html.escape(author)}">'
        body = (f"<!doctype html><html><head><title>{html.escape(title)} | {html.escape(self.name)}"
                f"</title>{meta}</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a>"
                f"</nav><article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
                "<footer>© The site</footer></body></html>")
        self.routes[path] = Route(body.encode())
        return article

    def rss(self, path: str, title: str, paths: list[str]) -> None:
        """An RSS 2.0 feed of the site's pages at `paths`."""
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title><link>{self.url}{a.path}</link>"
            f"<guid isPermaLink='false'>{a.path}</guid>"
            + (f"<pubDate>{format_datetime(_moment(a.date))}</pubDate>" if a.date else "")
            + (f"<author>{html.escape(a.author)}</author>" if a.author else "") + "</item>"
            for a in (self.articles[p] for p in paths))
        self._feed(path, f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                         f"<title>{html.escape(title)}</title><link>{self.url}/</link>"
                         f"<description>News</description>{items}</channel></rss>",
                   "application/rss+xml")

    def atom(self, path: str, title: str, paths: list[str]) -> None:
        """An Atom feed of the site's pages at `paths`."""
        entries = "".join(
            f"<entry><title>{html.escape(a.title)}</title><link href='{self.url}{a.path}'/>"
            f"<id>tag:harbour,2025:{a.path}</id>"
            + (f"<updated>{a.date}</updated>" if a.date else "")
            + (f"<author><name>{html.escape(a.author)}</name></author>" if a.author else "")
            + "</entry>"
            for a in (self.articles[p] for p in paths))
        self._feed(path, f'<?xml version="1.0" encoding="utf-8"?><feed '
                         f'xmlns="http://www.w3.org/2005/Atom"><title>{html.escape(title)}</title>'
                         f"<id>tag:harbour,2025:feed</id><updated>2025-03-14T00:00:00Z</updated>"
                         f"{entries}</feed>", "application/atom+xml")

    def json_feed(self, path: str, title: str, paths: list[str]) -> None:
        """A JSON Feed 1.1 of the site's pages at `paths`."""
        items = [{"id": a.path, "url": f"{self.url}{a.path}", "title": a.title,
                  **({"date_published": a.date} if a.date else {}),
                  **({"authors": [{"name": a.author}]} if a.author else {})}
                 for a in (self.articles[p] for p in paths)]
        self._feed(path, json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                     "title": title, "items": items}), "application/feed+json")

    def _feed(self, path: str, text: str, content_type: str) -> None:
        body = text.encode()
        self.routes[path] = Route(body, content_type, headers={
            "ETag": f'"{hashlib.sha256(body).hexdigest()[:16]}"',
            "Last-Modified": "Fri, 14 Mar 2025 09:30:00 GMT"})

    # -- serving -----------------------------------------------------------------------------

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                path = self.path.split("?")[0]
                with site._lock:
                    site.hits[path] += 1
                    site.seen_headers.append({k.lower(): v for k, v in self.headers.items()})
                route = site.routes.get(path)
                if route is None:
                    self._send(404, b"not found", "text/plain", {})
                elif route.stall:
                    site._closing.wait(60)
                elif route.stream_bytes:
                    self._stream(route)
                elif route.conditional and self._unchanged(route):
                    self._send(304, b"", "", {k: v for k, v in route.headers.items()
                                              if k in ("ETag", "Last-Modified")})
                else:
                    self._send(route.status, route.body, route.content_type, route.headers)

            def _unchanged(self, route: Route) -> bool:
                etag = route.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    return True
                modified = route.headers.get("Last-Modified")
                return bool(modified and not etag and self.headers.get("If-Modified-Since") == modified)

            def _send(self, status: int, body: bytes, content_type: str, headers: dict) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, route: Route) -> None:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Connection", "close")
                self.end_headers()
                block = b"<p>" + b"filler " * 1000 + b"</p>"
                try:
                    for _ in range(route.stream_bytes // len(block) + 1):
                        self.wfile.write(block)
                except OSError:  # the client stopped reading: what a size cap does
                    pass
                self.close_connection = True

        return Handler


def _moment(date: str) -> datetime:
    stamp = datetime.fromisoformat(date)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
