"""The pure ranking the retriever and `newsdesk tune` share (no index needed)."""

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
    found = Candidates(dense=(("a::v::0", 0.9), ("b::v::0", 0.8)), lexical=("b::v::0", "c::v::0"))
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
                       lexical=tuple(f"l{n}::v::0" for n in range(50)))
    assert len(rank(found, RetrievalConfig(candidates=10))) == 20
    assert rank(Candidates(), RetrievalConfig()) == []
