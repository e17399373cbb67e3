"""The pure ranking the retriever and `newsdesk tune` share (no index needed)."""

import math
from dataclasses import replace

import pytest

from newsdesk.fusion import Candidates, RetrievalConfig, rank


def ids(ranking):
    return [chunk_id for chunk_id, _ in ranking]


def test_dense_alone_ranks_by_similarity_lowered_by_position():
    found = Candidates(dense=(("a::v::5", 0.80), ("b::v::0", 0.78)))
    assert ids(rank(found, RetrievalConfig(lexical=False, lead_prior=0.0))) == ["a::v::5", "b::v::0"]
    # 0.1 * log(6) = 0.18 takes the fifth chunk below the lead of another article
    assert ids(rank(found, RetrievalConfig(lexical=False, lead_prior=0.1))) == ["b::v::0", "a::v::5"]


def test_the_length_prior_lowers_the_chunks_of_long_articles():
    lengths = {"long": 40, "short": 2}
    found = Candidates(dense=(("long::v::0", 0.80), ("short::v::0", 0.78)), lengths=lengths)
    assert ids(rank(found, RetrievalConfig(lexical=False, length_prior=0.0))) == [
        "long::v::0", "short::v::0"]
    # 0.02 * (log 40 - log 2) = 0.06 is more than the 0.02 between them
    assert ids(rank(found, RetrievalConfig(lexical=False, length_prior=0.02))) == [
        "short::v::0", "long::v::0"]
    # an article the counts do not hold counts one chunk
    assert ids(rank(Candidates(dense=found.dense), RetrievalConfig(lexical=False, length_prior=0.02))
               ) == ["long::v::0", "short::v::0"]


def test_bm25_weight_decides_between_the_stages():
    found = Candidates(dense=(("a::v::0", 0.9), ("b::v::0", 0.8)),
                       lexical=(("b::v::0", 7.0), ("c::v::0", 3.0)))
    assert ids(rank(found, RetrievalConfig(lexical_weight=0.2)))[0] == "b::v::0"  # found by both
    assert ids(rank(found, RetrievalConfig(lexical=False))) == ["a::v::0", "b::v::0"]
    assert ids(rank(found, RetrievalConfig(dense=False))) == ["b::v::0", "c::v::0"]


def test_an_article_that_matches_in_two_places_rises_with_the_document_weight():
    found = Candidates(dense=(("a::v::0", 0.9), ("b::v::0", 0.85), ("c::v::0", 0.8), ("b::v::1", 0.7)))
    plain = RetrievalConfig(lexical=False, lead_prior=0.0)
    assert ids(rank(found, plain))[:2] == ["a::v::0", "b::v::0"]
    lifted = RetrievalConfig(lexical=False, lead_prior=0.0, document_weight=1.0)
    assert ids(rank(found, lifted)) == ["b::v::0", "b::v::1", "a::v::0", "c::v::0"]


def test_each_stage_contributes_at_most_its_candidates():
    found = Candidates(dense=tuple((f"d{n}::v::0", 1 - n / 100) for n in range(50)),
                       lexical=tuple((f"l{n}::v::0", 50.0 - n) for n in range(50)))
    for fusion in ("rrf", "convex"):
        assert len(rank(found, RetrievalConfig(fusion=fusion, candidates=10))) == 20
        assert rank(Candidates(), RetrievalConfig(fusion=fusion)) == []


def test_convex_fusion_adds_the_normalised_bm25_score_to_the_similarity():
    found = Candidates(dense=(("a::v::0", 0.60), ("b::v::0", 0.58), ("c::v::0", 0.50)),
                       lexical=(("b::v::0", 12.0), ("d::v::0", 6.0)))
    plain = RetrievalConfig(fusion="convex", lead_prior=0.0, length_prior=0.0)
    scores = dict(rank(found, replace(plain, lexical_weight=0.1)))
    assert scores["a::v::0"] == pytest.approx(0.60)  # BM25 did not find it: 0 there
    assert scores["b::v::0"] == pytest.approx(0.58 + 0.1 * 12 / 12)
    # the dense stage did not find d: it counts the least similarity it found, 0.50
    assert scores["d::v::0"] == pytest.approx(0.50 + 0.1 * 6 / 12)
    assert ids(rank(found, replace(plain, lexical_weight=0.1)))[:2] == ["b::v::0", "a::v::0"]
    # a small BM25 weight leaves the dense lead alone
    assert ids(rank(found, replace(plain, lexical_weight=0.01)))[0] == "a::v::0"
    assert ids(rank(found, replace(plain, lexical=False))) == ["a::v::0", "b::v::0", "c::v::0"]


def test_convex_fusion_lowers_the_chunks_bm25_found_by_the_priors_too():
    found = Candidates(dense=(("a::v::0", 0.60),), lexical=(("long::v::3", 10.0), ("short::v::0", 9.0)),
                       lengths={"long": 40, "short": 1})
    config = RetrievalConfig(fusion="convex", lexical_weight=0.5)
    assert ids(rank(found, config))[:2] == ["short::v::0", "long::v::3"]
    assert ids(rank(found, replace(config, lead_prior=0.0, length_prior=0.0)))[0] == "long::v::3"


def test_recency_lowers_older_articles_and_undated_ones_count_the_mean():
    found = Candidates(dense=(("old::v::0", 0.80), ("new::v::0", 0.76), ("undated::v::0", 0.77)),
                       ages={"old": 400.0, "new": 1.0})
    flat = RetrievalConfig(lexical=False, lead_prior=0.0, length_prior=0.0, recency=0.0)
    assert ids(rank(found, flat)) == ["old::v::0", "undated::v::0", "new::v::0"]
    scores = dict(rank(found, replace(flat, recency=0.02)))
    assert scores["new::v::0"] == pytest.approx(0.76 - 0.02 * math.log(2))
    assert scores["old::v::0"] == pytest.approx(0.80 - 0.02 * math.log(401))
    assert scores["undated::v::0"] == pytest.approx(0.77 - 0.01 * (math.log(2) + math.log(401)))
    assert ids(rank(found, replace(flat, recency=0.02)))[0] == "new::v::0"
    # asked as of no moment (ages None), recency changes nothing
    assert ids(rank(replace(found, ages=None), replace(flat, recency=0.02))) == ids(rank(found, flat))


def test_keyword_queries_weigh_bm25_by_their_own_weight():
    found = Candidates(dense=(("a::v::0", 0.60), ("b::v::0", 0.55)), lexical=(("b::v::0", 9.0),))
    config = RetrievalConfig(lead_prior=0.0, length_prior=0.0, lexical_weight=0.0, keyword_weight=0.5)
    assert ids(rank(found, config))[0] == "a::v::0"  # a question: BM25 weighs nothing here
    assert ids(rank(replace(found, keywords=True), config))[0] == "b::v::0"
