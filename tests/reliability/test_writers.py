"""One index, several writers: nothing lost, nothing trusted that does not match Chroma."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

from filelock import FileLock

from newsdesk.core.settings import Settings
from newsdesk.desk import Desk, add_articles
from newsdesk.evals.stress import write_corpus
from newsdesk.index.ingest import ingest, lexical_folder, refresh_lexical
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import Store


def _ingest(home, *paths) -> subprocess.Popen:  # paths, and flags
    return subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--home", str(home), "ingest",
                             *map(str, paths)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ)


def test_two_ingests_at_once_keep_every_row(tmp_path):
    first = write_corpus(tmp_path / "first.jsonl", 12, start=0, tag="a")
    second = write_corpus(tmp_path / "second.jsonl", 12, start=100, tag="b")
    home = tmp_path / "home"
    runs = [_ingest(home, first), _ingest(home, second)]
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode == 0, err
    settings = Settings(home=home)
    store = Store.open(settings)
    assert store.count()[0] == 24
    lexical = refresh_lexical(store, settings)
    assert sorted(lexical.ids) == sorted(store.chunk_ids())  # every chunk is a BM25 row
    # a rare word from each half is found by keyword
    assert lexical.search("azq0003x", 1)[0].chunk_id.startswith("adoc-0003::")
    assert lexical.search("bzq0107x", 1)[0].chunk_id.startswith("bdoc-0107::")


def test_a_second_ingest_waits_and_says_who_holds_the_lock(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    corpus = write_corpus(tmp_path / "c.jsonl", 2)
    lock = FileLock(home / "ingest-newsdesk.lock")
    lock.acquire()
    (home / "ingest-newsdesk.holder").write_text("pid 4242 on testhost, since now")
    waiting = _ingest(home, corpus, "--quiet")  # waiting is not progress: --quiet tells it too
    seen = ""
    deadline = time.monotonic() + 120
    while "waiting for the ingest" not in seen and time.monotonic() < deadline:
        if not select.select([waiting.stderr], [], [], deadline - time.monotonic())[0]:
            break
        line = waiting.stderr.readline()
        if not line:
            break
        seen += line
    assert "waiting for the ingest" in seen and "pid 4242 on testhost" in seen
    assert waiting.poll() is None  # still waiting: nothing written yet
    lock.release()
    out, err = waiting.communicate(timeout=240)
    assert waiting.returncode == 0, err
    assert "2 new" in out


def test_a_bm25_index_that_does_not_match_chroma_is_rebuilt(small_index, tmp_path):
    settings = Settings(home=tmp_path / "home")
    shutil.copytree(small_index.home, settings.home)
    store = Store.open(settings)
    full = refresh_lexical(store, settings)
    # A stale save with the right version but missing rows (what two racing writers left).
    half = list(Store.open(settings).all_chunks())[: len(full.ids) // 2]
    LexicalIndex.build(half, store.corpus_version).save(lexical_folder(settings))
    assert len(LexicalIndex.load(lexical_folder(settings)).ids) == len(half)
    repaired = refresh_lexical(store, settings)
    assert sorted(repaired.ids) == sorted(full.ids)


def test_saving_never_shows_a_half_written_index(small_index, tmp_path):
    rows = list(Store.open(small_index).all_chunks())
    folder = tmp_path / "bm25"
    for n in range(3):  # three saves in a row: the current one is always whole
        LexicalIndex.build(rows[: 10 + n], f"v{n}").save(folder)
        loaded = LexicalIndex.load(folder)
        assert loaded.version == f"v{n}" and len(loaded.ids) == 10 + n
    assert len(list(folder.glob("v-*"))) == 3  # older versions stay a while for slow readers


def test_ingest_bumps_the_version_after_writing(tmp_path, embedder, seed_copy, monkeypatch):
    settings = Settings(home=tmp_path / "home")
    ingest([seed_copy], settings, progress=False, embedder=embedder)
    before = Store.open(settings).corpus_version
    (seed_copy / "new.txt").write_text("The Zindelport ferry resumed service on Friday, officials said.")
    versions = []
    real = Store.write_many
    store_version = Store.corpus_version.fget

    def spy(self, items, new=frozenset()):
        versions.append(store_version(self))  # the version while the chunks are written
        return real(self, items, new)

    monkeypatch.setattr(Store, "write_many", spy)
    ingest([seed_copy], settings, progress=False, embedder=embedder)
    after = Store.open(settings).corpus_version
    assert before not in versions and versions[0] != after  # changed before and after the writes


def test_the_index_folder_is_private(tmp_path, embedder, seed_copy):
    """NEWSDESK_HOME holds the user's articles: folders 0700, files 0600 (Chroma's database,
    the BM25 index, uploads, the writer lock)."""
    settings = Settings(home=tmp_path / "home")
    ingest([seed_copy], settings, progress=False, embedder=embedder)
    upload = tmp_path / "ferry.txt"
    upload.write_text("The Zindelport ferry resumed service on Friday.")
    add_articles(Desk(settings, embedder), [upload])
    made = [settings.home, *settings.home.rglob("*")]
    assert settings.home / "chroma" / "chroma.sqlite3" in made
    assert settings.home / "uploads" / "ferry.txt" in made
    assert any(path.parent.parent.name == "bm25" for path in made)
    loose = {str(path.relative_to(settings.home)): oct(path.stat().st_mode & 0o777)
             for path in made if path.stat().st_mode & 0o077}
    assert loose == {}
