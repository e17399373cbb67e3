"""Hostile and odd input: any text, any value, any file. newsdesk answers, or refuses with a
BadInputError saying why; it never fails otherwise, and its offsets stay true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk import Assistant, BadInputError
from newsdesk.index.chunk import Chunker
from newsdesk.index.ingest import ingest
from newsdesk.index.load import Document
from newsdesk.index.settings import Settings
from newsdesk.index.store import Store
from newsdesk.inputs import Filters, check_k, check_question

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                     st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(), st.text()))


@given(question=ANYTHING, k=ANYTHING, sources=ANYTHING, since=ANYTHING, until=ANYTHING)
@settings(max_examples=300)
def test_every_input_is_taken_or_refused_with_a_reason(question, k, sources, since, until):
    for check in (lambda: check_question(question), lambda: check_k(k, 5),
                  lambda: Filters.make(sources, since, until)):
        try:
            check()
        except BadInputError as error:
            assert str(error).endswith(".")  # a sentence, never a raw Python error


@pytest.fixture(scope="module")
def assistant(seed_settings, embedder):
    return Assistant.open(settings=seed_settings, embedder=embedder)


@given(question=st.text(min_size=1, max_size=300))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_question_gets_a_checkable_answer_or_a_clear_refusal(assistant, seed_settings, question):
    try:
        answer = assistant.ask(question)
    except BadInputError:
        assert not question.strip()
        return
    store = Store.open(seed_settings)
    for citation in answer.citations:
        assert store.document(citation.doc_id).text[citation.start:citation.end] == citation.quote


PIECES = st.sampled_from(["The talks resumed on Monday.", "Mr. Smith said 42% agreed.", "\n", "\n\n",
                          "  ", "Ünïcödé quotes “like these” and emoji 🗞️.", "U.S. troops left.",
                          "A" * 300, "no-space-" * 60, "…", "\t", "Короткое предложение."])


@given(pieces=st.lists(PIECES, min_size=1, max_size=25))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_chunks_and_sentences_always_point_into_the_text(embedder, pieces):
    text = " ".join(pieces)
    chunker = Chunker(embedder.count_tokens, embedder.token_spans, max_tokens=64)
    chunks = chunker.chunk(Document("d", text, "test"))
    assert bool(chunks) == bool(text.strip())
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text and chunk.tokens <= 64
        assert all(chunk.start <= s < e <= chunk.end for s, e in chunk.sentences)


def test_hostile_files_and_names_are_read_or_skipped_with_the_right_reason(tmp_path, embedder):
    folder = tmp_path / "articles"
    folder.mkdir()
    story = "Le pont de Zindelport a rouvert lundi après deux ans de travaux, a dit l’ingénieur."
    (folder / "utf16.txt").write_bytes(story.encode("utf-16"))
    (folder / "latin1.txt").write_bytes(story.replace("’", "'").encode("latin-1"))
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 800 + f"<p>{story}</p>" +
                                        "</div>" * 800 + "</body></html>")
    (folder / "<img src=x onerror=alert(1)>.txt").write_text(story)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.md").write_text("   \n")
    with open(folder / "huge.txt", "wb") as huge:  # sparse: 21 MB on paper, nothing on disk
        huge.truncate(21_000_000)
    (folder / "folder.txt").mkdir()
    os.symlink(folder / "gone.txt", folder / "broken.txt")
    report = ingest([folder], Settings(home=tmp_path / "home"), progress=False, embedder=embedder)
    reasons = {Path(p.where).name: p.reason for p in report.problems}
    assert set(reasons) == {"binary.txt", "empty.md", "huge.txt"}
    assert "binary file" in reasons["binary.txt"] and "empty" in reasons["empty.md"]
    assert "larger than 20 MB" in reasons["huge.txt"]
    assert report.new == 4
    store = Store.open(Settings(home=tmp_path / "home"))
    for doc_id in ("utf16", "latin1", "nested", "<img src=x onerror=alert(1)>"):
        text = store.document(doc_id).text
        assert "Zindelport" in text
        for _, chunk, meta in store.all_chunks():
            if meta["doc_id"] == doc_id:
                assert text[meta["start"]:meta["end"]] == chunk
