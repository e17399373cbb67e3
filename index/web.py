"""Articles from the web: links to article pages, and feeds whose items link to them.

A page is read with the extractor that reads .html files (trafilatura). Its doc_id comes from
its canonical URL (`example.com-1f0c2d3e4a5b`), so the same article fetched again, from a feed
or as a link, is the same document, and a changed update replaces its older text. What a feed
says of an item (title, date to the second, author) is preferred to what the page says; the
publisher is the page's site name, else the feed's title, else the host.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from tqdm import tqdm

from newsdesk.core.errors import FetchError
from newsdesk.core.settings import Settings
from newsdesk.index.feeds import Feed, FeedItem, is_feed, parse_feed
from newsdesk.index.fetch import FEED_TYPES, PAGE_TYPES, Fetcher, FetchPolicy, Response
from newsdesk.index.load import Document, Problem, decode, extract_html
from newsdesk.index.metadata import parse_date

# Query parameters that only track who clicked: the same article with or without them.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


@dataclass
class FromWeb:
    """What reading some links gave: articles, the links that failed and why, and the feeds read
    (with the items whose pages failed for a reason that may pass, to try again later)."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)
    retry: list[FeedItem] = field(default_factory=list)


def is_link(text: str) -> bool:
    """Whether a command-line argument is a web link rather than a path."""
    return text.lower().startswith(("http://", "https://"))


def fetcher_for(settings: Settings, **policy) -> Fetcher:
    """A `Fetcher` with the settings' allowed hosts and delay (and any other `FetchPolicy`
    fields given)."""
    return Fetcher(FetchPolicy(delay=settings.fetch_delay,
                               allow_hosts=frozenset(settings.allow_hosts), **policy))


def read_links(urls: Iterable[str], fetcher: Fetcher, progress: bool = False) -> FromWeb:
    """Fetch each link: an article page becomes a document, a feed becomes the documents of
    its items. A link that fails is a problem; the rest go on."""
    found = FromWeb()
    for url in urls:
        try:
            response = fetcher.get(url, PAGE_TYPES | FEED_TYPES)
            if is_feed(response):
                feed = parse_feed(response)
                found.feeds.append(feed)
                read_items(feed, feed.items, fetcher, found, progress)
            else:
                found.documents.append(page_document(response, source=url))
        except FetchError as error:
            found.problems.append(Problem(error.url, error.reason))
    return found


def read_items(feed: Feed, items: Iterable[FeedItem], fetcher: Fetcher, found: FromWeb,
               progress: bool = False) -> None:
    """Fetch the pages of `items` of `feed` into `found`."""
    items = list(items)
    for item in tqdm(items, desc="fetching", unit="article", disable=not progress or len(items) < 2):
        if not item.url:
            found.problems.append(Problem(f"{feed.url} item {item.id}", "no link to an article"))
            continue
        try:
            response = fetcher.get(urljoin(feed.url, item.url), PAGE_TYPES)
            found.documents.append(page_document(response, item=item, feed=feed, source=item.url))
        except FetchError as error:
            found.problems.append(Problem(error.url, error.reason))
            if not error.permanent:
                found.retry.append(item)


def page_document(response: Response, *, source: str, item: FeedItem | None = None,
                  feed: Feed | None = None) -> Document:
    """The article on a fetched page, with what its feed item says of it.

    Raises:
        FetchError: the page holds no article text.
    """
    html = _text(response)
    extracted = extract_html(html)
    text = (extracted.text if extracted else "") or ""
    if not text.strip():
        raise FetchError(source, "no article text on the page")
    url = canonical_url(response.url, (extracted.url or "") if extracted else "")
    return Document(
        doc_id=doc_id_of(url),
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        source=source,
        title=(item.title if item else "") or extracted.title or "",
        date=(item.date if item else "") or parse_date(extracted.date),
        url=url,
        publisher=extracted.sitename or (feed.title if feed else "") or _host(url),
        author=(item.author if item else "") or extracted.author or "",
    )


def doc_id_of(url: str) -> str:
    """A stable, readable id for an article's canonical URL: `host-<12 hex of its hash>`."""
    return f"{_host(url)}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def canonical_url(page_url: str, claimed: str = "") -> str:
    """The article's URL: the one the page claims (its `<link rel=canonical>` or og:url) when it
    is on the same site, else the page's own; without fragment or tracking parameters.

    A page on another site cannot claim to be an article that is not its own (and so replace
    that article in the index).
    """
    url = normal_url(page_url)
    if claimed:
        wanted = normal_url(urljoin(page_url, claimed))
        if urlsplit(wanted).scheme in ("http", "https") and _host(wanted) == _host(url):
            return wanted
    return url


def normal_url(url: str) -> str:
    """`url` with its scheme and host in lower case, no default port, no fragment and no
    tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and (parts.scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(_TRACKING)])
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _text(response: Response) -> str:
    """A page's body as text: in the charset its server names, else as a file is read."""
    if response.charset:
        try:
            return response.body.decode(response.charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode(response.body)
    except ValueError as error:
        raise FetchError(response.url, str(error)) from None
