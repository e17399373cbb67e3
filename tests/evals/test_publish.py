"""Published results: `--publish` writes the summary, and the docs' hook builds its tables."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from datetime import datetime
from types import SimpleNamespace

import pytest

from newsdesk.cli import main
from newsdesk.evals import report
from newsdesk.evals.report import SuiteResult, SystemResult
from newsdesk.evals.runner import published_name
from tests.conftest import ROOT


def _hook():
    spec = importlib.util.spec_from_file_location("results_hook", ROOT / "docs" / "hooks" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(markdown: str, docs_dir) -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_path="quality.md"))
    return _hook().on_page_markdown(markdown, page, {"docs_dir": str(docs_dir)}, None)


def test_publish_writes_the_tables_with_date_commit_data_and_command(tmp_path):
    result = SuiteResult("seeds", [SystemResult("newsdesk (default)", {"fact_recall": 0.8333,
                                                                       "p50_ms": 340.4})])
    path = report.publish("seeds", result.tables(), command="newsdesk eval seeds --publish",
                          data="seeds/", notes={"questions": 49}, folder=tmp_path / "results")
    published = json.loads(path.read_text())
    assert path.name == "seeds.json"
    assert published["tables"] == {"systems": [{"system": "newsdesk (default)", "fact_recall": 0.8333,
                                                "p50_ms": 340.4}]}
    assert re.fullmatch(r"[0-9a-f]{12}(\+changes)?", published["commit"])  # this checkout's
    assert datetime.fromisoformat(published["date"]).utcoffset() is not None
    assert (published["data"], published["notes"]) == ("seeds/", {"questions": 49})

    built = _build("Before.\n\n<!-- results: seeds -->\n\nAfter.", tmp_path)
    assert "| `system` | `fact_recall` | `p50_ms` |" in built
    assert "| newsdesk (default) | 0.833 | 340.4 |" in built
    assert "by `newsdesk eval seeds --publish`" in built and "(questions 49)" in built
    assert built.startswith("Before.") and built.endswith("After.")


def test_a_missing_results_file_or_table_fails_the_strict_build(tmp_path, caplog):
    report.publish("bench", {"queries": [{"corpus": "seeds", "p50_ms": 14.0}]}, command="newsdesk bench",
                   data="realtimeqa-2023q4", folder=tmp_path / "results")
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.newsdesk.results"):
        assert "| seeds | 14.0 |" in _build("<!-- results: bench queries -->", tmp_path)
        assert _build("<!-- results: rgb -->", tmp_path) == ""
        assert _build("<!-- results: bench app -->", tmp_path) == ""
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "newsdesk eval rgb --publish" in warnings[0] and "no table 'app'" in warnings[1]


def test_publish_refuses_part_of_a_suite(tmp_path, capsys):
    assert main(["eval", "seeds", "--limit", "3", "--quiet", "--publish", str(tmp_path)]) == 2
    assert "drop --limit" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("suite", "as_of", "name"), [
    ("realtimeqa", None, "realtimeqa"), ("realtimeqa", "question", "realtimeqa"),
    ("realtimeqa", "none", "realtimeqa-as-of-none"),
    ("realtimeqa", "2023-12-01", "realtimeqa-as-of-2023-12-01"), ("seeds", None, "seeds")])
def test_a_run_as_of_another_moment_is_published_beside_the_default_one(suite, as_of, name):
    assert published_name(suite, as_of) == name
