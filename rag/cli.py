"""The `newsdesk` command: ingest, retrieve, ask, status.

Errors newsdesk expects (bad input, missing index, model mismatch, unreachable server) print one
clear line and exit non-zero; they never show a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from index.errors import NewsdeskError

# Nothing newsdesk runs may reach for the network unless the user asks.
for _name, _value in {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                      "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_name, _value)

EXIT_PROBLEMS = 1  # the command ran, but some input was skipped
EXIT_ERROR = 2  # the command could not run


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
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
        prog="newsdesk", description="Ask questions of news articles; get answers you can check."
    )
    parser.add_argument("--home", help="index folder (default .newsdesk, or NEWSDESK_HOME)")
    parser.add_argument("--chroma-url", help="Chroma server, http://HOST:PORT "
                                             "(or NEWSDESK_CHROMA_URL); default: embedded")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="index article files (.txt .md .html .jsonl)")
    ingest.add_argument("paths", nargs="*", type=Path, default=[Path("seeds")],
                        help="files or folders (default seeds/)")
    ingest.add_argument("--prune", action="store_true",
                        help="remove indexed documents that are not among PATHS")
    ingest.add_argument("--rebuild", action="store_true",
                        help="drop the index first (after changing model or chunk settings)")
    ingest.add_argument("--model", help="embedding model: folder or hub name "
                                        "(or NEWSDESK_EMBED_MODEL)")
    ingest.add_argument("--chunk-tokens", type=int, help="largest chunk in word pieces")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    ingest.set_defaults(run=_ingest)

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
        if name == "ask":
            add_llm_options(command)
        command.set_defaults(run=_ask if name == "ask" else _retrieve)

    status = commands.add_parser("status", help="what the index holds and how it was built")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(run=_status)

    serve = commands.add_parser("serve", help="start the chat in the browser (also: python app.py)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: "
                                                         "this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.add_argument("--auth", help="require a login, USER:PASSWORD (or NEWSDESK_AUTH)")
    serve.add_argument("--no-mcp", action="store_true", help="do not serve the MCP tools")
    add_llm_options(serve)
    serve.set_defaults(run=_serve)

    from evals.cli import add_parser as add_eval

    add_eval(commands)
    return parser


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    """--llm, --llm-url, --llm-model, --llm-timeout (the API key comes from NEWSDESK_LLM_API_KEY)."""
    parser.add_argument("--llm", choices=("extractive", "openai-like", "ollama"),
                        help="who writes answers (default extractive, or NEWSDESK_LLM)")
    parser.add_argument("--llm-url", help="model server, e.g. http://127.0.0.1:8000/v1 "
                                          "(or NEWSDESK_LLM_URL)")
    parser.add_argument("--llm-model", help="model name on that server (or NEWSDESK_LLM_MODEL)")
    parser.add_argument("--llm-timeout", type=float, help="seconds before falling back to the "
                                                          "extractive answer (default 60)")


def llm_settings(args):
    from rag.llm import LLMSettings

    return LLMSettings.load(args.llm, args.llm_url, args.llm_model, args.llm_timeout)


def _settings(args):
    from index.settings import Settings

    return Settings.load(home=args.home, chroma_url=args.chroma_url,
                         embed_model=getattr(args, "model", None),
                         chunk_tokens=getattr(args, "chunk_tokens", None))


def _ingest(args) -> int:
    from index.ingest import ingest

    report = ingest(args.paths, _settings(args), prune=args.prune, rebuild=args.rebuild,
                    progress=not args.quiet)
    for problem in report.problems:
        print(f"newsdesk: {problem}", file=sys.stderr)
    print(report.summary())
    return EXIT_PROBLEMS if report.problems else 0


def _retrieve(args) -> int:
    from rag.retrieve import Retriever

    retriever = Retriever.open(settings=_settings(args))
    passages = retriever.retrieve(args.question, args.k or 5, sources=args.source,
                                  since=args.since, until=args.until)
    if args.json:
        print(json.dumps({"query": args.question, "passages": [p.to_dict() for p in passages]},
                         ensure_ascii=False))
        return 0
    for rank, passage in enumerate(passages, start=1):
        print(f"[{rank}] {_label(passage)}  (score {passage.score:.4f}, "
              f"similarity {passage.similarity:.2f}, chars {passage.start}-{passage.end})")
        print(f"    {passage.text}\n")
    return 0


def _ask(args) -> int:
    from rag.assistant import Assistant
    from rag.types import Answer

    assistant = Assistant.open(settings=_settings(args), llm=llm_settings(args))
    events = assistant.stream(args.question, k=args.k, sources=args.source, since=args.since,
                              until=args.until)
    answer = None
    for event in events:
        if isinstance(event, Answer):
            answer = event
        elif not args.json:
            print(event, end="", flush=True)  # the answer as it is written
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    print()
    if answer.answerer != "extractive" and not answer.refused:
        print(f"\nChecked against the sources:\n{answer.text}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {_label(c)}, chars {c.start}-{c.end}")
    if answer.related:
        print("\nRelated reading:")
        for passage in answer.related:
            print(f"- {_label(passage)}: {passage.text[:160]}…")
    return 0


def _status(args) -> int:
    from index.store import Store

    store = Store.open(_settings(args))
    documents, chunks = store.count()
    manifest = store.manifest
    where = args.chroma_url or os.environ.get("NEWSDESK_CHROMA_URL") or str(store.settings.home)
    info = {"index": where, "documents": documents, "chunks": chunks, **manifest.__dict__}
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{documents} articles, {chunks} chunks at {where}; model {manifest.model} "
              f"({manifest.dimension} dims), chunks of up to {manifest.chunk_tokens} word pieces")
    return 0


def _serve(args) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # app.py beside rag/
    import app

    try:
        app.serve(_settings(args), args.host, args.port, args.auth, mcp=not args.no_mcp,
                  llm=llm_settings(args))
    except OSError as error:
        print(f"newsdesk: cannot serve on {args.host}:{args.port} ({error}); pick another --port.",
              file=sys.stderr)
        return EXIT_ERROR
    return 0


def _label(item) -> str:
    name = item.title or item.doc_id
    return " · ".join(part for part in (name, item.date, item.source) if part)


if __name__ == "__main__":
    sys.exit(main())
