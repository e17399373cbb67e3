"""Links and feeds in: feeds read, pages become articles with their canonical URL, publisher,
date and author; wire copies folded into one story; a changed update replaces the older text.
Served from 127.0.0.1, ingested into a real Chroma with the real model."""

from __future__ import annotations

import re
import shutil

import pytest

from newsdesk.cli import main
from newsdesk.core.errors import FetchError
from newsdesk.core.settings import Settings
from newsdesk.index.feeds import parse_feed
from newsdesk.index.fetch import FEED_TYPES, Fetcher
from newsdesk.index.ingest import ingest, lexical_folder, refresh_lexical
from newsdesk.index.store import Store
from newsdesk.index.web import canonical_url, doc_id_of, read_links
from newsdesk.retrieve import Retriever
from tests.index.conftest import FERRY, local_policy
from tests.index.kept import assert_kept_as_stored


@pytest.mark.parametrize(("path", "title"), [("/rss.xml", "Harbour Gazette: news"),
                                             ("/atom.xml", "Harbour Gazette (Atom)"),
                                             ("/feed.json", "Harbour Gazette (JSON)")])
def test_rss_atom_and_json_feeds_are_read_alike(site, fetcher, path, title):
    feed = parse_feed(fetcher.get(f"{site.url}{path}", FEED_TYPES))
    assert feed.title == title and len(feed.items) in (2, 3)
    assert all(item.url.startswith(site.url) and item.id for item in feed.items)
    dated = {item.url.rsplit("/", 1)[1]: item.date for item in feed.items}
    if "ferry.html" in dated:  # published 06:15 at UTC+1: kept as the moment, in UTC
        assert dated["ferry.html"] == "2025-03-11T05:15:00+00:00"
    if "dam.html" in dated:
        assert dated["dam.html"] == "2025-03-12T10:00:00+00:00"
    if "library.html" in dated:  # the feed gives no date: none is made up
        assert dated["library.html"] == ""


def test_a_malformed_feed_says_it_cannot_be_read(site, fetcher):
    with pytest.raises(FetchError, match="not a feed newsdesk can read"):
        parse_feed(fetcher.get(f"{site.url}/malformed.xml", FEED_TYPES))


def test_a_canonical_url_on_another_site_is_not_believed():
    page = "https://news.example/a/story.html?utm_source=rss&id=7#comments"
    assert canonical_url(page) == "https://news.example/a/story.html?id=7"
    assert canonical_url(page, "/a/story") == "https://news.example/a/story"
    assert canonical_url(page, "https://other.example/their-story") == \
        "https://news.example/a/story.html?id=7"
    assert re.fullmatch(r"news\.example-[0-9a-f]{12}", doc_id_of(canonical_url(page)))


def test_links_and_feeds_are_ingested_with_url_publisher_date_and_author(site, tmp_path, capsys,
                                                                       embedder, monkeypatch):
    monkeypatch.setattr("newsdesk.index.embed.Embedder.of", lambda settings: embedder)
    home = tmp_path / "home"
    code = main(["--home", str(home), "ingest", "--quiet", "--allow-host", "127.0.0.1", "--delay",
                 "0", f"{site.url}/rss.xml", f"{site.url}/atom.xml", f"{site.url}/feed.json",
                 f"{site.url}/news/dam.html", f"{site.url}/missing.html", f"{site.url}/logo.png"])
    out, err = capsys.readouterr()
    assert code == 1  # done, with links skipped, each named with its reason
    assert "speech.html: robots.txt of 127.0.0.1 does not allow newsdesk" in err
    assert "missing.html: not found (HTTP 404)" in err
    assert "logo.png: not an article page or a feed (content type image/png)" in err
    assert "5 new, 0 changed" in out and "(1 copy of a story already indexed)" in out
    stored = {d.url.rsplit("/", 1)[1]: d for d in Store.open(Settings(home=home)).stored_documents()}
    assert set(stored) == {"ferry.html", "dam.html", "orchard.html", "library.html",
                           "ferry-copy.html"}
    ferry = stored["ferry.html"]
    assert ferry.doc_id == doc_id_of(ferry.url) and ferry.doc_id.startswith("127.0.0.1-")
    assert ferry.title == "Night ferry runs aground off Ostmark"
    assert (ferry.publisher, ferry.author) == ("Harbour Gazette", "Jonas Brekke")
    assert ferry.date == "2025-03-11T05:15:00+00:00" and ferry.source == f"{site.url}/news/ferry.html"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", ferry.added)
    assert stored["library.html"].date == ""  # undated: no date is made up
    # The copy under a new headline is one story with the original, and both are kept.
    copy = stored["ferry-copy.html"]
    assert copy.title == "214 rescued as ferry hits sandbank"
    assert copy.story == ferry.story == ferry.doc_id
    assert len({d.story for d in stored.values()}) == 4


def test_retrieval_cites_one_copy_of_a_story_and_lists_the_others(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    with_site = read_links([f"{site.url}/rss.xml", f"{site.url}/feed.json"],
                           _fetcher_of(site))
    ingest([], settings, documents=with_site.documents, progress=False, embedder=embedder)
    retriever = Retriever.open(settings=settings, embedder=embedder)
    passages = retriever.retrieve("How many ferry passengers were brought ashore by lifeboats?", k=5)
    ferry = [p for p in passages if "lifeboats" in p.text]
    assert len(ferry) == 1  # one copy cited, not both
    assert [c.url.rsplit("/", 1)[1] for c in ferry[0].also_in] in (["ferry-copy.html"],
                                                                    ["ferry.html"])
    assert ferry[0].also_in[0].publisher == "Harbour Gazette"
    assert ferry[0].to_dict()["also_in"][0]["doc_id"] == ferry[0].also_in[0].doc_id
    dam = next(p for p in retriever.retrieve("Karsby dam spillway cracks", k=3) if "Karsby" in p.text)
    assert dam.also_in == ()
    # Asked as of the day before the copy was republished: the copy is not read, nor listed.
    before = retriever.retrieve("How many ferry passengers were brought ashore by lifeboats?", k=5,
                                as_of="2025-03-11")
    ferry = [p for p in before if "lifeboats" in p.text]
    assert [p.url.rsplit("/", 1)[1] for p in ferry] == ["ferry.html"] and ferry[0].also_in == ()


def test_a_changed_update_of_the_same_url_replaces_its_older_text(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    link = f"{site.url}/news/ferry.html"
    first = read_links([link], _fetcher_of(site))
    ingest([], settings, documents=first.documents, progress=False, embedder=embedder)
    site.page("/news/ferry.html", "Night ferry runs aground off Ostmark",
              FERRY + "\n\nUpdate: the ferry was refloated on Wednesday morning.")
    again = read_links([link], _fetcher_of(site))
    report = ingest([], settings, documents=again.documents, progress=False, embedder=embedder)
    assert (report.new, report.changed) == (0, 1)
    store = Store.open(settings)
    assert store.count()[0] == 1
    text = store.document(first.documents[0].doc_id).text
    assert "refloated on Wednesday" in text
    chunks = list(store.all_chunks())
    assert any("refloated" in text for _, text, _ in chunks)
    assert len({meta["hash"] for _, _, meta in chunks}) == 1  # no chunk of the older text is left


def test_an_index_from_before_wire_copies_finds_its_stories_once(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    first = read_links([f"{site.url}/rss.xml"], _fetcher_of(site))
    ingest([], settings, documents=first.documents, progress=False, embedder=embedder)
    store = Store.open(settings)  # as an index written before copies were folded
    ids = store.documents.get(include=[])["ids"]
    store.documents.update(ids=ids, metadatas=[{"story": None, "minhash": None}] * len(ids))
    chunk_ids = store.chunks.get(include=[])["ids"]
    store.chunks.update(ids=chunk_ids, metadatas=[{"story": None}] * len(chunk_ids))
    assert {d.story for d in store.stored_documents()} == {""}
    shutil.rmtree(lexical_folder(settings))  # its BM25 index, made again, holds no stories
    assert not any(refresh_lexical(store, settings).stories)

    copy = read_links([f"{site.url}/feed.json"], _fetcher_of(site))
    report = ingest([], settings, documents=copy.documents, progress=False, embedder=embedder)
    assert (report.new, report.copies) == (2, 1)
    stored = {d.url.rsplit("/", 1)[1]: d for d in Store.open(settings).stored_documents()}
    ferry = stored["ferry.html"]
    assert stored["ferry-copy.html"].story == ferry.story == ferry.doc_id
    assert stored["dam.html"].story == stored["dam.html"].doc_id
    chunks = Store.open(settings).chunks.get(where={"doc_id": ferry.doc_id}, include=["metadatas"])
    assert {meta["story"] for meta in chunks["metadatas"]} == {ferry.doc_id}
    lexical = assert_kept_as_stored(settings)  # each chunk's story read again
    assert lexical.shared(ferry.doc_id) and not lexical.shared(stored["dam.html"].doc_id)


def _fetcher_of(site) -> Fetcher:
    return Fetcher(local_policy())
