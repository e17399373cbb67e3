"""The page a reader trusts, in a real browser (Debian's Chromium) against real servers: every
answer keeps its own sources, the chat survives a reload, the library of articles, and a page
that reads well in dark mode and at phone width.

Every wait is on a state the page shows (an answer's `state-done`, a class set by a click, a
count the Articles tab prints, the removal's `state-done`), each bounded by a timeout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsdesk.core.settings import Settings
from newsdesk.index.ingest import ingest
from tests.app.test_browser import ask
from tests.conftest import SECOND_SEED, SEEDS, start_server, stop

QUESTIONS = ["What conditions did Putin set?",
             "How much of the Kursk territory had Russia regained?",
             "Who flanked Putin on Thursday?"]
BOTS = "#chat [data-testid='bot']"

# The contrast ratio (WCAG 2) of an element's text against what lies behind it, from the colours
# the browser rendered: each colour painted on a canvas and read back as sRGB, whatever CSS form
# it was given in; backgrounds that let others show through are laid over them.
CONTRAST = """(element) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d', {willReadFrequently: true});
    const rgba = (color) => {
        context.clearRect(0, 0, 1, 1);
        context.fillStyle = color;
        context.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
        return [r, g, b, a / 255];
    };
    const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3]));
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
        const layer = rgba(getComputedStyle(node).backgroundColor);
        if (layer[3] > 0) layers.push(layer);
        if (layer[3] === 1) break;
    }
    let behind = [255, 255, 255];
    for (const layer of layers.reverse()) behind = over(layer, behind);
    const text = over(rgba(getComputedStyle(element).color), behind);
    const luminance = (rgb) => {
        const [r, g, b] = rgb.map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [light, dark] = [luminance(text), luminance(behind)].sort((a, b) => b - a);
    return {ratio: (light + 0.05) / (dark + 0.05), behind: luminance(behind)};
}"""

# What covers a question's bubble, scrolled to the top of the chat's view (where toolbars sit),
# the page itself at its top: the points of the bubble's visible box (every few pixels, inset by
# a pixel) where another element is on top, and the elements laid over the chat (positioned
# absolute, fixed or sticky, and shown) whose box crosses it. One task: nothing scrolls between.
COVERED = """(message) => {
    message.scrollIntoView({block: 'start'});
    window.scrollTo(0, 0);
    let view = message.parentElement;
    while (view && !/(auto|scroll)/.test(getComputedStyle(view).overflowY)) view = view.parentElement;
    const whole = message.getBoundingClientRect();
    const seen = view ? view.getBoundingClientRect()
                      : {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
    const box = {left: Math.max(whole.left, seen.left), right: Math.min(whole.right, seen.right),
                 top: Math.max(whole.top, seen.top), bottom: Math.min(whole.bottom, seen.bottom)};
    if (box.bottom - box.top < whole.height - 1) return ['the question is not in the chat view'];
    const covered = [];
    for (let x = box.left + 1; x < box.right - 1; x += 3) {
        for (let y = box.top + 1; y < box.bottom - 1; y += 3) {
            const found = document.elementFromPoint(x, y);
            if (found && !message.contains(found)) covered.push(found.outerHTML.slice(0, 80));
        }
    }
    for (const element of document.querySelectorAll('#chat *')) {
        const style = getComputedStyle(element);
        if (message.contains(element) || element.contains(message)) continue;
        if (!['absolute', 'fixed', 'sticky'].includes(style.position)) continue;
        if (style.display === 'none' || style.visibility !== 'visible' || style.opacity === '0') continue;
        const over = element.getBoundingClientRect();
        if (over.width && over.height && over.left < box.right - 1 && over.right > box.left + 1
                && over.top < box.bottom - 1 && over.bottom > box.top + 1) {
            covered.push(element.outerHTML.slice(0, 80));
        }
    }
    return [...new Set(covered)];
}"""


def _open(browser, url, **options):
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("body.chat-restored", state="attached")  # the kept chat is back
    return context, page


def _cite(page, answer: int, n: int = 1) -> str:
    """Click citation [n] of answer `answer`; once its source is marked, its highlighted quote."""
    page.locator(f"#chat a[href='#a{answer}-src-{n}']").first.click()
    page.wait_for_function(f"document.getElementById('a{answer}-src-{n}').classList.contains('active')",
                           timeout=10_000)
    assert page.locator(f"#a{answer}-sources").get_attribute("open") is not None
    return page.locator(f"#a{answer}-src-{n} mark").inner_text()


def test_each_answer_keeps_its_own_sources_after_three_questions(page, output_dir):
    answers = [ask(page, question).inner_text() for question in QUESTIONS]
    assert page.locator("#sources .answer-sources").count() == 3
    quotes = {}
    for number in (1, 3, 2):  # the oldest first: its sources are still there
        quotes[number] = _cite(page, number)
        assert quotes[number][:40] in answers[number - 1]  # the quote this answer cited
    assert len(set(quotes.values())) == 3
    page.screenshot(path=str(output_dir / "three-answers.png"), full_page=True)


def test_the_chat_survives_a_reload_and_new_chat_starts_over(page):
    first = ask(page, "What did Gerasimov report to Putin?").inner_text()
    page.reload()
    page.wait_for_selector("body.chat-restored", state="attached", timeout=30_000)
    page.wait_for_function(f"document.querySelectorAll(\"{BOTS}\").length === 1", timeout=30_000)
    assert page.locator(BOTS).first.inner_text() == first
    assert _cite(page, 1)[:40] in first
    follow_up = ask(page, "When was that?")  # the kept conversation is the conversation
    assert "Wednesday" in follow_up.inner_text()
    assert page.locator("#sources .answer-sources").count() == 2

    page.click("#new-chat")
    page.wait_for_function(f"document.querySelectorAll(\"{BOTS}\").length === 0", timeout=10_000)
    assert page.locator("#sources .source").count() == 0
    fresh = ask(page, QUESTIONS[1]).inner_text()
    page.reload()
    page.wait_for_function(f"document.querySelectorAll(\"{BOTS}\").length >= 1", timeout=30_000)
    assert [b.inner_text() for b in page.locator(BOTS).all()] == [fresh]  # the old chat is gone
    assert page.locator("#chat a[href='#a1-src-1']").count() >= 1 and _cite(page, 1)


def test_screen_readers_hear_each_message_as_plain_text(page):
    answer = ask(page, QUESTIONS[1])  # citations, and a short answer in bold if one is offered
    page.wait_for_function(  # the page relabels each message once Gradio has written its label
        f"[...document.querySelectorAll(\"{BOTS}\")].every((m) => "
        "!m.getAttribute('aria-label').includes('<span'))", timeout=10_000)
    label = answer.get_attribute("aria-label")
    assert label == "bot's message: " + " ".join(answer.text_content().split())
    assert "86%" in label
    for markup in ("<span", "state-done", "**", "](#a", "\\["):
        assert markup not in label, (markup, label)
    question = page.locator("#chat [data-testid='user']").last.get_attribute("aria-label")
    assert question == f"user's message: {QUESTIONS[1]}"


def _ratio(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(CONTRAST)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_quotes_are_readable_in_dark_and_light_mode(browser, app_url, output_dir, scheme):
    context, page = _open(browser, app_url, color_scheme=scheme)
    try:
        ask(page, QUESTIONS[0])
        _cite(page, 1)
        page_behind = _ratio(page, "#sources")["behind"]
        assert page_behind < 0.05 if scheme == "dark" else page_behind > 0.8  # the scheme is on
        for selector in ("#a1-src-1 mark", "#a1-src-1 p", "#a1-src-1 .source-head",
                         "#a1-src-2 mark", "#chat [data-testid='bot'] p"):
            assert _ratio(page, selector)["ratio"] >= 4.5, (scheme, selector, _ratio(page, selector))
        page.screenshot(path=str(output_dir / f"chat-{scheme}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_nothing_covers_the_question(browser, app_url, width):
    context, page = _open(browser, app_url, viewport={"width": width, "height": 900})
    try:
        ask(page, "What did Zelensky say about Russian attacks, and what did Putin say in reply?")
        # Gradio's events over and its fades done: what is left on the page stays there.
        page.wait_for_function("[...document.querySelectorAll(\"#chat [data-testid='status-tracker']\")]"
                               ".every((t) => t.classList.contains('hide')) && document.querySelector"
                               "('#chat').getAnimations({subtree: true}).every((a) => a.playState !== "
                               "'running')", timeout=30_000)
        question = page.locator("#chat [data-testid='user']").first
        question.hover()  # the pointer on it, where a message toolbar shows
        assert question.evaluate(COVERED) == []
    finally:
        context.close()


def test_at_phone_width_the_sources_come_right_under_the_answer(browser, app_url, output_dir):
    context, page = _open(browser, app_url, viewport={"width": 390, "height": 844})
    try:
        ask(page, QUESTIONS[1])
        box = {name: page.locator(selector).bounding_box() for name, selector in
               (("chat", "#chat"), ("sources", "#sources"), ("question", "#question"),
                ("examples", "#try-row"))}
        assert box["chat"]["y"] + box["chat"]["height"] <= box["sources"]["y"]
        assert box["sources"]["y"] - (box["chat"]["y"] + box["chat"]["height"]) < 120  # the heading
        assert box["sources"]["y"] < box["question"]["y"] < box["examples"]["y"]
        assert box["sources"]["y"] + box["sources"]["height"] <= box["question"]["y"]  # no overlap
        assert box["sources"]["width"] <= 390
        page.screenshot(path=str(output_dir / "phone.png"), full_page=True)
    finally:
        context.close()


# ---- the Articles tab ----

@pytest.fixture(scope="module")
def seeds_only(tmp_path_factory, embedder) -> Path:
    """An index of the two seeds alone (the shared app's index gains the uploads of other tests)."""
    home = tmp_path_factory.mktemp("seeds-only")
    ingest([SEEDS], Settings(home=home), progress=False, embedder=embedder)
    return home


@pytest.fixture
def writable_url(tmp_path, seeds_only):
    """A server over a copy of the seeds' index, whose articles a test may remove."""
    shutil.copytree(seeds_only, tmp_path / "home")
    process, url = start_server(tmp_path / "home", "--no-mcp")
    yield url
    stop(process)


def _articles(page, count: str):
    """Open the Articles tab and wait until it counts `count`."""
    page.get_by_role("tab", name="Articles").click()
    _counted(page, count)


def _counted(page, count: str):
    page.wait_for_function("(count) => document.querySelector('#article-count')"
                           "?.innerText.startsWith(count)", arg=count, timeout=60_000)


def _open_row(page, row: int):
    page.locator(f"#article-list [role=gridcell][data-row='{row}'][data-col='0']").click()
    page.wait_for_selector("#article .article-view", timeout=30_000)


def test_the_articles_tab_lists_searches_opens_and_removes(browser, writable_url, output_dir):
    context, page = _open(browser, writable_url)
    try:
        _articles(page, "2 articles")
        cells = page.locator("#article-list [role=gridcell][data-col='1']")
        assert [c.inner_text() for c in cells.all()] == ["2025-03-14", "undated"]  # newest first
        listed = page.locator("#article-list").inner_text()
        assert "_ca5ecb444059c4d2" not in listed and "seeds/" not in listed and "words" in listed

        page.fill("#article-search input, #article-search textarea", "lukashenka")
        _counted(page, "1 of 2 articles")
        _open_row(page, 0)
        heading = page.locator("#article h3")
        assert heading.get_attribute("title") == SECOND_SEED.stem  # the doc_id as a tooltip only
        assert "Lukashenka" in page.locator("#article .article-text").inner_text()
        assert "2025-03-14" in page.locator("#article .article-meta").inner_text()
        page.screenshot(path=str(output_dir / "articles.png"), full_page=True)

        page.click("#remove")
        page.wait_for_selector("#confirm-remove", state="visible", timeout=10_000)
        assert heading.inner_text() in page.locator("#confirm-remove").inner_text()
        page.click("#confirm-no")  # asked to confirm: cancelled, nothing removed
        page.wait_for_selector("#confirm-remove", state="hidden", timeout=10_000)
        page.click("#remove")
        page.click("#confirm-yes")
        page.wait_for_selector("#remove-result .remove-state.state-done", timeout=120_000)
        assert "Removed" in page.locator("#remove-result").inner_text()
        _counted(page, "0 of 1 article,")
        assert page.locator("#article .article-view").count() == 0
        page.wait_for_function("document.querySelector('#index-status').innerText.startsWith('1 article')",
                               timeout=30_000)

        page.get_by_role("tab", name="Chat").click()  # gone from the answers too
        ask(page, "What did Lukashenka do on Thursday?")
        cited = [h.get_attribute("title") for h in page.locator("#sources .source-head").all()]
        assert cited and SECOND_SEED.stem not in cited
    finally:
        context.close()


def test_a_read_only_newsdesk_refuses_removal(browser, seeds_only):
    import httpx

    process, url = start_server(seeds_only, "--no-mcp", "--read-only")
    context, page = _open(browser, url)
    try:
        _articles(page, "2 articles")
        _open_row(page, 0)
        assert "read-only" in page.locator("#article").inner_text()
        assert not page.locator("#remove").is_visible()
        assert not page.get_by_text("Add articles").is_visible()
        refused = httpx.post(f"{url}/gradio_api/run/remove", json={"data": [[SECOND_SEED.stem]]},
                             timeout=60).json()
        assert "read-only" in refused["error"]
        listed = httpx.post(f"{url}/gradio_api/run/articles", json={"data": [""]}, timeout=60).json()
        assert len(listed["data"][0]["articles"]) == 2
    finally:
        context.close()
        stop(process)


# Each cell's lines of text: the distinct tops of its text's boxes.
_LINES = """() => [...document.querySelectorAll(
    '#article-list [role=columnheader], #article-list [role=gridcell][data-col="1"]')].map(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), tops = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) if (box.width > 0) tops.add(Math.round(box.top));
  }
  return [cell.innerText.trim(), tops.size];
})"""


def test_at_phone_width_the_articles_list_breaks_no_heading_or_date(browser, seeds_only):
    process, url = start_server(seeds_only, "--no-mcp", "--read-only")
    context, page = _open(browser, url, viewport={"width": 390, "height": 844})
    try:
        _articles(page, "2 articles")
        lines = dict(page.evaluate(_LINES))
        assert lines == {"Title": 1, "Date": 1, "Publisher": 1, "Size": 1, "2025-03-14": 1,
                         "undated": 1}
    finally:
        context.close()
        stop(process)
