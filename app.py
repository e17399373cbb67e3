"""newsdesk in the browser: a chat with cited answers and the sources beside it, and the
library of the articles.

Only the Gradio face lives here; retrieval and answers come from `newsdesk` (rag/), the library
of articles (list, search, read, remove, and how each is named) from `newsdesk.library`, ingest
from `newsdesk.index`. Run `python app.py` or `newsdesk serve` (the same flags: --host, --port,
--auth, --no-mcp, --read-only, --llm ...). Everything shown from an article or a question is
escaped: article text is untrusted.

Each answer bubble carries its state in the page, as the class of its status element
(`state-answering`, `state-checking` with the words "checking citations…", `state-done`), and so
do the upload report (`state-ingesting`, `state-done`) and the removal of an article
(`state-done`): people see what is going on, and tests wait on it. (A class, because Gradio's
sanitizer keeps classes and drops data attributes.)

Answer n's citations link to `#an-src-k`: each answer keeps its own sources in the panel, however
many questions follow. The conversation and its sources are kept in the browser (localStorage),
so a reload keeps them (the page's body has the class `chat-restored` once they are back); "New
chat" starts over.

Serving: the API endpoints run outside Gradio's queue, several at once; the index is reopened
when another process changes it; with a login, every route asks for it (HTTP Basic), MCP too.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import faulthandler
import hmac
import html
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from newsdesk import Answer, Assistant, Checking, TextPiece, language, when
from newsdesk.core.errors import BadInputError, IndexMissingError, NewsdeskError
from newsdesk.core.settings import SERVE_FLAGS, Settings, add_flags, from_flags, set_process_defaults
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest, one_writer
from newsdesk.index.web import fetcher_for, is_link, read_links
from newsdesk.library import Article, Library, Source, shown_date

EXAMPLES = [
    "What conditions did Putin set?",
    "How much of the Kursk territory had Russia regained?",
    "What did Zelensky say about Russian attacks?",
    "What did analysts say Putin's 'root causes' mean?",
]
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm")
MAX_UPLOAD_MB = 5
MAX_UPLOADS_MB = 200  # all uploads together: waiting to be read, and kept in the index
UPLOADS = "upload:"  # the doc_id namespace of uploaded articles: they never replace another
MAX_LINKS = 20  # links taken from the box at once
API_WORKERS = 2  # API calls answered at once; more wait their turn (2 cores do the work)
KEPT_KEY = "newsdesk-chat"  # where the browser keeps the conversation (localStorage)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_STATE = re.compile(r'<span class="answer-state[^"]*"[^>]*>[^<]*</span>')
_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")
log = logging.getLogger("newsdesk.app")

# Quotes are marked in colours of their own, readable in light and dark mode alike (contrast
# above 7:1); the rest follows Gradio's theme. At phone width the two columns of the chat become
# one: the answers, their sources, then the question box and the examples.
CSS = """
.source { border-left: 3px solid var(--border-color-primary); padding: 4px 10px; margin: 0 0 12px 0; }
.source.active { border-left-color: #f59e0b; background: var(--background-fill-secondary); }
.source-head { font-weight: 600; font-size: 0.9em; }
.source-head a { color: inherit; }
.source-also { font-size: 0.85em; opacity: 0.8; }
.source mark { background: #fde68a; color: #1c1917; padding: 0 1px; }
.dark .source mark { background: #713f12; color: #fef3c7; }
#chat .top-panel { display: none; }  /* Gradio's chat toolbar, over the first question; "New chat" */
.answer-sources > summary { cursor: pointer; margin: 0 0 8px 0; font-size: 0.9em; opacity: 0.85; }
.answer-sources > summary > span { display: inline-block; max-width: calc(100% - 1.5em);
  vertical-align: bottom; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.answer-sources[open] > summary { font-weight: 600; opacity: 1; }
#article-list [role=gridcell], #article-list [role=columnheader] { font-family: var(--font); }
#article .article-meta { opacity: 0.85; font-size: 0.9em; }
#article .article-text p { margin: 0 0 0.8em 0; }
@media (max-width: 720px) {
  #chat-row { flex-direction: column; flex-wrap: nowrap; }
  #chat-column, #sources-column { display: contents; }
  #chat { order: 1; }
  #sources-column > * { order: 2; }
  #sources { max-height: 70vh; overflow-y: auto !important; }
  #chat-column > :not(#chat) { order: 3; }
}
"""
# Citation links open their answer's sources and mark the source cited, in place.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#a"]');
    if (!link) return;
    const target = document.getElementById(link.getAttribute('href').slice(1));
    if (!target || !target.classList.contains('source')) return;
    event.preventDefault();
    event.stopPropagation();
    const group = target.closest('details');
    if (group) group.open = true;
    document.querySelectorAll('.source.active').forEach((el) => el.classList.remove('active'));
    target.classList.add('active');
    target.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""


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
        return (f"{documents:,} articles, {chunks:,} chunks · model {self.settings.embed_model} · "
                f"index {self.settings.chroma_url or self.settings.home}")

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


# ---- rendering: everything from articles and questions is escaped ----

def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslashed, and web
    addresses made into links that go where they say."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(_escaped(text[last:match.start()]))
        url = match.group()
        parts.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                     f"{_escaped(url)}</a>")
        last = match.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def bubble(markdown: str, state: str) -> str:
    """An answer bubble's content: its text, then its state as the page shows it."""
    label = {"answering": "", "checking": "checking citations…", "done": ""}[state]
    return f'{markdown}\n\n<span class="answer-state state-{state}" role="status">{label}</span>'


def answer_markdown(answer: Answer, number: int = 1) -> str:
    """Answer `number` of the chat as Markdown, each [n] a link to its source n in the panel."""
    text = _MARKER.sub(rf"[\[\1\]](#a{number}-src-\1)", escape_markdown(answer.text))
    text = text.replace("\n", "  \n")
    paragraphs = text.split("  \n  \n")
    if answer.short_answer:  # the first paragraph is the short answer: in bold, above the quotes
        paragraphs[0] = f"**{paragraphs[0]}**"
    if answer.conflicts:  # then the sources' disagreement, marked as a warning
        at = 1 if answer.short_answer else 0
        paragraphs[at] = f"⚠️ *{paragraphs[at]}*"
    text = "  \n  \n".join(paragraphs)
    if answer.notice:
        text = f"*⚠️ {escape_markdown(answer.notice)}*  \n\n{text}"
    if answer.answerer != "extractive":
        text += f"  \n\n<sub>written by {escape_markdown(answer.answerer)}, checked against the sources</sub>"
    if answer.as_of and answer.as_of != datetime.date.today().isoformat():
        text += f"  \n\n<sub>as of {escape_markdown(when.spoken(answer.as_of))}</sub>"
    return text


def kept_answer(number: int, answer: Answer, sources: list[Source]) -> dict:
    """What the browser keeps of answer `number` for the sources panel: its question and sources."""
    return {"number": number, "question": answer.question, "refused": answer.refused,
            "sources": [source.to_dict() for source in sources]}


def sources_html(answers: list[dict]) -> str:
    """The sources panel: each answer's sources under its question, the newest first and open.

    `answers` are `kept_answer`s; the elements are named by answer (`a3-src-1`), so an older
    answer's citations still open its own quotes.
    """
    groups: list[str] = []
    for answer in reversed(answers):
        number, sources = answer["number"], [Source(**source) for source in answer["sources"]]
        if answer["refused"]:
            body = "<p><b>No answer in the articles.</b> Closest passages:</p>"
        else:
            body = "" if sources else "<p>No sources.</p>"
        body += "".join(_source_block(number, source) for source in sources)
        count = f"{len(sources)} source{'s' * (len(sources) != 1)}"
        groups.append(f'<details class="answer-sources" id="a{number}-sources"'
                      f'{" open" if not groups else ""}><summary title="{html.escape(answer["question"])}">'
                      f"<span>Answer {number} · {html.escape(answer['question'])} · {count}</span>"
                      f"</summary>{body}</details>")
    return "".join(groups)


def _source_block(number: int, source: Source) -> str:
    """One source: its article named (the doc_id as a tooltip), the quote marked in its paragraph."""
    kind, label = ("related", f"Related {source.n}") if source.related else ("src", f"[{source.n}]")
    name = _link(source.url, source.name)
    meta = " · ".join([name] + [html.escape(x) for x in (shown_date(source.date), source.publisher) if x])
    copies = ", ".join(_link(url, outlet) for outlet, url in source.also)
    also = f'<div class="source-also">Also in: {copies}</div>' if copies else ""
    return (f'<div class="source" id="a{number}-{kind}-{source.n}"><div class="source-head" '
            f'title="{html.escape(source.doc_id)}">{html.escape(label)} {meta}</div>{also}'
            f"<p>{html.escape(source.before)}<mark>{html.escape(source.quote)}</mark>"
            f"{html.escape(source.after)}</p></div>")


def _link(url: str, text: str) -> str:
    """`text` escaped, as a link to `url` when that is a web address."""
    if not is_link(url or ""):
        return html.escape(text)
    return (f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(text)}</a>")


def kept_chat(history: list[dict], answers: list[dict]) -> dict:
    """What the browser keeps of the chat: its messages as shown, and each answer's sources."""
    return {"chat": [{"role": m["role"], "content": _text(m["content"])} for m in history
                     if m.get("role") in ("user", "assistant")],
            "answers": answers}


def restored(kept) -> tuple[list[dict], list[dict]]:
    """The chat and its answers' sources as the browser kept them; nothing if they do not read
    (kept by another version of newsdesk)."""
    try:
        chat, answers = list(kept["chat"]), list(kept["answers"])
        sources_html(answers)
        if not all(m["role"] in ("user", "assistant") and isinstance(m["content"], str) for m in chat):
            raise ValueError
    except (TypeError, KeyError, ValueError):
        return [], []
    return chat, answers


def article_html(article: Article, text: str, read_only: bool) -> str:
    """An article in full, escaped: its name (the doc_id as a tooltip), byline, and text."""
    meta = [shown_date(article.date), article.publisher, article.author and f"by {article.author}",
            f"{article.words:,} words"]
    link = (f' · <a href="{html.escape(article.url)}" target="_blank" rel="noopener noreferrer">'
            "original</a>" if article.url.startswith(("http://", "https://")) else "")
    note = ("<p><i>This newsdesk is read-only: articles cannot be removed here.</i></p>"
            if read_only else "")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f'<div class="article-view state-open"><h3 title="{html.escape(article.doc_id)}">'
            f"{html.escape(article.name)}</h3><p class=\"article-meta\">"
            f"{html.escape(' · '.join(x for x in meta if x))}{link}</p>{note}"
            f'<div class="article-text">{paragraphs}</div></div>')


def article_rows(articles: list[Article]) -> list[list[str]]:
    """The Articles table: name, date, publisher, size."""
    return [[a.name, shown_date(a.date), a.publisher, f"{a.words:,} words"] for a in articles]


def _pieces(text: str, words: int = 6) -> list[str]:
    """`text` in runs of a few words, to stream an answer that arrived whole."""
    parts = re.split(r"(\s+)", text)
    return ["".join(parts[i:i + 2 * words]) for i in range(0, len(parts), 2 * words)]


def _text(content) -> str:
    """A chat message's text, whichever shape Gradio gives it in."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    return ""


def _prior_turns(history: list[dict]) -> list[dict]:
    """The chat so far as plain turns: what was said, without the page's markup."""
    return [{"role": m["role"], "content": _plain(_text(m["content"]))} for m in history
            if m.get("role") in ("user", "assistant")]


def _plain(shown: str) -> str:
    """A message as typed or written, from its escaped form in the chat."""
    return html.unescape(re.sub(r"<[^>]+>", "", _ESCAPED.sub(r"\1", _STATE.sub("", shown)))).strip()


# ---- the page ----

def build(settings: Settings) -> gr.Blocks:
    """The page: the Chat tab, the Articles tab, and the API endpoints (HTTP and MCP)."""
    desk = Desk(settings)
    # Uploads no event read (posted to the upload route, then left) are deleted after an hour.
    with gr.Blocks(title="newsdesk", analytics_enabled=False, delete_cache=(3600, 3600)) as page:
        gr.Markdown("## newsdesk · ask the articles, check every answer")
        status = gr.Markdown(elem_id="index-status")
        fresh = gr.Markdown(elem_id="new-since")
        last_looked = gr.BrowserState("", storage_key="newsdesk-last-looked")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                kept, chat, panel, only = _chat_tab(desk)
            with gr.Tab("Articles", id="articles-tab", elem_id="articles-tab") as articles_tab:
                _articles_tab(desk, articles_tab, status, only)
        page.load(_restore, kept, [chat, panel], queue=False, api_visibility="private").then(
            None, js="() => { document.body.classList.add('chat-restored'); }")  # a state to wait on
        page.load(lambda: (desk.status(), gr.update(choices=_choices(desk))), None, [status, only],
                  api_visibility="private")
        page.load(partial(_arrived, desk), last_looked, [fresh, last_looked],
                  api_visibility="private")
        _api(desk)
    page.desk = desk
    return page


def _arrived(desk: Desk, last_looked: str) -> tuple[str, str]:
    """The "N new since you last looked" line, and the moment this reader looks (kept in the
    browser)."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")  # as `added` is
    count = desk.new_since(last_looked) if last_looked else 0
    line = "" if not last_looked else "No new articles since you last looked." if not count \
        else f"**{count} new article{'s' if count != 1 else ''}** since you last looked."
    return f'<div class="arrivals state-done">\n\n{line}\n\n</div>', now


def _chat_tab(desk: Desk):
    """The chat, its sources, and its settings; returns what the page wires on load: the kept
    conversation, the chat, the sources panel, and the "Only these articles" dropdown."""
    settings = desk.settings
    kept = gr.BrowserState({"chat": [], "answers": []}, storage_key=KEPT_KEY)
    with gr.Row(elem_id="chat-row"):
        with gr.Column(scale=3, elem_id="chat-column"):
            chat = gr.Chatbot(label="Chat", show_label=False, height=520, elem_id="chat",
                              sanitize_html=True, buttons=["copy"])
            box = gr.Textbox(placeholder="Ask about the articles, e.g. What conditions did Putin set?",
                             show_label=False, elem_id="question", submit_btn=True)
            with gr.Row(elem_id="try-row"):
                gr.Examples(EXAMPLES, inputs=box, label="Try")
                new_chat = gr.Button("New chat", elem_id="new-chat", scale=0)
        with gr.Column(scale=2, elem_id="sources-column"):
            gr.Markdown("### Sources")
            panel = gr.HTML(elem_id="sources")
    with gr.Accordion("Settings", open=False):
        k = gr.Slider(1, 30, value=8, step=1, label="Passages to read")
        answerer = gr.Radio(["llm", "extractive"], visible=settings.llm_enabled,
                            value="llm" if settings.llm_enabled else "extractive",
                            label=f"Answers written by (llm: {settings.llm} {settings.llm_model})")
        only = gr.Dropdown(choices=[], multiselect=True, label="Only these articles (none = all)")
        with gr.Row():
            since = gr.Textbox(label="Dated on or after (YYYY-MM-DD)")
            until = gr.Textbox(label="Dated on or before (YYYY-MM-DD)")
            as_of = gr.Textbox(label="As of (YYYY-MM-DD; empty: today)", elem_id="as-of")

    def respond(message, history, stored, k, articles, since, until, as_of, answerer):
        history = list(history or [])
        answers = restored(stored)[1]
        number = 1 + sum(m.get("role") == "assistant" for m in history)  # this answer's number
        question = message if isinstance(message, str) else ""
        turns = _prior_turns(history)
        shown = question.strip().encode("utf-8", "replace").decode()  # lone surrogates: "?"
        history.append({"role": "user", "content": escape_markdown(shown) or "(empty)"})
        history.append({"role": "assistant", "content": bubble("", "answering")})
        yield history, "", gr.skip(), gr.skip()
        written = ""
        try:
            with desk.assistant() as assistant:
                for event in assistant.stream(question, turns, k=k, sources=articles or None,
                                              since=since or None, until=until or None,
                                              as_of=as_of or None, answerer=answerer or None):
                    match event:
                        case TextPiece(text):
                            for piece in _pieces(text):  # a model streams; extractive text comes whole
                                written += piece
                                history[-1]["content"] = bubble(escape_markdown(written), "answering")
                                yield history, "", gr.skip(), gr.skip()
                        case Checking():
                            history[-1]["content"] = bubble(escape_markdown(written), "checking")
                            yield history, "", gr.skip(), gr.skip()
                        case Answer():
                            sources = Library(assistant.retriever.store, settings).sources(event)
                            answers.append(kept_answer(number, event, sources))
                            history[-1]["content"] = bubble(answer_markdown(event, number), "done")
                            yield history, "", sources_html(answers), kept_chat(history, answers)
        except NewsdeskError as error:
            log.warning("chat: %s", error)
            history[-1]["content"] = bubble(f"⚠️ {escape_markdown(str(error))}", "done")
            yield history, "", gr.skip(), kept_chat(history, answers)

    box.submit(respond, [box, chat, kept, k, only, since, until, as_of, answerer],
               [chat, box, panel, kept], api_visibility="private")
    new_chat.click(lambda: ([], "", "", {"chat": [], "answers": []}), None, [chat, box, panel, kept],
                   api_visibility="private")
    return kept, chat, panel, only


def _articles_tab(desk: Desk, tab: gr.Tab, status: gr.Markdown, only: gr.Dropdown) -> None:
    """The library: every article, searchable, each one opening its full text; remove one
    (asked to confirm; not on a read-only newsdesk); add articles."""
    read_only = desk.settings.read_only
    with gr.Row():
        find = gr.Textbox(placeholder="Search the articles' titles and text", show_label=False,
                          elem_id="article-search", scale=3)
        count = gr.Markdown(elem_id="article-count")
    table = gr.Dataframe(headers=["Title", "Date", "Publisher", "Size"], datatype="str",
                         interactive=False, wrap=True, max_height=420, elem_id="article-list",
                         column_widths=["52%", "18%", "16%", "14%"], buttons=[])
    shown = gr.State([])  # the doc_ids of the table's rows, in order
    opened = gr.State("")  # the doc_id of the article shown below the table
    reading = gr.HTML(elem_id="article")
    ask_remove = gr.Button("Remove this article…", variant="stop", visible=False, scale=0,
                           elem_id="remove")
    with gr.Row(visible=False, elem_id="confirm-remove") as confirm:
        question = gr.Markdown()
        yes = gr.Button("Remove", variant="stop", scale=0, elem_id="confirm-yes")
        no = gr.Button("Cancel", scale=0, elem_id="confirm-no")
    outcome = gr.Markdown(elem_id="remove-result")
    with gr.Accordion("Add articles", open=False, visible=not read_only):
        files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="upload",
                        label=f"Articles (.txt .md .html, up to {MAX_UPLOAD_MB} MB each)")
        with gr.Row():
            links = gr.Textbox(label=f"Or links: articles or RSS/Atom/JSON feeds, one a line "
                                     f"(up to {MAX_LINKS})", lines=2, elem_id="links", scale=4)
            fetch = gr.Button("Add links", elem_id="add-links", scale=1)
        added = gr.Markdown(elem_id="upload-result")

    def listing(query):
        try:
            with desk.library() as library:
                articles, every = library.articles(query or ""), len(library.articles())
        except NewsdeskError as error:
            return [], [], f"⚠️ {escape_markdown(str(error))}"
        found = f"{len(articles):,} of {every:,}" if (query or "").strip() else f"{every:,}"
        return article_rows(articles), [a.doc_id for a in articles], f"{found} articles, newest first"

    def open_article(ids, event: gr.SelectData):
        doc_id = ids[event.index[0]] if event.index and event.index[0] < len(ids) else ""
        with desk.library() as library:
            article = library.article(doc_id)
            text = library.text(doc_id) if article else ""
        if article is None:
            return ("<p>This article is no longer in the index.</p>", "", gr.update(visible=False),
                    gr.update(visible=False), "")
        return (article_html(article, text, read_only), doc_id, gr.update(visible=not read_only),
                gr.update(visible=False), "")

    def confirm_removal(doc_id):
        with desk.library() as library:
            article = library.article(doc_id)
        name = escape_markdown(article.name if article else doc_id)
        return gr.update(visible=True), (f"Remove **{name}** from the index? Its passages will no "
                                         "longer be searched or quoted.")

    def remove_opened(doc_id, query):
        try:
            with desk.library() as library:
                names = [a.name for a in library.remove([doc_id])]
            message = f"Removed “{escape_markdown(', '.join(names))}”."
        except NewsdeskError as error:
            log.warning("remove: %s", error)
            message = f"⚠️ {escape_markdown(str(error))}"
        return (f'<div class="remove-state state-done">\n\n{message}\n\n</div>', "", "",
                gr.update(visible=False), gr.update(visible=False), *listing(query), desk.status(),
                gr.update(choices=_choices(desk)))

    tab.select(listing, find, [table, shown, count], api_visibility="private")
    find.change(listing, find, [table, shown, count], api_visibility="private")
    table.select(open_article, shown, [reading, opened, ask_remove, confirm, outcome],
                 api_visibility="private")
    ask_remove.click(confirm_removal, opened, [confirm, question], api_visibility="private")
    no.click(lambda: gr.update(visible=False), None, confirm, api_visibility="private")
    yes.click(remove_opened, [opened, find], [outcome, reading, opened, ask_remove, confirm, table,
                                              shown, count, status, only], api_visibility="private")

    def upload(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
        message = add_articles(desk, files or [])
        cache = Path(gr.utils.get_upload_folder()).resolve()
        for file in files or []:  # read and copied: Gradio's upload folder keeps no second copy
            if cache in _picked(file)[0].resolve().parents:
                _picked(file)[0].unlink(missing_ok=True)
        return (f'<div class="upload-state state-done">\n\n{message}\n\n</div>', desk.status(),
                gr.update(choices=_choices(desk)), None)

    if read_only:  # no event that could take a file or a link
        return
    files.upload(lambda: '<div class="upload-state state-ingesting">Adding the articles…</div>',
                 None, added, api_visibility="private", queue=False).then(
        upload, files, [added, status, only, files], api_visibility="private").then(
        listing, find, [table, shown, count], api_visibility="private")

    def add_from_links(text):
        message = add_links(desk, text or "")
        return (f'<div class="upload-state state-done">\n\n{message}\n\n</div>', desk.status(),
                gr.update(choices=_choices(desk)), "")

    fetch.click(lambda: '<div class="upload-state state-ingesting">Fetching the links…</div>',
                None, added, api_visibility="private", queue=False).then(
        add_from_links, links, [added, status, only, links], api_visibility="private").then(
        listing, find, [table, shown, count], api_visibility="private")


def _api(desk: Desk) -> None:
    """The named endpoints: over HTTP (gradio_client, /gradio_api/...) and as MCP tools."""

    def ask(question: str, k: int = 8, sources: list[str] | None = None, since: str = "",
            until: str = "", answerer: str = "", as_of: str = "") -> dict:
        """Answer a question about the indexed news articles, with verbatim cited quotes.

        Args:
            question: The question, at most 4,000 characters.
            k: Passages to read, 1 to 100.
            sources: Only these articles (doc_id or source path); empty for all.
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day (YYYY-MM-DD).
            answerer: "extractive" or "llm"; empty for the server's default.
            as_of: The day the question is asked as of (YYYY-MM-DD; empty: today; "none": no
                moment): later articles are not read, and the news of that day ranks first.

        Returns:
            {"question", "answer", "short_answer": {"text", "n", "start", "end"} or null,
            "refused", "citations": [{"n", "doc_id", "source", "title", "date", "publisher",
            "url", "quote", "start", "end", "score"}], "related", "sentences", "answerer",
            "notice", "timings_ms"}
        """
        return _call(desk, "ask", lambda assistant: assistant.ask(
            question, k=k, sources=sources or None, since=since or None, until=until or None,
            as_of=as_of or None, answerer=answerer or None).to_dict())

    def retrieve(query: str, k: int = 5, as_of: str = "") -> dict:
        """The passages of the indexed news articles that best match a query.

        Args:
            query: A question or keywords, at most 4,000 characters.
            k: How many passages, 1 to 100.
            as_of: The day the query is asked as of (YYYY-MM-DD; empty: today; "none": no
                moment).

        Returns:
            {"query", "passages": [{"doc_id", "text", "start", "end", "score", "title", "date", ...}]}
        """
        return _call(desk, "retrieve", lambda assistant: {"query": query, "passages": [
            p.to_dict() for p in assistant.retriever.retrieve(query, k, as_of=as_of or None)]})

    def articles(query: str = "") -> dict:
        """The indexed news articles, newest first (undated ones last).

        Args:
            query: Only articles whose title or text holds every one of these words; empty for all.

        Returns:
            {"articles": [{"doc_id", "name", "title", "date", "publisher", "author", "url",
            "source", "added", "words", "chunks"}]}; "name" is the title, or the opening words
            of an untitled article.
        """
        return _call(desk, "articles", lambda library: {"articles": [
            a.to_dict() for a in library.articles(query)]}, Desk.library)

    def article(doc_id: str) -> dict:
        """One indexed news article, with its full text.

        Args:
            doc_id: The article's doc_id, as `articles` lists it.

        Returns:
            {"doc_id", "name", "title", "date", "publisher", "author", "url", "source", "added",
            "words", "chunks", "text"}
        """
        return _call(desk, "article", lambda library: _article(library, doc_id), Desk.library)

    def remove(doc_ids: list[str]) -> dict:
        """Remove articles from the index (refused by a read-only newsdesk).

        Args:
            doc_ids: The doc_ids of the articles to remove; if one is not in the index, none is
                removed.

        Returns:
            {"removed": [{"doc_id", "name", ...}]}
        """
        return _call(desk, "remove", lambda library: {"removed": [
            a.to_dict() for a in library.remove(doc_ids)]}, Desk.library)

    # Outside the queue: many at once (bounded by Desk.worker), and MCP calls them directly.
    gr.api(ask, api_name="ask", queue=False)
    gr.api(retrieve, api_name="retrieve", queue=False)
    gr.api(articles, api_name="articles", queue=False)
    gr.api(article, api_name="article", queue=False)
    # Callable over HTTP, but neither listed nor offered to MCP agents: removal is for people.
    gr.api(remove, api_name="remove", queue=False, api_visibility="undocumented")


def _article(library: Library, doc_id: str) -> dict:
    found = library.article(doc_id)
    if found is None:
        raise BadInputError(f"No article {doc_id!r} in the index; `articles` lists them.")
    return {**found.to_dict(), "text": library.text(doc_id)}


def _choices(desk: Desk) -> list[tuple[str, str]]:
    """The "Only these articles" choices: each article's byline, its doc_id as the value."""
    return [(a.byline, a.doc_id) for a in desk.articles()]


def _restore(stored) -> tuple:
    """The chat and its sources as the browser kept them (nothing to show: left as they are)."""
    chat, answers = restored(stored)
    return (chat, sources_html(answers)) if chat else (gr.skip(), gr.skip())


def _call(desk: Desk, name: str, work, index=Desk.assistant) -> dict:
    """Run an API call on the index (`Desk.assistant`, or `Desk.library`); an expected error is
    one log line and a clear message, no traceback."""
    try:
        with desk.worker(), index(desk) as opened:
            return work(opened)
    except NewsdeskError as error:
        log.warning("%s: %s", name, error)
        raise gr.Error(str(error), print_exception=False) from None


def add_articles(desk: Desk, files: list) -> str:
    """Copy uploaded files under the index home and ingest them; a Markdown report that names
    each file and what became of it: added, changed, unchanged, or refused and why.

    Uploads go in a namespace of their own (doc_id "upload:NAME"), and one that would replace an
    article already there, under the same name with other content, is refused. One writer at a
    time (the index's writer lock) checks, copies and ingests: two uploads of one name at once
    cannot both pass the check, and neither is lost.
    """
    if desk.settings.read_only:
        return "⚠️ This newsdesk is read-only: articles cannot be added here."
    outcome: list[tuple[str, str]] = []  # (the name the user gave, what became of the file)
    report = None
    try:
        with one_writer(desk.settings):
            copies = _copy_uploads(desk, [_picked(file) for file in files], outcome)
            if copies:
                report = ingest([Path(copy) for copy in copies], desk.settings, locked=True,
                                embedder=desk.embedder, namespace=UPLOADS, progress=False)
                for problem in report.problems:  # not an article after all: not kept either
                    Path(problem.where).unlink(missing_ok=True)
                    outcome.append((copies.get(problem.where, problem.where), f"skipped: {problem.reason}"))
                outcome += [(copies[copy], _BECAME[became]) for copy, became in report.outcomes.items()]
    except NewsdeskError as error:
        log.warning("upload: %s", error)
        return f"⚠️ {escape_markdown(str(error))}"
    lines = [f"**{report.summary()}**"] if report else []
    for name, became in outcome:
        fine = became.startswith(_FINE)
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


def _copy_uploads(desk: Desk, picked: list[tuple[Path, str]], outcome: list[tuple[str, str]]
                  ) -> dict[str, str]:
    """Copy the files that may be added to the index's uploads/; returns copy -> the name the
    user gave, and says in `outcome` why each other file was refused."""
    folder = desk.settings.home / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    copies: dict[str, str] = {}
    for source, name in picked:
        copy = folder / name
        problem = ("another file of this upload has the same name" if str(copy) in copies
                   else _upload_problem(desk, source, name, folder))
        if not problem:
            try:
                shutil.copyfile(source, copy)
                copies[str(copy)] = name
                continue
            except OSError as error:
                problem = f"it could not be stored ({error.strerror or error})"
        outcome.append((name, f"refused: {problem}"))
    return copies


def _picked(file) -> tuple[Path, str]:
    """Where an uploaded file lies, and the name it was given: from a path, or from one of
    Gradio's file objects (`name` is its path, `orig_name` the user's name for it)."""
    path = Path(file) if isinstance(file, str | Path) else Path(file.name)
    return path, Path(getattr(file, "orig_name", "") or path.name).name


_BECAME = {"new": "added", "changed": "replaced by the new version", "unchanged":
           "unchanged (already indexed)"}
_FINE = ("added", "replaced", "unchanged")


def _upload_problem(desk: Desk, source: Path, name: str, folder: Path) -> str:
    """Why an uploaded file cannot be added, or ""."""
    if Path(name).suffix.lower() not in UPLOAD_TYPES or name.startswith("."):
        return f"not an article file; use {', '.join(UPLOAD_TYPES)}"
    if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
        return f"larger than {MAX_UPLOAD_MB} MB"
    doc_id = UPLOADS + Path(name).stem
    try:
        with desk.assistant() as assistant:
            stored = assistant.retriever.store.document(doc_id)
    except IndexMissingError:
        stored = None
    if stored is None:
        return ""
    kept = Path(stored.source)
    if kept == folder / name and kept.exists() and kept.read_bytes() == source.read_bytes():
        return ""  # the same file again: ingest reports it unchanged
    return (f"an upload named {Path(name).stem!r} is already indexed with other content; rename "
            "your file to add it as a new article")


class RequireLogin:
    """Every request, on every route (the page and its files, the API, MCP), must carry the
    login (HTTP Basic), or gets 401 and the browser asks for it.

    One route is open: Gradio's startup check, which the server calls on itself at launch and
    which only starts the queue.
    """

    OPEN = {"/gradio_api/startup-events"}

    def __init__(self, app, user: str, password: str):
        self.app = app
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.allows(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"www-authenticate", b'Basic realm="newsdesk", charset="UTF-8"'),
                (b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Log in to use newsdesk.\n"})
            return
        await self.app(scope, receive, send)

    def allows(self, scope) -> bool:
        if scope.get("path") in self.OPEN:
            return True
        given = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        return hmac.compare_digest(given.encode(), self.expected.encode())


class UploadGate:
    """What Gradio's file routes may store: nothing in read-only mode (403), and, all uploads
    together, at most MAX_UPLOADS_MB (413): the files waiting in the server's upload folder
    and those kept in the index's uploads/. A request must say its length (411).

    The page hides the upload box in read-only mode, but Gradio's upload route stores any file
    posted to it; this gate is what keeps the disk out of reach.
    """

    ROUTES = ("/upload", "/process_recording")

    def __init__(self, app, read_only: bool, folders: tuple[Path, ...]):
        self.app = app
        self.read_only = read_only
        self.folders = folders

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and \
                scope["path"].rstrip("/").endswith(self.ROUTES):
            refusal = self.refusal(dict(scope.get("headers", [])))
            if refusal:
                log.warning("upload refused: %s", refusal[1])
                await _plain_response(send, *refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, headers: dict) -> tuple[int, str] | None:
        """(HTTP status, reason) when the upload may not be stored; None when it may."""
        if self.read_only:
            return 403, "This newsdesk is read-only: nothing can be uploaded to it."
        length = headers.get(b"content-length", b"")
        if not length.isdigit():
            return 411, "Say the upload's length (Content-Length)."
        held = sum(_bytes_under(folder) for folder in self.folders)
        if held + int(length) > MAX_UPLOADS_MB * 1024 * 1024:
            return 413, (f"Uploads are limited to {MAX_UPLOADS_MB} MB in all, and "
                         f"{held / 2**20:.0f} MB are held; this one does not fit.")
        return None


def _bytes_under(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0


async def _plain_response(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text.encode() + b"\n"})


def serve(settings: Settings) -> None:
    """Start the app on `settings.host`:`settings.port` and block until it is stopped.

    Uploads wait in a private folder of this server's own (Gradio's temp folder, removed when
    it stops), behind `UploadGate`; with a login, `RequireLogin` guards every route.
    """
    login = settings.login()
    _log_to_stderr()
    _keep_serving()
    waiting = Path(tempfile.mkdtemp(prefix="newsdesk-uploads-"))  # 0700, this server's own
    os.environ["GRADIO_TEMP_DIR"] = str(waiting)  # before any component is made
    try:
        page = build(settings)
        desk: Desk = page.desk  # type: ignore[attr-defined]  # build() hangs the Desk on its page
        desk.embedder.embed(["warm up"])  # load the models now, not on the first question
        language.warm_up()
        print(f"newsdesk: chat at http://{settings.host}:{settings.port} ({desk.status()})",
              flush=True)
        middleware = [Middleware(UploadGate, read_only=settings.read_only,
                                 folders=(waiting, settings.home / "uploads"))]
        guard = {}
        if login:
            middleware.insert(0, Middleware(RequireLogin, user=login[0], password=login[1]))
            guard = {"auth_dependency": lambda request: login[0]}  # RequireLogin let it through
        page.queue(default_concurrency_limit=API_WORKERS).launch(
            server_name=settings.host, server_port=settings.port, mcp_server=settings.mcp,
            max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS, js=JS, quiet=True, show_error=True,
            footer_links=["api"], app_kwargs={"middleware": middleware}, **guard)
    except OSError as error:
        raise BadInputError(f"Cannot serve on {settings.host}:{settings.port} ({error}); pick "
                            "another --port.") from None
    finally:
        shutil.rmtree(waiting, ignore_errors=True)
        log.info("server stopped")


def _keep_serving() -> None:
    """The signals of a server process, set here only (`newsdesk serve` and `python app.py`
    both come here): a client that goes away is an error on its own connection (SIGPIPE
    ignored: its write fails with EPIPE), never the end of the server; SIGTERM and SIGHUP stop
    it with a log line that says so; a crash prints where it happened (faulthandler)."""
    if threading.current_thread() is not threading.main_thread():
        return  # signals belong to the main thread (a test may serve from another)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    faulthandler.enable()
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _stopped)


def _stopped(number: int, frame) -> None:
    log.warning("stopping: %s received", signal.Signals(number).name)
    raise SystemExit(128 + number)


def _log_to_stderr() -> None:
    """newsdesk's own log lines (one per refused request) on stderr, without tracebacks."""
    logger = logging.getLogger("newsdesk")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("newsdesk: %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # once, not again through a root handler Gradio set up


def main(argv: list[str] | None = None) -> int:
    """`python app.py [flags]`: the same as `newsdesk serve [flags]`."""
    from huggingface_hub.utils import disable_progress_bars

    set_process_defaults()
    disable_progress_bars()  # Gradio loaded huggingface_hub before the defaults above were set
    parser = argparse.ArgumentParser(prog="app.py", description="The newsdesk chat in the browser.")
    add_flags(parser, SERVE_FLAGS)
    try:
        serve(from_flags(parser.parse_args(argv)))
    except NewsdeskError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
