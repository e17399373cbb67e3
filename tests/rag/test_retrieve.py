from pathlib import Path

import pytest

from newsdesk import RetrievalConfig, Retriever
from newsdesk.core.errors import BadInputError, IndexMissingError, ModelMismatchError
from newsdesk.core.settings import Settings
from newsdesk.inputs import Filters


@pytest.fixture(scope="module")
def retriever(seed_settings, embedder):
    return Retriever.open(settings=seed_settings, embedder=embedder)


def test_number_question_finds_the_passage(retriever):
    passages = retriever.retrieve("How much of the Kursk territory had Russia regained?", k=3)
    assert "86%" in passages[0].text
    assert passages[0].doc_id == "000_99e8b240e118b51d"
    assert passages[0].similarity > 0.4


def test_passages_carry_offsets_and_metadata(retriever):
    for passage in retriever.retrieve("Lukashenka Belarus", k=5):
        document = retriever.store.document(passage.doc_id)
        assert document.text[passage.start:passage.end] == passage.text
        assert passage.source.endswith(f"{passage.doc_id}.txt")
    assert len(retriever.retrieve("cease-fire", k=7)) == 7


def test_filters_by_article_and_date(retriever):
    only_first = retriever.retrieve("Putin", k=5, sources=["000_99e8b240e118b51d"])
    assert only_first and {p.doc_id for p in only_first} == {"000_99e8b240e118b51d"}
    dated = retriever.retrieve("Putin", k=5, since="2025-03-01")
    assert dated and {p.doc_id for p in dated} == {"001_ca5ecb444059c4d2"}
    assert retriever.retrieve("Putin", k=5, until="2025-03-01") == []
    with pytest.raises(BadInputError, match="YYYY-MM-DD"):
        retriever.retrieve("Putin", since="last week")


def test_lexical_and_dense_stages_can_be_switched(retriever, seed_settings, embedder):
    from newsdesk import RetrievalConfig

    dense = Retriever.open(settings=seed_settings, embedder=embedder,
                           config=RetrievalConfig(lexical=False))
    lexical = Retriever.open(settings=seed_settings, embedder=embedder,
                             config=RetrievalConfig(dense=False))
    # A bare rare name: BM25 finds it, the embedding alone does not, the hybrid keeps it.
    assert "Gerasimov" in lexical.retrieve("Gerasimov", k=1)[0].text
    assert "Gerasimov" not in dense.retrieve("Gerasimov", k=1)[0].text
    assert any("Gerasimov" in p.text for p in retriever.retrieve("Gerasimov", k=2))
    assert lexical.retrieve("zzzz qqqq", k=3) == []
    # BM25 honours the article filter, by doc_id or by source path.
    second = lexical.retrieve("Putin", k=3)[0].source
    for name in (Path(second).stem, second):
        assert {p.source for p in lexical.retrieve("Putin", k=5, sources=[name])} == {second}


def test_candidates_carry_bm25_scores_and_the_chunk_counts_of_their_articles(retriever):
    query = "Who gave Putin an update in Kursk?"
    found = retriever.candidates(query, retriever.embedder.embed([query])[0], Filters())
    bm25 = [score for _, score in found.lexical]
    assert bm25 and bm25 == sorted(bm25, reverse=True) and bm25[-1] > 0
    stored = retriever.store.chunks.get(include=["metadatas"])["metadatas"]
    assert found.lengths and found.lengths == {
        doc_id: sum(meta["doc_id"] == doc_id for meta in stored) for doc_id in found.lengths}
    assert min(found.lengths.values()) > 1  # the seeds are long enough to split


def test_llama_index_adapter_returns_the_same_passages(retriever):
    query = "What did Zelensky post on X?"
    nodes = retriever.as_llama_index(k=4).retrieve(query)
    passages = retriever.retrieve(query, k=4)
    assert [n.node.node_id for n in nodes] == [p.chunk_id for p in passages]
    assert nodes[0].node.get_content() == passages[0].text
    assert nodes[0].node.metadata["doc_id"] == passages[0].doc_id


@pytest.mark.parametrize("query", ["", "   ", "x" * 4001])
def test_bad_queries_are_refused(retriever, query):
    with pytest.raises(BadInputError):
        retriever.retrieve(query)


def test_missing_index_says_how_to_make_one_and_writes_nothing(tmp_path):
    with pytest.raises(IndexMissingError, match="newsdesk ingest"):
        Retriever.open(home=tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError, match="newsdesk ingest"):
        Retriever.open(home=tmp_path / "empty")
    assert not (tmp_path / "nothing").exists() and not any((tmp_path / "empty").iterdir())


def test_index_built_with_another_model_is_refused(seed_settings):
    other = Settings(home=seed_settings.home, embed_model="/models/another")
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        Retriever.open(settings=other)


def test_as_of_reads_no_later_article_and_ranks_the_news_of_the_day_first(dated_settings, embedder):
    retriever = Retriever.open(settings=dated_settings, embedder=embedder,
                               config=RetrievalConfig(recency=0.05))
    question = "How many acres has the Brackwell fire burned?"
    early = retriever.retrieve(question, k=10, as_of="2024-03-07")
    assert early and all(p.date[:10] <= "2024-03-07" for p in early)
    assert early[0].date.startswith("2024-03-0")  # this week's fire, not the one of 2021
    everything = retriever.retrieve(question, k=10, as_of="none")
    assert any(p.date.startswith("2024-03-10") for p in everything)
    latest = retriever.retrieve(question, k=3, as_of="2024-03-12")
    assert latest[0].date.startswith("2024-03-10") and latest[0].publisher == "Harlow County Courier"
    # a time the question names is preferred to the day it is asked
    named = retriever.retrieve("How many acres did the Brackwell fire burn in 2021?", k=3,
                               as_of="2024-03-12")
    assert named[0].date == "2021-08-14"


@pytest.mark.parametrize("filters", [Filters(), Filters(as_of="2024-03-07"),
                                     Filters(since="2024-02-01"),
                                     Filters(sources=["brackwell-2024-03-06"]),
                                     Filters(as_of="2024-03-12", until="2024-03-08")])
def test_the_dense_stage_finds_the_same_chunks_however_it_searches(dated_settings, embedder,
                                                                   monkeypatch, filters):
    """The exact search over the vectors the BM25 index keeps, and Chroma's (its own filter, the
    passing chunks named, or the failing ones dropped after a wider query) agree, to the score."""
    from newsdesk import retrieve

    retriever = Retriever.open(settings=dated_settings, embedder=embedder)
    assert retriever.lexical.vectors is not None
    vector = embedder.embed(["How many acres has the Brackwell fire burned?"])[0]
    found = {"exact": retriever._dense(vector, filters)}
    monkeypatch.setattr(retriever.lexical, "vectors", None)
    for way, named, dropped in (("chroma", -1, -1), ("named", 10**6, -1), ("dropped", -1, 10**6)):
        monkeypatch.setattr(retrieve, "_NAMED", named)
        monkeypatch.setattr(retrieve, "_DROPPED", dropped)
        found[way] = retriever._dense(vector, filters)
    ids = {way: [chunk_id for chunk_id, _ in hits] for way, hits in found.items()}
    assert ids["chroma"] and ids["exact"] == ids["named"] == ids["chroma"] == ids["dropped"]
    assert [s for _, s in found["exact"]] == pytest.approx([s for _, s in found["chroma"]],
                                                          abs=1e-5)


@pytest.mark.parametrize("question", ["How many acres has the Brackwell fire burned?",
                                      "What did the harbour master say about the ferry?",
                                      "diesel price Norland"])
def test_passages_are_the_same_from_the_bm25_index_as_from_chroma(dated_settings, embedder,
                                                                   monkeypatch, question):
    """The texts, metadata and vectors the BM25 index keeps (`LexicalIndex.records`) give the
    passages, their following chunks and their copies that Chroma's give."""
    retriever = Retriever.open(settings=dated_settings, embedder=embedder)
    assert retriever.lexical.records is not None
    kept = retriever.retrieve(question, k=8, as_of="none")
    following = retriever.with_following(kept, 8)
    monkeypatch.setattr(retriever.lexical, "records", None)
    monkeypatch.setattr(retriever.lexical, "stories", None)
    assert kept and retriever.retrieve(question, k=8, as_of="none") == kept
    assert retriever.with_following(kept, 8) == following
