"""Ranking as pure functions: each stage's candidates in, one ranking of chunks out.

The retriever calls `rank` on what Chroma and BM25 found; `newsdesk tune` calls it on the same
candidates, cached, to choose the knobs of `RetrievalConfig` on RealTimeQA train.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from newsdesk.index.store import chunk_document, chunk_position


@dataclass(frozen=True)
class RetrievalConfig:
    """Which retrieval stages run, and how they are weighed. The defaults were chosen on
    RealTimeQA train (`newsdesk tune`) and confirmed on 2023 Q4 (README, Quality).

    Args:
        dense: Search the Chroma vectors.
        lexical: Search BM25.
        lexical_weight: Weight of the BM25 ranking in the fusion (dense counts 1).
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
    """

    dense: bool = True
    lexical: bool = True
    lexical_weight: float = 0.2
    rrf_k: int = 60
    candidates: int = 100
    dedupe: float = 0.8
    lead_prior: float = 0.1
    length_prior: float = 0.02
    document_weight: float = 0.0


@dataclass(frozen=True)
class Candidates:
    """What each stage found for one query, best first.

    `dense`: `(chunk_id, cosine similarity)` pairs; `lexical`: chunk ids by BM25 score;
    `lengths`: chunks per article, of the articles found (an article not in it counts one).
    A chunk id is `doc_id::version::position` (`newsdesk.index.store.chunk_id`).
    """

    dense: tuple[tuple[str, float], ...] = ()
    lexical: tuple[str, ...] = ()
    lengths: Mapping[str, int] = field(default_factory=dict)


def rank(candidates: Candidates, config: RetrievalConfig) -> list[tuple[str, float]]:
    """Chunk ids and fused scores, best first, by the stages and weights `config` sets."""
    rankings, weights = [], []
    if config.dense and candidates.dense:
        rankings.append(_with_priors(candidates.dense[: config.candidates], config,
                                     candidates.lengths))
        weights.append(1.0)
    if config.lexical and candidates.lexical:
        rankings.append(list(candidates.lexical[: config.candidates]))
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


def _with_priors(dense: tuple[tuple[str, float], ...], config: RetrievalConfig,
                 lengths: Mapping[str, int]) -> list[str]:
    scored = [(similarity - config.lead_prior * math.log1p(chunk_position(chunk_id))
               - config.length_prior * math.log(lengths.get(chunk_document(chunk_id), 1)), chunk_id)
              for chunk_id, similarity in dense]
    return [chunk_id for _, chunk_id in sorted(scored, key=lambda pair: -pair[0])]


def _with_document_score(fused: list[tuple[str, float]], weight: float) -> list[tuple[str, float]]:
    best: dict[str, list[float]] = defaultdict(list)
    for chunk_id, score in fused:  # best first, so each article's first two are its best
        scores = best[chunk_document(chunk_id)]
        if len(scores) < 2:
            scores.append(score)
    rescored = [(chunk_id, score + weight * sum(best[chunk_document(chunk_id)]))
                for chunk_id, score in fused]
    return sorted(rescored, key=lambda pair: -pair[1])
