"""Shared fixtures: the real embedding model, and a real Chroma index of the seeds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest
from newsdesk.index.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIRST_SEED = SEEDS / "000_99e8b240e118b51d.txt"
SECOND_SEED = SEEDS / "001_ca5ecb444059c4d2.txt"

for name, value in {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                    "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(name, value)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test reads the user's index or settings."""
    for variable in ("NEWSDESK_HOME", "NEWSDESK_CHROMA_URL", "NEWSDESK_EMBED_MODEL",
                     "NEWSDESK_COLLECTION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NEWSDESK_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once."""
    return Embedder()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder) -> Settings:
    """Settings of an index holding the two seed articles, built once."""
    home = tmp_path_factory.mktemp("seed-index")
    settings = Settings(home=home)
    report = ingest([SEEDS], settings, progress=False, embedder=embedder)
    assert report.new == 2 and not report.problems
    return settings


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of seeds/."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on 127.0.0.1; yields its URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "w")  # noqa: SIM115 - closed after the server stops
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"chroma run exited: {(data / 'server.log').read_text()}") from None
            time.sleep(0.3)  # poll interval: the wait is for the heartbeat, bounded above
    else:
        process.kill()
        raise RuntimeError("chroma run did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()
