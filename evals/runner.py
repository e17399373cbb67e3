"""Run an eval suite or the benchmark: print the table, write the reports."""

from __future__ import annotations

from pathlib import Path

from newsdesk.evals import bench, realtimeqa, report, rgb, seeds, temporal
from newsdesk.evals.systems import SYSTEMS, pick, with_llm
from newsdesk.index.embed import Embedder
from newsdesk.index.settings import Settings


def run_suite(suite: str, settings: Settings, data: Path, systems: str | None = None,
              limit: int | None = None, baseline: Path | None = None,
              reports: Path = report.REPORTS, progress: bool = True,
              as_of: str | None = None) -> Path:
    """Score `systems` (comma-separated names, "all", or None for the default) on `suite`,
    each question asked `as_of` a day (RealTimeQA: default each question's own date; "none"
    for no moment).

    Returns:
        The JSON report's path (a Markdown table and a PNG chart lie beside it).
    """
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
    return path


def run_bench(data: Path, ingest_documents: int | None, scale_chunks: int, clients: int,
              limit: int | None, reports: Path = report.REPORTS) -> Path:
    """Run every speed measurement (see `newsdesk.evals.bench`); returns the JSON report's path."""
    realtimeqa.load_questions(data)  # a clear error for a wrong folder
    return bench.main(data, ingest_documents, scale_chunks, clients, limit, reports)
