"""Hybrid retrieval: dense (Chroma) and BM25, fused by reciprocal rank, near-duplicates dropped,
wire copies folded (one copy of a story cited, the others listed in `also_in`).

Each stage can be switched off in `RetrievalConfig`, so the evals can show what it is worth.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from newsdesk import language
from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.fusion import Candidates, RetrievalConfig, rank
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import refresh_lexical
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import Store, chunk_document, chunk_sentences, date_number
from newsdesk.inputs import Filters, check_k, check_question
from newsdesk.types import Copy, Passage
from newsdesk.when import moment, named_window

_WORD = re.compile(r"\w+")
# Word overlap (Jaccard) at which a passage of one copy of a story says what a better passage of
# another copy says: lower than `dedupe`, since the articles are already known to be copies.
_COPY_OVERLAP = 0.5
# Filtered dense search (`Retriever._dense`): when at most this many chunks fail, as many more
# are asked for and dropped here; else, when at most this many pass, they are named to Chroma.
# Measured at 18,000 chunks, embedded: a query for 150 chunks ~6 ms, for 2,000 ~26 ms, for
# 4,000 ~50 ms; naming 5,000 chunks ~13 ms, all 18,000 ~22 ms; Chroma's own filter 120-230 ms.
_DROPPED = 2000
_NAMED = 20_000


class Retriever:
    """Finds the passages of the indexed articles that best match a query.

    Example:
        >>> retriever = Retriever.open()
        >>> [p.doc_id for p in retriever.retrieve("What conditions did Putin set?", k=2)]
        ['000_99e8b240e118b51d', '001_ca5ecb444059c4d2']
    """

    def __init__(self, store: Store, embedder: Embedder, lexical: LexicalIndex,
                 config: RetrievalConfig | None = None):
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.config = config or RetrievalConfig()

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        config: RetrievalConfig | None = None,
        embedder: Embedder | None = None,
    ) -> Retriever:
        """Open the index at `home` (or a Chroma server at `chroma_url`).

        Raises:
            IndexMissingError: nothing has been ingested there.
            ModelMismatchError: the index was built with another embedding model.
            BackendUnreachableError: the Chroma server does not answer.
        """
        settings = settings or Settings.load(home=home, chroma_url=chroma_url)
        store = Store.open(settings)
        store.check_model(settings.embed_model)
        embedder = embedder or Embedder.of(settings)
        return cls(store, embedder, refresh_lexical(store, settings), config or RetrievalConfig())

    def retrieve(
        self,
        query: str,
        k: int | None = 5,
        *,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> list[Passage]:
        """The `k` best passages for `query`, best first.

        Args:
            query: A question or keywords; at most 4,000 characters.
            k: How many passages, 1 to 100. Default 5.
            sources: Only these articles (doc_id or source path).
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day (YYYY-MM-DD).
            as_of: The day the query is asked as of (YYYY-MM-DD; default today; "none" for
                no moment): later articles are not read, and newer ones rank higher.

        Returns:
            Passages with their document's title, date and source.

        Raises:
            BadInputError: an empty or too long query, a k outside 1-100, a date that is not a
                day, an end date before the start, or an article the index does not hold.
        """
        return self.search(query, check_k(k, 5), Filters.make(sources, since, until, as_of))

    def search(self, query: str, k: int, filters: Filters,
               vector: np.ndarray | None = None, twins: bool = False) -> list[Passage]:
        """`retrieve` with the filters already made (and the query's vector, if embedded).

        With `twins`, the near-duplicates of the `k` passages that do not say word for word
        what they say follow them: the answerer compares them for conflicting values.
        """
        query = check_question(query)
        k = check_k(k, 5)
        self.check_sources(filters)
        filters = filters.within(named_window(query, filters.as_of))
        vector = self.embedder.embed([query])[0] if vector is None else vector
        fused = rank(self.candidates(query, vector, filters), self.config)
        passages = self._passages(fused[: max(k * 3, 20)], vector)
        words = [set(_WORD.findall(p.text.lower())) for p in passages]
        kept = _drop_near_duplicates(*_fold_copies(passages, words), self.config.dedupe)[:k]
        if twins:
            kept += _twins(kept, passages, words, self.config.dedupe)
        return self.with_copies(kept, filters.last_day)

    def with_copies(self, passages: list[Passage], last_day: str = "") -> list[Passage]:
        """`passages`, each with the other articles of its story in `also_in` (none dated after
        `last_day`, when given: a question asked as of a day lists no later copy). Chroma is
        asked only of the stories that the BM25 index knows more than one article of."""
        stories = self.store.stories([p.story for p in passages
                                      if p.story and self.lexical.shared(p.story)])
        return [replace(p, also_in=tuple(
            Copy(d.doc_id, d.title, d.publisher, d.url, d.date)
            for d in stories.get(p.story, [])
            if d.doc_id != p.doc_id and not (last_day and d.date and d.date[:10] > last_day)))
                for p in passages]

    def candidates(self, query: str, vector: np.ndarray, filters: Filters) -> Candidates:
        """What the dense and the BM25 stage find for `query`, before fusion, over all the
        articles and over the recent ones (`RetrievalConfig.recent_days`), with the chunk counts
        and the ages of the articles they found (for the length and the recency prior)."""
        config = self.config
        similarities = self._similarities(vector) if config.dense else None
        dense = self._dense(vector, filters, similarities) if config.dense else ()
        scores = self.lexical.scores(query) if config.lexical else None
        lexical = self._lexical(scores, filters) if config.lexical else ()
        recent = filters.recent(moment(query, filters.as_of), config.recent_days)
        recent_dense = self._dense(vector, recent, similarities) if recent and config.dense else ()
        recent_lexical = self._lexical(scores, recent) if recent and config.lexical else ()
        found = (dense, lexical, recent_dense, recent_lexical)
        return Candidates(dense=dense, lexical=lexical, lengths=self.article_lengths(*found),
                          ages=(self.article_ages(query, filters, *found)
                                if config.recency or config.recent_days else None),
                          keywords=language.read_question(query).keywords,
                          recent_dense=recent_dense, recent_lexical=recent_lexical)

    def article_lengths(self, *found: Sequence[tuple[str, float]]) -> dict[str, int]:
        """Chunks per article, of the articles of the `(chunk_id, score)` pairs `found`."""
        documents = {chunk_document(chunk_id) for pairs in found for chunk_id, _ in pairs}
        return {doc_id: self.lexical.chunk_count(doc_id) for doc_id in documents}

    def article_ages(self, query: str, filters: Filters, *found: Sequence[tuple[str, float]]
                     ) -> dict[str, float] | None:
        """Days from each dated article of the `(chunk_id, score)` pairs `found` to the moment
        `query` is about (`when.moment`: the days it names, else the day it is asked as of);
        None when it is about no moment."""
        about = moment(query, filters.as_of)
        if about is None:
            return None
        documents = {chunk_document(chunk_id) for pairs in found for chunk_id, _ in pairs}
        days = {doc_id: _day(self.lexical.day(doc_id)) for doc_id in documents}
        return {doc_id: float(about.distance(day)) for doc_id, day in days.items() if day}

    def document_text(self, doc_id: str) -> str:
        """The full text of an indexed article ("" if there is none), to show a quote in context."""
        document = self.store.document(doc_id)
        return document.text if document else ""

    def check_sources(self, filters: Filters) -> None:
        """BadInputError naming the filtered articles the index does not hold."""
        unknown = [name for name in filters.sources if not self.lexical.knows(name)]
        if unknown:
            raise BadInputError(f"No article {unknown[0]!r} in the index; use a doc_id or source "
                                "path that `newsdesk list` shows (the app's Articles tab lists them).")

    def with_following(self, passages: list[Passage], top: int) -> list[Passage]:
        """`passages`, plus the chunk that follows each of the first `top` in its document."""
        present = {p.chunk_id for p in passages}
        wanted = []
        for passage in passages[:top]:
            doc, version, number = passage.chunk_id.rsplit("::", 2)
            following = f"{doc}::{version}::{int(number) + 1}"
            if following not in present:
                wanted.append((following, passage))
                present.add(following)
        if not wanted:
            return passages
        rows = self._chunks([w for w, _ in wanted])
        extra = [_passage(chunk_id, rows[chunk_id][0], rows[chunk_id][1], score=0.0,
                          similarity=before.similarity)
                 for chunk_id, before in wanted if chunk_id in rows]
        return passages + extra

    def with_naming(self, passages: list[Passage], names: set[str], top: int, query: str,
                    filters: Filters, vector: np.ndarray) -> list[Passage]:
        """`passages`, plus the `top` passages that BM25 finds best for `names` (the words of
        people's names) among those not in them, within the time `query` names; `vector`: the
        query's, for their similarity."""
        filters = filters.within(named_window(query, filters.as_of))
        present = {p.chunk_id for p in passages}
        found = [hit for hit in self._lexical(self.lexical.scores(" ".join(sorted(names))), filters)
                 if hit[0] not in present][:top]
        return passages + self._passages(list(found), vector)

    def as_llama_index(self, k: int = 5, filters: Filters | None = None):
        """This retriever as a llama-index `BaseRetriever`, returning the same passages."""
        from newsdesk.llama_index import NewsdeskRetriever  # llama-index loads only when asked for

        return NewsdeskRetriever(self, k=k, filters=filters)

    def as_langchain(self, k: int = 5, filters: Filters | None = None):
        """This retriever as a LangChain `BaseRetriever` (needs `newsdesk[langchain]`)."""
        try:
            from newsdesk.langchain import NewsdeskRetriever
        except ImportError:
            raise BadInputError("The LangChain adapter needs langchain-core: "
                                "pip install 'newsdesk[langchain]'.") from None
        return NewsdeskRetriever(retriever=self, k=k, filters=filters or Filters())

    def _similarities(self, vector: np.ndarray) -> np.ndarray | None:
        """Every chunk's similarity to `vector`, when the BM25 index keeps the vectors."""
        return self.lexical.similarities(vector) if self.lexical.vectors is not None else None

    def _dense(self, vector: np.ndarray, filters: Filters, similarities: np.ndarray | None = None
               ) -> tuple[tuple[str, float], ...]:
        """The nearest chunks that pass `filters`: the rows the BM25 index keeps of their
        metadata (`LexicalIndex.mask`) say which pass, and up to `EXACT_ROWS` chunks it keeps
        their vectors and is searched itself (`similarities`: every chunk's to `vector`, when
        worked out already). Past that, Chroma searches; it filters by reading every chunk's
        metadata (~0.2 s at 18,000 chunks, where a query takes ~10 ms), so a filter that keeps
        out few asks for as many more and drops them here (`_DROPPED`), another names those
        that pass (`_NAMED`); only a very large filter is left to Chroma."""
        n, mask = self.config.candidates, self._mask(filters)
        if self.lexical.vectors is not None:
            if similarities is None:
                similarities = self.lexical.similarities(vector)
            return tuple(self.lexical.nearest(similarities, n, mask))
        if mask is None or mask.all():
            return tuple(self.store.nearest(vector, n))
        passing = np.flatnonzero(mask)
        dropped = len(mask) - len(passing)
        if dropped <= _DROPPED:
            rows = self.lexical.row_of
            return tuple([hit for hit in self.store.nearest(vector, n + dropped)
                          if (row := rows.get(hit[0])) is not None and mask[row]][:n])
        if len(passing) <= _NAMED:
            ids = [self.lexical.ids[row] for row in passing]
            return tuple(self.store.nearest(vector, n, ids=ids)) if ids else ()
        return tuple(self.store.nearest(vector, n, sources=filters.sources, since=filters.since,
                                        dated=bool(filters.until), last_day=filters.last_day))

    def _lexical(self, scores: np.ndarray | None, filters: Filters) -> tuple[tuple[str, float], ...]:
        """The chunks of the best BM25 `scores` (`LexicalIndex.scores`) that pass `filters`."""
        return tuple((hit.chunk_id, hit.score) for hit in
                     self.lexical.best(scores, self.config.candidates, self._mask(filters)))

    def _mask(self, filters: Filters) -> np.ndarray | None:
        """The BM25 index's rows that pass `filters` (None: no filter)."""
        return self.lexical.mask(set(filters.sources) or None, date_number(filters.since),
                                 date_number(filters.last_day), dated=bool(filters.until))

    def _passages(self, fused: list[tuple[str, float]], vector: np.ndarray) -> list[Passage]:
        if not fused:
            return []
        rows = self._chunks([chunk_id for chunk_id, _ in fused])
        passages = []
        for chunk_id, score in fused:
            if chunk_id not in rows:  # removed by an ingest since the BM25 index was loaded
                continue
            text, meta, embedding = rows[chunk_id]
            similarity = float(np.dot(np.asarray(embedding), vector))
            passages.append(_passage(chunk_id, text, meta, round(score, 6), round(similarity, 4)))
        return passages

    def _chunks(self, ids: list[str]) -> dict[str, tuple[str, dict, np.ndarray]]:
        """Text, metadata and vector of the chunks `ids` that the index holds: from the BM25
        index when it keeps them (`LexicalIndex.records`: ~5 ms less than Chroma at 18,000
        chunks), else from Chroma."""
        if self.lexical.records is not None:
            return {chunk_id: row for chunk_id in ids
                    if (row := self.lexical.chunk(chunk_id)) is not None}
        return {chunk_id: (text, meta, vector)
                for chunk_id, text, meta, vector in self.store.chunks_with_vectors(ids)}


def _day(number: int) -> datetime.date | None:
    """The day of a `date_number`, None for 0 (undated)."""
    return datetime.date(number // 10000, number // 100 % 100, number % 100) if number else None


def _passage(chunk_id: str, text: str, meta: dict, score: float, similarity: float) -> Passage:
    """A passage from a stored chunk, with its sentences when ingest stored them."""
    sentences = chunk_sentences(meta)
    return Passage(
        chunk_id=chunk_id, doc_id=meta["doc_id"], text=text, start=meta["start"], end=meta["end"],
        score=score, similarity=similarity, title=meta.get("title", ""),
        date=meta.get("date", ""), source=meta.get("source", ""),
        publisher=meta.get("publisher", ""), url=meta.get("url", ""), story=meta.get("story", ""),
        sentences=tuple(sentences[0]) if sentences else (),
        sentence_vectors=sentences[1] if sentences else None,
    )


def _fold_copies(passages: list[Passage],
                 words: list[set[str]]) -> tuple[list[Passage], list[set[str]]]:
    """`passages` (and their `words`) without those of a story's other copies that say what a
    better passage of the story says (word overlap of `_COPY_OVERLAP` or more)."""
    kept: list[tuple[Passage, set[str]]] = []
    for passage, held in zip(passages, words, strict=True):
        if not any(_copies(passage, other) and _jaccard(held, said) >= _COPY_OVERLAP
                   for other, said in kept):
            kept.append((passage, held))
    return [p for p, _ in kept], [w for _, w in kept]


def _drop_near_duplicates(passages: list[Passage], words: list[set[str]],
                          threshold: float) -> list[Passage]:
    """Passages whose words (`words`, one set each) overlap a better one's by less than
    `threshold` (Jaccard)."""
    if threshold >= 1.0:
        return passages
    kept: list[tuple[Passage, set[str]]] = []
    for passage, held in zip(passages, words, strict=True):
        if all(_jaccard(held, other) < threshold for _, other in kept):
            kept.append((passage, held))
    return [passage for passage, _ in kept]


def _twins(kept: list[Passage], passages: list[Passage], words: list[set[str]],
           threshold: float) -> list[Passage]:
    """The passages that near-duplicate one of `kept` without saying word for word the same:
    by `threshold`, or by `_COPY_OVERLAP` for a passage of another copy of its story (an update
    that changed a figure is where sources disagree)."""
    if threshold >= 1.0:
        return []
    of_kept = [(passage, held) for passage, held in zip(passages, words, strict=True)
               if passage in kept]
    texts = {p.text for p in kept}
    return [p for p, held in zip(passages, words, strict=True)
            if p not in kept and p.text not in texts
            and any(_jaccard(held, said) >= (_COPY_OVERLAP if _copies(p, other) else threshold)
                    for other, said in of_kept)]


def _copies(a: Passage, b: Passage) -> bool:
    """Whether two passages come from two copies of one story."""
    return bool(a.story) and a.story == b.story and a.doc_id != b.doc_id


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
