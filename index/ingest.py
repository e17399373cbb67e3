"""Ingest: article files -> cleaned, chunked, embedded documents in Chroma, plus BM25; and
`remove`, its opposite.

Incremental: a document whose content hash is already stored is skipped, a changed one
replaces its chunks, and `prune` removes documents that are no longer among the inputs. A
document whose text is unchanged but whose metadata reads better now (a date found, a
publisher) gets the new metadata without being embedded again.
Interrupted at any moment, the next run completes the index (see `index.store`).

One ingest writes to an index at a time: a second one waits for the first (a lock file in the
index folder, which also says who holds it). The corpus version changes before the writes and
again after them, so a reader that built its BM25 index in between sees that it is stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from tqdm import tqdm

from newsdesk.core.errors import BadInputError, IndexMissingError
from newsdesk.core.plural import counted
from newsdesk.core.settings import Settings
from newsdesk.index.chunk import Chunk, Chunker
from newsdesk.index.embed import Embedder
from newsdesk.index.home import FILE_MODE, make_private, writable
from newsdesk.index.lexical import LexicalIndex, searched_exactly
from newsdesk.index.load import Document, Problem, find_files, load_file
from newsdesk.index.store import (
    DESCRIBED,
    EMBED_INPUT,
    Embedded,
    Manifest,
    Store,
    chunk_rows,
    describe,
)
from newsdesk.index.wire import Stories, decode, encode, signature

_TITLE_CHARS = 200  # of a title read before each chunk; the chunk itself must still fit the
_TITLE_TOKENS = 64  # model, so a chunk leaves this many word pieces to the title
# Chunks embedded together: large enough to keep the encoder busy, small enough to show progress.
_EMBED_GROUP = 512


@dataclass
class IngestReport:
    """What one ingest did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    redescribed: int = 0  # of the unchanged: new metadata, same text
    removed: int = 0
    copies: int = 0
    chunks: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    #: What became of each document read, by its doc_id: "new", "changed" or "unchanged".
    outcomes: dict[str, str] = field(default_factory=dict)
    #: (seconds since the start, chunks stored so far) each time a group of chunks is stored:
    #: the throughput along the way.
    timeline: list[tuple[float, int]] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        updated = f" ({self.redescribed} with new metadata)" if self.redescribed else ""
        copies = (f" ({counted(self.copies, 'copy', 'copies')} of a story already indexed)"
                  if self.copies else "")
        return (
            f"Documents: {self.new} new, {self.changed} changed{copies}, {self.unchanged} "
            f"unchanged{updated}, {self.removed} removed, {self.skipped} skipped; "
            f"{counted(self.chunks, 'chunk')} written in {self.seconds:.1f} s"
        )


def content_hash(document: Document) -> str:
    """Hash of what a document's vectors read (its text, where its body starts, its title): a
    change in any of it means embedding it again. Its other metadata is compared as it is."""
    fields = [document.text, document.body_start, document.title]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def lexical_folder(settings: Settings) -> Path:
    return settings.home / "bm25" / settings.collection


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    embedder: Embedder | None = None,
    namespace: str = "",
    documents: Sequence[Document] = (),
    follow_links: bool = False,
    locked: bool = False,
) -> IngestReport:
    """Bring the index up to date with the article files under `paths` (and `documents`).

    An article that copies one already indexed (a wire story republished, a lightly edited
    update) joins its story (`newsdesk.index.wire`).

    Args:
        paths: Files or folders (searched recursively) of .txt, .md, .html or .jsonl.
        settings: Where the index lives and how chunks are made.
        prune: Also remove indexed documents that are not among `paths`.
        rebuild: Drop the existing index first (after a model or chunker change).
        progress: Show progress bars on stderr.
        embedder: A loaded embedder to reuse; made from `settings` when None.
        namespace: Put before every doc_id (the app's uploads are "upload:...").
        documents: Articles already loaded (from the web: `newsdesk.index.web`).
        follow_links: Also read symbolic links that lead out of the folders in `paths`.
        locked: The caller holds `one_writer` already (the app's uploads hold it while they
            check and copy the files).

    Returns:
        An `IngestReport`; its `problems` name each file or line that was skipped.
    """
    started = time.perf_counter()
    report = IngestReport()
    files, report.problems = find_files(list(paths), follow_links)
    documents = _load(files, report.problems, progress, namespace, documents)
    with nullcontext() if locked else one_writer(settings):
        if rebuild:
            Store.drop(settings)
        records = _stored_records(settings, _manifest(settings, None))
        stored = {doc_id: meta["hash"] for doc_id, meta in records.items()}
        described = {doc_id: {key: meta.get(key, "") for key in DESCRIBED}
                     for doc_id, meta in records.items()}
        hashes = {d.doc_id: content_hash(d) for d in documents}
        todo = [d for d in documents if stored.get(d.doc_id) != hashes[d.doc_id]]
        retold = [d for d in documents if stored.get(d.doc_id) == hashes[d.doc_id]
                  and described.get(d.doc_id) != describe(d)]
        gone = sorted(set(stored) - set(hashes)) if prune else []
        report.unchanged = len(documents) - len(todo)
        report.redescribed = len(retold)
        report.new = sum(1 for d in todo if d.doc_id not in stored)
        report.changed = len(todo) - report.new
        report.outcomes = {d.doc_id: "unchanged" if stored.get(d.doc_id) == hashes[d.doc_id]
                           else "changed" if d.doc_id in stored else "new" for d in documents}

        embedder = embedder or Embedder.of(settings)
        store = Store.create(settings, _manifest(settings, embedder if todo or not stored else None))
        try:
            restoried = _sign_older(store, records, {d.doc_id for d in todo} | set(gone), progress)
            marks = _fold(todo, records, set(gone))
            report.copies = sum(1 for d in todo if marks[d.doc_id]["story"] != d.doc_id)
            if todo or gone or retold:
                store.new_corpus_version()
            for doc_id in gone:
                store.remove(doc_id)
            report.removed = len(gone)
            retagged = [row for document in retold for row in store.redescribe(document)]
            written = _write(store, todo, hashes, marks, embedder, settings, progress,
                             new={d.doc_id for d in todo if d.doc_id not in stored},
                             titled=store.manifest.embed_input == EMBED_INPUT,
                             on_stored=lambda chunks: report.timeline.append(
                                 (time.perf_counter() - started, chunks)))
            report.chunks = len(written)
            if todo or gone or retold:
                store.new_corpus_version()  # the commit: readers see the finished corpus as new
            refresh_lexical(store, settings, retagged + written, restoried)
            if todo:  # the model is loaded: export it for the readers, once per machine
                embedder.prepare_export()
        finally:
            store.close()
            make_private(settings.home)
    report.seconds = time.perf_counter() - started
    return report


def remove(doc_ids: Iterable[str], settings: Settings, *, progress: bool = False) -> list[str]:
    """Remove articles from the index: from Chroma and from BM25 together, under the ingest lock.

    All or nothing: when one of `doc_ids` is not in the index, nothing is removed.

    Args:
        doc_ids: The articles' doc_ids (`newsdesk list` shows them).
        settings: Where the index lives.
        progress: Unused, kept for callers of 0.2 (the wait for another writer's lock is
            always said on stderr).

    Returns:
        The doc_ids removed, in the order given, each once.

    Raises:
        BadInputError: no doc_id given, or one the index does not hold.
        IndexMissingError: there is no index.
    """
    wanted = list(dict.fromkeys(doc_ids))
    if not wanted:
        raise BadInputError("Name the articles to remove by their doc_id; `newsdesk list` shows them.")
    with one_writer(settings):
        store = Store.open(settings)
        try:
            held = store.present(wanted)
            unknown = [doc_id for doc_id in wanted if doc_id not in held]
            if unknown:
                raise BadInputError(f"No article {unknown[0]!r} in the index, so nothing was removed; "
                                    "`newsdesk list` shows the doc_id of each article.")
            store.new_corpus_version()
            for doc_id in wanted:
                store.remove(doc_id)
            store.new_corpus_version()  # the commit, as in `ingest`
            refresh_lexical(store, settings)
        finally:
            store.close()
    return wanted


def refresh_lexical(store: Store, settings: Settings,
                    written: Sequence[tuple[str, str, dict]] = (),
                    restoried: Iterable[str] = ()) -> LexicalIndex:
    """The BM25 index for the store's current corpus, brought up to date when it is stale.

    A saved index is trusted only when its corpus version and its number of rows both match
    Chroma's; otherwise the chunks it lacks are read and it is saved again: from `written` (the
    `(chunk_id, text, metadata)` rows an ingest just stored, or whose metadata it changed), the
    rest from Chroma; `restoried`: chunks whose story changed, read again. An index that keeps
    the chunks' vectors and records reads every chunk it lacks from Chroma, as stored.
    """
    folder = lexical_folder(settings)
    version = store.corpus_version
    current = LexicalIndex.load(folder)
    chunks = store.chunk_count()
    if current is not None and current.version == version and len(current.ids) == chunks \
            and current.complete(chunks):
        return current
    ids = store.chunk_ids()
    known = set(current.ids) & ids if current is not None and current.folder \
        and current.complete(chunks) else set()
    known -= {row[0] for row in written} | set(restoried)
    fresh = [row for row in written if row[0] in ids and row[0] not in known]
    missing = ids - known - {row[0] for row in fresh}
    try:  # only the chunks the saved index lacks are read; the rest keep their saved words
        rows, vectors = _rows(store, fresh, sorted(missing), chunks)
        lexical = LexicalIndex.build(rows, version, current, known, vectors)
    except OSError:  # its saved words are gone (removed by another process): read everything
        rows, vectors = _rows(store, [], sorted(ids), chunks)
        lexical = LexicalIndex.build(rows, version, vectors=vectors)
    try:
        lexical.save(folder)
    except OSError:  # a read-only home: this reader builds it again next time
        return lexical
    make_private(settings.home)
    return LexicalIndex.load(folder) or lexical


def _rows(store: Store, fresh: list[tuple[str, str, dict]], missing: list[str], chunks: int
          ) -> tuple[list[tuple[str, str, dict]], np.ndarray | None]:
    """`(chunk_id, text, metadata)` of the `fresh` rows and the `missing` chunks, for the BM25
    index of `chunks` chunks; with their vectors, and read whole from Chroma, when it keeps
    them (`searched_exactly`)."""
    if not searched_exactly(chunks):
        return fresh + store.chunks_by_id(missing), None
    stored = store.chunks_with_vectors([row[0] for row in fresh] + missing)
    vectors = (np.array([vector for *_, vector in stored], dtype=np.float32) if stored
               else np.zeros((0, 0), np.float32))
    return [(chunk_id, text, meta) for chunk_id, text, meta, _ in stored], vectors


def _load(files: list[Path], problems: list[Problem], progress: bool,
          namespace: str = "", loaded_already: Sequence[Document] = ()) -> list[Document]:
    documents: dict[str, Document] = {}

    def add(document: Document) -> None:
        if document.doc_id in documents:
            first = documents[document.doc_id].source
            problems.append(Problem(document.source,
                                    f"doc_id {document.doc_id!r} is already used by {first}; "
                                    "rename one of them"))
        else:
            documents[document.doc_id] = document

    for path in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 2):
        loaded = load_file(path, namespace)
        problems.extend(loaded.problems)
        for document in loaded.documents:
            add(document)
    for document in loaded_already:
        add(document)
    return list(documents.values())


def _stored_records(settings: Settings, expected: Manifest) -> dict[str, dict]:
    """The stored metadata of the documents already indexed; refuses an index built with other
    settings."""
    try:
        store = Store.open(settings)
    except IndexMissingError:
        return {}
    try:
        store.check(expected)
        return store.document_records()
    finally:
        store.close()


def _fold(todo: list[Document], records: dict[str, dict], gone: set[str]) -> dict[str, dict]:
    """What ingest stores beside each document of `todo`: its story (the wire copies it joins),
    and its MinHash signature."""
    stories = Stories(_signed(records, gone))
    marks = {}
    for document in todo:
        sig = signature(document.text[document.body_start:])
        marks[document.doc_id] = {
            "story": stories.assign(document.doc_id, sig), "signature": encode(sig)}
    return marks


def _signed(records: dict[str, dict], skip: set[str]) -> list[tuple[str, str, np.ndarray]]:
    """`(doc_id, story, signature)` of the stored documents that have a signature."""
    known = []
    for doc_id, meta in records.items():
        sig = decode(meta.get("minhash", ""))
        if sig is not None and doc_id not in skip:
            known.append((doc_id, meta.get("story") or doc_id, sig))
    return known


def _sign_older(store: Store, records: dict[str, dict], skip: set[str], progress: bool) -> list[str]:
    """Documents stored before wire copies were folded get a signature and a story, once, from
    their stored text, oldest first (`records` are brought up to date too); returns the ids of
    their chunks."""
    older = [doc_id for _, doc_id in sorted((meta.get("added", ""), doc_id)
                                            for doc_id, meta in records.items()
                                            if not meta.get("minhash") and doc_id not in skip)]
    if not older:
        return []
    stories = Stories(_signed(records, skip))
    restoried: list[str] = []
    bar = tqdm(total=len(older), desc="finding wire copies", unit="doc",
               disable=not progress or len(older) < 100)
    for start in range(0, len(older), 256):
        for doc_id, text in store.document_texts(older[start:start + 256]):
            sig = signature(text)
            story = stories.assign(doc_id, sig)
            records[doc_id].update(minhash=encode(sig), story=story)
            restoried += store.set_story(doc_id, story, encode(sig))
            bar.update()
    bar.close()
    return restoried


@contextmanager
def one_writer(settings: Settings) -> Iterator[None]:
    """Hold the index's writer lock: one ingest or upload at a time; the next one waits, and
    says who holds it (always: waiting is not progress, --quiet does not hide it).

    The lock file lies in `settings.home`: it keeps the writers of one machine apart. (Ingests
    into a Chroma server from several machines must be run one after another.)

    Raises:
        BadInputError: the home folder is a file or read-only.
    """
    writable(settings.home)
    path = settings.home / f"ingest-{settings.collection}.lock"
    holder = path.with_suffix(".holder")
    lock = FileLock(path, mode=FILE_MODE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        held_by = holder.read_text() if holder.exists() else "another process"
        print(f"newsdesk: waiting for the ingest that holds {path} ({held_by}) to finish",
              file=sys.stderr, flush=True)
        lock.acquire()
    try:
        holder.write_text(f"pid {os.getpid()} on {socket.gethostname()}, since "
                          f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
        yield
    finally:
        lock.release()


def _manifest(settings: Settings, embedder: Embedder | None) -> Manifest:
    """The manifest to write or check; with no embedder, the dimension is not checked."""
    return Manifest(
        model=settings.embed_model,
        dimension=embedder.dimension if embedder else 0,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
    )


def _write(store: Store, todo: list[Document], hashes: dict[str, str], marks: dict[str, dict],
           embedder: Embedder, settings: Settings, progress: bool,
           new: AbstractSet[str] = frozenset(),
           titled: bool = True, on_stored=lambda chunks: None) -> list[tuple[str, str, dict]]:
    """Chunk, embed and store `todo`; returns the chunks written as `(chunk_id, text, metadata)`
    rows for the BM25 index (the metadata it filters on only). `titled`: each chunk's embedding
    reads its article's title first (as the index's manifest says); `on_stored` is called with
    the chunks stored so far after each group."""
    if not todo:
        return []
    room = embedder.max_tokens - (_TITLE_TOKENS if titled else 0)
    chunker = Chunker(embedder.count_tokens, embedder.token_spans,
                      max_tokens=min(settings.chunk_tokens, room),
                      overlap=settings.chunk_overlap)
    bar = tqdm(total=len(todo), desc="embedding", unit="doc", disable=not progress)
    written: list[tuple[str, str, dict]] = []

    def finish(write, chunks: int) -> None:  # chunks: stored once `write` is done
        bar.update(write.result())
        on_stored(chunks)
    # Three stages at once: one thread chunks the documents ahead of the model, the model
    # encodes one group, and another thread writes the group before it to Chroma.
    with ThreadPoolExecutor(max_workers=1) as chunking, ThreadPoolExecutor(max_workers=1) as writer:
        chunked = chunking.map(lambda document: (document, chunker.chunk(document)), todo)
        pending = None
        for group in _groups(chunked):
            items = _embed(embedder, group, hashes, marks, titled)
            if pending is not None:
                finish(*pending)
            written += chunk_rows(items)
            pending = writer.submit(_write_group, store, items, new), len(written)
        if pending is not None:
            finish(*pending)
    bar.close()
    return written


def _embed(embedder: Embedder, group: list[tuple[Document, list[Chunk]]],
           hashes: dict[str, str], marks: dict[str, dict], titled: bool = True) -> list[Embedded]:
    """The group's chunks and sentences embedded in one pass of the model; with `titled`, each
    chunk is read after its article's title (a chunk deep in an article rarely names what the
    article is about), and its sentences' vectors pool only their own word pieces."""
    texts, spans = [], []
    for document, mine in group:
        prefix = title_prefix(document.title) if titled else ""
        for chunk in mine:
            texts.append(prefix + chunk.text)
            spans.append([(s + len(prefix), e + len(prefix)) for s, e in chunk.local_sentences])
    vectors, sentence_vectors = embedder.embed_with_sentences(texts, spans)
    items, offset = [], 0
    for document, mine in group:
        end = offset + len(mine)
        items.append(Embedded(document, hashes[document.doc_id], mine, vectors[offset:end],
                              sentence_vectors[offset:end], **marks[document.doc_id]))
        offset = end
    return items


def title_prefix(title: str) -> str:
    """What a chunk's embedding reads before the chunk: its article's title, if any."""
    return f"{title[:_TITLE_CHARS]}\n\n" if title else ""


def _write_group(store: Store, items: list[Embedded], new: AbstractSet[str]) -> int:
    """Write one group; returns its number of documents, for the progress bar."""
    store.write_many(items, new)
    return len(items)


def _groups(chunked: Iterable[tuple[Document, list[Chunk]]]):
    """Consecutive documents with about `_EMBED_GROUP` chunks between them."""
    group: list[tuple[Document, list[Chunk]]] = []
    size = 0
    for item in chunked:
        group.append(item)
        size += len(item[1])
        if size >= _EMBED_GROUP:
            yield group
            group, size = [], 0
    if group:
        yield group
