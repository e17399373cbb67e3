"""Fixtures for the reliability suite: small corpora and servers started for one test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsdesk.core.settings import Settings
from newsdesk.evals.stress import write_corpus
from newsdesk.index.ingest import ingest
from tests.conftest import SEEDS


@pytest.fixture
def seed_home(tmp_path, seed_settings) -> Path:
    """A writable copy of the seeds' index, for a test that changes it."""
    home = tmp_path / "home"
    shutil.copytree(seed_settings.home, home)
    return home


@pytest.fixture(scope="session")
def small_index(tmp_path_factory, embedder) -> Settings:
    """The seeds plus 20 short reports, built once."""
    folder = tmp_path_factory.mktemp("small-corpus")
    settings = Settings(home=folder / "home")
    ingest([SEEDS, write_corpus(folder / "reports.jsonl", 20)], settings, progress=False,
           embedder=embedder)
    return settings
