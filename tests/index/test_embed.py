"""One pass of the real model gives chunk vectors and sentence vectors."""

import numpy as np

from newsdesk.index.chunk import sentence_spans

TEXTS = [
    "Putin set conditions for talks. He demanded that Ukraine withdraw its troops from Kursk. "
    "Kyiv rejected this outright.",
    "The harbour bridge reopened on Monday. The repair cost 42 million euros.",
]


def test_chunk_vectors_are_those_of_embed(embedder):
    vectors, _ = embedder.embed_with_sentences(TEXTS, [sentence_spans(t) for t in TEXTS])
    assert np.allclose(vectors, embedder.embed(TEXTS), atol=1e-5)


def test_sentence_vectors_match_their_sentence(embedder):
    spans = [sentence_spans(t) for t in TEXTS]
    _, pooled = embedder.embed_with_sentences(TEXTS, spans)
    assert [len(p) for p in pooled] == [3, 2]
    for text, mine, vectors in zip(TEXTS, spans, pooled, strict=True):
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        alone = embedder.embed([text[s:e] for s, e in mine])
        # Each pooled vector is closest to its own sentence encoded alone.
        assert ((vectors @ alone.T).argmax(axis=1) == np.arange(len(mine))).all()
    question = embedder.embed(["How much did the bridge repair cost?"])[0]
    assert (pooled[1] @ question).argmax() == 1
