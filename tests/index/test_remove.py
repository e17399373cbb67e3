"""Removing articles: from Chroma and BM25 together, under the ingest lock, all or nothing."""

from __future__ import annotations

import shutil
import threading

import pytest
from filelock import FileLock

from newsdesk.core.errors import BadInputError, IndexMissingError
from newsdesk.core.settings import Settings
from newsdesk.index.ingest import ingest, lexical_folder, remove
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import Store
from tests.conftest import FIRST_SEED, SECOND_SEED, SEEDS


@pytest.fixture
def seeds_home(tmp_path, seed_settings) -> Settings:
    """A writable copy of the seeds' index."""
    shutil.copytree(seed_settings.home, tmp_path / "home")
    return Settings(home=tmp_path / "home")


def _held(settings: Settings) -> tuple[set[str], set[str]]:
    """The doc_ids Chroma holds (records and chunks) and those BM25 holds."""
    store = Store.open(settings)
    try:
        chunked = {meta["doc_id"] for _, _, meta in store.all_chunks()}
        recorded = {d.doc_id for d in store.stored_documents()}
        assert chunked == recorded
        lexical = LexicalIndex.load(lexical_folder(settings))
        assert lexical.version == store.corpus_version
        return recorded, set(lexical.doc_ids)
    finally:
        store.close()


def test_a_removed_article_leaves_chroma_and_bm25_together(seeds_home):
    before = _held(seeds_home)
    assert before == ({FIRST_SEED.stem, SECOND_SEED.stem},) * 2
    assert remove([SECOND_SEED.stem, SECOND_SEED.stem], seeds_home) == [SECOND_SEED.stem]
    assert _held(seeds_home) == ({FIRST_SEED.stem},) * 2
    assert remove([FIRST_SEED.stem], seeds_home) == [FIRST_SEED.stem]
    assert _held(seeds_home) == (set(), set())


def test_an_unknown_doc_id_removes_nothing(seeds_home):
    with pytest.raises(BadInputError, match=r"No article 'nope'.*nothing was removed.*newsdesk list"):
        remove([FIRST_SEED.stem, "nope"], seeds_home)
    assert _held(seeds_home)[0] == {FIRST_SEED.stem, SECOND_SEED.stem}
    with pytest.raises(BadInputError, match="Name the articles"):
        remove([], seeds_home)


def test_removing_from_no_index_says_so(tmp_path):
    with pytest.raises(IndexMissingError, match="newsdesk ingest"):
        remove(["anything"], Settings(home=tmp_path / "none"))


def test_removal_waits_for_the_ingest_that_holds_the_lock(seeds_home, capfd):
    lock = FileLock(seeds_home.home / f"ingest-{seeds_home.collection}.lock")
    lock.acquire()
    done: list[str] = []
    removing = threading.Thread(target=lambda: done.extend(remove([FIRST_SEED.stem], seeds_home,
                                                                  progress=True)))
    try:
        removing.start()
        waited = ""
        for _ in range(600):  # the message the waiting writer prints is the state waited on
            waited += capfd.readouterr().err
            if "waiting for the ingest" in waited:
                break
            removing.join(timeout=0.1)
        assert "waiting for the ingest" in waited and not done
    finally:
        lock.release()
    removing.join(timeout=120)
    assert done == [FIRST_SEED.stem]
    assert _held(seeds_home)[0] == {SECOND_SEED.stem}


def test_an_article_removed_can_be_ingested_again(seeds_home, embedder):
    remove([FIRST_SEED.stem], seeds_home)
    report = ingest([SEEDS], seeds_home, progress=False, embedder=embedder)
    assert report.new == 1 and report.unchanged == 1
    assert _held(seeds_home) == ({FIRST_SEED.stem, SECOND_SEED.stem},) * 2
