"""A Chroma server that freezes, dies and comes back: clear errors within the timeout, in the
library, the command line and the app alike, and service again once it is back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from newsdesk import BackendUnreachableError, Retriever
from newsdesk.core.settings import Settings
from newsdesk.evals.processes import start_chroma
from newsdesk.index.ingest import ingest
from tests.conftest import SEEDS, start_server, stop


@pytest.fixture
def chroma(tmp_path, embedder):
    """A Chroma server of its own (the test stops it), holding the seeds."""
    process, url = start_chroma(tmp_path)
    settings = Settings(home=tmp_path / "home", chroma_url=url, chroma_timeout=2)
    ingest([SEEDS], settings, progress=False, embedder=embedder)
    box = {"process": process, "url": url, "settings": settings}
    yield box
    box["process"].send_signal(signal.SIGCONT)
    stop(box["process"])


def test_a_frozen_server_is_a_clear_error_within_the_timeout(chroma, embedder):
    retriever = Retriever.open(settings=chroma["settings"], embedder=embedder)
    passage = retriever.retrieve("Gerasimov", 1)[0]
    chroma["process"].send_signal(signal.SIGSTOP)
    # the passages of an open retriever come from its own copy (the BM25 index's records) ...
    assert retriever.retrieve("Gerasimov", 1) == [passage]
    for needs_the_server in (lambda: retriever.document_text(passage.doc_id),  # ... not this
                             lambda: Retriever.open(settings=chroma["settings"], embedder=embedder)):
        started = time.monotonic()
        with pytest.raises(BackendUnreachableError, match="did not answer within 2 s"):
            needs_the_server()
        assert time.monotonic() - started < 8
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--chroma-url", chroma["url"],
                           "--chroma-timeout", "2", "retrieve", "Gerasimov"], capture_output=True,
                          text=True, timeout=120, env=os.environ)
    assert done.returncode == 2 and "did not answer within 2 s" in done.stderr
    assert "Traceback" not in done.stderr
    chroma["process"].send_signal(signal.SIGCONT)
    assert retriever.retrieve("Gerasimov", 1)  # and back to work


def test_the_app_tells_chat_users_what_the_cli_says_and_recovers(chroma, tmp_path):
    app, url = start_server(chroma["settings"].home, "--no-mcp", "--chroma-url", chroma["url"],
                            "--chroma-timeout", "3")
    try:
        with httpx.Client(timeout=60) as client:
            def ask():
                return client.post(f"{url}/gradio_api/run/ask",
                                   json={"data": ["Who flanked Putin?", 8, [], "", "", "", ""]}).json()

            assert "Lukashenka" in ask()["data"][0]["answer"]
            port = int(chroma["url"].rsplit(":", 1)[1])
            chroma["process"].kill()
            chroma["process"].wait(timeout=30)
            refused = ask()
            assert "Cannot reach the Chroma server" in str(refused), refused
            chroma["process"], _ = start_chroma(tmp_path, port=port)
            assert "Lukashenka" in ask()["data"][0]["answer"]
        port = url.rsplit(":", 1)[1]
        log = (chroma["settings"].home / f"server-{port}.log").read_text()
        assert "Traceback" not in log and log.count("Cannot reach the Chroma server") == 1
    finally:
        stop(app)


def test_twenty_callers_of_a_frozen_server_are_all_told_within_the_timeout(chroma, tmp_path):
    """Once the server is known to be down, the next callers are told at once (a circuit
    breaker) instead of each waiting out the timeout behind the app's two workers in turn."""
    app, url = start_server(chroma["settings"].home, "--no-mcp", "--chroma-url", chroma["url"],
                            "--chroma-timeout", "3")
    try:
        def ask(_=None) -> tuple[float, dict]:
            started = time.monotonic()
            with httpx.Client(timeout=120) as client:
                reply = client.post(f"{url}/gradio_api/run/ask",
                                    json={"data": ["Who flanked Putin?", 8, [], "", "", "", ""]}).json()
            return time.monotonic() - started, reply

        assert "Lukashenka" in ask()[1]["data"][0]["answer"]
        chroma["process"].send_signal(signal.SIGSTOP)
        with ThreadPoolExecutor(20) as pool:
            told = list(pool.map(ask, range(20)))
        assert all("did not answer within 3 s" in str(reply) for _, reply in told), told[0]
        assert max(seconds for seconds, _ in told) < 3 + 7  # before: 20 / 2 workers x 3 s = 30 s
        chroma["process"].send_signal(signal.SIGCONT)
        assert "Lukashenka" in ask()[1]["data"][0]["answer"]  # answers again once it does
    finally:
        stop(app)
