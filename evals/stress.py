"""Reliability under stress, measured: `newsdesk stress` prints tables and writes
reports/stress-*.json.

- load: N clients x M questions through the real HTTP API (errors, p50/p95, questions/s, the
  server's memory before and after), beside one client alone and the same questions in-process;
- writers: two ingests into one index at once (documents, chunks, BM25 rows against Chroma);
- ingest while serving: the app answers from another process's ingest without a restart;
- kills: ingest SIGKILLed again and again at random moments, then completed, compared with a
  clean build by chunk ids and contents and by BM25 rows;
- chroma: the app's Chroma server frozen, resumed, killed and restarted under it;
- hostile: odd and hostile questions and parameters through the API, and odd files through
  ingest;
- login: every route with and without the login, MCP included.

Every loop is bounded in count and time; every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from newsdesk.evals.metrics import percentiles
from newsdesk.evals.processes import start_app, start_chroma, stop
from newsdesk.evals.report import REPORTS
from newsdesk.evals.seeds import SEEDS, load_gold
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest, lexical_folder
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.settings import Settings
from newsdesk.index.store import Store

LOGIN = ("reader", "s3cret")
BASIC = {"Authorization": "Basic " + base64.b64encode(":".join(LOGIN).encode()).decode()}


def write_corpus(path: Path, documents: int, start: int = 0, tag: str = "") -> Path:
    """A jsonl corpus of distinct short reports made of seed paragraphs, each with a code word
    of its own (`{tag}zq{n:04d}x`) for keyword search to find."""
    paragraphs = [p for f in sorted(SEEDS.iterdir()) for p in f.read_text().splitlines() if len(p) > 80]
    with path.open("w") as out:
        for i in range(start, start + documents):
            picked = [paragraphs[(i * 7 + j * 3) % len(paragraphs)] for j in range(2)]
            text = f"Report {i} mentions the code word {tag}zq{i:04d}x.\n" + "\n".join(picked)
            out.write(json.dumps({"doc_id": f"{tag}doc-{i:04d}", "text": text}) + "\n")
    return path


def _ask(client: httpx.Client, url: str, question, k=8, sources=(), since="", until="") -> dict:
    sources = list(sources) if isinstance(sources, list | tuple) else sources  # a str stays one
    reply = client.post(f"{url}/gradio_api/run/ask",
                        json={"data": [question, k, sources, since, until, "", ""]})
    body = reply.json()
    return {"status": reply.status_code, "answer": (body.get("data") or [{}])[0],
            "error": body.get("error") or ""}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsdesk.cli", *args], capture_output=True,
                          text=True, timeout=600, env=os.environ)


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def measure_load(home: Path, questions: list[str], clients: int, asks: int) -> dict:
    """N clients x M asks through HTTP, beside one client alone and the same asks in-process."""
    from newsdesk import Assistant

    process, url = start_app(home, "--no-mcp")
    try:
        with httpx.Client(timeout=120) as client:
            _ask(client, url, questions[0])
            alone = []
            for question in questions[:20]:
                started = time.perf_counter()
                _ask(client, url, question)
                alone.append((time.perf_counter() - started) * 1000)
        rss = [_rss_mb(process.pid)]
        latencies, errors = [], []
        lock = threading.Lock()

        def work(n: int) -> None:
            with httpx.Client(timeout=120) as http:
                for m in range(asks):
                    started = time.perf_counter()
                    result = _ask(http, url, questions[(n * asks + m) % len(questions)])
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                        if result["status"] != 200 or result["error"]:
                            errors.append(result["error"] or result["status"])

        seconds = 0.0
        for _ in range(2):  # twice: memory that keeps growing shows in the second round
            started = time.perf_counter()
            threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=600)
            seconds += time.perf_counter() - started
            rss.append(_rss_mb(process.pid))
    finally:
        stop(process)
    assistant = Assistant.open(settings=Settings.load(home=home))
    assistant.ask(questions[0])
    inside = []
    for question in questions[:20]:
        started = time.perf_counter()
        assistant.ask(question)
        inside.append((time.perf_counter() - started) * 1000)
    many = percentiles(latencies)
    return {"clients": clients, "asks": len(latencies), "errors": len(errors),
            "p50_ms": many["p50_ms"], "p95_ms": many["p95_ms"],
            "questions_per_s": round(len(latencies) / seconds, 1),
            "one_client_http_p50_ms": percentiles(alone)["p50_ms"],
            "in_process_p50_ms": percentiles(inside)["p50_ms"],
            "rss_mb_before_after_round_1_after_round_2": rss}


def _index_state(home: Path) -> dict:
    settings = Settings.load(home=home)
    store = Store.open(settings)
    chunks = {i: (t, m) for i, t, m in store.all_chunks()}
    documents = store.count()[0]
    store.close()
    lexical = LexicalIndex.load(lexical_folder(settings))
    return {"documents": documents, "chunks": chunks, "bm25": sorted(lexical.ids) if lexical else []}


def measure_writers(work: Path) -> dict:
    """Two ingests into one index at the same time."""
    halves = [write_corpus(work / f"half-{n}.jsonl", 75, start=n * 1000, tag="ab"[n]) for n in (0, 1)]
    home = work / "writers"
    started = time.perf_counter()
    runs = [subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--home", str(home), "ingest",
                              str(half), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=os.environ) for half in halves]
    codes = [run.wait(timeout=900) for run in runs]
    state = _index_state(home)
    return {"ingests": 2, "documents": state["documents"], "exit_codes": codes,
            "chunks": len(state["chunks"]), "bm25_rows": len(state["bm25"]),
            "bm25_matches_chroma": state["bm25"] == sorted(state["chunks"]),
            "seconds": round(time.perf_counter() - started, 1)}


def measure_ingest_while_serving(work: Path, seeds_home: Path) -> dict:
    """The app finds an article another process ingested, by keyword and by meaning."""
    home = work / "serving"
    shutil.copytree(seeds_home, home)
    process, url = start_app(home, "--no-mcp")
    article = work / "ferry.txt"
    article.write_text("Ferry returns\n\nThe Zindelport ferry resumed service on Friday after a "
                       "strike, the harbour master said.")
    try:
        with httpx.Client(timeout=120) as client:
            def top(query: str) -> str:
                reply = client.post(f"{url}/gradio_api/run/retrieve", json={"data": [query, 1, ""]})
                return reply.json()["data"][0]["passages"][0]["text"]

            before = "Zindelport" in top("Zindelport")
            done = _cli("--home", str(home), "ingest", str(article), "--quiet")
            ingested = time.perf_counter()
            keyword = "Zindelport" in top("Zindelport")
            meaning = "ferry" in top("When did the ferry service come back?")
            return {"found_before": before, "ingest_exit": done.returncode,
                    "found_by_keyword_after": keyword, "found_by_meaning_after": meaning,
                    "first_answer_after_ingest_s": round(time.perf_counter() - ingested, 2)}
    finally:
        stop(process)


def measure_kills(work: Path, kills: int, seed: int = 7) -> dict:
    """SIGKILL an ingest `kills` times at random moments, complete it, compare with a clean one."""
    corpus = write_corpus(work / "kills.jsonl", 200)
    clean_home, killed_home = work / "clean", work / "killed"
    started = time.perf_counter()
    _cli("--home", str(clean_home), "ingest", str(corpus), "--quiet")
    clean_seconds = time.perf_counter() - started
    rng = random.Random(seed)
    moments = []
    for _ in range(kills):
        moment = rng.uniform(0.3, clean_seconds)
        run = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "--home", str(killed_home),
                                "ingest", str(corpus), "--quiet"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=os.environ)
        try:
            run.wait(timeout=moment)  # a random moment of the run; it may finish first
        except subprocess.TimeoutExpired:
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=30)
        moments.append(round(moment, 1))
    final = _cli("--home", str(killed_home), "ingest", str(corpus), "--quiet")
    clean, killed = _index_state(clean_home), _index_state(killed_home)
    return {"kills": kills, "moments_s": moments, "clean_ingest_s": round(clean_seconds, 1),
            "final_exit": final.returncode, "chunks": len(killed["chunks"]),
            "chunks_match_clean": killed["chunks"] == clean["chunks"],
            "bm25_rows_match_clean": killed["bm25"] == clean["bm25"]}


def measure_chroma(work: Path) -> dict:
    """The app's Chroma server frozen, resumed, killed and restarted while the app runs."""
    folder = work / "chroma"
    folder.mkdir()
    chroma, chroma_url = start_chroma(folder)
    home = work / "chroma-home"
    ingest([SEEDS], Settings.load(home=home, chroma_url=chroma_url), progress=False)
    app, url = start_app(home, "--no-mcp", "--chroma-url", chroma_url, "--chroma-timeout", "3")
    port = int(chroma_url.rsplit(":", 1)[1])
    steps = {}
    try:
        with httpx.Client(timeout=120) as client:
            def step(name: str) -> None:
                started = time.perf_counter()
                result = _ask(client, url, "Who flanked Putin?")
                steps[name] = {"seconds": round(time.perf_counter() - started, 2),
                               "answered": "Lukashenka" in str(result["answer"]),
                               "message": result["error"][:120]}

            step("running")
            chroma.send_signal(signal.SIGSTOP)
            step("frozen")
            chroma.send_signal(signal.SIGCONT)
            step("resumed")
            chroma.kill()
            chroma.wait(timeout=30)
            step("killed")
            chroma, _ = start_chroma(folder, port=port)
            step("restarted")
    finally:
        chroma.send_signal(signal.SIGCONT)
        stop(chroma)
        stop(app)
    log = next(home.glob("server-*.log")).read_text()
    return {**steps, "tracebacks_in_log": log.count("Traceback")}


HOSTILE_QUESTIONS = ["", "   ", "x" * 5000, 123, None, ["a list"], "<script>alert(1)</script>",
                     "'; DROP TABLE chunks; --", "\x00\x01\x02", "🗞️" * 50, "مرحبا بالعالم؟",
                     "What conditions did Putin set?" * 100]
HOSTILE_PARAMETERS: list[dict[str, Any]] = [
    {"k": "abc"}, {"k": 0}, {"k": -1}, {"k": 101}, {"k": 1.5}, {"k": "5"},
    {"since": "2025-02-30"}, {"since": "2025-03-10", "until": "2025-03-01"},
    {"sources": ["../../etc/passwd"]}, {"sources": "000_99e8b240e118b51d"}]


def measure_hostile(seeds_home: Path, work: Path) -> dict:
    """Hostile questions and parameters through the API; odd files through ingest."""
    process, url = start_app(seeds_home, "--no-mcp", log=work / "hostile-server.log")
    rows = []
    try:
        with httpx.Client(timeout=120) as client:
            for question in HOSTILE_QUESTIONS:
                rows.append(("question", repr(question)[:40], _ask(client, url, question)))
            for parameters in HOSTILE_PARAMETERS:
                result = _ask(client, url, "What conditions did Putin set?", **parameters)
                rows.append(("parameters", json.dumps(parameters), result))
    finally:
        stop(process)
    outcome = [{"input": kind, "value": value, "status": r["status"],  # Gradio says 500 for any error
                "result": "answered" if not r["error"] else f"refused: {r['error'][:70]}"}
               for kind, value, r in rows]
    folder = work / "odd-files"
    folder.mkdir()
    (folder / "utf16.txt").write_bytes("Le pont de Zindelport a rouvert lundi.".encode("utf-16"))
    (folder / "nested.html").write_text("<div>" * 800 + "<p>The Zindelport bridge reopened on "
                                        "Monday, the engineer said.</p>" + "</div>" * 800)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "<img src=x onerror=alert(1)>.md").write_text("# Quokkas\n\nThe census counted 12,000.")
    (folder / "empty.txt").write_text("")
    done = _cli("--home", str(work / "odd-home"), "ingest", str(folder), "--quiet")
    log = (work / "hostile-server.log").read_text()
    # newsdesk's refusals are one sentence; anything else (a raw Python error) is unexpected
    unexpected = [e for _, _, r in rows if (e := r["error"]) and ("Traceback" in e or not e.endswith("."))]
    return {"api": outcome, "answered": sum(r["result"] == "answered" for r in outcome),
            "refused_with_a_reason": sum(r["result"].startswith("refused: ") for r in outcome),
            "unexpected_errors": len(unexpected), "tracebacks_in_log": log.count("Traceback"),
            "odd_files_exit": done.returncode, "odd_files_summary": done.stdout.strip(),
            "odd_files_skipped": [line.split("skipped ")[-1] for line in done.stderr.splitlines()]}


LOGIN_ROUTES = [("GET", "/"), ("GET", "/config"), ("GET", "/openapi.json"), ("GET", "/docs"),
                ("GET", "/gradio_api/info"), ("GET", "/gradio_api/openapi.json"),
                ("GET", "/gradio_api/mcp/schema"), ("POST", "/gradio_api/mcp/"),
                ("POST", "/gradio_api/run/ask"), ("POST", "/gradio_api/call/ask"),
                ("POST", "/gradio_api/queue/join"), ("POST", "/gradio_api/upload"),
                ("GET", "/gradio_api/file=README.md"), ("GET", "/theme.css")]


def measure_login(seeds_home: Path, work: Path) -> dict:
    """Every route without the login, and with it; MCP with it."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.types import TextContent

    process, url = start_app(seeds_home, "--auth", ":".join(LOGIN), log=work / "login-server.log")
    try:
        with httpx.Client(timeout=60) as client:
            statuses = {f"{m} {p}": (client.request(m, url + p, json={"data": ["Putin", 1, ""]}).status_code,
                                     client.request(m, url + p, json={"data": ["Putin", 1, ""]},
                                                    headers=BASIC).status_code)
                        for m, p in LOGIN_ROUTES}

        async def mcp() -> bool:
            async with httpx.AsyncClient(headers=BASIC) as http, \
                    streamable_http_client(f"{url}/gradio_api/mcp/", http_client=http) as (r, w, _), \
                    ClientSession(r, w) as session:
                await session.initialize()
                result = await session.call_tool("retrieve", {"query": "Gerasimov", "k": 1})
                first = result.content[0]
                return not result.isError and isinstance(first, TextContent) and "Gerasimov" in first.text

        mcp_works = asyncio.run(mcp())
    finally:
        stop(process)
    return {"routes": len(statuses),
            "answered_without_login": [r for r, (without, _) in statuses.items() if without != 401],
            "refused_with_login": [r for r, (_, with_) in statuses.items() if with_ == 401],
            "mcp_call_with_login": mcp_works}


def run(clients: int = 20, asks: int = 10, kills: int = 5, work: Path | None = None) -> dict:
    work = Path(work or tempfile.mkdtemp(prefix="newsdesk-stress-"))
    seeds_home = work / "seeds"
    ingest([SEEDS], Settings.load(home=seeds_home), progress=False, embedder=Embedder())
    questions = [g.question for g in load_gold() if not g.history]
    result: dict = {"machine": {"cpus": os.cpu_count()},
                    "settings": {"clients": clients, "asks": asks, "kills": kills}}
    for name, measure in (("load", lambda: measure_load(seeds_home, questions, clients, asks)),
                          ("writers", lambda: measure_writers(work)),
                          ("ingest_while_serving", lambda: measure_ingest_while_serving(work, seeds_home)),
                          ("kills", lambda: measure_kills(work, kills)),
                          ("chroma", lambda: measure_chroma(work)),
                          ("hostile", lambda: measure_hostile(seeds_home, work)),
                          ("login", lambda: measure_login(seeds_home, work))):
        print(f"stress: {name} …", file=sys.stderr, flush=True)
        result[name] = measure()
    return result


def main(clients: int, asks: int, kills: int, reports: Path = REPORTS) -> Path:
    result = run(clients, asks, kills)
    for name, value in result.items():
        if name in ("machine", "settings"):
            continue
        print(f"\n{name}")
        rows = value.pop("api", None) if isinstance(value, dict) else None
        for key, item in value.items():
            print(f"| {key} | {item} |")
        for row in rows or []:
            print(f"| {row['input']} {row['value']} | {row['status']} {row['result']} |")
        if rows:
            value["api"] = rows
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"stress-{time.strftime('%Y-%m-%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nwrote {path}")
    return path
