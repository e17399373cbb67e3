"""Chroma storage: one collection of embedded chunks, one of whole documents.

The documents collection is the index's own description: its metadata holds the manifest
(model, dimension, chunker settings, schema version) and a corpus version that changes with
every write. Each document record holds the full text, so citations can be shown in context
and the BM25 index rebuilt, whether Chroma runs embedded or as a server.

A document's record is written after its chunks and removed before them: a record means its
chunks are complete, which is what makes an interrupted ingest safe to run again.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from newsdesk.core.errors import (
    BackendUnreachableError,
    BadInputError,
    IndexMissingError,
    ModelMismatchError,
)
from newsdesk.core.imports import unchecked_overrides
from newsdesk.core.settings import Settings
from newsdesk.index.chunk import Chunk
from newsdesk.index.clean import Span
from newsdesk.index.home import not_a_folder, read_only
from newsdesk.index.load import Document

SCHEMA_VERSION = 1
# What each chunk's embedding reads: "title+text" (the article's title, then the chunk; the quote
# is the chunk alone) since 2026-11-28, "text" before. An index keeps its own way (`Manifest`).
EMBED_INPUT = "title+text"
_PAGE = 2000


@dataclass(frozen=True)
class Manifest:
    """How an index was built; an index is read only with the same settings."""

    model: str
    dimension: int
    chunk_tokens: int
    chunk_overlap: int
    schema: int = SCHEMA_VERSION
    embed_input: str = EMBED_INPUT

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**{"embed_input": "text", **json.loads(text)})

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass(frozen=True)
class Embedded:
    """A document's chunks with their vectors, ready to store.

    `sentence_vectors[n]` holds one vector per sentence of `chunks[n]`.
    """

    document: Document
    hash: str
    chunks: list[Chunk]
    vectors: np.ndarray
    sentence_vectors: list[np.ndarray]
    story: str = ""  # the story it is a copy in (index.wire), its own doc_id if none
    signature: str = ""  # its MinHash signature, encoded (index.wire)


@dataclass(frozen=True)
class StoredDocument:
    """A document record as stored: what the answerer and the app show.

    `date` is ISO 8601 or "" (undated, see `Document`); `added` is when the article first
    entered the index (ISO 8601, UTC). `story` is the id of the story it belongs to with its
    wire copies (index.wire; its own doc_id when it has none, "" in an index from before copies
    were folded); `body_start` is where its body begins, after the metadata lines at its top.
    """

    doc_id: str
    source: str
    title: str
    date: str
    url: str
    hash: str
    chunks: int
    text: str = ""
    publisher: str = ""
    author: str = ""
    added: str = ""
    story: str = ""
    body_start: int = 0


def connect(settings: Settings):
    """A Chroma client: a server when `chroma_url` is set, else the embedded database.

    Every call through the client, and through the collections it hands out, turns a server
    that is down or does not answer within `settings.chroma_timeout` into a
    BackendUnreachableError; once it has failed, the next callers are told at once (a circuit
    breaker, `Breaker`) until it answers again. An embedded database in a folder newsdesk may
    not write is a BadInputError that says so.
    """
    # chromadb checks its own classes as it imports them, here and as it makes its first client
    # (which imports its Rust or HTTP API): ~0.2 s of every fresh process, for checks that only
    # chromadb's own code can fail.
    with unchecked_overrides():
        return _client(settings)


def _client(settings: Settings):
    """`connect`, within chromadb's import."""
    import chromadb

    client_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_url:
        return _Guarded(_server_client(settings, client_settings), Breaker(settings).call)
    not_a_folder(settings.home)
    database = settings.home / "chroma"
    # Chroma writes even to read; one that failed to open stays broken in its process: ask first.
    if any(path.exists() and not os.access(path, os.W_OK)
           for path in (database, database / "chroma.sqlite3")):
        raise read_only(settings.home)
    call = functools.partial(_embedded_call, settings)
    # An absolute path: Chroma shares one client per path string, whatever the working folder.
    client = call(chromadb.PersistentClient, path=str(database.resolve()), settings=client_settings)
    return _Guarded(client, call)


def _server_client(settings: Settings, client_settings):
    """A client of the Chroma server, made within the timeout, whose calls time out too."""
    import chromadb
    import httpx

    url = urlparse(settings.chroma_url or "")
    host = url.hostname
    if url.scheme not in ("http", "https") or not host:
        raise BadInputError(f"Chroma URL {settings.chroma_url!r} is not valid; use http://HOST:PORT.")
    made: dict = {}

    def make() -> None:
        try:
            made["client"] = chromadb.HttpClient(
                host=host, port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https", settings=client_settings)
        except Exception as error:  # chromadb raises bare ValueError/ConnectError here
            made["error"] = error

    # The client asks the server for its tenant before it can be given a timeout.
    thread = threading.Thread(target=make, daemon=True)
    thread.start()
    thread.join(settings.chroma_timeout)
    if thread.is_alive() or "error" in made:
        raise BackendUnreachableError(_unreachable(settings, made.get("error"))) from None
    client = made["client"]
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:  # chromadb's HTTP session waits forever by default
        session.timeout = httpx.Timeout(settings.chroma_timeout)
    return client


class _Guarded:
    """A Chroma client or collection whose every call goes through `call` (which turns
    failures into clear errors), as do the calls of the collections it hands out."""

    def __init__(self, target, call):
        self._target = target
        self._call = call

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def guarded(*args, **kwargs):
            result = self._call(value, *args, **kwargs)
            return _Guarded(result, self._call) if hasattr(result, "upsert") else result

        return guarded


class Breaker:
    """A circuit breaker for one Chroma server: once a call found it down or silent, the next
    callers are told at once, with the same message, instead of each waiting out the timeout;
    one of them at a time asks the server's heartbeat (within a second), and the first answer
    lets calls through again.

    Example:
        >>> breaker = Breaker(Settings.load(chroma_url="http://127.0.0.1:9"))
        >>> breaker.call(lambda: 1)
        1
    """

    HEARTBEAT_S = 1.0

    def __init__(self, settings: Settings):
        self.settings = settings
        self.down = ""  # why the server is known to be down; "" while it answers
        self._asking = threading.Lock()

    def call(self, method, /, *args, **kwargs):
        """`method(*args, **kwargs)`; BackendUnreachableError when the server is down."""
        if self.down:
            self._ask_heartbeat()
        try:
            return method(*args, **kwargs)
        except Exception as error:
            if not _is_connection_error(error):
                raise
            self.down = _unreachable(self.settings, error)
            raise BackendUnreachableError(self.down) from None

    def _ask_heartbeat(self) -> None:
        down = self.down
        if not self._asking.acquire(blocking=False):  # another caller is asking: do not queue
            raise BackendUnreachableError(down)
        try:
            import httpx

            url = f"{(self.settings.chroma_url or '').rstrip('/')}/api/v2/heartbeat"
            try:
                httpx.get(url, timeout=min(self.HEARTBEAT_S, self.settings.chroma_timeout)
                          ).raise_for_status()
            except httpx.HTTPError:
                raise BackendUnreachableError(down) from None
            self.down = ""
        finally:
            self._asking.release()


class Store:
    """The chunks and documents collections of one index: the only way newsdesk reaches Chroma.

    Use `Store.open` to read an existing index, `Store.create` to write one, and `close` when
    done with it: Chroma's embedded client reads other processes' writes only when reopened.
    """

    def __init__(self, client, settings: Settings, chunks, documents):
        self.client = client
        self.settings = settings
        self.chunks = chunks
        self.documents = documents

    def close(self) -> None:
        """Release the client (the embedded database is reopened fresh by the next `open`)."""
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """An existing index; IndexMissingError when nothing has been ingested (and then
        nothing is written: Chroma's embedded database is not made just to be read)."""
        where = settings.chroma_url or f"{settings.home}/"
        missing = IndexMissingError(
            f"No index at {where}; run `newsdesk ingest seeds/` (or your own folder) first.")
        if not settings.chroma_url:
            not_a_folder(settings.home)
            if not (settings.home / "chroma" / "chroma.sqlite3").exists():
                raise missing
        client = connect(settings)
        names = _collection_names(settings, client)
        chunks_name, documents_name = _names(settings)
        if documents_name not in names or chunks_name not in names:
            raise missing
        chunks = client.get_collection(chunks_name)
        documents = client.get_collection(documents_name)
        return cls(client, settings, chunks, documents)

    @classmethod
    def create(cls, settings: Settings, manifest: Manifest) -> Store:
        """The index for writing, made if missing; refuses one built with other settings."""
        client = connect(settings)
        chunks_name, documents_name = _names(settings)
        names = _collection_names(settings, client)
        if documents_name not in names:
            client.create_collection(
                documents_name,
                metadata={"manifest": manifest.to_json(), "corpus_version": ""},
                embedding_function=None,
            )
        if chunks_name not in names:
            client.create_collection(
                chunks_name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
        store = cls(client, settings, client.get_collection(chunks_name),
                    client.get_collection(documents_name))
        store.check(manifest)
        return store

    @classmethod
    def drop(cls, settings: Settings) -> None:
        """Delete the index's collections (for a rebuild)."""
        client = connect(settings)
        names = _collection_names(settings, client)
        for name in _names(settings):
            if name in names:
                client.delete_collection(name)

    # -- manifest and versions -------------------------------------------------------------

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_json(self.documents.metadata["manifest"])

    @property
    def corpus_version(self) -> str:
        """Changes whenever chunks are written or removed; "" for an index never written."""
        fresh = self.client.get_collection(self.documents.name)
        return (fresh.metadata or {}).get("corpus_version", "")

    def new_corpus_version(self) -> str:
        version = uuid.uuid4().hex
        metadata = dict(self.documents.metadata or {})
        metadata["corpus_version"] = version
        self.documents.modify(metadata=metadata)
        return version

    def check(self, expected: Manifest) -> None:
        """Raise ModelMismatchError when the index was built with other settings."""
        self.check_model(expected.model, expected.dimension)
        actual = self.manifest
        if (actual.chunk_tokens, actual.chunk_overlap) != (
            expected.chunk_tokens,
            expected.chunk_overlap,
        ):
            raise ModelMismatchError(
                f"The index was built with chunks of {actual.chunk_tokens} word pieces and "
                f"{actual.chunk_overlap} sentences of overlap, not {expected.chunk_tokens} and "
                f"{expected.chunk_overlap}. Rebuild: `newsdesk ingest --rebuild PATH ...`."
            )

    def check_model(self, model: str, dimension: int = 0) -> None:
        """Raise ModelMismatchError unless the index was built with `model` (and `dimension`)."""
        actual = self.manifest
        if actual.schema != SCHEMA_VERSION:
            raise ModelMismatchError(
                f"The index has schema version {actual.schema}; this newsdesk reads "
                f"{SCHEMA_VERSION}. Rebuild it: `newsdesk ingest --rebuild PATH ...`."
            )
        if actual.model != model or (dimension and actual.dimension != dimension):
            raise ModelMismatchError(
                f"The index was built with the embedding model {actual.model!r} "
                f"({actual.dimension} dims), not {model!r}. Use that model "
                "(NEWSDESK_EMBED_MODEL), or rebuild: `newsdesk ingest --rebuild PATH ...`."
            )

    # -- writing -----------------------------------------------------------------------------

    def write_many(self, items: list[Embedded], new: AbstractSet[str] = frozenset()) -> None:
        """Replace several documents' chunks, then record the documents (the commit point).

        Three calls for the whole group: the chunks, the stale chunks, the records.

        Documents in `new` were never stored, so they have no stale chunks to delete.
        """
        rows = [(item, n) for item in items for n in range(len(item.chunks))]
        if rows:
            self.chunks.upsert(
                ids=[chunk_id(i.document.doc_id, i.hash, i.chunks[n].number) for i, n in rows],
                embeddings=np.concatenate([i.vectors for i in items if i.chunks]),
                documents=[i.chunks[n].text for i, n in rows],
                metadatas=[_chunk_metadata(i, n) for i, n in rows],
            )
        for item in items:
            if item.document.doc_id not in new:
                self.chunks.delete(where={"$and": [{"doc_id": item.document.doc_id},
                                                   {"hash": {"$ne": item.hash}}]})
        added = self._added([i.document.doc_id for i in items if i.document.doc_id not in new])
        now = _now()
        self.documents.upsert(
            ids=[i.document.doc_id for i in items],
            embeddings=[[1.0]] * len(items),
            documents=[i.document.text for i in items],
            metadatas=[{**describe(i.document), "hash": i.hash, "chunks": len(i.chunks),
                        "added": added.get(i.document.doc_id, now), "story": i.story,
                        "minhash": i.signature} for i in items],
        )

    def redescribe(self, document: Document) -> list[tuple[str, str, dict]]:
        """Store new metadata (`describe`) for an indexed document whose text is unchanged, on
        its record and its chunks; returns its chunks as `chunk_rows` gives them, for BM25."""
        self.documents.update(ids=[document.doc_id], metadatas=[describe(document)])  # merged
        found = self.chunks.get(where={"doc_id": document.doc_id}, include=["documents"])
        fields = _chunk_fields(document)
        if found["ids"]:
            self.chunks.update(ids=found["ids"], metadatas=[fields] * len(found["ids"]))
        return [(chunk_id, text, _filter_fields(document))
                for chunk_id, text in zip(found["ids"], found["documents"], strict=True)]

    def set_story(self, doc_id: str, story: str, signature: str) -> list[str]:
        """Record a stored document's story and signature (`index.wire`), on its record and its
        chunks; returns the chunks' ids."""
        self.documents.update(ids=[doc_id], metadatas=[{"story": story, "minhash": signature}])
        found = self.chunks.get(where={"doc_id": doc_id}, include=[])
        if found["ids"]:
            self.chunks.update(ids=found["ids"], metadatas=[{"story": story}] * len(found["ids"]))
        return list(found["ids"])

    def _added(self, doc_ids: list[str]) -> dict[str, str]:
        """When each of `doc_ids` (already stored) was first added."""
        if not doc_ids:
            return {}
        found = self.documents.get(ids=doc_ids, include=["metadatas"])
        return {meta["doc_id"]: meta.get("added", "") for meta in found["metadatas"]}

    def remove(self, doc_id: str) -> None:
        """Remove a document: its record first, then its chunks."""
        self.documents.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})

    # -- reading -----------------------------------------------------------------------------

    def document_hashes(self) -> dict[str, str]:
        """doc_id -> content hash, for every complete document."""
        return {meta["doc_id"]: meta["hash"] for meta in self._pages(self.documents, ["metadatas"])}

    def document_records(self) -> dict[str, dict]:
        """doc_id -> the stored metadata of every complete document (hash, story, signature...)."""
        return {meta["doc_id"]: meta for meta in self._pages(self.documents, ["metadatas"])}

    def stories(self, ids: list[str]) -> dict[str, list[StoredDocument]]:
        """The articles of each of these stories (without their text), oldest first."""
        if not ids:
            return {}
        found = self.documents.get(where={"story": {"$in": sorted(set(ids))}}, include=["metadatas"])
        stories: dict[str, list[StoredDocument]] = {}
        for meta in sorted(found["metadatas"], key=lambda m: (m.get("added", ""), m["doc_id"])):
            stories.setdefault(meta["story"], []).append(_stored(meta))
        return stories

    def stored_documents(self) -> list[StoredDocument]:
        """Every document record, without its text."""
        return [_stored(meta) for meta in self._pages(self.documents, ["metadatas"])]

    def documents_with_text(self) -> Iterator[StoredDocument]:
        """Every document record with its full text, page by page."""
        offset = 0
        while True:
            page = self.documents.get(include=["metadatas", "documents"], limit=_PAGE, offset=offset)
            yield from (_stored(meta, text) for meta, text in
                        zip(page["metadatas"], page["documents"], strict=True))
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def present(self, doc_ids: list[str]) -> set[str]:
        """Those of `doc_ids` the index holds."""
        return set(self.documents.get(ids=doc_ids, include=[])["ids"]) if doc_ids else set()

    def document(self, doc_id: str) -> StoredDocument | None:
        """One document record with its full text, or None."""
        found = self.documents.get(ids=[doc_id], include=["metadatas", "documents"])
        if not found["ids"]:
            return None
        return _stored(found["metadatas"][0], found["documents"][0])

    def all_chunks(self) -> Iterator[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk, page by page."""
        offset = 0
        while True:
            page = self.chunks.get(
                include=["documents", "metadatas"], limit=_PAGE, offset=offset
            )
            yield from zip(page["ids"], page["documents"], page["metadatas"], strict=True)
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def all_chunks_with_vectors(self) -> Iterator[tuple[str, str, dict, np.ndarray]]:
        """(id, text, metadata, vector) of every chunk, page by page."""
        offset = 0
        while True:
            page = self.chunks.get(include=["documents", "metadatas", "embeddings"], limit=_PAGE,
                                   offset=offset)
            yield from zip(page["ids"], page["documents"], page["metadatas"], page["embeddings"],
                           strict=True)
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def add_chunks(self, rows: list[tuple[str, str, dict]], vectors: np.ndarray) -> None:
        """Add (id, text, metadata) chunks with their vectors as they are, without records of
        their documents: the copies that make a benchmark's large index (`evals/bench.py`)."""
        self.chunks.add(ids=[r[0] for r in rows], documents=[r[1] for r in rows],
                        metadatas=[r[2] for r in rows], embeddings=vectors)

    def chunk_ids(self) -> set[str]:
        """The id of every chunk."""
        return set(self.chunks.get(include=[])["ids"])

    def chunks_by_id(self, ids: list[str]) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of the chunks with these ids."""
        rows: list[tuple[str, str, dict]] = []
        for start in range(0, len(ids), _PAGE):
            page = self.chunks.get(ids=ids[start:start + _PAGE], include=["documents", "metadatas"])
            rows += zip(page["ids"], page["documents"], page["metadatas"], strict=True)
        return rows

    def chunks_with_vectors(self, ids: list[str]) -> list[tuple[str, str, dict, np.ndarray]]:
        """(id, text, metadata, vector) of the chunks with these ids (in Chroma's order)."""
        rows: list[tuple[str, str, dict, np.ndarray]] = []
        for start in range(0, len(ids), _PAGE):
            page = self.chunks.get(ids=ids[start:start + _PAGE],
                                   include=["documents", "metadatas", "embeddings"])
            rows += zip(page["ids"], page["documents"], page["metadatas"], page["embeddings"],
                        strict=True)
        return rows

    def nearest(self, vector: np.ndarray, n: int, *, sources: Sequence[str] = (),
                since: str = "", dated: bool = False, last_day: str = "",
                ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The `n` chunks nearest to `vector`, as (chunk id, cosine similarity), nearest first.

        Args:
            vector: A normalised query vector.
            n: How many chunks at most (fewer when the index holds fewer).
            sources: Only the chunks of these articles (doc_id or source path).
            since: Only articles dated on or after this day (YYYY-MM-DD).
            dated: Only dated articles.
            last_day: Only articles dated on or before this day; undated ones pass unless `dated`.
            ids: Only these chunks. Chroma reads every chunk's metadata to apply the filters
                above (~0.2 s at 18,000 chunks); a few hundred chunks named take ~20 ms.
        """
        # Chroma returns fewer than n_results when the collection is smaller: no count needed.
        found = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n,
                                  where=_where(sources, since, dated, last_day),
                                  ids=list(ids) if ids is not None else None, include=["distances"])
        return [(chunk_id, 1.0 - distance)  # cosine distance to similarity
                for chunk_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)]

    def document_texts(self, doc_ids: list[str]) -> list[tuple[str, str]]:
        """(doc_id, full text) of those of `doc_ids` the index holds."""
        found = self.documents.get(ids=doc_ids, include=["documents"])
        return list(zip(found["ids"], found["documents"], strict=True))

    def count(self) -> tuple[int, int]:
        """(documents, chunks) in the index."""
        return self.documents.count(), self.chunks.count()

    def chunk_count(self) -> int:
        """Chunks in the index."""
        return self.chunks.count()

    def _pages(self, collection, include: list[str]) -> Iterator[dict]:
        offset = 0
        while True:
            page = collection.get(include=include, limit=_PAGE, offset=offset)
            yield from page["metadatas"]
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE


def _where(sources: Sequence[str], since: str, dated: bool, last_day: str) -> dict | None:
    """The filters of `Store.nearest` as a Chroma `where`."""
    clauses: list[dict] = []
    if sources:
        names = list(sources)
        clauses.append({"$or": [{"doc_id": {"$in": names}}, {"source": {"$in": names}}]})
    if since:
        clauses.append({"date_number": {"$gte": date_number(since)}})
    if dated:
        clauses.append({"date_number": {"$gt": 0}})
    if last_day:  # undated articles (0) pass `last_day`; `dated` keeps them out above
        clauses.append({"date_number": {"$lte": date_number(last_day)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_id(doc_id: str, hash: str, number: int) -> str:
    """Stable chunk id: the same document content always gives the same ids."""
    return f"{doc_id}::{hash[:16]}::{number}"


def chunk_position(chunk_id: str) -> int:
    """A chunk's number in its document, read from its id."""
    return int(chunk_id.rsplit("::", 1)[1])


def chunk_document(chunk_id: str) -> str:
    """A chunk's document id, read from its id."""
    return chunk_id.rsplit("::", 2)[0]


def date_number(date: str) -> int:
    """The day of an ISO date as a number, `2025-03-14...` -> 20250314, for range filters
    (Chroma compares numbers only); 0 if undated."""
    return int(date[:10].replace("-", "")) if date else 0


DESCRIBED = ("doc_id", "source", "title", "date", "url", "publisher", "author", "body_start")


def describe(document: Document) -> dict[str, str | int]:
    """What is stored about a document beside its text: its `DESCRIBED` fields."""
    return {key: getattr(document, key) for key in DESCRIBED}


def chunk_sentences(meta: dict) -> tuple[list[Span], np.ndarray] | None:
    """The spans (in the document) and vectors of a stored chunk's sentences, if stored."""
    if not meta.get("sentence_vectors"):
        return None
    offsets = [int(n) + meta["start"] for n in meta["sentences"].split()]
    quantized = np.frombuffer(base64.b64decode(meta["sentence_vectors"]), dtype=np.int8)
    vectors = quantized.reshape(len(offsets) // 2, -1).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return list(zip(offsets[::2], offsets[1::2], strict=True)), vectors


def chunk_rows(items: list[Embedded]) -> list[tuple[str, str, dict]]:
    """`(chunk_id, text, metadata)` of every chunk of `items`, as `Store.write_many` stores them,
    with only the metadata the BM25 index keeps (`LexicalIndex.build`)."""
    return [(chunk_id(item.document.doc_id, item.hash, chunk.number), chunk.text,
             _filter_fields(item.document))
            for item in items for chunk in item.chunks]


def _filter_fields(document: Document) -> dict:
    """The metadata a search filters on (the BM25 index keeps these only)."""
    return {"doc_id": document.doc_id, "source": document.source,
            "date_number": date_number(document.date)}


def _chunk_fields(document: Document) -> dict:
    """What each chunk keeps of its document, to filter on and to show with a passage."""
    return {**_filter_fields(document), "title": document.title, "date": document.date,
            "publisher": document.publisher, "url": document.url}


def _chunk_metadata(item: Embedded, n: int) -> dict:
    document, chunk = item.document, item.chunks[n]
    return {
        **_chunk_fields(document),
        "story": item.story,
        "start": chunk.start,
        "end": chunk.end,
        "chunk": chunk.number,
        "hash": item.hash,
        # Sentence vectors for the answerer, 8 bits per number (cosines move by < 0.01).
        "sentences": " ".join(f"{s} {e}" for s, e in chunk.local_sentences),
        "sentence_vectors": base64.b64encode(_quantize(item.sentence_vectors[n])).decode(),
    }


def _quantize(vectors: np.ndarray) -> bytes:
    scale = 127 / np.maximum(np.abs(vectors).max(axis=1, keepdims=True), 1e-12)
    return np.round(vectors * scale).astype(np.int8).tobytes()


def _stored(meta: dict, text: str = "") -> StoredDocument:
    return StoredDocument(
        doc_id=meta["doc_id"],
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        date=meta.get("date", ""),
        url=meta.get("url", ""),
        hash=meta.get("hash", ""),
        chunks=int(meta.get("chunks", 0)),
        text=text,
        publisher=meta.get("publisher", ""),
        author=meta.get("author", ""),
        added=meta.get("added", ""),
        story=meta.get("story", ""),
        body_start=int(meta.get("body_start", 0)),
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _collection_names(settings: Settings, client) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def _names(settings: Settings) -> tuple[str, str]:
    return f"{settings.collection}_chunks", f"{settings.collection}_documents"


def _embedded_call(settings: Settings, method, /, *args, **kwargs):
    """Call the embedded database, turning a read-only one into a clear BadInputError."""
    try:
        return method(*args, **kwargs)
    except Exception as error:
        if isinstance(error, PermissionError) or "readonly database" in str(error) or \
                "read-only file system" in str(error).lower():
            raise read_only(settings.home, error) from None
        raise


def _unreachable(settings: Settings, error: Exception | None) -> str:
    if error is None or "timeout" in f"{type(error).__name__} {error}".lower():
        return (f"The Chroma server at {settings.chroma_url} did not answer within "
                f"{settings.chroma_timeout:g} s. Check that it is running and not overloaded, or "
                "raise --chroma-timeout (NEWSDESK_CHROMA_TIMEOUT).")
    return (f"Cannot reach the Chroma server at {settings.chroma_url}. Is it running? Start it "
            "with `chroma run --path DIR --host 127.0.0.1 --port PORT`, or unset "
            "NEWSDESK_CHROMA_URL to use the embedded database.")


def _is_connection_error(error: Exception) -> bool:
    text = f"{type(error).__name__} {error}".lower()
    return any(word in text for word in ("connect", "connection", "refused", "timeout", "timed out",
                                         "network", "remoteprotocol"))
