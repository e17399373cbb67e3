import re

import pytest

from newsdesk.index.chunk import Chunker
from newsdesk.index.load import Document, load_file
from tests.conftest import FIRST_SEED, SECOND_SEED


@pytest.fixture(scope="module")
def chunker(embedder):
    return Chunker(embedder.count_tokens, embedder.token_spans, max_tokens=128, overlap=1)


@pytest.mark.parametrize("path", [FIRST_SEED, SECOND_SEED])
def test_chunks_keep_offsets_and_fit_the_budget(chunker, embedder, path):
    document = load_file(path).documents[0]
    chunks = chunker.chunk(document)
    assert len(chunks) >= 5
    for chunk in chunks:
        assert document.text[chunk.start:chunk.end] == chunk.text
        assert chunk.tokens == embedder.count_tokens([chunk.text])[0] <= 128
    assert [c.number for c in chunks] == list(range(len(chunks)))


def test_chunks_cover_every_sentence_of_the_body(chunker):
    document = load_file(FIRST_SEED).documents[0]
    covered = set()
    for chunk in chunker.chunk(document):
        covered.update(range(chunk.start, chunk.end))
    letters = [i for i, c in enumerate(document.text) if not c.isspace()]
    assert all(i in covered for i in letters)


def test_chunks_skip_the_repeated_fragments(chunker):
    document = load_file(SECOND_SEED).documents[0]
    texts = [c.text for c in chunker.chunk(document)]
    assert not any(t.startswith(("tells us.", "points out.", "says .", ", asks")) for t in texts)
    assert not any("2025-03-14" in t for t in texts)


def test_a_sentence_longer_than_the_budget_is_cut_without_losing_words(embedder):
    chunker = Chunker(embedder.count_tokens, embedder.token_spans, max_tokens=32, overlap=0)
    text = " ".join(f"word{i}" for i in range(300)) + "."
    chunks = chunker.chunk(Document(doc_id="long", text=text, source="long.txt"))
    assert len(chunks) > 5
    assert all(embedder.count_tokens([c.text])[0] <= 32 for c in chunks)
    words = [w for c in chunks for w in re.findall(r"word\d+", c.text)]
    assert words == [f"word{i}" for i in range(300)]


def test_each_chunk_lists_its_sentences_in_order(chunker):
    document = load_file(FIRST_SEED).documents[0]
    for chunk in chunker.chunk(document):
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        assert all(a[1] <= b[0] for a, b in zip(chunk.sentences, chunk.sentences[1:], strict=False))
        assert all(document.text[s:e].strip() for s, e in chunk.sentences)
