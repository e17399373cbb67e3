"""Ranking as pure functions: each stage's candidates in, one ranking of chunks out.

The retriever calls `rank` on what Chroma and BM25 found; `newsdesk tune` calls it on the same
candidates, cached, to choose the knobs of `RetrievalConfig` on RealTimeQA train. Two ways of
fusing the stages: by reciprocal rank (Cormack et al., 2009), or by a convex combination of
their scores, each normalised (Bruch et al., 2023, "An Analysis of Fusion Functions for Hybrid
Retrieval"), which keeps how far apart the candidates score and not only their order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from newsdesk.fitted import default
from newsdesk.index.store import chunk_document, chunk_position


@dataclass(frozen=True)
class RetrievalConfig:
    """Which retrieval stages run, and how they are weighed.

    The defaults of `lexical_weight`, `keyword_weight`, `document_weight`, `length_prior`,
    `recency` and `recent_days` are the fitted values' (`newsdesk.fitted`, rag/fitted.json),
    chosen on RealTimeQA train by `newsdesk tune`; the others are set by hand (docs: Quality,
    Results history).

    Args:
        dense: Search the Chroma vectors.
        lexical: Search BM25.
        fusion: "rrf": reciprocal-rank fusion; "convex": a chunk's dense similarity plus
            `lexical_weight` times its BM25 score over the query's best (a chunk the dense stage did
            not find counts the least similarity it found; one BM25 did not find, 0).
        lexical_weight: Weight of BM25 in the fusion (by rank: dense counts 1; by score: in
            units of cosine similarity).
        rrf_k: The reciprocal-rank-fusion constant.
        candidates: Passages each stage contributes before fusion.
        dedupe: Word-set overlap (Jaccard) at which a passage counts as a near-duplicate of a
            better one and is dropped; 1.0 keeps everything.
        lead_prior: News puts the main facts first (the inverted pyramid): a chunk's dense
            similarity is lowered by `lead_prior * log(1 + its position in the article)`.
            0 turns it off.
        length_prior: An article's best chunk is the best of as many tries as it has chunks, so
            long articles win by chance over short ones that match as well (max-pooling's length
            bias): a chunk's dense similarity is lowered by `length_prior * log(its article's
            chunk count)`. Chosen on train so that it ranks full articles among themselves no
            worse (`newsdesk tune`). 0 turns it off.
        document_weight: A chunk's fused score is raised by this times its article's score
            (the sum of the article's two best chunk scores), so the passages of an article
            that matches in several places rise together. 0 turns it off.
        recency: News is read as of a moment: a chunk's score is lowered by `recency *
            log(1 + its article's age in days)`, its age counted from the day the question is
            asked as of, or from the window of days the question names ("last week", "in
            March": 0 inside it). An undated article counts the mean of the dated ones found.
            0 turns it off; so does a question asked as of no moment.
        keyword_weight: `lexical_weight` for a query of names and keywords, not a question
            ("Gerasimov Kursk", `language.Words.keywords`): BM25 finds rare names that the
            embedding blurs.
        recent_days: Each stage also searches the articles of these days before the moment
            the question is about (and of the window it names), and their chunks join the
            candidates: the news of the week asked about is read even where older articles
            fill every place of the search over all of them. 0 turns it off.
    """

    dense: bool = True
    lexical: bool = True
    fusion: str = "convex"
    lexical_weight: float = default("retrieval", "lexical_weight")
    rrf_k: int = 60
    candidates: int = 150
    dedupe: float = 0.8
    lead_prior: float = 0.1
    length_prior: float = default("retrieval", "length_prior")
    document_weight: float = default("retrieval", "document_weight")
    recency: float = default("retrieval", "recency")
    keyword_weight: float = default("retrieval", "keyword_weight")
    recent_days: int = default("retrieval", "recent_days")


@dataclass(frozen=True)
class Candidates:
    """What each stage found for one query, best first.

    `dense`: `(chunk_id, cosine similarity)` pairs; `lexical`: `(chunk_id, BM25 score)` pairs;
    `lengths`: chunks per article, of the articles found (an article not in it counts one);
    `ages`: days from each dated article found to the moment the question is about (empty when
    it is asked as of no moment); `keywords`: the query is names and keywords, not a question;
    `recent_dense`, `recent_lexical`: what each stage found among the articles of the days
    before that moment (`RetrievalConfig.recent_days`; those at most that old join the rest).
    A chunk id is `doc_id::version::position` (`newsdesk.index.store.chunk_id`).
    """

    dense: tuple[tuple[str, float], ...] = ()
    lexical: tuple[tuple[str, float], ...] = ()
    lengths: Mapping[str, int] = field(default_factory=dict)
    ages: Mapping[str, float] | None = None
    keywords: bool = False
    recent_dense: tuple[tuple[str, float], ...] = ()
    recent_lexical: tuple[tuple[str, float], ...] = ()


def rank(candidates: Candidates, config: RetrievalConfig) -> list[tuple[str, float]]:
    """Chunk ids and fused scores, best first, by the stages and weights `config` sets."""
    if candidates.keywords:
        config = replace(config, lexical_weight=config.keyword_weight)
    dense = _with_recent(candidates.dense[: config.candidates], candidates.recent_dense,
                         candidates, config) if config.dense else ()
    lexical = _with_recent(candidates.lexical[: config.candidates], candidates.recent_lexical,
                           candidates, config) if config.lexical else ()
    if config.fusion == "convex":
        fused = _convex(dense, lexical, config, candidates)
    else:
        rankings, weights = [], []
        if dense:
            rankings.append([chunk_id for chunk_id, _ in _with_priors(dense, config, candidates)])
            weights.append(1.0)
        if lexical:
            rankings.append([chunk_id for chunk_id, _ in lexical])
            weights.append(config.lexical_weight)
        fused = reciprocal_rank_fusion(rankings, weights, config.rrf_k)
    return _with_document_score(fused, config.document_weight) if config.document_weight else fused


def reciprocal_rank_fusion(
    rankings: list[list[str]], weights: list[float] | None = None, k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked lists of ids by weighted reciprocal rank (Cormack et al., 2009).

    Args:
        rankings: Each a list of ids, best first.
        weights: One weight per ranking; default 1 each.
        k: The RRF constant; larger flattens the difference between ranks. Default 60.

    Returns:
        `(id, score)` pairs, best first; ties keep the order of first appearance.

    Example:
        >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
        [('b', 0.032522...), ('a', 0.016393...), ('c', 0.016129...)]
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings; give one each")
    scores: dict[str, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] += weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def _with_recent(found: tuple[tuple[str, float], ...], recent: tuple[tuple[str, float], ...],
                 candidates: Candidates, config: RetrievalConfig) -> tuple[tuple[str, float], ...]:
    """`found`, and the chunks of the recent articles (at most `config.recent_days` old) not
    among them, best first by their stage's score."""
    if not config.recent_days or not recent or candidates.ages is None:
        return found
    ages, present = candidates.ages, {chunk_id for chunk_id, _ in found}
    joined = [pair for pair in recent[: config.candidates] if pair[0] not in present
              and ages.get(chunk_document(pair[0]), math.inf) <= config.recent_days]
    return tuple(sorted((*found, *joined), key=lambda pair: -pair[1])) if joined else found


def _convex(dense: tuple[tuple[str, float], ...], lexical: tuple[tuple[str, float], ...],
            config: RetrievalConfig, candidates: Candidates) -> list[tuple[str, float]]:
    """Dense similarity plus the weighted, normalised BM25 score, less the priors."""
    similarity = dict(dense)
    floor = min(similarity.values(), default=0.0)  # no chunk the dense stage missed scores more
    best = max((score for _, score in lexical), default=0.0) or 1.0
    bm25 = {chunk_id: score / best for chunk_id, score in lexical}
    scored = {chunk_id: similarity.get(chunk_id, floor) + config.lexical_weight * bm25.get(chunk_id, 0.0)
              for chunk_id in dict.fromkeys([*similarity, *bm25])}
    return _with_priors(tuple(scored.items()), config, candidates)


def _with_priors(scored: tuple[tuple[str, float], ...], config: RetrievalConfig,
                 candidates: Candidates) -> list[tuple[str, float]]:
    """Each chunk with its score lowered by the lead, the length and the recency prior, best
    first."""
    lengths, age = candidates.lengths, _age_penalty(candidates, config.recency)
    lowered = [(chunk_id, score - config.lead_prior * math.log1p(chunk_position(chunk_id))
                - config.length_prior * math.log(lengths.get(chunk_document(chunk_id), 1))
                - age(chunk_document(chunk_id)))
               for chunk_id, score in scored]
    return sorted(lowered, key=lambda pair: -pair[1])


def _age_penalty(candidates: Candidates, weight: float):
    """doc_id -> how much its age lowers its chunks' scores (see `RetrievalConfig.recency`)."""
    if not weight or candidates.ages is None:
        return lambda doc_id: 0.0
    penalties = {doc_id: weight * math.log1p(max(age, 0.0)) for doc_id, age in candidates.ages.items()}
    undated = sum(penalties.values()) / len(penalties) if penalties else 0.0
    return lambda doc_id: penalties.get(doc_id, undated)


def _with_document_score(fused: list[tuple[str, float]], weight: float) -> list[tuple[str, float]]:
    best: dict[str, list[float]] = defaultdict(list)
    for chunk_id, score in fused:  # best first, so each article's first two are its best
        scores = best[chunk_document(chunk_id)]
        if len(scores) < 2:
            scores.append(score)
    rescored = [(chunk_id, score + weight * sum(best[chunk_document(chunk_id)]))
                for chunk_id, score in fused]
    return sorted(rescored, key=lambda pair: -pair[1])
