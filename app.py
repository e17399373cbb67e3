"""newsdesk in the browser: a chat with cited answers and the sources beside it.

Only the Gradio face lives here; retrieval and answers come from `newsdesk` (rag/), ingest from
`newsdesk.index`. Run `python app.py` or `newsdesk serve` (the same flags: --host, --port,
--auth, --no-mcp, --read-only, --llm ...). Everything shown from an article or a question is
escaped: article text is untrusted.

Each answer bubble carries its state in the page, as the class of its status element
(`state-answering`, `state-checking` with the words "checking citations…", `state-done`), and so
does the upload report (`state-ingesting`, `state-done`): people see what is going on, and tests
wait on it. (A class, because Gradio's sanitizer keeps classes and drops data attributes.)

Serving: the API endpoints run outside Gradio's queue, several at once; the index is reopened
when another process changes it; with a login, every route asks for it (HTTP Basic), MCP too.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import faulthandler
import functools
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
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from newsdesk import Answer, Assistant, Checking, TextPiece, language, when
from newsdesk.index.embed import Embedder
from newsdesk.index.errors import BadInputError, IndexMissingError, NewsdeskError
from newsdesk.index.ingest import ingest, one_writer
from newsdesk.index.settings import SERVE_FLAGS, Settings, add_flags, from_flags, set_process_defaults

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
API_WORKERS = 2  # API calls answered at once; more wait their turn (2 cores do the work)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_STATE = re.compile(r'<span class="answer-state[^"]*"[^>]*>[^<]*</span>')
_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")
log = logging.getLogger("newsdesk.app")

CSS = """
.source { border-left: 3px solid #d0d7de; padding: 4px 10px; margin: 0 0 12px 0; }
.source.active { border-left-color: #f59e0b; background: #fffbeb; }
.source-head { font-weight: 600; font-size: 0.9em; }
.source mark { background: #fde68a; padding: 0 1px; }
"""
# Citation links scroll the sources panel to their source and mark it, in place.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href*="#src-"]');
    if (!link) return;
    const target = document.getElementById(link.getAttribute('href').split('#')[1]);
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
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
                                        "seeds/` (or upload articles below) first.")
            yield self._assistant

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
        old, self._assistant = self._assistant, None
        if old is not None:
            old.retriever.store.close()  # so that the embedded database is read afresh
        try:
            self._assistant = Assistant.open(settings=self.settings, embedder=self.embedder)
        except IndexMissingError:
            self._assistant = None

    def status(self) -> str:
        try:
            with self.assistant() as assistant:
                documents, chunks = assistant.retriever.store.count()
        except IndexMissingError:
            return "No articles indexed yet: upload some below, or run `newsdesk ingest seeds/`."
        except NewsdeskError as error:
            return f"Index unavailable: {error}"
        return (f"{documents:,} articles, {chunks:,} chunks · model {self.settings.embed_model} · "
                f"index {self.settings.chroma_url or self.settings.home}")

    def articles(self) -> list[tuple[str, str]]:
        try:
            with self.assistant() as assistant:
                stored = assistant.retriever.store.stored_documents()
        except NewsdeskError:
            return []
        return sorted(((d.title or d.doc_id)[:80], d.doc_id) for d in stored)


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


def answer_markdown(answer: Answer) -> str:
    """The answer as Markdown, each [n] a link to source n in the panel."""
    text = _MARKER.sub(r"[\[\1\]](#src-\1)", escape_markdown(answer.text)).replace("\n", "  \n")
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


def sources_html(answer: Answer, document_text) -> str:
    """The sources panel: each citation in its paragraph, the quote highlighted."""
    document_text = functools.cache(document_text)  # several citations share an article
    if answer.refused:
        items = [_source_block(f"related-{i}", f"Related {i}", p, document_text(p.doc_id), p.start, p.end)
                 for i, p in enumerate(answer.related, start=1)]
        heading = "<p><b>No answer in the articles.</b> Closest passages:</p>"
        return heading + "".join(items) if items else heading
    return "".join(_source_block(f"src-{c.n}", f"[{c.n}]", c, document_text(c.doc_id), c.start, c.end)
                   for c in answer.citations)


def _source_block(element_id: str, label: str, item, text: str, start: int, end: int) -> str:
    before, quote, after = _paragraph(text, start, end) if text else ("", getattr(item, "quote", ""), "")
    meta = " · ".join(html.escape(x) for x in (item.title or item.doc_id, item.date, item.source) if x)
    return (f'<div class="source" id="{element_id}"><div class="source-head">{html.escape(label)} {meta}'
            f'</div><p>{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}</p></div>')


def _paragraph(text: str, start: int, end: int, reach: int = 400) -> tuple[str, str, str]:
    """The text around [start, end) up to the paragraph's edges (at most `reach` chars each side)."""
    left = text.rfind("\n", max(0, start - reach), start) + 1 or max(0, start - reach)
    right = text.find("\n", end, end + reach)
    right = right if right >= 0 else min(len(text), end + reach)
    return text[left:start], text[start:end], text[end:right]


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
    desk = Desk(settings)

    def respond(message, history, k, articles, since, until, as_of, answerer):
        history = list(history or [])
        question = message if isinstance(message, str) else ""
        turns = _prior_turns(history)
        shown = question.strip().encode("utf-8", "replace").decode()  # lone surrogates: "?"
        history.append({"role": "user", "content": escape_markdown(shown) or "(empty)"})
        history.append({"role": "assistant", "content": bubble("", "answering")})
        yield history, "", gr.skip()
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
                                yield history, "", gr.skip()
                        case Checking():
                            history[-1]["content"] = bubble(escape_markdown(written), "checking")
                            yield history, "", gr.skip()
                        case Answer():
                            history[-1]["content"] = bubble(answer_markdown(event), "done")
                            yield history, "", sources_html(event, assistant.retriever.document_text)
        except NewsdeskError as error:
            log.warning("chat: %s", error)
            history[-1]["content"] = bubble(f"⚠️ {escape_markdown(str(error))}", "done")
            yield history, "", ""

    def upload(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
        message = add_articles(desk, files or [])
        cache = Path(gr.utils.get_upload_folder()).resolve()
        for file in files or []:  # read and copied: Gradio's upload folder keeps no second copy
            if cache in _picked(file)[0].resolve().parents:
                _picked(file)[0].unlink(missing_ok=True)
        return (f'<div class="upload-state state-done">\n\n{message}\n\n</div>', desk.status(),
                gr.update(choices=desk.articles()), None)

    # Uploads no event read (posted to the upload route, then left) are deleted after an hour.
    with gr.Blocks(title="newsdesk", analytics_enabled=False, delete_cache=(3600, 3600)) as page:
        gr.Markdown("## newsdesk · ask the articles, check every answer")
        status = gr.Markdown(elem_id="index-status")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=520, elem_id="chat", sanitize_html=True)
                box = gr.Textbox(placeholder="Ask about the articles, e.g. What conditions did Putin set?",
                                 show_label=False, elem_id="question", submit_btn=True)
                with gr.Row():
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    clear = gr.Button("Clear chat", elem_id="clear", scale=0)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                panel = gr.HTML(elem_id="sources")
        with gr.Accordion("Settings", open=False):
            k = gr.Slider(1, 30, value=8, step=1, label="Passages to read")
            answerer = gr.Radio(["llm", "extractive"], visible=settings.llm_enabled,
                                value="llm" if settings.llm_enabled else "extractive",
                                label=f"Answers written by (llm: {settings.llm} {settings.llm_model})")
            articles = gr.Dropdown(choices=desk.articles(), multiselect=True,
                                   label="Only these articles (none = all)")
            with gr.Row():
                since = gr.Textbox(label="Dated on or after (YYYY-MM-DD)")
                until = gr.Textbox(label="Dated on or before (YYYY-MM-DD)")
                as_of = gr.Textbox(label="As of (YYYY-MM-DD; empty: today)", elem_id="as-of")
        with gr.Accordion("Add articles", open=False, visible=not settings.read_only):
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="upload",
                            label=f"Articles (.txt .md .html, up to {MAX_UPLOAD_MB} MB each)")
            added = gr.Markdown(elem_id="upload-result")

        page.load(lambda: (desk.status(), gr.update(choices=desk.articles())), None,
                  [status, articles], api_visibility="private")
        box.submit(respond, [box, chat, k, articles, since, until, as_of, answerer], [chat, box, panel],
                   api_visibility="private")
        clear.click(lambda: ([], "", ""), None, [chat, box, panel], api_visibility="private")
        if not settings.read_only:  # read-only: no event that could take a file
            files.upload(lambda: '<div class="upload-state state-ingesting">Adding the articles…'
                         '</div>', None, added, api_visibility="private", queue=False).then(
                upload, files, [added, status, articles, files], api_visibility="private")

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
                as_of: The day the question is asked as of (YYYY-MM-DD; empty: today; "none":
                    no moment): later articles are not read, and the news of that day ranks first.

            Returns:
                {"question", "answer", "short_answer": {"text", "n", "start", "end"} or null,
                "refused", "citations": [{"n", "doc_id", "source", "title", "date", "publisher",
                "url", "quote", "start", "end", "score"}], "related", "sentences", "answerer", "notice",
                "timings_ms"}
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

        # Outside the queue: many at once (bounded by Desk.worker), and MCP calls them directly.
        gr.api(ask, api_name="ask", queue=False)
        gr.api(retrieve, api_name="retrieve", queue=False)
    page.desk = desk
    return page


def _call(desk: Desk, name: str, work) -> dict:
    """Run an API call; an expected error is one log line and a clear message, no traceback."""
    try:
        with desk.worker(), desk.assistant() as assistant:
            return work(assistant)
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
