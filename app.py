"""newsdesk in the browser: a chat with cited answers and the sources beside it, and the
library of the articles.

Only the Gradio face lives here: the page's layout and its wiring. What the page shows and does
comes from the library: the open index and each request (`newsdesk.desk`), the HTML of answers,
sources and articles (`newsdesk.render`), the API endpoints (`newsdesk.endpoints`), the login and
upload guards and the server's signals (`newsdesk.server`), uploads (`newsdesk.index.upload`).
Run `python app.py` or `newsdesk serve` (the same flags: --host, --port, --auth, --no-mcp,
--read-only, --llm ...).

The conversation and its sources are kept in the browser (localStorage), so a reload keeps them
(the body gets the class `chat-restored` once they are back); "New chat" starts over. The API
endpoints run outside Gradio's queue, several at once; the index is reopened when another
process changes it; with a login, every route asks for it (HTTP Basic), MCP too.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from newsdesk import language
from newsdesk.core.errors import BadInputError, NewsdeskError
from newsdesk.core.settings import SERVE_FLAGS, Settings, add_flags, from_flags, set_process_defaults
from newsdesk.desk import (
    API_WORKERS,
    DATE_FIELDS,
    MAX_LINKS,
    Desk,
    add_articles,
    add_links,
    arrived,
    article_listing,
    article_view,
    choices,
    picked,
    removal_question,
    remove_article,
    reply,
)
from newsdesk.endpoints import endpoints
from newsdesk.index.upload import MAX_UPLOAD_MB, UPLOAD_TYPES
from newsdesk.render import CSS, JS, restored, sources_html, state_block
from newsdesk.server import RequireLogin, UploadGate, keep_serving, log_to_stderr

EXAMPLES = ["What conditions did Putin set?", "How much of the Kursk territory had Russia regained?",
            "What did Zelensky say about Russian attacks?",
            "What did analysts say Putin's 'root causes' mean?"]
KEPT_KEY = "newsdesk-chat"  # where the browser keeps the conversation (localStorage)
log = logging.getLogger("newsdesk.app")


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
        page.load(lambda: (desk.status(), gr.update(choices=choices(desk))), None, [status, only],
                  api_visibility="private")
        page.load(functools.partial(arrived, desk), last_looked, [fresh, last_looked],
                  api_visibility="private")
        _api(desk)
    page.desk = desk
    return page


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
            since = gr.Textbox(label=f"{DATE_FIELDS['since']} (YYYY-MM-DD)")
            until = gr.Textbox(label=f"{DATE_FIELDS['until']} (YYYY-MM-DD)")
            as_of = gr.Textbox(label=f"{DATE_FIELDS['as_of']} (YYYY-MM-DD; empty: today)",
                               elem_id="as-of")

    def respond(message, history, stored, k, articles, since, until, as_of, answerer):
        for shown, sources, kept_now in reply(desk, message, history, stored, k, articles, since,
                                              until, as_of, answerer):
            yield shown, "", _or_skip(sources), _or_skip(kept_now)

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
                         column_widths=["38%", "24%", "24%", "14%"], buttons=[])
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
                        label=f"Articles (.txt .md .html .jsonl, up to {MAX_UPLOAD_MB} MB each)")
        with gr.Row():
            links = gr.Textbox(label=f"Or links: articles or RSS/Atom/JSON feeds, one a line "
                                     f"(up to {MAX_LINKS})", lines=2, elem_id="links", scale=4)
            fetch = gr.Button("Add links", elem_id="add-links", scale=1)
        added = gr.Markdown(elem_id="upload-result")

    def listing(query):
        return article_listing(desk, query)

    def open_article(ids, event: gr.SelectData):
        doc_id = ids[event.index[0]] if event.index and event.index[0] < len(ids) else ""
        view = article_view(desk, doc_id)
        if view is None:
            return ("<p>This article is no longer in the index.</p>", "", gr.update(visible=False),
                    gr.update(visible=False), "")
        return view, doc_id, gr.update(visible=not read_only), gr.update(visible=False), ""

    def confirm_removal(doc_id):
        return gr.update(visible=True), removal_question(desk, doc_id)

    def remove_opened(doc_id, query):
        return (remove_article(desk, doc_id), "", "", gr.update(visible=False),
                gr.update(visible=False), *listing(query), desk.status(), gr.update(choices=choices(desk)))

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
            if cache in picked(file)[0].resolve().parents:
                picked(file)[0].unlink(missing_ok=True)
        return (state_block("upload-state", "done", message), desk.status(),
                gr.update(choices=choices(desk)), None)

    if read_only:  # no event that could take a file or a link
        return
    files.upload(lambda: '<div class="upload-state state-ingesting">Adding the articles…</div>',
                 None, added, api_visibility="private", queue=False).then(
        upload, files, [added, status, only, files], api_visibility="private").then(
        listing, find, [table, shown, count], api_visibility="private")

    def add_from_links(text):
        return (state_block("upload-state", "done", add_links(desk, text or "")), desk.status(),
                gr.update(choices=choices(desk)), "")

    fetch.click(lambda: '<div class="upload-state state-ingesting">Fetching the links…</div>',
                None, added, api_visibility="private", queue=False).then(
        add_from_links, links, [added, status, only, links], api_visibility="private").then(
        listing, find, [table, shown, count], api_visibility="private")


def _api(desk: Desk) -> None:
    """The named endpoints (`newsdesk.endpoints`): over HTTP and as MCP tools."""
    named = {name: _answered(endpoint) for name, endpoint in endpoints(desk).items()}
    # Outside the queue: many at once (bounded by Desk.worker), and MCP calls them directly.
    for name in ("ask", "retrieve", "articles", "article"):
        gr.api(named[name], api_name=name, queue=False)
    # Callable over HTTP, but neither listed nor offered to MCP agents: removal is for people.
    gr.api(named["remove"], api_name="remove", queue=False, api_visibility="undocumented")


def _answered(endpoint):
    """`endpoint` with an expected error as one log line and a clear message, no traceback."""
    @functools.wraps(endpoint)
    def answered(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        except NewsdeskError as error:
            log.warning("%s: %s", endpoint.__name__, error)
            raise gr.Error(str(error), print_exception=False) from None
    return answered


def _restore(stored) -> tuple:
    """The chat and its sources as the browser kept them (nothing to show: left as they are)."""
    chat, answers = restored(stored)
    return (chat, sources_html(answers)) if chat else (gr.skip(), gr.skip())


def _or_skip(value):
    """`value`, or Gradio's "leave it as it is" for None."""
    return gr.skip() if value is None else value


def serve(settings: Settings) -> None:
    """Start the app on `settings.host`:`settings.port` and block until it is stopped.

    Uploads wait in a private folder of this server's own (Gradio's temp folder, removed when
    it stops), behind `UploadGate`; with a login, `RequireLogin` guards every route.
    """
    login = settings.login()
    log_to_stderr()
    keep_serving()
    waiting = Path(tempfile.mkdtemp(prefix="newsdesk-uploads-"))  # 0700, this server's own
    os.environ["GRADIO_TEMP_DIR"] = str(waiting)  # before any component is made
    try:
        page = build(settings)
        desk: Desk = page.desk  # type: ignore[attr-defined]  # build() hangs the Desk on its page
        desk.embedder.embed(["warm up"])  # load the models now, not on the first question
        language.warm_up()
        import matplotlib  # noqa: F401  # Gradio imports it around every call: now, not on the first
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
