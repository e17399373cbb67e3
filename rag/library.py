"""The articles of an index as a reader sees them: named, dated, listed, searched, read, removed.

How an article is named for a reader lives here, so that the command line, the app and the API
name it alike: its title, or else the opening words of its text; never a doc_id or a file path
(those stay in the JSON, for tools). The same goes for the sources of an answer: each one the
quote in its paragraph, under the name, date and publisher of its article.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.index.ingest import remove
from newsdesk.index.store import Store, StoredDocument
from newsdesk.types import Answer, Citation, Passage

UNDATED = "undated"
UNTITLED = "Untitled article"
REMOVED = "An article since removed"
_OPENING_WORDS = 12  # of an untitled article's text, to name it
_OPENING_CHARS = 90
_CONTEXT_CHARS = 400  # shown each side of a quote, at most, within its paragraph


def article_name(title: str, text: str = "") -> str:
    """How an article is named for a reader: its title, or else the opening words of its text.

    Example:
        >>> article_name("", "Putin just voiced very preliminary and conditional support for the "
        ...              "30-day cease-fire proposal from the United States and Ukraine.")
        'Putin just voiced very preliminary and conditional support for the 30-day cease-fire…'
    """
    if title.strip():
        return " ".join(title.split())
    words = text.split()
    if not words:
        return UNTITLED
    opening = " ".join(words[:_OPENING_WORDS])
    if len(opening) > _OPENING_CHARS:
        opening = opening[:_OPENING_CHARS].rsplit(" ", 1)[0]
    return opening + ("…" if opening != " ".join(words) else "")


def shown_date(date: str) -> str:
    """An article's date as a reader sees it: the day of an ISO 8601 date, or "undated"."""
    return date[:10] if date else UNDATED


def byline(name: str, date: str, publisher: str = "") -> str:
    """`Title · 2025-03-14 · Publisher`: how a source is labelled everywhere."""
    return " · ".join(part for part in (name, shown_date(date), publisher) if part)


@dataclass(frozen=True)
class Article:
    """An article of the index, as the library lists it.

    `name` is what a reader sees (`article_name`); `title` is the title as stored ("" when the
    article has none). `date` is ISO 8601 ("" when undated), `added` when it entered the index.
    """

    doc_id: str
    name: str
    title: str
    date: str
    publisher: str
    author: str
    url: str
    source: str
    added: str
    words: int
    chunks: int

    @property
    def byline(self) -> str:
        return byline(self.name, self.date, self.publisher)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Source:
    """One source of an answer as a reader sees it: the quote in its paragraph (`before`,
    `quote`, `after`), under its article's name, date and publisher.

    `n` is the citation's number ([n]); for a refused answer, the rank of a closest passage,
    and `related` is True. `also` names the other copies of its story (wire copies): each its
    outlet and URL.
    """

    n: int
    doc_id: str
    name: str
    date: str
    publisher: str
    url: str
    before: str
    quote: str
    after: str
    related: bool = False
    also: tuple[tuple[str, str], ...] = ()

    @property
    def byline(self) -> str:
        return byline(self.name, self.date, self.publisher)

    def to_dict(self) -> dict:
        return asdict(self)


class Library:
    """The articles of one index: list, search, read and remove them, and name an answer's sources.

    Args:
        store: The index's open store.
        settings: Its settings (a read-only one refuses `remove`).

    Example:
        >>> library = Library.open()
        >>> [a.byline for a in library.articles("Kursk")][:1]
        ['Not nyet, at least not yet. On Thursday, Russian President Vladimir Putin made… · 2025-03-14']
    """

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self._lock = threading.Lock()
        self._listing: tuple[str, list[Article], list[str]] | None = None  # version, articles, words

    @classmethod
    def open(cls, home: str | Path | None = None, chroma_url: str | None = None, *,
             settings: Settings | None = None) -> Library:
        """The library of the index at `home` (or a Chroma server at `chroma_url`).

        Raises:
            IndexMissingError: nothing has been ingested there.
            BackendUnreachableError: the Chroma server does not answer.
        """
        settings = settings or Settings.load(home=home, chroma_url=chroma_url)
        return cls(Store.open(settings), settings)

    def close(self) -> None:
        self.store.close()

    def articles(self, query: str = "") -> list[Article]:
        """Every article, newest first (undated ones last); with `query`, only those whose name,
        publisher, author or text hold every word of it (case aside)."""
        _, articles, haystacks = self._current()
        words = query.casefold().split()
        if not words:
            return list(articles)
        return [article for article, haystack in zip(articles, haystacks, strict=True)
                if all(word in haystack for word in words)]

    def article(self, doc_id: str) -> Article | None:
        """One article by its doc_id, or None."""
        document = self.store.document(doc_id)
        return _article(document) if document else None

    def text(self, doc_id: str) -> str:
        """An article's full text ("" if the index does not hold it)."""
        document = self.store.document(doc_id)
        return document.text if document else ""

    def remove(self, doc_ids: Iterable[str]) -> list[Article]:
        """Remove articles from the index (Chroma and BM25 together, under the ingest lock).

        Returns:
            The articles removed.

        Raises:
            BadInputError: a read-only newsdesk, no doc_id, or one the index does not hold
                (then nothing is removed).
        """
        if self.settings.read_only:
            raise BadInputError("This newsdesk is read-only: articles cannot be removed here.")
        wanted = list(dict.fromkeys(doc_ids))
        found = {doc_id: self.article(doc_id) for doc_id in wanted}
        removed = remove(wanted, self.settings)
        with self._lock:
            self._listing = None
        return [article for doc_id in removed if (article := found[doc_id]) is not None]

    def name(self, doc_id: str, title: str = "") -> str:
        """How the article `doc_id` is named for a reader (`title`, when known, is its title)."""
        if title:
            return article_name(title)
        article = self.article(doc_id)
        return article.name if article else REMOVED

    def label(self, item: Passage | Citation | Article) -> str:
        """The byline of a citation, passage or article: name · date · publisher, and the
        outlets of its other copies (wire copies of one story)."""
        label = byline(self.name(item.doc_id, item.title), item.date, item.publisher)
        copies = [copy.publisher or copy.url or copy.doc_id for copy in getattr(item, "also_in", ())]
        return f"{label} (also in: {', '.join(copies)})" if copies else label

    def sources(self, answer: Answer) -> list[Source]:
        """The sources of `answer` as a reader sees them: each citation's quote in its paragraph,
        or for a refused answer the closest passages."""
        numbered: list[tuple[int, Passage | Citation]] = (
            list(enumerate(answer.related, start=1)) if answer.refused
            else [(citation.n, citation) for citation in answer.citations])
        documents: dict[str, StoredDocument | None] = {}
        sources = []
        for n, item in numbered:
            if item.doc_id not in documents:
                documents[item.doc_id] = self.store.document(item.doc_id)
            sources.append(_source(n, item, documents[item.doc_id], answer.refused))
        return sources

    def _current(self) -> tuple[str, list[Article], list[str]]:
        """The listing for the index's corpus as it is now, read once per corpus version."""
        version = self.store.corpus_version
        with self._lock:
            if self._listing is None or self._listing[0] != version:
                self._listing = (version, *_listing(self.store.documents_with_text()))
            return self._listing


def _listing(documents: Iterable[StoredDocument]) -> tuple[list[Article], list[str]]:
    """The articles newest first, and beside each the words a search looks in."""
    rows = []
    for document in documents:
        article = _article(document)
        haystack = " ".join((article.name, article.publisher, article.author, document.text))
        rows.append((article, haystack.casefold()))
    rows.sort(key=lambda row: _newest_first(row[0]))
    return [article for article, _ in rows], [haystack for _, haystack in rows]


def _article(document: StoredDocument) -> Article:
    return Article(
        doc_id=document.doc_id, name=article_name(document.title, document.text[document.body_start:]),
        title=document.title, date=document.date, publisher=document.publisher,
        author=document.author, url=document.url, source=document.source,
        added=document.added, words=len(document.text.split()),
        chunks=document.chunks)


def _newest_first(article: Article) -> tuple:
    dated = _instant(article.date)
    return (dated is None, -(dated or 0.0), -(_instant(article.added) or 0.0),
            article.name.casefold())


def _instant(date: str) -> float | None:
    """An ISO 8601 day or time as seconds (a day, or a time without zone, read as UTC)."""
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _source(n: int, item: Passage | Citation, document: StoredDocument | None,
            related: bool) -> Source:
    """A cited quote (or a closest passage) in its paragraph, its article named."""
    quote = item.quote if isinstance(item, Citation) else item.text
    if document is None:  # removed since the answer was given: the quote alone
        before, after, url = "", "", item.url
        name = article_name(item.title) if item.title else REMOVED
        publisher = item.publisher
    else:
        before, quote, after = _paragraph(document.text, item.start, item.end)
        name, url = article_name(document.title, document.text[document.body_start:]), document.url
        publisher = document.publisher
    also = tuple((copy.publisher or copy.title or copy.doc_id, copy.url) for copy in item.also_in)
    return Source(n=n, doc_id=item.doc_id, name=name, date=item.date, publisher=publisher,
                  url=url, before=before, quote=quote, after=after, related=related, also=also)


def _paragraph(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The text around [start, end) up to the paragraph's edges (at most `_CONTEXT_CHARS` each
    side)."""
    reach = _CONTEXT_CHARS
    left = text.rfind("\n", max(0, start - reach), start) + 1 or max(0, start - reach)
    right = text.find("\n", end, end + reach)
    right = right if right >= 0 else min(len(text), end + reach)
    return text[left:start], text[start:end], text[end:right]
