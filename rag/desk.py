"""The open index behind the chat page, and what the page asks of it: answer in the chat, list,
open and remove articles, add uploaded files and links.

`Desk` holds the index open and reopens it when its corpus changes (an upload here, or an ingest
by another process); many requests read it at once, a reopening waits for them (`Gate`). Each
function returns what the page shows (Markdown or HTML, made by `newsdesk.render`), so the app
(app.py) only lays the page out and wires it. An expected error is one log line and a clear
message, never a traceback.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from newsdesk.assistant import Assistant
from newsdesk.core.errors import IndexMissingError, NewsdeskError
from newsdesk.core.plural import counted
from newsdesk.core.settings import Settings
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest
from newsdesk.index.store import StoredDocument
from newsdesk.index.upload import PROBLEMS, add_uploads
from newsdesk.index.web import fetcher_for, is_link, read_links
from newsdesk.inputs import Filters
from newsdesk.library import Article, Library
from newsdesk.render import (
    answer_markdown,
    arrivals,
    article_html,
    article_rows,
    bubble,
    escape_markdown,
    kept_answer,
    kept_chat,
    pieces,
    prior_turns,
    restored,
    sources_html,
    state_block,
)
from newsdesk.types import Answer, Checking, TextPiece

MAX_LINKS = 20  # links taken from the box at once
API_WORKERS = 2  # API calls answered at once; more wait their turn (2 cores do the work)
# The chat's date fields, as the page labels them (in Settings) and names them in its messages.
DATE_FIELDS = {"since": "Dated on or after", "until": "Dated on or before", "as_of": "As of"}
log = logging.getLogger("newsdesk.app")  # the app's log lines, under the app's name


class Gate:
    """Many requests at once, or one reopening the index: never both."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._writer and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1  # new readers wait behind a writer
            self._changed.wait_for(lambda: not self._writer and not self._readers)
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._changed:
                self._writer = False
                self._changed.notify_all()


class Desk:
    """The open index behind the page, reopened when its corpus changes (an upload here, or an
    ingest by another process)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder.of(settings)
        self._assistant: Assistant | None = None
        self._library: Library | None = None
        self._gate = Gate()
        self._workers = threading.BoundedSemaphore(API_WORKERS)

    @contextmanager
    def assistant(self) -> Iterator[Assistant]:
        """The assistant over the index as it is now (one corpus-version read when open)."""
        with self._gate.shared():
            stale = self._stale()
        if stale:
            with self._gate.exclusive():
                if self._stale():  # another request may have reopened it meanwhile
                    self._reopen()
        with self._gate.shared():
            if self._assistant is None:
                raise IndexMissingError(f"No index at {self.settings.where}; run `newsdesk ingest "
                                        "seeds/` (or add articles in the Articles tab) first.")
            yield self._assistant

    @contextmanager
    def library(self) -> Iterator[Library]:
        """The library of the index as it is now (as `assistant`)."""
        with self.assistant():
            assert self._library is not None  # opened with the assistant, under the same gate
            yield self._library

    @contextmanager
    def worker(self) -> Iterator[None]:
        """A turn for an API call: at most API_WORKERS at once, the rest wait."""
        with self._workers:
            yield

    def _stale(self) -> bool:
        if self._assistant is None:
            return True
        retriever = self._assistant.retriever
        return retriever.store.corpus_version != retriever.lexical.version

    def _reopen(self) -> None:
        old, self._assistant, self._library = self._assistant, None, None
        if old is not None:
            old.retriever.store.close()  # so that the embedded database is read afresh
        try:
            self._assistant = Assistant.open(settings=self.settings, embedder=self.embedder)
        except IndexMissingError:
            self._assistant = None
        else:
            self._library = Library(self._assistant.retriever.store, self.settings)

    def status(self) -> str:
        try:
            with self.assistant() as assistant:
                documents, chunks = assistant.retriever.store.count()
        except IndexMissingError:
            return ("No articles indexed yet: add some in the Articles tab, or run "
                    "`newsdesk ingest seeds/`.")
        except NewsdeskError as error:
            return f"Index unavailable: {error}"
        return (f"{counted(documents, 'article')}, {counted(chunks, 'chunk')} · "
                f"model {self.settings.embed_model} · index {self.settings.chroma_url or self.settings.home}")

    def articles(self, query: str = "") -> list[Article]:
        """The articles, newest first (those that match `query`); none when there is no index."""
        try:
            with self.library() as library:
                return library.articles(query)
        except NewsdeskError:
            return []

    def new_since(self, moment: str) -> int:
        """Articles added to the index after `moment` (ISO 8601 UTC, as `added` is written)."""
        try:
            with self.assistant() as assistant:
                stored = assistant.retriever.store.stored_documents()
        except NewsdeskError:
            return 0
        return sum(1 for d in stored if d.added > moment)



def reply(desk: Desk, message, history: list[dict] | None, stored, k: int, articles: list[str] | None,
          since: str, until: str, as_of: str, answerer: str
          ) -> Iterator[tuple[list[dict], str | None, dict | None]]:
    """Answer `message` in the chat: the chat as it grows (the question, then the answer as it
    is written, checked, and done), with the sources panel and what the browser keeps (`stored`
    before) whenever they change (None: unchanged)."""
    history = list(history or [])
    answers = restored(stored)[1]
    number = 1 + sum(m.get("role") == "assistant" for m in history)  # this answer's number
    question = message if isinstance(message, str) else ""
    turns = prior_turns(history)
    shown = question.strip().encode("utf-8", "replace").decode()  # lone surrogates: "?"
    history.append({"role": "user", "content": escape_markdown(shown) or "(empty)"})
    history.append({"role": "assistant", "content": bubble("", "answering")})
    yield history, None, None
    written = ""
    try:  # the dates checked first, for a message that names the page's fields, not the flags
        Filters.make(articles or None, since or None, until or None, as_of or None,
                     names={key: f"“{label}” (in Settings)" for key, label in DATE_FIELDS.items()})
        with desk.assistant() as assistant:
            for event in assistant.stream(question, turns, k=k, sources=articles or None,
                                          since=since or None, until=until or None,
                                          as_of=as_of or None, answerer=answerer or None):
                match event:
                    case TextPiece(text):
                        for piece in pieces(text):  # a model streams; extractive text comes whole
                            written += piece
                            history[-1]["content"] = bubble(escape_markdown(written), "answering")
                            yield history, None, None
                    case Checking():
                        history[-1]["content"] = bubble(escape_markdown(written), "checking")
                        yield history, None, None
                    case Answer():
                        sources = Library(assistant.retriever.store, desk.settings).sources(event)
                        answers.append(kept_answer(number, event, sources))
                        history[-1]["content"] = bubble(answer_markdown(event, number), "done")
                        yield history, sources_html(answers), kept_chat(history, answers)
    except NewsdeskError as error:
        log.warning("chat: %s", error)
        history[-1]["content"] = bubble(f"⚠️ {escape_markdown(str(error))}", "done")
        yield history, None, kept_chat(history, answers)


def arrived(desk: Desk, last_looked: str) -> tuple[str, str]:
    """The "N new since you last looked" line, and the moment this reader looks (kept in the
    browser)."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")  # as `added` is
    return arrivals(desk.new_since(last_looked) if last_looked else 0, last_looked), now


def choices(desk: Desk) -> list[tuple[str, str]]:
    """The "Only these articles" choices: each article's byline, its doc_id as the value."""
    return [(a.byline, a.doc_id) for a in desk.articles()]


def article_listing(desk: Desk, query: str) -> tuple[list[list[str]], list[str], str]:
    """The Articles table's rows for `query`, their doc_ids in order, and how many they are."""
    try:
        with desk.library() as library:
            articles, every = library.articles(query or ""), len(library.articles())
    except NewsdeskError as error:
        return [], [], f"⚠️ {escape_markdown(str(error))}"
    found = counted(every, "article")
    found = f"{len(articles):,} of {found}" if (query or "").strip() else found
    return article_rows(articles), [a.doc_id for a in articles], f"{found}, newest first"


def article_view(desk: Desk, doc_id: str) -> str | None:
    """An article in full, as the page shows it; None when it is not in the index."""
    with desk.library() as library:
        article = library.article(doc_id)
        text = library.text(doc_id) if article else ""
    return None if article is None else article_html(article, text, desk.settings.read_only)


def removal_question(desk: Desk, doc_id: str) -> str:
    """What the page asks before it removes an article."""
    with desk.library() as library:
        article = library.article(doc_id)
    name = escape_markdown(article.name if article else doc_id)
    return f"Remove **{name}** from the index? Its passages will no longer be searched or quoted."


def remove_article(desk: Desk, doc_id: str) -> str:
    """Remove an article from the index; what became of it, in its state block."""
    try:
        with desk.library() as library:
            names = [a.name for a in library.remove([doc_id])]
        message = f"Removed “{escape_markdown(', '.join(names))}”."
    except NewsdeskError as error:
        log.warning("remove: %s", error)
        message = f"⚠️ {escape_markdown(str(error))}"
    return state_block("remove-state", "done", message)


def add_articles(desk: Desk, files: list) -> str:
    """Copy uploaded files under the index home and ingest them (`newsdesk.index.upload`); a
    Markdown report that names each file and what became of it: added, changed, unchanged, or
    refused and why."""
    if desk.settings.read_only:
        return "⚠️ This newsdesk is read-only: articles cannot be added here."
    try:
        report, outcome = add_uploads(desk.settings, [picked(file) for file in files], desk.embedder,
                                      partial(_stored, desk))
    except NewsdeskError as error:
        log.warning("upload: %s", error)
        return f"⚠️ {escape_markdown(str(error))}"
    lines = [f"**{report.summary()}**"] if report else []
    for name, became in outcome:
        fine = not became.startswith(PROBLEMS)
        if not fine:
            log.warning("upload: %s: %s", name, became)
        lines.append(f"- {'' if fine else '⚠️ '}{escape_markdown(name)}: {escape_markdown(became)}")
    return "\n".join(lines) or "No files."


def add_links(desk: Desk, text: str) -> str:
    """Fetch the links in `text` (articles or feeds, one a line) and ingest them; a Markdown
    report. Links are fetched as `newsdesk ingest URL` fetches them: safely (see
    `newsdesk.index.fetch`), from the hosts the server allows."""
    if desk.settings.read_only:
        return "⚠️ This newsdesk is read-only: articles cannot be added here."
    words = text.split()
    urls = [w for w in words if is_link(w)][:MAX_LINKS]
    problems = [f"{w}: not a web link; give an http:// or https:// URL" for w in words
                if not is_link(w)]
    report = None
    if urls:
        with fetcher_for(desk.settings) as fetcher:
            found = read_links(urls, fetcher)
        problems += [str(p) for p in found.problems]
        if found.documents:
            report = ingest([], desk.settings, embedder=desk.embedder, documents=found.documents,
                            progress=False)
            problems += [str(p) for p in report.problems]
    for problem in problems:
        log.warning("links: %s", problem)
    lines = [f"**{report.summary()}**"] if report else []
    lines += [f"- ⚠️ {escape_markdown(p)}" for p in problems]
    return "\n".join(lines) or "No links."


def picked(file) -> tuple[Path, str]:
    """Where an uploaded file lies, and the name it was given: from a path, or from one of
    Gradio's file objects (`name` is its path, `orig_name` the user's name for it)."""
    path = Path(file) if isinstance(file, str | Path) else Path(file.name)
    return path, Path(getattr(file, "orig_name", "") or path.name).name


def _stored(desk: Desk, doc_id: str) -> StoredDocument | None:
    """The stored record of `doc_id` in the index as it is now; None when there is none."""
    try:
        with desk.assistant() as assistant:
            return assistant.retriever.store.document(doc_id)
    except IndexMissingError:
        return None
