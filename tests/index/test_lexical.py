"""The BM25 index's own search against bm25s's `retrieve`, and the records it keeps."""

import numpy as np
import pytest

from newsdesk.index.lexical import LexicalIndex, tokenize

TEXTS = ["The harbour bridge reopened on Monday after repairs.",
         "The harbour bridge reopened on Monday after repairs.",  # the same score as the first
         "Ferry crossings to Ostmark resume after the storm.",
         "The council approved the bridge budget of 42 million euros.",
         "Apple growers in the Lindau valley lost blossom to frost.",
         "A storm closed the harbour and the bridge for two days."]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    rows = [(f"doc{n}::h::0", text, {"doc_id": f"doc{n}", "story": f"doc{min(n, 1)}"})
            for n, text in enumerate(TEXTS)]
    vectors = np.eye(len(rows), 4, dtype=np.float32)
    return LexicalIndex.build(rows, "v1", vectors=vectors)


@pytest.mark.parametrize("query", ["harbour bridge", "storm", "bridge budget euros", "frost",
                                   "nothing matches zzz"])
@pytest.mark.parametrize("allowed", [None, np.array([False, True, True, True, False, True])])
def test_search_finds_what_bm25s_retrieve_finds(index, query, allowed):
    tokens = [t for t in tokenize([query], return_ids=False)[0] if t in index.bm25.vocab_dict]
    expected = []
    if tokens:
        rows, scores = index.bm25.retrieve([tokens], k=len(TEXTS), show_progress=False,
                                           weight_mask=None if allowed is None
                                           else allowed.astype(np.float32))
        expected = sorted(((float(s), int(r)) for r, s in zip(rows[0], scores[0], strict=True)
                           if s > 0), key=lambda hit: (-hit[0], hit[1]))
    found = index.search(query, len(TEXTS), allowed)
    assert [h.row for h in found] == [row for _, row in expected]
    assert [h.score for h in found] == pytest.approx([score for score, _ in expected])
    assert [h.row for h in index.search(query, 2, allowed)] == [h.row for h in found[:2]]


def test_equal_scores_keep_the_earlier_row_first(index):
    assert [h.row for h in index.search("harbour bridge reopened", 2)] == [0, 1]


def test_records_give_each_row_its_text_metadata_and_vector(index):
    text, meta, vector = index.chunk("doc3::h::0")
    assert (text, meta["doc_id"]) == (TEXTS[3], "doc3") and vector[3] == 1.0
    assert index.chunk("doc9::h::0") is None
    assert index.shared("doc1") and not index.shared("doc0")  # doc1 to doc5 tell one story
