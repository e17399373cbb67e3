"""Hostile and odd input: any text, any value, any file. newsdesk answers, or refuses with a
BadInputError saying why; it never fails otherwise, and its offsets stay true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsdesk import Assistant, BadInputError
from newsdesk.core.settings import Settings
from newsdesk.index.chunk import Chunker
from newsdesk.index.ingest import ingest
from newsdesk.index.load import Document
from newsdesk.index.store import Store
from newsdesk.inputs import Filters, check_k, check_question

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                     st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(), st.text()))


@example(question="q", k="²", sources=None, since=None, until=None)  # a digit, not a decimal one
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
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 5000 + f"<p>{story}</p>" +
                                        "</div>" * 5000 + "</body></html>")
    (folder / "<img src=x onerror=alert(1)>.txt").write_text(story)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.md").write_text("   \n")
    with open(folder / "huge.txt", "wb") as huge:  # sparse: 21 MB on paper, nothing on disk
        huge.truncate(21_000_000)
    (folder / "folder.txt").mkdir()
    (folder / os.fsdecode(b"bad-\xff\xfe-name.txt")).write_text(story)  # not UTF-8
    os.symlink(folder / "gone.txt", folder / "broken.txt")
    os.symlink("loop.txt", folder / "loop.txt")
    os.mkfifo(folder / "pipe.txt")
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    os.symlink(secret, folder / "passwd.txt")
    os.symlink(secret.parent, folder / "elsewhere")
    report = ingest([folder], Settings(home=tmp_path / "home"), progress=False, embedder=embedder)
    reasons = {Path(p.where).name: p.reason for p in report.problems}
    assert set(reasons) == {"binary.txt", "empty.md", "huge.txt", "bad-\\xff\\xfe-name.txt",
                            "broken.txt", "loop.txt", "pipe.txt", "passwd.txt", "elsewhere"}
    assert "binary file" in reasons["binary.txt"] and "empty" in reasons["empty.md"]
    assert "larger than 20 MB" in reasons["huge.txt"]
    assert "not valid UTF-8" in reasons["bad-\\xff\\xfe-name.txt"]
    assert "broken symbolic link" in reasons["broken.txt"] and "loops" in reasons["loop.txt"]
    assert "not a regular file (a FIFO)" in reasons["pipe.txt"]
    assert "outside" in reasons["passwd.txt"] and "--follow-links" in reasons["passwd.txt"]
    assert "outside" in reasons["elsewhere"]
    assert report.new == 4
    store = Store.open(Settings(home=tmp_path / "home"))
    assert store.document("latin1").text.startswith("Le pont de Zindelport a rouvert lundi après")
    for doc_id in ("utf16", "latin1", "nested", "<img src=x onerror=alert(1)>"):
        text = store.document(doc_id).text
        assert "Zindelport" in text
        for _, chunk, meta in store.all_chunks():
            if meta["doc_id"] == doc_id:
                assert text[meta["start"]:meta["end"]] == chunk
    assert store.document("passwd") is None


def test_links_out_of_the_folder_are_read_only_when_asked(tmp_path, embedder):
    folder, outside = tmp_path / "articles", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (outside / "ferry.txt").write_text("The Zindelport ferry resumed service on Friday.")
    os.symlink(outside / "ferry.txt", folder / "ferry.txt")
    home = tmp_path / "home"
    refused = _newsdesk("--home", str(home), "ingest", str(folder), "--quiet")
    assert refused.returncode == 1 and "--follow-links" in refused.stderr
    assert "0 new" in refused.stdout
    followed = _newsdesk("--home", str(home), "ingest", str(folder), "--quiet", "--follow-links")
    assert followed.returncode == 0 and "1 new" in followed.stdout, followed.stderr


def test_one_bad_file_name_skips_one_file_not_the_ingest(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(3):
        (folder / f"good-{n}.txt").write_text(f"Report {n}: the Zindelport ferry ran on time.")
    (folder / os.fsdecode(b"\xff\xfe.txt")).write_text("A report under a name that is not UTF-8.")
    done = _newsdesk("--home", str(tmp_path / "home"), "ingest", str(folder), "--quiet")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "3 new" in done.stdout and "\\xff\\xfe.txt: its name is not valid UTF-8" in done.stderr


SURROGATE = "Who flanked \ud800 Putin?"


def test_text_that_is_not_unicode_is_one_clear_error_at_every_door(app_url, app_home):
    message = "not valid Unicode"
    with pytest.raises(BadInputError, match=message):
        check_question("Who flanked \ud800 Putin?")
    # JSON may carry a lone surrogate (\ud800); client libraries refuse to send one, so raw
    question = b'"Who flanked \\ud800 Putin?"'
    with httpx.Client(timeout=60, headers={"accept": "application/json, text/event-stream",
                                           "content-type": "application/json"}) as client:
        reply = client.post(f"{app_url}/gradio_api/run/ask",
                            content=b'{"data": [%s, 8, [], "", "", "", ""]}' % question)
        assert message in reply.text, reply.text
        call = (b'{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ask", '
                b'"arguments": {"question": %s}}}' % question)
        reply = client.post(f"{app_url}/gradio_api/mcp/", content=call)
        assert message in reply.text and '"isError":true' in reply.text, reply.text
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--home", str(app_home), "ask",
                           b"Who flanked \xff Putin?"], capture_output=True, timeout=120,
                          env=os.environ)
    assert done.returncode == 2 and message.encode() in done.stderr
    assert b"Traceback" not in done.stderr
    log = next(app_home.glob(f"server-{app_url.rsplit(':', 1)[1]}.log")).read_text()
    assert "Traceback" not in log


def _newsdesk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsdesk.cli", *args], capture_output=True,
                          text=True, timeout=300, env=os.environ)
