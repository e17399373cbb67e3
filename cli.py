"""The `newsdesk` command: ingest, watch, ask, retrieve, list, remove, status, serve, eval, bench.

This is the composition root: it sits above every layer (index <- rag <- evals, and the app) and
is the only place, with `python app.py`, that sets process-wide defaults. Errors newsdesk expects
(bad input, missing index, model mismatch, unreachable server) print one clear line and exit
non-zero; they never show a traceback.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import shlex
import signal
import sys
from pathlib import Path

from newsdesk import when
from newsdesk.core.errors import NewsdeskError
from newsdesk.core.plural import counted, plural
from newsdesk.core.settings import (
    FETCH_FLAGS,
    INDEX_FLAGS,
    LLM_FLAGS,
    SERVE_FLAGS,
    add_flags,
    from_flags,
    set_process_defaults,
)
from newsdesk.types import Answer, Checking, TextPiece

EXIT_PROBLEMS = 1  # the command ran, but some input was skipped
EXIT_ERROR = 2  # the command could not run
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # the reader of the output stopped early
SUITES = ("seeds", "temporal", "realtimeqa", "rgb")
BENCH = Path("../shared/bench")
PUBLISHED = Path("docs/results")  # = newsdesk.evals.report.PUBLISHED (cli imports no evals)


def run() -> None:
    """The `newsdesk` process: its defaults, then the command.

    SIGPIPE keeps Python's default (ignored), for every command: a server must never die
    because a client went away (`newsdesk.app.serve` sets the signals of a server). A reader
    that stops early (`newsdesk retrieve ... | head -1`) ends a command quietly all the same,
    with the status a Unix tool has then.
    """
    set_process_defaults()
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        code = EXIT_BROKEN_PIPE
    # The command is done, and what it wrote is closed. Python's shutdown would now search the
    # libraries' objects (~130,000 after an ask) for reference cycles, several times over, to
    # free memory that the process's end frees anyway: ~0.2 s of a fresh `newsdesk ask`.
    # Frozen, they are left out of those searches (atexit handlers still run).
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit code (0 done, 1 input skipped, 2 could not run)."""
    args = _parser().parse_args(argv)
    args.command_line = _command(argv)
    try:
        return args.run(args)
    except NewsdeskError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("newsdesk: interrupted; run the same command again to finish.", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk", description="Ask questions of news articles; get answers you can check.")
    add_flags(parser, INDEX_FLAGS)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="index article files (.txt .md .html .jsonl), "
                                                "links to articles, and feeds")
    ingest.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH_OR_URL",
                        help="files or folders, article links, RSS/Atom/JSON feeds (default seeds/)")
    ingest.add_argument("--prune", action="store_true",
                        help="remove indexed documents that are not among PATHS")
    ingest.add_argument("--rebuild", action="store_true",
                        help="drop the index first (after changing model or chunk settings)")
    add_flags(ingest, ("embed_model", "chunk_tokens", *FETCH_FLAGS))
    ingest.add_argument("--follow-links", action="store_true",
                        help="also read symbolic links that lead out of the folders given")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    ingest.set_defaults(run=_ingest)

    watch = commands.add_parser("watch", help="poll feeds and ingest new articles as they arrive")
    watch.add_argument("feeds", nargs="*", metavar="FEED", help="feed URLs (RSS, Atom, JSON Feed)")
    watch.add_argument("--feeds", dest="feeds_file", type=Path,
                       help="a file of feed URLs, one a line (# starts a comment)")
    watch.add_argument("--every", default="15m", help="time between polls: 90s, 15m, 2h "
                                                      "(default 15m)")
    watch.add_argument("--once", action="store_true",
                       help="poll once and exit (for cron or a systemd timer)")
    watch.add_argument("--max-new", type=int, default=50,
                       help="new articles taken from one feed per poll (default 50)")
    add_flags(watch, FETCH_FLAGS)
    watch.set_defaults(run=_watch)

    for name, helptext in (("ask", "answer a question with citations"),
                           ("retrieve", "show the passages that match a query")):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("question", metavar="QUESTION" if name == "ask" else "QUERY")
        command.add_argument("--json", action="store_true", help="print one JSON object")
        command.add_argument("-k", type=int, default=None, help="passages to use")
        command.add_argument("--source", action="append", help="only this article "
                                                              "(doc_id or path); repeatable")
        command.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
        command.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")
        command.add_argument("--as-of", dest="as_of", metavar="DAY",
                             help="ask as of this day, YYYY-MM-DD (default today; 'none': no "
                                  "moment): later articles are not read, newer ones rank first")
        if name == "ask":
            add_flags(command, LLM_FLAGS)
        command.set_defaults(run=_ask if name == "ask" else _retrieve)

    listing = commands.add_parser("list", help="the articles in the index, newest first")
    listing.add_argument("--search", metavar="WORDS", default="",
                         help="only articles whose title or text holds every one of these words")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(run=_list)

    removal = commands.add_parser("remove", help="remove articles from the index")
    removal.add_argument("doc_ids", nargs="+", metavar="DOC_ID",
                         help="an article's doc_id, as `newsdesk list` shows it")
    removal.set_defaults(run=_remove)

    status = commands.add_parser("status", help="what the index holds and how it was built")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(run=_status)

    serve = commands.add_parser("serve", help="start the chat in the browser (also: python app.py)")
    add_flags(serve, tuple(name for name in SERVE_FLAGS if name not in INDEX_FLAGS))
    serve.set_defaults(run=_serve)

    evaluate = commands.add_parser("eval", help="score retrieval and answers against gold sets")
    evaluate.add_argument("suite", choices=SUITES)
    evaluate.add_argument("--data", type=Path, help="benchmark folder (realtimeqa, rgb; default "
                                                    "../shared/bench/<set>)")
    evaluate.add_argument("--systems", help="comma-separated configurations to compare (default: "
                                            "the default only; 'all' for every one)")
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument("--baseline", type=Path, help="an earlier run's JSON: show per-question "
                                                        "wins and losses")
    evaluate.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bars")
    evaluate.add_argument("--as-of", dest="as_of", help="RealTimeQA: ask each question as of "
                          "'question' (its own date, default), 'none' (no moment) or YYYY-MM-DD")
    add_publish(evaluate)
    add_flags(evaluate, LLM_FLAGS)  # score answers written by an LLM
    evaluate.set_defaults(run=_eval)

    bench = commands.add_parser("bench", help="measure ingest and query speed, start-up, memory, "
                                               "scaling; or (bench feeds) feeds, re-polls and wire copies")
    bench.add_argument("what", nargs="?", choices=("speed", "cold", "queries", "feeds"),
                       default="speed",
                       help="speed (default): ingest, queries, start-up, concurrency; cold: "
                            "start-up alone (fresh `newsdesk ask` and the app, on seeds/); "
                            "queries: warm query latency alone on the RealTimeQA eval index, "
                            "as of each question's date and of none; feeds: a feed set from "
                            "127.0.0.1 ingested and re-polled, wire copies folded")
    bench.add_argument("--runs", type=int, default=5,
                       help="cold: fresh processes timed, of each kind (default 5)")
    bench.add_argument("--items", type=int, default=1000, help="feeds: articles in the feed set")
    bench.add_argument("--wire-bases", type=int, default=400,
                       help="feeds: base articles of the wire-copy set (RealTimeQA train)")
    bench.add_argument("--data", type=Path, default=BENCH / "realtimeqa-2023q4",
                       help="RealTimeQA folder")
    bench.add_argument("--ingest-documents", type=int, default=300,
                       help="documents of the corpus to time ingest on (0: all 2,229, twice; 30-60 min)")
    bench.add_argument("--scale-chunks", type=int, default=100_000, help="size of the scaled corpus")
    bench.add_argument("--clients", type=int, default=8, help="concurrent askers")
    bench.add_argument("--limit", type=int, help="only the first N questions")
    bench.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    add_publish(bench)
    bench.set_defaults(run=_bench)

    tune = commands.add_parser("tune", help="choose the retrieval knobs on RealTimeQA train, "
                                            "confirm them on its latest questions")
    tune.add_argument("--train", type=Path, help="RealTimeQA folder to tune on (default: the "
                                                 "sample of ../shared/bench/realtimeqa-train)")
    tune.add_argument("--held-out", type=Path,
                      help="RealTimeQA folder to confirm on (default: train's latest quarter "
                           "of questions, not tuned on)")
    tune.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    tune.add_argument("--quiet", action="store_true", help="no progress bars")
    tune.set_defaults(run=_tune)

    learn = commands.add_parser("train", help="fit the answerer's scorer and thresholds on RealTimeQA "
                                              "train (writes rag/fitted.json)")
    learn.add_argument("--train", type=Path, help="RealTimeQA folder to fit on (default: the "
                                                  "sample of ../shared/bench/realtimeqa-train)")
    learn.add_argument("--only", choices=["short", "speech"],
                       help="fit only the short answer's confidence, or learn only the verbs "
                            "of speech (the rest of the fitted values kept)")
    learn.add_argument("--quiet", action="store_true", help="no progress bars")
    learn.set_defaults(run=_train)

    stress = commands.add_parser("stress", help="measure reliability: many clients, concurrent and "
                                                "killed ingests, Chroma faults, hostile input, login")
    stress.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients (default 20)")
    stress.add_argument("--asks", type=int, default=10, help="questions each client asks (default 10)")
    stress.add_argument("--kills", type=int, default=5, help="ingests killed at random moments")
    stress.add_argument("--reports", type=Path, default=Path("reports"), help="output folder")
    stress.set_defaults(run=_stress)
    for command in commands.choices.values():  # the index's flags also after the command
        add_flags(command, INDEX_FLAGS, default=argparse.SUPPRESS)
    return parser


def add_publish(command: argparse.ArgumentParser) -> None:
    command.add_argument("--publish", nargs="?", type=Path, const=PUBLISHED, metavar="FOLDER",
                         help=f"also write the summary the docs' tables are built from "
                              f"(FOLDER/<suite>.json; default {PUBLISHED}/)")


def _command(argv: list[str] | None) -> str:
    """The command line as typed, for a published result to say how it was made."""
    return shlex.join(["newsdesk", *(sys.argv[1:] if argv is None else argv)])


# Each command imports what it runs when it runs: `newsdesk ask` need not load Gradio or the evals.

def _ingest(args) -> int:
    from newsdesk.index.ingest import ingest
    from newsdesk.index.web import FromWeb, fetcher_for, is_link, read_links

    settings = from_flags(args)
    links = [arg for arg in args.paths if is_link(arg)]
    found = FromWeb()
    if links:
        with fetcher_for(settings) as fetcher:
            found = read_links(links, fetcher, progress=not args.quiet)
    report = ingest([Path(arg) for arg in args.paths if not is_link(arg)], settings,
                    prune=args.prune, rebuild=args.rebuild, progress=not args.quiet,
                    documents=found.documents, follow_links=args.follow_links)
    problems = found.problems + report.problems
    for problem in problems:
        print(f"newsdesk: {problem}", file=sys.stderr)
    print(report.summary())
    return EXIT_PROBLEMS if problems else 0


def _watch(args) -> int:
    from newsdesk.index.watch import Watcher, parse_every, read_feeds_file

    feeds = list(args.feeds) + (read_feeds_file(args.feeds_file) if args.feeds_file else [])

    def report(poll) -> None:
        for feed in poll.feeds:
            print(f"newsdesk: {feed.summary()}", flush=True)
            for problem in feed.problems:
                print(f"newsdesk: {problem}", file=sys.stderr, flush=True)

    with Watcher(feeds, from_flags(args), every=parse_every(args.every),
                 max_new=args.max_new) as watcher:
        poll = watcher.run(once=args.once, report=report)
    return EXIT_PROBLEMS if poll.problems else 0


def _retrieve(args) -> int:
    from newsdesk.library import Library
    from newsdesk.retrieve import Retriever

    settings = from_flags(args)
    retriever = Retriever.open(settings=settings)
    passages = retriever.retrieve(args.question, args.k, sources=args.source,
                                  since=args.since, until=args.until, as_of=args.as_of)
    if args.json:
        print(json.dumps({"query": args.question, "passages": [p.to_dict() for p in passages]},
                         ensure_ascii=False))
        return 0
    library = Library(retriever.store, settings)
    for rank, passage in enumerate(passages, start=1):
        print(f"[{rank}] {library.label(passage)}  (score {passage.score:.4f}, "
              f"similarity {passage.similarity:.2f}, chars {passage.start}-{passage.end})")
        print(f"    {passage.text}\n")
    return 0


def _ask(args) -> int:
    from newsdesk.assistant import Assistant
    from newsdesk.library import Library

    settings = from_flags(args)
    assistant = Assistant.open(settings=settings)
    answer = None
    for event in assistant.stream(args.question, k=args.k, sources=args.source, since=args.since,
                                  until=args.until, as_of=args.as_of):
        match event:
            case TextPiece(text) if not args.json:
                print(text, end="", flush=True)  # the answer as it is written
            case Checking() if not args.json:
                print("\n\nChecking citations…", flush=True)
            case Answer():
                answer = event
    assert answer is not None, "an answer stream ends with its Answer"  # Answerer's contract
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    print()
    library = Library(assistant.retriever.store, settings)
    if answer.answerer != "extractive" and not answer.refused:
        print(f"\nChecked against the sources:\n{answer.text}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {library.label(c)}, chars {c.start}-{c.end}")
    if answer.as_of and answer.as_of != datetime.date.today().isoformat():
        print(f"\n(asked as of {when.spoken(answer.as_of)})")
    undated = "" if answer.refused else when.undated_note(
        answer.as_of, [(c.n, c.date) for c in answer.citations])
    if undated:
        print(f"({undated})")
    if answer.related:
        print("\nRelated reading:")
        for passage in answer.related:
            print(f"- {library.label(passage)}: {passage.text[:160]}…")
    return 0


def _list(args) -> int:
    from newsdesk.library import Library, shown_date

    library = Library.open(settings=from_flags(args))
    articles = library.articles(args.search)
    if args.json:
        print(json.dumps({"articles": [a.to_dict() for a in articles]}, ensure_ascii=False))
        return 0
    every = len(library.articles())
    found = counted(every, "article")
    found = f"{len(articles)} of {found}" if args.search.strip() else found
    print(f"{found}, newest first; the last column is the doc_id "
          "`newsdesk remove` takes:")
    for a in articles:
        name = " · ".join(part for part in (a.name, a.publisher) if part)
        name = name if len(name) <= _NAME_CHARS else name[:_NAME_CHARS - 1] + "…"
        words = f"{a.words:>6,} {plural(a.words, 'word'):<5}"
        print(f"{shown_date(a.date):<10}  {words}  {name:<{_NAME_CHARS}}  {a.doc_id}")
    return 0


def _remove(args) -> int:
    from newsdesk.library import Library

    for article in Library.open(settings=from_flags(args)).remove(args.doc_ids):
        print(f"removed {article.byline} ({article.doc_id})")
    return 0


def _status(args) -> int:
    from newsdesk.index.store import Store

    settings = from_flags(args)
    store = Store.open(settings)
    documents, chunks = store.count()
    manifest = store.manifest
    info = {"index": settings.where, "documents": documents, "chunks": chunks, **manifest.__dict__}
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{counted(documents, 'article')}, {counted(chunks, 'chunk')} at {settings.where}; "
              f"model {manifest.model} "
              f"({manifest.dimension} dims), chunks of up to {manifest.chunk_tokens} word pieces")
    return 0


def _serve(args) -> int:
    from newsdesk.app import serve

    serve(from_flags(args))
    return 0


def _eval(args) -> int:
    from newsdesk.evals.runner import run_suite

    run_suite(args.suite, from_flags(args), data=args.data or BENCH / _DATA[args.suite],
              systems=args.systems, limit=args.limit, baseline=args.baseline,
              reports=args.reports, progress=not args.quiet, as_of=args.as_of,
              publish=args.publish, command=args.command_line)
    return 0


def _bench(args) -> int:
    from newsdesk.evals.runner import run_bench, run_bench_cold

    if args.what == "feeds":
        from newsdesk.evals import feeds

        data = args.data if args.data != BENCH / "realtimeqa-2023q4" else BENCH / "realtimeqa-train"
        feeds.main(data, args.items, args.wire_bases, args.reports)
        return 0
    if args.what == "cold":
        run_bench_cold(args.runs, args.reports, publish=args.publish, command=args.command_line)
        return 0
    if args.what == "queries":
        from newsdesk.evals import bench

        bench.main_queries(args.data, args.limit, args.reports)
        return 0

    run_bench(args.data, args.ingest_documents or None, args.scale_chunks, args.clients,
              args.limit, args.reports, publish=args.publish, command=args.command_line)
    return 0


def _tune(args) -> int:
    from newsdesk.evals import tune

    tune.main(args.train, args.held_out, from_flags(args), args.reports, progress=not args.quiet)
    return 0


def _train(args) -> int:
    from newsdesk.evals import shorts, speech, train, tune

    if args.only == "speech":
        speech.main(args.train or tune.TRAIN, progress=not args.quiet)
    elif args.only == "short":
        shorts.main(args.train or train.train_sample(), from_flags(args), progress=not args.quiet)
    else:
        train.main(args.train, from_flags(args), progress=not args.quiet)
    return 0


def _stress(args) -> int:
    from newsdesk.evals import stress

    stress.main(args.clients, args.asks, args.kills, args.reports)
    return 0


_DATA = {"seeds": "", "temporal": "", "realtimeqa": "realtimeqa-2023q4", "rgb": "rgb-en-fact"}
_NAME_CHARS = 72  # of an article's name in `newsdesk list`, so that the doc_ids line up


if __name__ == "__main__":
    run()
