"""Ingest into a real Chroma (embedded and server) with the real model."""

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from newsdesk.core.errors import BackendUnreachableError, ModelMismatchError
from newsdesk.core.settings import Settings
from newsdesk.evals.processes import free_port
from newsdesk.index.ingest import ingest, lexical_folder, refresh_lexical
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import Store, chunk_sentences
from tests.conftest import FIRST_SEED, SEEDS
from tests.index.kept import assert_kept_as_stored

ingest_module = importlib.import_module("newsdesk.index.ingest")  # the module, not the function


def _chunks(settings: Settings) -> dict[str, tuple[str, dict]]:
    return {i: (t, m) for i, t, m in Store.open(settings).all_chunks()}


def test_seed_chunks_hold_their_offsets(seed_settings):
    store = Store.open(seed_settings)
    assert store.count()[0] == 2
    for _, text, meta in store.all_chunks():
        document = store.document(meta["doc_id"])
        assert document.text[meta["start"]:meta["end"]] == text
        assert Path(document.source).read_text(encoding="utf-8")[meta["start"]:meta["end"]] == text
    dates = {d.doc_id: d.date for d in store.stored_documents()}
    assert dates == {"000_99e8b240e118b51d": "", "001_ca5ecb444059c4d2": "2025-03-14"}


def test_seed_chunks_hold_their_sentences_and_vectors(seed_settings, embedder):
    store = Store.open(seed_settings)
    for _, text, meta in list(store.all_chunks())[:6]:
        spans, vectors = chunk_sentences(meta)
        document = store.document(meta["doc_id"]).text
        sentences = [document[s:e] for s, e in spans]
        assert all(sentence in text for sentence in sentences) and len(vectors) == len(spans)
        # Stored in 8 bits and pooled in context: still near its own sentence encoded alone.
        similarity = vectors @ embedder.embed(sentences).T
        others = similarity[~np.eye(len(spans), dtype=bool)]
        assert similarity.diagonal().min() > 0.55
        assert similarity.diagonal().mean() > (others.mean() if len(others) else 0) + 0.2


def _stored_vectors(settings: Settings) -> dict[str, tuple[np.ndarray, str, str]]:
    """Each chunk's stored vector, text and article title."""
    store = Store.open(settings)
    found = store.chunks.get(include=["embeddings", "documents", "metadatas"])
    return {i: (np.asarray(v), t, m["title"]) for i, v, t, m in
            zip(found["ids"], found["embeddings"], found["documents"], found["metadatas"], strict=True)}


def test_a_chunk_is_embedded_after_its_article_title_and_quoted_without_it(tmp_path, embedder):
    article = tmp_path / "articles" / "ferry.md"
    article.parent.mkdir()
    article.write_text("# Ferry sinks off Sicily\n\n" + " ".join(
        f"Rescuers searched the water near the port for the {n}th hour on Tuesday." for n in range(40)))
    settings = Settings(home=tmp_path / "home")
    ingest([article.parent], settings, progress=False, embedder=embedder)
    assert Store.open(settings).manifest.embed_input == "title+text"
    chunks = list(_stored_vectors(settings).values())
    assert len(chunks) > 2
    for vector, text, title in chunks[:4]:
        # the article's own words (its headline without the Markdown #), no title put before them
        assert title == "Ferry sinks off Sicily" and text in article.read_text()
        titled, bare = embedder.embed([f"{title}\n\n{text}", text])
        assert float(vector @ titled) > 0.999 > float(vector @ bare)


def _titled_articles(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, title in (("ferry", "Ferry sinks off Sicily"), ("dam", "Dam bursts in Libya")):
        path = folder / f"{name}.md"
        path.write_text(f"# {title}\n\n" + " ".join(
            f"Officials counted the damage for the {n}th day in a row." for n in range(30)))
        paths.append(path)
    return paths


def test_an_index_from_before_titles_keeps_embedding_chunks_alone(tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    first, second = _titled_articles(tmp_path / "articles")
    ingest([first], settings, progress=False, embedder=embedder)
    store = Store.open(settings)  # as an index written before 2026-11-28: no embed_input
    manifest = json.loads(store.documents.metadata["manifest"])
    del manifest["embed_input"]
    store.documents.modify(metadata={**store.documents.metadata, "manifest": json.dumps(manifest)})
    assert Store.open(settings).manifest.embed_input == "text"
    ingest([first, second], settings, progress=False, embedder=embedder)
    added = [(v, t) for v, t, title in _stored_vectors(settings).values()
             if title == "Dam bursts in Libya"]
    assert added
    for vector, text in added[:3]:
        assert float(vector @ embedder.embed([text])[0]) > 0.999


def test_reingest_writes_nothing(seed_settings, embedder):
    before = _chunks(seed_settings)
    report = ingest([SEEDS], seed_settings, progress=False, embedder=embedder)
    assert (report.new, report.changed, report.unchanged, report.chunks) == (0, 0, 2, 0)
    assert _chunks(seed_settings) == before


def test_the_report_times_each_stored_group(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(ingest_module, "_EMBED_GROUP", 5)  # a group per seed article
    report = ingest([SEEDS], Settings(home=tmp_path / "idx"), progress=False, embedder=embedder)
    seconds, stored = zip(*report.timeline, strict=True)
    assert len(report.timeline) >= 2 and stored[-1] == report.chunks == 24
    assert list(stored) == sorted(set(stored)) and list(seconds) == sorted(seconds)
    assert 0 < seconds[-1] <= report.seconds


def test_changed_file_replaces_its_chunks_and_prune_removes(tmp_path, seed_copy, embedder):
    settings = Settings(home=tmp_path / "idx")
    ingest([seed_copy], settings, progress=False, embedder=embedder)
    first = seed_copy / "000_99e8b240e118b51d.txt"
    first.write_text(first.read_text() + "\nA brand new closing paragraph about Odesa ports.\n")
    report = ingest([seed_copy], settings, progress=False, embedder=embedder)
    assert (report.new, report.changed, report.unchanged) == (0, 1, 1)
    chunks = _chunks(settings)
    hashes = {m["hash"] for _, m in chunks.values() if m["doc_id"] == first.stem}
    assert len(hashes) == 1
    assert any("brand new closing paragraph" in t for t, _ in chunks.values())
    numbers = sorted(m["chunk"] for _, m in chunks.values() if m["doc_id"] == first.stem)
    assert numbers == list(range(len(numbers)))

    first.unlink()
    report = ingest([seed_copy], settings, prune=True, progress=False, embedder=embedder)
    assert report.removed == 1
    assert {m["doc_id"] for _, m in _chunks(settings).values()} == {"001_ca5ecb444059c4d2"}


def test_another_model_is_refused_with_a_way_out(seed_settings):
    other = Settings(home=seed_settings.home, embed_model="/models/some-other-model")
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        ingest([SEEDS], other, progress=False)


def _corpus(path: Path, documents: int) -> Path:
    """A jsonl corpus made of the seed paragraphs, reshuffled into distinct documents."""
    paragraphs = [p for f in sorted(SEEDS.iterdir()) for p in f.read_text().splitlines()
                  if len(p) > 80]
    with path.open("w") as out:
        for i in range(documents):
            picked = [paragraphs[(i * 7 + j * 3) % len(paragraphs)] for j in range(4)]
            text = f"Report {i}.\n" + "\n".join(picked)
            out.write(json.dumps({"doc_id": f"doc-{i:04d}", "text": text}) + "\n")
    return path


def _ingest_command(home: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "newsdesk.cli", "--home", str(home), "ingest", str(corpus)]


def test_killed_ingest_is_completed_by_the_next_run(tmp_path, embedder):
    corpus = _corpus(tmp_path / "corpus.jsonl", 200)
    killed_home = tmp_path / "killed"
    process = subprocess.Popen(_ingest_command(killed_home, corpus), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, env=os.environ)
    # Kill it once the progress bar shows chunks written, in the middle of the run.
    seen = ""
    deadline = time.monotonic() + 240
    while not re.search(r"embedding:.*\|\s*[1-9]\d*/", seen) and time.monotonic() < deadline:
        seen += process.stderr.read(16) or ""
        if process.poll() is not None:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    partial = Store.open(Settings(home=killed_home)).count()
    assert partial[1] > 0  # it had written something

    resumed = subprocess.run(_ingest_command(killed_home, corpus), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    clean = Settings(home=tmp_path / "clean")
    ingest([corpus], clean, progress=False, embedder=embedder)
    assert _chunks(Settings(home=killed_home)) == _chunks(clean)
    assert Store.open(Settings(home=killed_home)).count() == Store.open(clean).count()
    killed_rows = LexicalIndex.load(lexical_folder(Settings(home=killed_home)))
    clean_rows = LexicalIndex.load(lexical_folder(clean))
    assert sorted(killed_rows.ids) == sorted(clean_rows.ids)  # BM25 holds every chunk too


def test_ingest_into_a_chroma_server(chroma_server, embedder):
    settings = Settings(chroma_url=chroma_server, collection="server_test")
    report = ingest([SEEDS], settings, progress=False, embedder=embedder)
    assert report.new == 2 and report.chunks > 10
    store = Store.open(settings)
    assert store.count() == (2, report.chunks)
    again = ingest([SEEDS], settings, progress=False, embedder=embedder)
    assert again.chunks == 0 and again.unchanged == 2
    # a filtered search names the chunks that pass to the server (`Retriever._dense`)
    from newsdesk import Retriever

    only = Retriever.open(settings=settings, embedder=embedder).retrieve(
        "What conditions did Putin set?", k=3, sources=[FIRST_SEED.stem])
    assert only and {p.doc_id for p in only} == {FIRST_SEED.stem}


def test_unreachable_chroma_server_is_a_clear_error():
    settings = Settings(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BackendUnreachableError, match="Chroma server"):
        ingest([SEEDS], settings, progress=False)


def test_same_relative_home_in_two_folders_is_two_indexes(tmp_path, monkeypatch, embedder):
    relative = Settings(home=Path(".newsdesk"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    ingest([SEEDS], relative, progress=False, embedder=embedder)
    monkeypatch.chdir(tmp_path / "b")
    ingest([FIRST_SEED], relative, progress=False, embedder=embedder)
    assert Store.open(relative).count()[0] == 1
    assert (tmp_path / "b" / ".newsdesk" / "chroma").is_dir()


def filter_fields(index: LexicalIndex) -> dict:
    """What the BM25 filters read of each row: its article, source and date."""
    return {row: (doc_id, source, int(date)) for row, doc_id, source, date in
            zip(index.ids, index.doc_ids, index.sources, index.dates, strict=True)}


def test_bm25_after_an_ingest_reads_only_the_new_chunks(tmp_path, seed_copy, embedder, monkeypatch):
    settings = Settings(home=tmp_path / "idx")
    ingest([seed_copy], settings, progress=False, embedder=embedder)
    (seed_copy / "bridge.txt").write_text("Harbour bridge reopens\n\nThe Zindelport harbour bridge "
                                          "reopened on Monday, the city engineer said.\n")
    (seed_copy / "001_ca5ecb444059c4d2.txt").unlink()
    read: list[str] = []
    for name in ("chunks_by_id", "chunks_with_vectors"):
        method = getattr(Store, name)
        monkeypatch.setattr(Store, name, lambda self, ids, method=method: read.extend(ids)
                            or method(self, ids))
    report = ingest([seed_copy], settings, prune=True, progress=False, embedder=embedder)
    assert report.new == 1 and report.removed == 1
    # only the new article's chunks are read back from Chroma, as stored, with their vectors
    bridge = Store.open(settings).document("bridge")
    assert sorted(read) == sorted(Store.open(settings).chunks.get(
        where={"doc_id": bridge.doc_id}, include=[])["ids"])
    updated = assert_kept_as_stored(settings)
    rebuilt = LexicalIndex.build(list(Store.open(settings).all_chunks()), "full")
    assert sorted(updated.ids) == sorted(rebuilt.ids)
    assert filter_fields(updated) == filter_fields(rebuilt)
    for query in ("Zindelport bridge", "Gerasimov Kursk", "Zelensky ports", "Lukashenka"):
        assert [(h.chunk_id, round(h.score, 4)) for h in updated.search(query, 5)] == \
            [(h.chunk_id, round(h.score, 4)) for h in rebuilt.search(query, 5)]
    assert updated.unknown_words({"lukashenka", "zindelport"}) == {"lukashenka"}
    assert updated.unknown_words({"1", "x"}) == set()  # the tokenizer keeps no such word


@pytest.mark.parametrize("saved_before", [("vectors.npy",), ("records.bin", "record_ends.npy")])
def test_an_index_saved_without_vectors_or_records_gets_them_and_a_large_one_keeps_none(
        tmp_path, embedder, monkeypatch, saved_before):
    from newsdesk.index import lexical

    settings = Settings(home=tmp_path / "idx")
    ingest([FIRST_SEED], settings, progress=False, embedder=embedder)
    store = Store.open(settings)
    saved = LexicalIndex.load(lexical_folder(settings)).folder
    for name in saved_before:  # as saved before it kept them
        (saved / name).unlink()
    assert not LexicalIndex.load(lexical_folder(settings)).complete(store.chunk_count())
    refreshed = refresh_lexical(store, settings)
    assert refreshed.complete(store.chunk_count())
    assert_kept_as_stored(settings)
    monkeypatch.setattr(lexical, "EXACT_ROWS", len(refreshed.ids) - 1)
    saved = LexicalIndex.load(lexical_folder(settings)).folder
    for name in ("vectors.npy", "records.bin", "record_ends.npy"):
        (saved / name).unlink()
    large = refresh_lexical(store, settings)  # Chroma searches a large one and holds its rows
    assert large.vectors is None and large.records is None and large.chunk(large.ids[0]) is None
    monkeypatch.setattr(Store, "chunk_ids", lambda self: pytest.fail("rebuilt a current index"))
    assert refresh_lexical(store, settings).vectors is None  # and it is current without them


def test_new_metadata_for_unchanged_text_is_stored_without_embedding_again(tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    corpus = tmp_path / "wire.jsonl"
    record = {"doc_id": "tram", "text": "The city opened its first tram line to the harbour. "
                                        "Riders waited for hours on the opening day."}
    corpus.write_text(json.dumps(record) + "\n")
    assert ingest([corpus], settings, progress=False, embedder=embedder).new == 1
    before = _stored_vectors(settings)
    corpus.write_text(json.dumps({**record, "date": "2024/06/01", "publisher": "Harbour Post"}))
    report = ingest([corpus], settings, progress=False, embedder=embedder)
    assert (report.unchanged, report.redescribed, report.changed, report.chunks) == (1, 1, 0, 0)
    store = Store.open(settings)
    document = store.document("tram")
    assert (document.date, document.publisher) == ("2024-06-01", "Harbour Post")
    assert document.added  # when it first came in, kept
    after = _stored_vectors(settings)
    assert after.keys() == before.keys()  # the same chunks, not embedded again
    assert {m["date"] for _, _, m in store.all_chunks()} == {"2024-06-01"}
    lexical = assert_kept_as_stored(settings)  # the passages it keeps have the new date too
    assert set(lexical.dates.tolist()) == {20240601}  # and BM25's filters read it
