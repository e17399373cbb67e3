"""Run an eval suite or the benchmark: print the table, write the reports."""

from __future__ import annotations

import json
from pathlib import Path

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.evals import bench, realtimeqa, report, rgb, seeds, temporal
from newsdesk.evals.systems import SYSTEMS, pick, with_llm
from newsdesk.index.embed import Embedder

GOLD_SETS = {"seeds": "seeds/ (evals/gold/seeds.jsonl)",  # the suites' data, shipped in evals/gold
             "temporal": "evals/gold/temporal/ (evals/gold/temporal.jsonl)"}


def run_suite(suite: str, settings: Settings, data: Path, systems: str | None = None,
              limit: int | None = None, baseline: Path | None = None,
              reports: Path = report.REPORTS, progress: bool = True,
              as_of: str | None = None, publish: Path | None = None, command: str = "") -> Path:
    """Score `systems` (comma-separated names, "all", or None for the default) on `suite`,
    each question asked `as_of` a day (RealTimeQA: default each question's own date; "none"
    for no moment).

    With `publish`, also writes the summary the docs are built from (`publish/<suite>.json`;
    RealTimeQA asked otherwise than as of each question's date: `publish/<suite>-as-of-<as_of>.json`).

    Returns:
        The JSON report's path (a Markdown table and a PNG chart lie beside it).
    """
    _publishable(publish, limit)
    names = list(SYSTEMS) if systems == "all" else (systems or "default").split(",")
    chosen = with_llm(pick([n.strip() for n in names if n.strip()]), settings)
    embedder = Embedder.of(settings)
    if suite == "seeds":
        result = seeds.run(chosen, embedder, settings, limit=limit, progress=progress)
    elif suite == "temporal":
        result = temporal.run(chosen, embedder, settings, limit=limit, progress=progress)
    elif suite == "realtimeqa":
        result = realtimeqa.run(chosen, embedder, settings, data, limit=limit, progress=progress,
                                as_of=as_of or "question")
    else:
        result = rgb.run(chosen, embedder, settings, data, limit=limit, progress=progress)
    comparison = report.compare(result, baseline) if baseline else ""
    print(report.table(result))
    if comparison:
        print("\n" + comparison)
    path = report.write(result, reports, comparison)
    print(f"\nwrote {path} (+ .md, .png)")
    if publish:
        notes = {k: v for k, v in result.notes.items() if k not in ("data", "gold")}
        published = report.publish(published_name(suite, as_of), result.tables(), command=command,
                                   notes=notes, data=GOLD_SETS.get(suite) or data.resolve().name,
                                   folder=publish)
        print(f"published {published}")
    return path


def published_name(suite: str, as_of: str | None) -> str:
    """The name a run's summary is published under: the suite's, and for RealTimeQA asked
    otherwise than as of each question's date, how ("realtimeqa-as-of-none")."""
    return suite if suite != "realtimeqa" or as_of in (None, "question") else f"{suite}-as-of-{as_of}"


def run_bench(data: Path, ingest_documents: int | None, scale_chunks: int, clients: int,
              limit: int | None, reports: Path = report.REPORTS, publish: Path | None = None,
              command: str = "") -> Path:
    """Run every speed measurement (see `newsdesk.evals.bench`); returns the JSON report's path.

    With `publish`, also writes the summary the docs are built from (`publish/bench.json`).
    """
    _publishable(publish, limit)
    realtimeqa.load_questions(data)  # a clear error for a wrong folder
    path = bench.main(data, ingest_documents, scale_chunks, clients, limit, reports)
    if publish:
        result = json.loads(path.read_text())
        tables = {name: result[name] for name in bench.TABLES}
        published = report.publish("bench", tables, command=command, data=data.resolve().name,
                                   notes={**result["machine"], **result["settings"]}, folder=publish)
        print(f"published {published}")
    return path


def run_bench_cold(runs: int, reports: Path = report.REPORTS, publish: Path | None = None,
                   command: str = "") -> Path:
    """Measure start-up alone (see `newsdesk.evals.bench.run_cold`); returns the JSON report's
    path. With `publish`, also writes `publish/bench-cold.json` for the docs."""
    if runs < 1:
        raise BadInputError(f"--runs of {runs} measures nothing; give 1 or more (default 5).")
    path = bench.main_cold(runs, reports)
    if publish:
        result = json.loads(path.read_text())
        published = report.publish("bench-cold", {name: result[name] for name in bench.COLD_TABLES},
                                   command=command, data="seeds",
                                   notes={**result["machine"], **result["settings"]}, folder=publish)
        print(f"published {published}")
    return path


def _publishable(publish: Path | None, limit: int | None) -> None:
    if publish and limit:
        raise BadInputError("--publish reports the whole suite; drop --limit, or drop --publish "
                            "to try a few questions.")
