"""Read news feeds: RSS, Atom (with feedparser) and JSON Feed (a few lines of our own; feedparser
does not read it) into one shape, `Feed`, whose items link to the articles.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from newsdesk.core.errors import FetchError
from newsdesk.index.fetch import Response
from newsdesk.index.metadata import parse_date

_JSON_TYPES = {"application/feed+json", "application/json"}
_XML_MARKS = (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf")


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: the link to an article and what the feed says about it.

    `id` is the entry's own id (guid, Atom id, JSON Feed id), else its link: what a watch
    remembers as seen. `date` is ISO 8601 (`metadata.parse_date`; "" when the feed gives none).
    """

    id: str
    url: str
    title: str = ""
    date: str = ""
    author: str = ""


@dataclass(frozen=True)
class Feed:
    """A feed as read: its title (the publisher's name, usually) and its items, in feed order."""

    url: str
    title: str
    items: tuple[FeedItem, ...]


def is_feed(response: Response) -> bool:
    """Whether a fetched body is a feed rather than a page (by its type, or a look at its start
    when a server calls a feed text/html or text/plain)."""
    if response.content_type in _JSON_TYPES:
        return True
    head = response.body[:2000].lstrip().lower()
    if response.content_type.endswith("xml"):
        return not head.startswith((b"<!doctype html", b"<html"))
    return any(mark in head for mark in _XML_MARKS) and b"<html" not in head


def parse_feed(response: Response) -> Feed:
    """The feed in `response`.

    Raises:
        FetchError: the body is not a feed newsdesk can read.
    """
    if response.content_type in _JSON_TYPES or response.body.lstrip()[:1] == b"{":
        return _json_feed(response)
    return _xml_feed(response)


def _xml_feed(response: Response) -> Feed:
    import feedparser  # imported here: only feeds need it

    # A file object, never a string: given a string that looks like a URL, feedparser fetches it.
    parsed = feedparser.parse(io.BytesIO(response.body), response_headers={
        "content-location": response.url, "content-type": response.content_type or "text/xml"})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        why = getattr(parsed.get("bozo_exception"), "getMessage", lambda: "")() or \
            str(parsed.get("bozo_exception") or "no RSS or Atom elements")
        raise FetchError(response.url, f"not a feed newsdesk can read ({why})")
    items = []
    for entry in parsed.entries:
        url = entry.get("link") or ""
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(FeedItem(
            id=str(entry.get("id") or url), url=url, title=_clean(entry.get("title")),
            date=parse_date(datetime(*stamp[:6]).replace(tzinfo=UTC)) if stamp else "",
            author=_clean(entry.get("author"))))
    return Feed(response.url, _clean(parsed.feed.get("title")), tuple(i for i in items if i.id))


def _json_feed(response: Response) -> Feed:
    """A JSON Feed (https://jsonfeed.org/version/1.1; 1.0's `author` read too)."""
    try:
        data = json.loads(response.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FetchError(response.url, f"not a feed newsdesk can read (bad JSON: {error})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
            "https://jsonfeed.org/version/") or not isinstance(data.get("items", []), list):
        raise FetchError(response.url, "not a feed newsdesk can read (JSON, but not a JSON Feed)")
    items = []
    for item in data.get("items", []):
        if not isinstance(item, dict) or not (item.get("id") or item.get("url")):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name")]
        items.append(FeedItem(
            id=str(item.get("id") or item["url"]), url=str(item.get("url") or ""),
            title=_clean(item.get("title")), date=parse_date(item.get("date_published")),
            author=", ".join(names)))
    return Feed(response.url, _clean(data.get("title")), tuple(items))


def _clean(value) -> str:
    return " ".join(str(value or "").split())
