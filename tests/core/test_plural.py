"""Counts that agree with their noun, in every message that reports one."""

import pytest

from newsdesk.core.plural import counted, plural
from newsdesk.index.ingest import IngestReport
from newsdesk.index.watch import FeedPoll
from newsdesk.render import arrivals, sources_html


@pytest.mark.parametrize(("number", "noun", "many", "said"), [
    (0, "chunk", "", "0 chunks"),
    (1, "chunk", "", "1 chunk"),
    (2, "chunk", "", "2 chunks"),
    (1, "new article", "", "1 new article"),
    (1204, "article", "", "1,204 articles"),
    (1, "copy", "copies", "1 copy"),
    (3, "copy", "copies", "3 copies"),
])
def test_a_count_and_its_noun_agree(number, noun, many, said):
    assert counted(number, noun, many) == said
    assert plural(number, noun, many) == said.split(" ", 1)[1]


def test_the_ingest_report_says_1_chunk_and_1_copy():
    one = IngestReport(new=1, copies=1, chunks=1).summary()
    assert "1 chunk written" in one and "(1 copy of a story already indexed)" in one
    assert "2 chunks written" in IngestReport(new=1, chunks=2).summary()
    assert "chunks" not in one and "copies" not in one


def test_the_watch_report_says_1_new_article_and_1_request():
    said = FeedPoll("http://127.0.0.1/feed", "new", new=1, requests=1).summary()
    assert said == "http://127.0.0.1/feed: 1 new article (1 request)"
    assert "(2 requests)" in FeedPoll("http://127.0.0.1/feed", "nothing new", requests=2).summary()


def test_the_page_says_1_source_and_1_new_article():
    one = {"n": 1, "doc_id": "a", "name": "A", "date": "", "publisher": "", "url": "",
           "before": "", "quote": "q", "after": ""}
    html = sources_html([{"number": 1, "question": "Where?", "refused": False, "sources": [one]}])
    assert "Where? · 1 source<" in html
    assert "**1 new article** since" in arrivals(1, "2026-01-01T00:00:00+00:00")
