"""Links in the app: the "Add articles" link box, "N new since you last looked", and sources that
link to their article and list its other copies. A real server and browser; the links are
served from 127.0.0.1, which the server is told to allow. Every wait is on a state the page
shows."""

from __future__ import annotations

import pytest

from newsdesk.core.settings import Settings
from newsdesk.evals.newsroom import Newsroom
from newsdesk.index.ingest import ingest
from newsdesk.library import Source
from newsdesk.render import _source_block
from tests.app.test_browser import ask
from tests.conftest import SEEDS, start_server, stop
from tests.index.conftest import build_site


@pytest.fixture
def site():
    with Newsroom() as newsroom:
        yield build_site(newsroom)


def test_links_are_added_and_counted_as_new_for_the_reader_who_comes_back(browser, site, tmp_path,
                                                                         embedder):
    home = tmp_path / "home"
    ingest([SEEDS], Settings(home=home), progress=False, embedder=embedder)
    process, url = start_server(home, "--no-mcp", "--allow-host", "127.0.0.1", "--delay", "0")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#new-since .arrivals.state-done", state="attached")
        assert page.locator("#new-since").inner_text().strip() == ""  # a first visit

        page.get_by_role("tab", name="Articles").click()
        page.get_by_text("Add articles").click()
        page.fill("#links textarea", f"{site.url}/rss.xml\nnot-a-link {site.url}/missing.html")
        page.click("#add-links")
        page.wait_for_selector("#upload-result .upload-state.state-done", timeout=180_000)
        report = page.locator("#upload-result").inner_text()
        assert "2 new" in report and "not a web link" in report and "not found (HTTP 404)" in report
        assert "robots.txt of 127.0.0.1 does not allow newsdesk" in report

        page.reload()  # the reader comes back
        page.wait_for_selector("#new-since .arrivals.state-done", state="attached")
        assert "2 new articles since you last looked" in page.locator("#new-since").inner_text()
        answer = ask(page, "How many passengers were brought ashore by lifeboats?")
        assert "214" in answer.inner_text()
        link = page.locator(f"#sources a[href='{site.url}/news/ferry.html']")
        assert link.inner_text() == "Night ferry runs aground off Ostmark"

        page.reload()  # and again: nothing has arrived since
        page.wait_for_selector("#new-since .arrivals.state-done", state="attached")
        assert "No new articles since you last looked" in page.locator("#new-since").inner_text()
    finally:
        context.close()
        stop(process)


def test_a_source_links_to_its_article_and_lists_its_other_copies():
    source = Source(n=1, doc_id="a", name="Ferry <aground>", date="2025-03-11", publisher="",
                    url="https://a.example/x", before="", quote="All 214 were rescued.", after="",
                    also=(("Coast Times", "https://b.example/y"),
                          ("javascript:alert(1)", "javascript:alert(1)")))
    shown = _source_block(1, source)
    assert '<a href="https://a.example/x" target="_blank" rel="noopener noreferrer">' \
           "Ferry &lt;aground&gt;</a>" in shown
    assert 'Also in: <a href="https://b.example/y"' in shown and ">Coast Times</a>" in shown
    assert 'href="javascript' not in shown  # only web addresses become links
