"""newsdesk in the browser: a chat with cited answers and the sources beside it.

Only the Gradio face lives here; retrieval and answers come from `rag`, ingest from `index`.
Run `python app.py` or `newsdesk serve` (same options: --host, --port, --auth, --no-mcp).
Everything shown from an article or a question is escaped: article text is untrusted.
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import sys
from pathlib import Path

import gradio as gr

from index.embed import Embedder
from index.errors import BadInputError, IndexMissingError, NewsdeskError
from index.ingest import ingest
from index.settings import Settings
from rag import Answer, Assistant, LLMSettings, Retriever

EXAMPLES = [
    "What conditions did Putin set?",
    "How much of the Kursk territory had Russia regained?",
    "What did Zelensky say about Russian attacks?",
    "What did analysts say Putin's 'root causes' mean?",
]
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm")
MAX_UPLOAD_MB = 5
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")

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


class Desk:
    """The open index behind the page; reopened after an upload changes it."""

    def __init__(self, settings: Settings, llm: LLMSettings):
        self.settings = settings
        self.llm = llm
        self.embedder = Embedder(settings.embed_model, settings.batch_size)
        self._assistant: Assistant | None = None

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            self._assistant = Assistant.open(settings=self.settings, embedder=self.embedder,
                                             llm=self.llm)
        return self._assistant

    @property
    def retriever(self) -> Retriever:
        return self.assistant.retriever

    def reload(self) -> None:
        self._assistant = None

    def status(self) -> str:
        try:
            documents, chunks = self.retriever.store.count()
        except IndexMissingError:
            return "No articles indexed yet: upload some below, or run `newsdesk ingest seeds/`."
        except NewsdeskError as error:
            return f"Index unavailable: {error}"
        return (f"{documents:,} articles, {chunks:,} chunks · model {self.settings.embed_model} · "
                f"index {self.settings.chroma_url or self.settings.home}")

    def articles(self) -> list[tuple[str, str]]:
        try:
            stored = self.retriever.store.stored_documents()
        except NewsdeskError:
            return []
        return sorted(((d.title or d.doc_id)[:80], d.doc_id) for d in stored)

    def document_text(self, doc_id: str) -> str:
        document = self.retriever.store.document(doc_id)
        return document.text if document else ""


# ---- rendering: everything from articles and questions is escaped ----

def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslashed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer) -> str:
    """The answer as Markdown, each [n] a link to source n in the panel."""
    text = _MARKER.sub(r"[\[\1\]](#src-\1)", escape_markdown(answer.text)).replace("\n", "  \n")
    if answer.notice:
        text = f"*⚠️ {escape_markdown(answer.notice)}*  \n\n{text}"
    if answer.answerer != "extractive":
        text += f"  \n\n<sub>written by {escape_markdown(answer.answerer)}, checked against the sources</sub>"
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
    return [{"role": m["role"], "content": _text(m["content"])} for m in history
            if m.get("role") in ("user", "assistant")]


# ---- the page ----

def build(settings: Settings, llm: LLMSettings | None = None) -> gr.Blocks:
    desk = Desk(settings, llm or LLMSettings.load())

    def respond(message, history, k, articles, since, until, answerer):
        history = list(history or [])
        question = (message or "").strip()
        turns = _prior_turns(history)
        history.append({"role": "user", "content": escape_markdown(question) or "(empty)"})
        history.append({"role": "assistant", "content": ""})
        written, answer = "", None
        try:
            for event in desk.assistant.stream(question, turns, k=int(k), sources=articles or None,
                                               since=since or None, until=until or None,
                                               answerer=answerer or None):
                if isinstance(event, Answer):
                    answer = event
                    break
                for piece in _pieces(event):  # a model streams; the extractive text comes whole
                    written += piece
                    history[-1] = {"role": "assistant", "content": escape_markdown(written)}
                    yield history, "", gr.skip()
        except NewsdeskError as error:
            history[-1] = {"role": "assistant", "content": f"⚠️ {escape_markdown(str(error))}"}
            yield history, "", ""
            return
        history[-1] = {"role": "assistant", "content": answer_markdown(answer)}
        yield history, "", sources_html(answer, desk.document_text)

    def upload(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
        message = add_articles(desk, files or [])
        return message, desk.status(), gr.update(choices=desk.articles()), None

    with gr.Blocks(title="newsdesk") as page:
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
            answerer = gr.Radio(["llm", "extractive"], visible=desk.llm.enabled,
                                value="llm" if desk.llm.enabled else "extractive",
                                label=f"Answers written by (llm: {desk.llm.kind} {desk.llm.model})")
            articles = gr.Dropdown(choices=desk.articles(), multiselect=True,
                                   label="Only these articles (none = all)")
            with gr.Row():
                since = gr.Textbox(label="Dated on or after (YYYY-MM-DD)")
                until = gr.Textbox(label="Dated on or before (YYYY-MM-DD)")
        with gr.Accordion("Add articles", open=False):
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="upload",
                            label=f"Articles (.txt .md .html, up to {MAX_UPLOAD_MB} MB each)")
            added = gr.Markdown(elem_id="upload-result")

        page.load(lambda: (desk.status(), gr.update(choices=desk.articles())), None,
                  [status, articles], api_visibility="private")
        box.submit(respond, [box, chat, k, articles, since, until, answerer], [chat, box, panel],
                   api_visibility="private")
        clear.click(lambda: ([], "", ""), None, [chat, box, panel], api_visibility="private")
        files.upload(upload, files, [added, status, articles, files], api_visibility="private")

        def ask(question: str, k: int = 8, sources: list[str] | None = None, since: str = "",
                until: str = "", answerer: str = "") -> dict:
            """Answer a question about the indexed news articles, with verbatim cited quotes.

            Args:
                question: The question, at most 4,000 characters.
                k: Passages to read, 1 to 100.
                sources: Only these articles (doc_id or source path); empty for all.
                since: Only articles dated on or after this day (YYYY-MM-DD).
                until: Only articles dated on or before this day (YYYY-MM-DD).
                answerer: "extractive" or "llm"; empty for the server's default.

            Returns:
                {"question", "answer", "refused", "citations": [{"n", "doc_id", "source", "title",
                "date", "quote", "start", "end", "score"}], "related", "sentences", "answerer",
                "notice", "timings_ms"}
            """
            return _call(lambda: desk.assistant.ask(
                question, k=int(k), sources=sources or None, since=since or None,
                until=until or None, answerer=answerer or None).to_dict())

        def retrieve(query: str, k: int = 5) -> dict:
            """The passages of the indexed news articles that best match a query.

            Args:
                query: A question or keywords, at most 4,000 characters.
                k: How many passages, 1 to 100.

            Returns:
                {"query", "passages": [{"doc_id", "text", "start", "end", "score", "title", "date", ...}]}
            """
            return _call(lambda: {"query": query, "passages": [
                p.to_dict() for p in desk.retriever.retrieve(query, int(k))]})

        gr.api(ask, api_name="ask")
        gr.api(retrieve, api_name="retrieve")
    page.desk = desk
    return page


def _call(work):
    try:
        return work()
    except NewsdeskError as error:
        raise gr.Error(str(error)) from None


def add_articles(desk: Desk, files: list) -> str:
    """Copy uploaded files under the index home and ingest them; a Markdown report."""
    folder = desk.settings.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    problems, paths = [], []
    for file in files:
        source = Path(getattr(file, "name", file))
        name = Path(getattr(file, "orig_name", "") or source.name).name
        if Path(name).suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"{name}: not an article file; use {', '.join(UPLOAD_TYPES)}")
        elif source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
            problems.append(f"{name}: larger than {MAX_UPLOAD_MB} MB")
        else:
            paths.append(Path(shutil.copyfile(source, folder / name)))
    report = None
    if paths:
        report = ingest(paths, desk.settings, embedder=desk.embedder)
        problems += [str(p) for p in report.problems]
        desk.reload()
    lines = [f"**{report.summary()}**"] if report else []
    lines += [f"- ⚠️ {escape_markdown(p)}" for p in problems]
    return "\n".join(lines) or "No files."


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
          mcp: bool = True, llm: LLMSettings | None = None) -> None:
    """Start the app and block until it is stopped."""
    page = build(settings, llm)
    page.desk.embedder.embed(["warm up"])  # load the model now, not on the first question
    credentials = _credentials(auth or os.environ.get("NEWSDESK_AUTH"))
    print(f"newsdesk: chat at http://{host}:{port} ({page.desk.status()})", flush=True)
    page.queue().launch(server_name=host, server_port=port, auth=credentials, mcp_server=mcp,
                        max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS, js=JS, quiet=True,
                        show_error=True, footer_links=["api"])


def _credentials(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, _, password = auth.partition(":")
    if not user or not password:
        raise BadInputError("--auth takes USER:PASSWORD (or set NEWSDESK_AUTH).")
    return user, password


if __name__ == "__main__":
    from rag.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
