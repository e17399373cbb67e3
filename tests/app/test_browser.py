"""The chat in a real browser (Debian's Chromium via Playwright) against a real server.

Every wait is on a state the page shows: an answer bubble's status (`state-answering`,
`state-checking`, `state-done`), the upload report's, a class set by a click. No test sleeps.
"""

from __future__ import annotations

SEED_QUESTION = "What conditions did Putin set?"
DONE = "#chat .answer-state.state-done"


def ask(page, question: str, timeout_ms: int = 120_000):
    """Type a question, send it, and wait until the page marks its answer done."""
    before = page.locator(DONE).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll(\"{DONE}\").length > {before}",
                           timeout=timeout_ms)
    return page.locator("#chat [data-testid='bot']").last


def test_seed_question_streams_a_cited_answer_and_citation_opens_its_source(page, output_dir):
    # Count the updates of the answer bubble: a streamed answer arrives in several.
    page.wait_for_selector("#chat")
    page.evaluate("""() => {
        window.updates = 0;
        new MutationObserver(() => { window.updates += 1; })
            .observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
    }""")
    answer = ask(page, SEED_QUESTION)
    text = answer.inner_text()
    assert "[1]" in text and "Kursk" in text and "root causes" in text
    assert page.evaluate("window.updates") > 3

    page.locator("#chat a[href='#a1-src-1']").first.click()
    source = page.locator("#a1-src-1")
    page.wait_for_function("document.querySelector('#a1-src-1').classList.contains('active')")
    assert source.is_visible()
    quote = source.locator("mark").inner_text()
    assert quote and quote.split()[0] in text  # the highlighted quote is the one cited
    head = source.locator(".source-head")
    assert head.get_attribute("title") in ("000_99e8b240e118b51d", "001_ca5ecb444059c4d2")  # tooltip
    assert "_99e8b240e118b51d" not in head.inner_text() and "seeds/" not in head.inner_text()
    assert page.locator("#sources .source").count() >= 3
    page.screenshot(path=str(output_dir / "answered-chat.png"), full_page=True)
    assert (output_dir / "answered-chat.png").stat().st_size > 10_000


def test_follow_up_question_uses_the_conversation_and_clear_empties_it(page):
    ask(page, "What did Gerasimov report to Putin?")
    follow_up = ask(page, "When was that?")
    assert "Wednesday" in follow_up.inner_text()
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    assert page.locator("#sources .source").count() == 0


def test_unanswerable_question_is_refused_with_related_reading(page):
    answer = ask(page, "What is the GDP of Russia?")
    assert "The articles don't say" in answer.inner_text()
    assert page.locator("#sources .source").count() >= 1
    assert "Closest passages" in page.locator("#sources").inner_text()


def test_empty_question_gets_a_message_not_an_error(page):
    answer = ask(page, "   ")
    assert "question is empty" in answer.inner_text()


def test_example_question_fills_the_box(page):
    page.get_by_text("How much of the Kursk territory had Russia regained?").first.click()
    page.wait_for_function("document.querySelector('#question textarea').value.includes('Kursk territory')")
    answer = ask(page, page.input_value("#question textarea"))
    assert "86%" in answer.inner_text()
    short = answer.locator("strong")  # a short answer is in bold when one is likely right
    assert short.count() == 0 or short.first.inner_text().startswith("86% [")


def _upload(page, path):
    """Add an article in the Articles tab, then come back to the chat."""
    page.get_by_role("tab", name="Articles").click()
    page.get_by_text("Add articles").click()
    page.set_input_files("#upload input[type=file]", str(path))
    page.wait_for_selector("#upload-result .upload-state.state-done", timeout=120_000)
    report = page.locator("#upload-result").inner_text()
    page.get_by_role("tab", name="Chat").click()
    return report


def test_uploaded_article_can_be_asked_about_at_once(page, tmp_path):
    article = tmp_path / "harbour-bridge.txt"
    article.write_text("Harbour bridge reopens\n\nThe Zindelport harbour bridge reopened on Monday after "
                       "a repair that cost 42 million euros, the city engineer Marta Kowalczyk said. "
                       "Traffic on the bridge will be limited to 30 km/h until the spring.")
    report = _upload(page, article)
    assert "1 new" in report
    assert "3 articles" in page.locator("#index-status").inner_text()
    answer = ask(page, "How much did the Zindelport bridge repair cost?")
    assert "42 million" in answer.inner_text()
    assert "Harbour bridge reopens" in page.locator("#a1-src-1 .source-head").inner_text()


def test_unreadable_upload_is_reported(page, tmp_path):
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\xff\x00garbage" * 100)
    report = _upload(page, binary)
    assert "broken.txt" in report and "skipped" in report


def test_article_with_script_runs_nothing_and_shows_as_text(page, tmp_path):
    article = tmp_path / "xss-article.txt"
    article.write_text("Quokka census results\n\nThe quokka census counted 12,000 animals on Rottnest "
                       "Island this year <script>document.title='owned'</script> said the rangers. "
                       "Volunteers <img src=x onerror=\"document.title='owned';alert(1)\"> walked the "
                       "island for three days to count the quokkas.")
    _upload(page, article)
    title = page.title()
    answer = ask(page, "How many quokkas did the census count on Rottnest Island?")
    # An image made now fails to load after any the answer made: once its error handler has
    # run, an `onerror` planted in the article would have run too.
    page.evaluate("""() => { const probe = new Image();
        probe.onerror = () => { window.probed = true; }; probe.src = 'x-probe'; }""")
    page.wait_for_function("window.probed === true")
    assert page.title() == title == "newsdesk"
    assert page.dialogs == []
    shown = answer.inner_text() + page.locator("#sources").inner_text()
    assert "<script>" in shown or "<img src=x" in shown  # visible as text
    assert page.locator("#chat script, #sources script, #sources img, #chat img[src=x]").count() == 0


def test_llm_answer_streams_into_the_chat_verified(browser, app_home):
    from tests.conftest import start_server, stop
    from tests.rag.fake_llm import FakeModelServer, source_with

    model = FakeModelServer()
    model.reply = lambda m: (f"Gerasimov said Russia had regained control of 86% of the territory "
                             f"Ukraine captured [{source_with(m, '86%')}]. Putin also demanded 5 billion "
                             f"dollars in reparations [{source_with(m, '86%')}].")
    process, url = start_server(app_home, "--no-mcp", "--llm", "openai-like", "--llm-url",
                                f"{model.url}/v1", "--llm-model", "fake-model")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body.chat-restored", state="attached")
        answer = ask(page, "What did Gerasimov report to Putin?").inner_text()
        assert "86%" in answer and "[1]" in answer
        assert "reparations [2] (not supported by the sources)" in answer.replace("[1] (", "[2] (")
        assert "written by openai-like:fake-model" in answer
        page.locator("#chat a[href='#a1-src-1']").first.click()
        assert "86%" in page.locator("#a1-src-1 mark").inner_text()
    finally:
        context.close()
        stop(process)
        model.close()
