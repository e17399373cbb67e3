"""`newsdesk eval SUITE`: run an eval suite, print its table, write its reports."""

from __future__ import annotations

import argparse
from pathlib import Path

SUITES = ("seeds", "realtimeqa", "rgb")
DATA = {"realtimeqa": Path("../shared/bench/realtimeqa-2023q4"), "rgb": Path("../shared/bench/rgb-en-fact")}


def add_parser(commands) -> None:
    parser = commands.add_parser("eval", help="score retrieval and answers against gold sets")
    parser.add_argument("suite", choices=SUITES)
    parser.add_argument("--data", type=Path, help="benchmark folder (realtimeqa, rgb; default "
                                                  "../shared/bench/<set>)")
    parser.add_argument("--systems", help="comma-separated configurations to compare (default: "
                                          "the default only; 'all' for every one)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--baseline", type=Path, help="an earlier run's JSON: show per-question "
                                                      "wins and losses")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    from rag.cli import add_llm_options

    add_llm_options(parser)  # score answers written by an LLM
    parser.set_defaults(run=run)

    bench = commands.add_parser("bench", help="measure ingest and query speed, memory, scaling")
    bench.add_argument("--data", type=Path, default=DATA["realtimeqa"], help="RealTimeQA folder")
    bench.add_argument("--ingest-documents", type=int, default=300,
                       help="documents of the corpus to time ingest on (0: all 2,229; ~15 min)")
    bench.add_argument("--scale-chunks", type=int, default=100_000, help="size of the scaled corpus")
    bench.add_argument("--clients", type=int, default=8, help="concurrent askers")
    bench.add_argument("--limit", type=int, help="only the first N questions")
    bench.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    bench.set_defaults(run=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    from evals import bench, realtimeqa

    realtimeqa.load_questions(args.data)  # a clear error for a wrong folder
    bench.main(args.data, args.ingest_documents or None, args.scale_chunks, args.clients, args.limit,
               args.reports)
    return 0


def run(args: argparse.Namespace) -> int:
    from evals import realtimeqa, report, rgb, seeds
    from evals.systems import SYSTEMS, pick, with_llm
    from index.embed import Embedder
    from rag.cli import llm_settings

    names = list(SYSTEMS) if args.systems == "all" else (args.systems or "default").split(",")
    systems = with_llm(pick([n.strip() for n in names if n.strip()]), llm_settings(args))
    embedder = Embedder()
    progress = not args.quiet
    if args.suite == "seeds":
        result = seeds.run(systems, embedder, limit=args.limit, progress=progress)
    else:
        suite = realtimeqa if args.suite == "realtimeqa" else rgb
        result = suite.run(systems, embedder, args.data or DATA[args.suite], limit=args.limit,
                           progress=progress)
    comparison = report.compare(result, args.baseline) if args.baseline else ""
    print(report.table(result))
    if comparison:
        print("\n" + comparison)
    print(f"\nwrote {report.write(result, args.reports, comparison)} (+ .md, .png)")
    return 0
