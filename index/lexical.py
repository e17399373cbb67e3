"""A BM25 index over the chunks (bm25s), saved beside the Chroma data, with each chunk's metadata
to filter by and, up to `EXACT_ROWS` chunks, its vector, text and metadata as Chroma holds them
(`records`): a filtered dense search is then one matrix product here (~3 ms at 18,000 chunks)
where Chroma reads every chunk's metadata (~0.2 s), and a question reads no chunk from Chroma.

It is built once per corpus version (after an ingest, or when a reader finds it stale) and
loaded memory-mapped, so no query ever rebuilds it. Each save writes a folder of its own and
then points the index's `current` file at it (one atomic rename), so readers and writers in
other processes see the old index or the new one, never half of either.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from newsdesk.core.imports import without
from newsdesk.index.english import snowball, stopwords
from newsdesk.index.records import Records, encoded

_STATE = "newsdesk.json"
_CURRENT = "current"  # names the folder of the index in use
_STALE_AFTER_S = 600  # older folders are removed by a later save (a reader may still be loading)
LIKENESS = 0.8  # the difflib ratio at which two spellings name the same thing (`unlike_words`)
# Up to this many chunks the index keeps their vectors (150 MB at 384 dimensions) and searches
# them exactly, and keeps their texts and metadata (~3 KB a chunk); a larger one leaves dense
# search to Chroma's HNSW index, and passages are read from Chroma. Measured at 18,000 chunks:
# the product ~3 ms, Chroma's query ~10 ms unfiltered, 20-230 ms filtered.
EXACT_ROWS = 100_000


def searched_exactly(chunks: int) -> bool:
    """Whether an index of `chunks` chunks keeps their vectors and searches them itself."""
    return chunks <= EXACT_ROWS


@cache
def _bm25s():
    """bm25s, without numba and scipy: it imports them when it finds them, for backends other
    than the numpy ones in use (`BM25()`'s defaults), and a reader need not pay for them
    (~0.6 s and ~110 MB; they are installed for the evals)."""
    with without("numba", "scipy"):
        import bm25s
    return bm25s


@cache
def _stemmer():
    return snowball()


def tokenize(texts: list[str], return_ids: bool = True):
    return _bm25s().tokenize(
        texts, stopwords=list(stopwords()), stemmer=_stemmer(), show_progress=False, return_ids=return_ids
    )


@dataclass(frozen=True)
class LexicalHit:
    row: int
    chunk_id: str
    score: float


class LexicalIndex:
    """BM25 over chunk texts, with each row's chunk id, filterable metadata and (up to
    `EXACT_ROWS` rows) normalised vector, text and metadata, and its article's story."""

    def __init__(self, bm25, ids: list[str], doc_ids: list[str], sources: list[str],
                 dates: np.ndarray, version: str, vectors: np.ndarray | None = None,
                 records: Records | None = None, stories: list[str] | None = None):
        self.bm25 = bm25
        self.ids = ids
        self.doc_ids = doc_ids
        self.sources = sources
        self.dates = dates
        self.version = version
        self.vectors = vectors  # float32, a row per chunk; None: dense search is Chroma's
        self.records = records  # None: passages are read from Chroma
        self.stories = stories  # with the records: each row's story (`index.wire`)
        self.folder: Path | None = None  # where its words are saved, if they are
        self._words: tuple[list[str], list[np.ndarray]] | None = None

    @classmethod
    def build(cls, rows: list[tuple[str, str, dict]], version: str,
              previous: LexicalIndex | None = None, keep: AbstractSet[str] = frozenset(),
              vectors: np.ndarray | None = None) -> LexicalIndex:
        """Index `(chunk_id, text, metadata)` rows for one corpus version, with their `vectors`
        (one row each) and the rows themselves as records when the vectors are given and the
        index stays within `EXACT_ROWS` (the rows' metadata must then be Chroma's, whole).

        The rows of `previous` whose ids are in `keep` are indexed too, from the words (vectors
        and records) saved with it: adding an article to a large corpus reads and tokenizes
        only that article.
        """
        bm25s = _bm25s()
        if previous is None:  # nothing to keep from
            previous = cls(None, [], [], [], np.zeros(0, np.int64), version)
        kept = [n for n, chunk_id in enumerate(previous.ids) if chunk_id in keep]
        old_words, old_tokens = previous.words() if kept else ([], [])
        words = {word: n for n, word in enumerate(old_words)}
        tokens = [old_tokens[n] for n in kept]
        for row in tokenize([text for _, text, _ in rows], return_ids=False):
            tokens.append(np.array([words.setdefault(w, len(words)) for w in row], dtype=np.int32))
        tokens, vocabulary = _compact(tokens, list(words))
        bm25 = bm25s.BM25()
        if tokens:
            bm25.index(bm25s.tokenization.Tokenized([t.tolist() for t in tokens],
                                                   {w: n for n, w in enumerate(vocabulary)}),
                       show_progress=False)
        vectors = _stack(previous.vectors, kept, vectors, len(kept) + len(rows))
        records, stories = _records(previous, kept, rows) if vectors is not None else (None, None)
        index = cls(
            bm25,
            [previous.ids[n] for n in kept] + [row[0] for row in rows],
            [previous.doc_ids[n] for n in kept] + [row[2]["doc_id"] for row in rows],
            [previous.sources[n] for n in kept] + [row[2].get("source", "") for row in rows],
            np.concatenate([previous.dates[kept] if kept else np.zeros(0, np.int64),
                            np.array([row[2].get("date_number", 0) for row in rows], np.int64)]),
            version,
            vectors,
            records,
            stories,
        )
        index._words = (vocabulary, tokens)
        return index

    def words(self) -> tuple[list[str], list[np.ndarray]]:
        """The vocabulary, and each row's words as positions in it (saved with the index)."""
        if self._words is None:
            if self.folder is None:
                raise RuntimeError("This BM25 index was neither built nor loaded with its words.")
            vocabulary = json.loads((self.folder / "words.json").read_text())
            flat, ends = np.load(self.folder / "tokens.npy"), np.load(self.folder / "ends.npy")
            self._words = (vocabulary, np.split(flat, ends[:-1]) if len(ends) else [])
        return self._words

    def save(self, folder: Path) -> None:
        """Write to a new folder under `folder`, then make it the current one, atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="v-", dir=folder))
        if self.ids:
            self.bm25.save(staging, show_progress=False)
        np.save(staging / "dates.npy", self.dates)
        vocabulary, tokens = self.words()
        (staging / "words.json").write_text(json.dumps(vocabulary))
        np.save(staging / "tokens.npy", np.concatenate(tokens) if tokens else np.zeros(0, np.int32))
        np.save(staging / "ends.npy", np.cumsum([len(t) for t in tokens], dtype=np.int64))
        if self.vectors is not None:
            np.save(staging / "vectors.npy", self.vectors)
        if self.records is not None:
            self.records.save(staging)
        state = {"version": self.version, "ids": self.ids, "doc_ids": self.doc_ids,
                 "sources": self.sources, "stories": self.stories}
        (staging / _STATE).write_text(json.dumps(state))
        pointer = staging.with_suffix(".current")
        pointer.write_text(staging.name)
        previous = (folder / _CURRENT).read_text().strip() if (folder / _CURRENT).exists() else ""
        os.replace(pointer, folder / _CURRENT)
        _remove_stale(folder, keep={staging.name, previous})

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The current saved index, or None when there is none (or it cannot be read)."""
        bm25s = _bm25s()
        try:
            folder = folder / (folder / _CURRENT).read_text().strip()
            state = json.loads((folder / _STATE).read_text())
            dates = np.load(folder / "dates.npy")
            bm25 = bm25s.BM25.load(folder, mmap=True, show_progress=False) if state["ids"] else None
            vectors = (np.load(folder / "vectors.npy", mmap_mode="r")
                       if (folder / "vectors.npy").exists() else None)
            records = Records.load(folder)
        except (OSError, ValueError, KeyError):
            return None
        stories = state.get("stories")
        if vectors is None or records is None or stories is None:  # kept together, or none
            records, stories = None, None
        index = cls(bm25, state["ids"], state["doc_ids"], state["sources"], dates, state["version"],
                    vectors, records, stories)
        index.folder = folder if (folder / "words.json").exists() else None
        return index

    def scores(self, query: str) -> np.ndarray | None:
        """Each row's BM25 score for `query`; None when no word of it is in the corpus. Worked
        out once for a question's searches, over all its articles and over the recent ones."""
        if not self.ids:
            return None
        known = self.bm25.vocab_dict
        tokens = [token for token in tokenize([query], return_ids=False)[0] if token in known]
        return self.bm25.get_scores(tokens) if tokens else None

    def best(self, scores: np.ndarray | None, k: int, allowed: np.ndarray | None = None
             ) -> list[LexicalHit]:
        """The `k` rows of the highest positive `scores` (from `scores`), best first, the
        earlier row first on a tie; only among `allowed` rows when given (a bool mask). bm25s's
        own `retrieve` does the same in ~2 ms where this takes ~0.2."""
        if scores is None or k <= 0:
            return []
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        rows = np.flatnonzero(scores > 0)
        if len(rows) > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        rows = rows[np.lexsort((rows, -scores[rows]))]
        return [LexicalHit(int(row), self.ids[row], float(scores[row])) for row in rows]

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[LexicalHit]:
        """The `k` best rows for `query`, only among `allowed` rows when given (a bool mask)."""
        return self.best(self.scores(query), k, allowed)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Each row's cosine similarity to `vector` (normalised, as the rows are)."""
        if self.vectors is None:
            raise RuntimeError("This index keeps no vectors; search Chroma (`Store.nearest`).")
        # einsum's own loop, not BLAS: OpenBLAS's threads spin on after a product and slow the
        # query's other work on a 2-core machine (retrieve p50 43 -> 76 ms measured with `@`)
        return np.einsum("ij,j->i", self.vectors, np.asarray(vector, dtype=np.float32))

    def nearest(self, similarities: np.ndarray, n: int, allowed: np.ndarray | None = None
                ) -> list[tuple[str, float]]:
        """The `n` chunks of the highest `similarities` (one per row), as (chunk id, cosine
        similarity), nearest first; only among `allowed` rows when given (a bool mask). Exact,
        where Chroma's HNSW index is approximate."""
        if allowed is not None:
            similarities = np.where(allowed, similarities, -np.inf)
        n = min(n, len(similarities) if allowed is None else int(np.count_nonzero(allowed)))
        if n <= 0:
            return []
        top = np.argpartition(-similarities, n - 1)[:n]
        top = top[np.argsort(-similarities[top], kind="stable")]
        return [(self.ids[row], float(similarities[row])) for row in top]

    def complete(self, chunks: int) -> bool:
        """Whether this index holds what a corpus of `chunks` chunks should: their vectors and
        records, unless it is too large to search them exactly."""
        return (self.vectors is not None and self.records is not None) \
            or not searched_exactly(chunks)

    def chunk(self, chunk_id: str) -> tuple[str, dict, np.ndarray] | None:
        """The text, metadata and vector of `chunk_id`, from the records; None when this index
        keeps no records or does not hold the chunk."""
        row = self.row_of.get(chunk_id)
        if row is None or self.records is None or self.vectors is None:
            return None
        return (*self.records.get(row), self.vectors[row])

    def shared(self, story: str) -> bool:
        """Whether more than one article tells `story` (True when this index cannot say)."""
        return self._story_sizes.get(story, 0) > 1 if self.stories is not None else True

    @cached_property
    def _story_sizes(self) -> dict[str, int]:
        """story -> how many articles tell it."""
        sizes: dict[str, int] = {}
        for story, _ in set(zip(self.stories or (), self.doc_ids, strict=False)):
            sizes[story] = sizes.get(story, 0) + 1
        return sizes

    def unknown_words(self, words: set[str]) -> set[str]:
        """The words (lower case) that no chunk of the corpus contains, after stemming. A word
        of one character is never unknown: the tokenizer keeps none ("$1 billion", "Apollo 6")."""
        words = {word for word in words if len(word) > 1}
        if not self.ids:
            return set(words)
        stems = dict(zip(words, _stemmer().stemWords(list(words)), strict=True))
        return {word for word, stem in stems.items() if stem not in self.bm25.vocab_dict}

    def unlike_words(self, words: set[str], likeness: float = LIKENESS) -> set[str]:
        """Of `words` (lower case), those that no chunk contains and no word of the corpus
        resembles in spelling: no stem of the corpus with the same first letter comes within a
        difflib ratio of `likeness` of the word's ("harbor" is like "harbour", "Zelenskyy" like
        "Zelensky"; "zzqwertyplan" is like nothing)."""
        unknown = self.unknown_words(words)
        if not unknown or not self.ids:
            return unknown
        stems = dict(zip(unknown, _stemmer().stemWords(list(unknown)), strict=True))
        return {word for word, stem in stems.items() if not difflib.get_close_matches(
            stem, self._stems_by_letter.get(stem[:1], ()), n=1, cutoff=likeness)}

    @cached_property
    def _stems_by_letter(self) -> dict[str, list[str]]:
        by_letter: dict[str, list[str]] = {}
        for stem in self.bm25.vocab_dict:
            by_letter.setdefault(stem[:1], []).append(stem)
        return by_letter

    def knows(self, name: str) -> bool:
        """Whether `name` is the doc_id or the source of an indexed article."""
        return name in self._rows_of

    def chunk_count(self, doc_id: str) -> int:
        """How many chunks the article `doc_id` has (1 if the index does not hold it)."""
        return len(self._rows_of.get(doc_id, ())) or 1

    @cached_property
    def row_of(self) -> dict[str, int]:
        """chunk id -> its row (of `ids`, `dates`, `mask`)."""
        return {chunk_id: row for row, chunk_id in enumerate(self.ids)}

    @cached_property
    def _rows_of(self) -> dict[str, list[int]]:
        """doc_id or source -> its rows: a filter costs its own rows, not the corpus."""
        rows: dict[str, list[int]] = {}
        for row, names in enumerate(zip(self.doc_ids, self.sources, strict=True)):
            for name in set(names):
                rows.setdefault(name, []).append(row)
        return rows

    def mask(self, doc_ids: set[str] | None, since: int, until: int, dated: bool = True
             ) -> np.ndarray | None:
        """Rows that pass the filters (dates as `date_number`s, 0 for none), or None when
        nothing is filtered. An undated row passes `until` only when not `dated`."""
        if not doc_ids and not since and not until:
            return None
        allowed = np.ones(len(self.ids), dtype=bool)
        if doc_ids:
            allowed[:] = False
            for name in doc_ids:
                allowed[self._rows_of.get(name, [])] = True
        if since:
            allowed &= self.dates >= since
        if until:
            allowed &= (self.dates <= until) & ((self.dates > 0) | (not dated))
        return allowed

    def day(self, doc_id: str) -> int:
        """The `date_number` of the article `doc_id`: 0 if undated or not indexed."""
        rows = self._rows_of.get(doc_id)
        return int(self.dates[rows[0]]) if rows else 0


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Remove saved versions but `keep` once they are old enough that nobody is loading them."""
    cutoff = time.time() - _STALE_AFTER_S
    for old in folder.glob("v-*"):
        try:
            if old.name not in keep and old.name.split(".")[0] not in keep \
                    and old.stat().st_mtime < cutoff:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        except OSError:
            pass  # another process removed it first


def _stack(previous: np.ndarray | None, kept: list[int], new: np.ndarray | None,
           rows: int) -> np.ndarray | None:
    """The vectors of an index of `rows` rows: `previous`'s `kept` rows, then `new`; None when
    a part is missing or the index is too large to search exactly."""
    if new is None or not searched_exactly(rows) or (kept and previous is None):
        return None
    parts = [np.asarray(previous[kept], np.float32)] if kept and previous is not None else []
    parts += [np.asarray(new, np.float32).reshape(len(new), -1)] if len(new) else []
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def _records(previous: LexicalIndex, kept: list[int], rows: list[tuple[str, str, dict]]
             ) -> tuple[Records | None, list[str] | None]:
    """The records and stories of an index of `previous`'s `kept` rows, then `rows`; none when
    `previous` lacks those it should keep."""
    if kept and (previous.records is None or previous.stories is None):
        return None, None
    old, stories = previous.records, previous.stories
    records = [old.raw(n) for n in kept] if old is not None else []
    records += [encoded(text, meta) for _, text, meta in rows]
    kept_stories = [stories[n] for n in kept] if stories is not None else []
    return Records.of(records), kept_stories + [meta.get("story", "") for _, _, meta in rows]


def _compact(tokens: list[np.ndarray], vocabulary: list[str]) -> tuple[list[np.ndarray], list[str]]:
    """Drop the words no row uses any more, and renumber the rest."""
    used = np.unique(np.concatenate(tokens)) if tokens else np.zeros(0, np.int32)
    renumber = np.full(len(vocabulary), -1, dtype=np.int32)
    renumber[used] = np.arange(len(used), dtype=np.int32)
    return [renumber[t] for t in tokens], [vocabulary[n] for n in used]
