"""The library: how an article is named for a reader, listed, searched, read and removed, and how
an answer's sources are shown. A real index of articles written here (none from the seeds)."""

from __future__ import annotations

import json

import pytest

from newsdesk import Assistant, BadInputError, Library, Retriever, Settings, ingest
from newsdesk.library import Article, article_name, byline, shown_date

ARTICLES = [
    {"doc_id": "ferry", "title": "Ferry service resumes after strike", "date": "2025-03-14",
     "publisher": "Harbour Post",
     "text": "The Zindelport ferry resumed service on Friday after a two-week strike, the harbour "
             "master said.\nCrews agreed to a pay rise of 4 percent."},
    {"doc_id": "library", "title": "", "date": "2025-03-16",
     "text": "Volunteers reopened the Marrowby library on Sunday, three years after a flood closed "
             "it, and lent 900 books on the first day."},
    {"doc_id": "bridge", "title": "Bridge repair will cost more", "date": "",
     "text": "The Zindelport harbour bridge repair will cost 42 million euros, the city engineer "
             "said, twice the first estimate."},
    {"doc_id": "orchard", "title": "Orchard harvest falls", "date": "2024-11-02",
     "text": "Apple growers near Lenthal picked a third fewer apples this autumn after a late frost."},
]


# A plain-text article with a dateline and no title: named by the opening words of its body.
DATELINE = "date 2023-05-02\n\nThe Lenthal council voted on Tuesday to close the old quarry road."


@pytest.fixture(scope="module")
def library_settings(tmp_path_factory, embedder) -> Settings:
    folder = tmp_path_factory.mktemp("library")
    corpus = folder / "articles.jsonl"
    corpus.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    (folder / "quarry.txt").write_text(DATELINE)
    settings = Settings(home=folder / "home")
    assert ingest([corpus, folder / "quarry.txt"], settings, progress=False, embedder=embedder).new == 5
    return settings


@pytest.mark.parametrize(("title", "text", "name"), [
    ("Ferry service resumes", "Anything.", "Ferry service resumes"),
    ("  Ferry\nservice   resumes ", "", "Ferry service resumes"),
    ("", "Volunteers reopened the library.", "Volunteers reopened the library."),
    ("", "One two three four five six seven eight nine ten eleven twelve thirteen fourteen",
     "One two three four five six seven eight nine ten eleven twelve…"),
    ("", "Supercalifragilistic " * 8, "Supercalifragilistic Supercalifragilistic Supercalifragilistic "
                                      "Supercalifragilistic…"),
    ("", "   \n ", "Untitled article"),
])
def test_an_article_is_named_by_its_title_or_its_opening_words(title, text, name):
    assert article_name(title, text) == name


def test_a_byline_says_name_date_and_publisher():
    assert byline("Ferry resumes", "2025-03-14T09:30:00+02:00", "Harbour Post") == \
        "Ferry resumes · 2025-03-14 · Harbour Post"
    assert byline("Ferry resumes", "") == "Ferry resumes · undated"
    assert shown_date("") == "undated"


def _article(doc_id: str, date: str = "", added: str = "") -> Article:
    return Article(doc_id=doc_id, name=doc_id, title=doc_id, date=date, publisher="", author="",
                   url="", source="", added=added, words=1, chunks=1)


def test_newest_first_reads_days_and_times_with_zones_and_puts_undated_last():
    from newsdesk.library import _newest_first

    articles = [_article("undated-new", added="2025-06-01T00:00:00+00:00"),
                _article("day", "2025-03-14"),
                _article("evening-in-kyiv", "2025-03-14T21:00:00+02:00"),  # 19:00 UTC
                _article("noon-in-new-york", "2025-03-14T12:00:00-04:00"),  # 16:00 UTC
                _article("old", "2024-01-02"),
                _article("undated-old", added="2025-01-01T00:00:00+00:00")]
    ordered = [a.doc_id for a in sorted(articles, key=_newest_first)]
    assert ordered == ["evening-in-kyiv", "noon-in-new-york", "day", "old", "undated-new",
                       "undated-old"]


def test_the_library_lists_newest_first_with_names_never_ids(library_settings):
    library = Library.open(settings=library_settings)
    articles = library.articles()
    assert [a.doc_id for a in articles] == ["library", "ferry", "orchard", "quarry", "bridge"]
    assert articles[0].name.startswith("Volunteers reopened the Marrowby library on Sunday")
    assert articles[0].title == ""  # the title as stored: none
    assert articles[3].name == "The Lenthal council voted on Tuesday to close the old quarry road."
    assert [shown_date(a.date) for a in articles] == ["2025-03-16", "2025-03-14", "2024-11-02",
                                                      "2023-05-02", "undated"]
    assert articles[1].byline == "Ferry service resumes after strike · 2025-03-14 · Harbour Post"
    assert articles[1].words == len(ARTICLES[0]["text"].split()) and articles[1].chunks >= 1
    assert set(articles[1].to_dict()) >= {"doc_id", "name", "title", "date", "publisher", "url",
                                          "words"}


@pytest.mark.parametrize(("query", "found"), [
    ("zindelport", ["ferry", "bridge"]),  # in the text, case aside
    ("ZINDELPORT bridge", ["bridge"]),  # every word
    ("Orchard harvest", ["orchard"]),  # the title
    ("marrowby", ["library"]),  # an untitled article, by its text
    ("zindelport orchard", []),
    ("lenthal", ["orchard", "quarry"]),
    ("  ", ["library", "ferry", "orchard", "quarry", "bridge"]),
])
def test_the_library_is_searched_by_title_and_text(library_settings, query, found):
    assert [a.doc_id for a in Library.open(settings=library_settings).articles(query)] == found


def test_an_article_opens_in_full(library_settings):
    library = Library.open(settings=library_settings)
    assert library.text("ferry") == ARTICLES[0]["text"]
    assert library.article("ferry").name == "Ferry service resumes after strike"
    assert library.article("nope") is None and library.text("nope") == ""


def test_an_answers_sources_are_named_and_quoted_in_their_paragraph(library_settings):
    assistant = Assistant.open(settings=library_settings)
    answer = assistant.ask("How much will the Zindelport bridge repair cost?")
    library = Library(assistant.retriever.store, library_settings)
    sources = library.sources(answer)
    assert not answer.refused and len(sources) == len(answer.citations)
    first = sources[0]
    assert first.n == answer.citations[0].n and first.doc_id == "bridge" and not first.related
    assert first.name == "Bridge repair will cost more" and first.byline.endswith("· undated")
    assert "42 million euros" in first.before + first.quote + first.after
    assert first.quote == answer.citations[0].quote
    assert library.label(answer.citations[0]) == "Bridge repair will cost more · undated"

    refused = assistant.ask("Who won the chess olympiad in Lenthal?")
    related = library.sources(refused)
    assert refused.refused and related and all(s.related for s in related)
    assert [s.n for s in related] == list(range(1, len(related) + 1))


def test_an_untitled_article_is_labelled_by_its_opening_words(library_settings):
    retriever = Retriever.open(settings=library_settings)
    passage = retriever.retrieve("Marrowby library volunteers", k=1)[0]
    assert Library(retriever.store, library_settings).label(passage) == (
        "Volunteers reopened the Marrowby library on Sunday, three years after a flood… · 2025-03-16")


def test_removing_an_article_through_the_library(tmp_path, library_settings):
    import shutil

    shutil.copytree(library_settings.home, tmp_path / "home")
    settings = Settings(home=tmp_path / "home")
    library = Library.open(settings=settings)
    assert len(library.articles()) == 5  # listed once, before the removal
    removed = library.remove(["bridge"])
    assert [a.name for a in removed] == ["Bridge repair will cost more"]
    assert [a.doc_id for a in library.articles()] == ["library", "ferry", "orchard", "quarry"]
    passages = Retriever.open(settings=settings).retrieve("Zindelport harbour bridge repair", k=5)
    assert passages and "bridge" not in {p.doc_id for p in passages}  # dense and BM25 alike

    with pytest.raises(BadInputError, match="read-only"):
        Library.open(settings=settings.but(read_only=True)).remove(["ferry"])
    assert len(library.articles()) == 4
