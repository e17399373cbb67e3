"""What the chat shows: escaped text, working links, the answer's state."""

import re
from dataclasses import replace

from newsdesk.app import answer_markdown, bubble, escape_markdown
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
    shown = answer_markdown(answer)
    assert shown.startswith(r"**71% [\[1\]](#src-1)\.**")
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
    assert "(#src-2)" in paragraphs[1] and not paragraphs[2].startswith("⚠️")
