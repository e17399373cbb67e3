"""What the chat shows: escaped text, working links, the answer's state."""

import datetime
import re
from dataclasses import replace

from newsdesk.core.settings import Settings
from newsdesk.desk import Desk, reply
from newsdesk.library import Source
from newsdesk.render import (
    answer_markdown,
    bubble,
    escape_markdown,
    kept_answer,
    kept_chat,
    restored,
    sources_html,
)
from newsdesk.types import Answer, Citation, Conflict, ShortAnswer


def test_a_web_address_in_an_article_links_to_where_it_says():
    shown = escape_markdown("See http://127.0.0.1:8000/path_(x)?q=1&r=2. And *this*.")
    assert re.findall(r'href="([^"]+)"', shown) == ["http://127.0.0.1:8000/path_(x)?q=1&amp;r=2"]
    assert "\\*this\\*" in shown and "%5C" not in shown


def test_markup_in_article_text_is_shown_not_run():
    shown = escape_markdown("<script>alert(1)</script> [click](javascript:alert(1))")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "](javascript" not in shown  # no Markdown link can be made


def test_each_state_is_a_class_the_page_shows():
    assert 'class="answer-state state-checking"' in bubble("draft", "checking")
    assert "checking citations…" in bubble("draft", "checking")
    assert bubble("done", "done").endswith('role="status"></span>')


def test_the_short_answer_is_bold_above_the_quotes():
    citation = Citation(1, "d", "d.txt", "", "", "Turnout reached 71% in the north.", 0, 34, 0.5)
    answer = Answer("What was the turnout?", "71% [1].\n\nTurnout reached 71% in the north. [1]",
                    False, [citation], short_answer=ShortAnswer("71%", 1, 16, 19))
    shown = answer_markdown(answer, 3)
    assert shown.startswith(r"**71% [\[1\]](#a3-src-1)\.**")
    assert shown.count("**") == 2
    plain = answer_markdown(replace(answer, short_answer=None))
    assert "**" not in plain


def test_a_conflict_between_sources_is_marked_below_the_short_answer():
    quotes = [Citation(1, "a", "a.txt", "", "", "Turnout reached 71% in the north.", 0, 34, 0.5),
              Citation(2, "b", "b.txt", "", "", "Turnout reached 64% in the north.", 0, 34, 0.4)]
    text = ("71% [1].\n\nThe sources disagree: “71%” [1], “64%” [2].\n\n"
            "Turnout reached 71% in the north. [1]\n\nTurnout reached 64% in the north. [2]")
    values = (ShortAnswer("71%", 1, 16, 19), ShortAnswer("64%", 2, 16, 19))
    answer = Answer("What was the turnout?", text, False, quotes, short_answer=values[0],
                    conflicts=[Conflict("how much", values)])
    paragraphs = answer_markdown(answer).split("  \n  \n")
    assert paragraphs[0].startswith("**71%") and paragraphs[1].startswith("⚠️ *The sources disagree")
    assert "(#a1-src-2)" in paragraphs[1] and not paragraphs[2].startswith("⚠️")


def _source(n: int, quote: str, **fields) -> Source:
    return Source(**{"n": n, "doc_id": f"doc-{n}", "name": f"Report {n}", "date": "2025-03-14",
                     "publisher": "Harbour Post", "url": "", "before": "Before. ", "quote": quote,
                     "after": " After.", **fields})


def _answered(number: int, question: str, *quotes: str) -> dict:
    citations = [Citation(n, f"doc-{n}", "", "", "", q, 0, len(q), 0.5) for n, q in enumerate(quotes, 1)]
    return kept_answer(number, Answer(question, "text", False, citations),
                       [_source(n, q) for n, q in enumerate(quotes, 1)])


def test_each_answer_keeps_its_own_sources_named_by_the_answer():
    answers = [_answered(1, "Who?", "First answer's quote."),
               _answered(2, "Where?", "Second answer's quote.", "Another <b>quote</b>.")]
    shown = sources_html(answers)
    assert shown.index('id="a2-sources" open') < shown.index('id="a1-sources"')  # newest first, open
    assert 'id="a1-sources" open' not in shown
    assert re.search(r'id="a1-src-1".*First answer', shown) and 'id="a2-src-2"' in shown
    assert "<mark>Another &lt;b&gt;quote&lt;/b&gt;.</mark>" in shown  # escaped
    head = re.search(r'<div class="source-head" title="doc-1">([^<]*)</div>', shown).group(1)
    assert head == "[1] Report 1 · 2025-03-14 · Harbour Post"  # the doc_id only as a tooltip
    assert "Where? · 2 sources" in shown


def test_a_source_links_to_its_article_only_on_the_web():
    linked = sources_html([kept_answer(1, Answer("Q", "t", False), [
        _source(1, "q", url="https://news.example/ferry"), _source(2, "q", url="javascript:alert(1)")])])
    assert linked.count("<a href") == 1 and 'href="https://news.example/ferry"' in linked


def test_a_refused_answer_keeps_its_closest_passages():
    refused = kept_answer(4, Answer("Q", "The articles don't say.", True),
                          [_source(1, "Close.", related=True)])
    shown = sources_html([refused])
    assert "No answer in the articles" in shown and 'id="a4-related-1"' in shown


def test_the_chat_kept_in_the_browser_reads_back_and_junk_is_dropped():
    history = [{"role": "user", "content": "Who?"},
               {"role": "assistant", "content": [{"type": "text", "text": "Someone [1]"}]}]
    kept = kept_chat(history, [_answered(1, "Who?", "A quote.")])
    assert kept["chat"][1] == {"role": "assistant", "content": "Someone [1]"}
    chat, answers = restored(kept)
    assert chat == kept["chat"] and answers == kept["answers"]
    for junk in (None, "text", {"chat": [{"role": "system", "content": "x"}], "answers": []},
                 {"chat": [], "answers": [{"number": 1, "sources": [{"unknown": 1}]}]}):
        assert restored(junk) == ([], [])


def test_an_answer_as_of_a_past_day_notes_its_undated_sources():
    dated = Citation(1, "a", "a.txt", "", "2024-03-08", "The ferry ran again.", 0, 20, 0.5)
    undated = Citation(2, "b", "b.txt", "", "", "The ferry ran on time.", 0, 22, 0.4)
    answer = Answer("Did the ferry run?", "The ferry ran again. [1]\n\nThe ferry ran on time. [2]",
                    False, [dated, undated], as_of="2024-03-10")
    shown = answer_markdown(answer, 2)
    assert shown.endswith("<sub>Source [\\[2\\]](#a2-src-2) is undated: it may have been written "
                          "after 10 March 2024\\.</sub>")
    assert "<sub>as of 10 March 2024</sub>" in shown
    today = replace(answer, as_of=datetime.date.today().isoformat())
    assert "undated" not in answer_markdown(today)  # nothing is written after today
    assert "undated" not in answer_markdown(replace(answer, citations=[dated]))
    assert "undated" not in answer_markdown(replace(answer, refused=True))


def test_a_bad_date_in_the_chat_names_the_field_in_settings_not_the_flag(tmp_path, embedder):
    desk = Desk(Settings(home=tmp_path / "home"), embedder)
    for as_of, since, field in (("next Tuesday", "", "As of"), ("", "2024-13-01", "Dated on or after")):
        *_, (chat, _, _) = reply(desk, "Who won?", [], None, 5, [], since, "", as_of, "")
        said = re.sub(r"\\(.)", r"\1", chat[-1]["content"])  # as the page shows it
        assert f"“{field}” (in Settings)" in said and "--" not in said, said
        assert "state-done" in said
