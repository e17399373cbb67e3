"""Shared fixtures: the real embedding model, and a real Chroma index of the seeds."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsdesk.core.settings import Settings
from newsdesk.evals.processes import start_app, start_chroma, stop
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIRST_SEED = SEEDS / "000_99e8b240e118b51d.txt"
SECOND_SEED = SEEDS / "001_ca5ecb444059c4d2.txt"
DATED = ROOT / "evals" / "gold" / "temporal"

for name, value in {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                    "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(name, value)
# The model's ONNX export, made once and shared by every process a test starts (never the
# user's own cache folder); git ignores test-output/.
CACHE = ROOT / "test-output" / "cache"
os.environ["NEWSDESK_CACHE"] = str(CACHE)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test reads the user's index or settings."""
    for variable in ("NEWSDESK_HOME", "NEWSDESK_CHROMA_URL", "NEWSDESK_EMBED_MODEL",
                     "NEWSDESK_COLLECTION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NEWSDESK_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once, as newsdesk runs it: questions embedded by its
    ONNX export (made here if no test run has made it yet), ingest by the model."""
    embedder = Embedder(cache=CACHE)
    embedder.prepare_export()  # before its first question, which then finds the export
    return embedder


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder) -> Settings:
    """Settings of an index holding the two seed articles, built once."""
    home = tmp_path_factory.mktemp("seed-index")
    settings = Settings(home=home)
    report = ingest([SEEDS], settings, progress=False, embedder=embedder)
    assert report.new == 2 and not report.problems
    return settings


@pytest.fixture(scope="session")
def dated_settings(tmp_path_factory, embedder) -> Settings:
    """Settings of an index of dated articles whose figures change over time (the temporal
    gold set's: evals/gold/temporal), built once."""
    settings = Settings(home=tmp_path_factory.mktemp("dated-index"))
    report = ingest([DATED], settings, progress=False, embedder=embedder)
    assert report.new == len(list(DATED.glob("*.md"))) and not report.problems
    return settings


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of seeds/."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on 127.0.0.1, for the session; yields its URL."""
    process, url = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield url
    stop(process)


def run_async(coroutine):
    """Run a coroutine on a thread of its own: Playwright's sync API keeps an event loop
    running in the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=120)


def start_server(home: Path, *flags: str, **options) -> tuple[subprocess.Popen, str]:
    """A real app server on 127.0.0.1 over the index at `home` (log: home/server-PORT.log;
    `options`: those of `start_app`)."""
    return start_app(home, *flags, **options)


@pytest.fixture(scope="session")
def app_home(tmp_path_factory, embedder) -> Path:
    home = tmp_path_factory.mktemp("app-home")
    ingest([SEEDS], Settings(home=home), progress=False, embedder=embedder)
    return home


@pytest.fixture(scope="session")
def app_url(app_home):
    process, url = start_server(app_home)
    yield url
    stop(process)
