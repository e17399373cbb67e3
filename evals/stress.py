"""Reliability under stress, measured: `newsdesk stress` prints tables and writes
reports/stress-*.json.

- abandoned: chat tabs closed at every stage of an answer against `newsdesk serve`: is the
  server alive and answering after?
- load: N clients x M questions through the real HTTP API (errors, p50/p95, questions/s, the
  server's memory before and after), beside one client alone and the same questions in-process;
- writers: two ingests into one index at once (documents, chunks, BM25 rows against Chroma);
- ingest while serving: the app answers from another process's ingest without a restart;
- kills: ingest SIGKILLed again and again at random moments, then completed, compared with a
  clean build by chunk ids and contents and by BM25 rows;
- chroma: the app's Chroma server frozen, resumed, killed and restarted under it, and frozen
  under 20 askers at once (when is each told?);
- hostile: odd and hostile questions and parameters through the API, MCP and the command line
  (text that is not Unicode), and odd files through ingest (names that are not UTF-8, links
  out of the folder, broken and looping links, a FIFO, Latin-1, HTML 5,000 levels deep);
- uploads: two of one name at once; files posted to a read-only app;
- read-only home: ask, ingest and upload over an index folder newsdesk may not write, and
  --home pointing at a file;
- privacy: what in the index folder others may read;
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
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from newsdesk.core.settings import Settings
from newsdesk.evals.metrics import percentiles
from newsdesk.evals.processes import start_app, start_chroma, stop, without_root
from newsdesk.evals.report import REPORTS
from newsdesk.evals.seeds import SEEDS, load_gold
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest, lexical_folder
from newsdesk.index.lexical import LexicalIndex
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


def _cli(*args: str | bytes, wrapper: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*wrapper, sys.executable, "-m", "newsdesk.cli", *args],
                          capture_output=True, text=True, timeout=600, env=os.environ)


STAGES = ("joined", "process_starts", "process_generating", "process_completed")


def page_event(url: str, name: str, values: dict | None = None, *, hang_up_at: str = "",
               reset: bool = False, headers: dict | None = None, timeout: float = 120) -> dict:
    """Run the page's event `name` (its api_name) as a browser tab does: join the queue with
    the page's inputs (their defaults; `values` by elem_id), then read the event stream to its
    end. Returns the last message ({"msg": ..., "output": ...}).

    With `hang_up_at` (one of `STAGES`), the tab goes away there, as a closed tab does: before
    reading the stream, or on that message, without waiting for the stream's end; it closes its
    connection, or with `reset` breaks it off (a TCP reset).
    """
    values = values or {}
    with httpx.Client(timeout=timeout, headers=headers) as client:
        config = client.get(f"{url}/config").json()
        event = next(d for d in config["dependencies"] if d.get("api_name") == name)
        props = {c["id"]: c.get("props", {}) for c in config["components"]}
        data = [values.get(props[i].get("elem_id"), props[i].get("value")) for i in event["inputs"]]
        session = uuid.uuid4().hex[:12]
        trigger = event["targets"][0][0] if event["targets"] else None
        client.post(f"{url}/gradio_api/queue/join", json={
            "data": data, "fn_index": event["id"], "session_hash": session, "event_data": None,
            "trigger_id": trigger}).raise_for_status()
        if hang_up_at == "joined":
            return {"msg": "joined"}
        message: dict = {}
        completed: dict = {}
        with client.stream("GET", f"{url}/gradio_api/queue/data",
                           params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                if message.get("msg") == hang_up_at:
                    if reset:  # no linger: closing the socket resets the connection
                        sock = stream.extensions["network_stream"].get_extra_info("socket")
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return message  # leaving the block closes the connection
                if message.get("msg") == "close_stream":
                    break
                if message.get("msg") == "process_completed":
                    completed = message
        return completed or message


def upload(url: str, files: list[tuple[str, bytes]], headers: dict | None = None) -> tuple[int, str]:
    """Upload `files` (name, content) as the page's upload box does: Gradio's upload route,
    then the page's upload event. Returns the route's HTTP status, and the upload report (or
    the route's refusal)."""
    with httpx.Client(timeout=120, headers=headers) as client:
        stored = client.post(f"{url}/gradio_api/upload",
                             files=[("files", (name, content)) for name, content in files])
    if stored.status_code != 200:
        return stored.status_code, stored.text
    given = [{"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
             for path, (name, _) in zip(stored.json(), files, strict=True)]
    done = page_event(url, "upload", {"upload": given}, headers=headers)
    return stored.status_code, str(((done.get("output") or {}).get("data") or [""])[0])


def measure_abandoned(seeds_home: Path, work: Path, clients: int = 100) -> dict:
    """`clients` chat tabs closed at every stage of an answer (`STAGES`, in turn; every other
    one breaks its connection off) against `newsdesk serve`, as `make run` starts it; then is
    the server alive, and does it answer?"""
    process, url = start_app(seeds_home, "--no-mcp", cli=True, log=work / "abandoned-server.log")
    failed: list[str] = []

    def tab(n: int) -> None:
        try:
            page_event(url, "respond", {"question": "Who flanked Putin?"},
                       hang_up_at=STAGES[n % len(STAGES)], reset=bool(n // len(STAGES) % 2))
        except (httpx.HTTPError, OSError) as error:
            failed.append(type(error).__name__)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(tab, range(clients)))
        alive = process.poll() is None
        answered = alive and "Lukashenka" in str(_ask(httpx.Client(timeout=120), url,
                                                       "Who flanked Putin?")["answer"])
    finally:
        status = process.poll()
        stop(process)
    log = (work / "abandoned-server.log").read_text()
    return {"clients": clients, "stages": list(STAGES), "server_alive_after": alive,
            "answers_after": answered, "exit_status_if_dead": status,
            "clients_that_could_not_connect": len(failed),
            "seconds": round(time.perf_counter() - started, 1),
            "tracebacks_in_log": log.count("Traceback")}


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


def measure_chroma(work: Path, callers: int = 20) -> dict:
    """The app's Chroma server frozen, resumed, killed and restarted while the app runs (its
    timeout the default, 15 s); and frozen under `callers` askers at once."""
    folder = work / "chroma"
    folder.mkdir()
    chroma, chroma_url = start_chroma(folder)
    home = work / "chroma-home"
    ingest([SEEDS], Settings.load(home=home, chroma_url=chroma_url), progress=False)
    app, url = start_app(home, "--no-mcp", "--chroma-url", chroma_url)
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
            chroma.send_signal(signal.SIGSTOP)
            steps[f"frozen_{callers}_callers"] = _told(url, callers)
            chroma.send_signal(signal.SIGCONT)
            step("resumed_again")
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


def _told(url: str, callers: int) -> dict:
    """`callers` askers at once: when was each told, and what."""
    def ask(_) -> tuple[float, str]:
        started = time.perf_counter()
        with httpx.Client(timeout=600) as client:
            result = _ask(client, url, "Who flanked Putin?")
        return time.perf_counter() - started, result["error"]

    with ThreadPoolExecutor(callers) as pool:
        told = list(pool.map(ask, range(callers)))
    seconds = sorted(round(s, 1) for s, _ in told)
    return {"told_after_s": seconds, "last_told_s": seconds[-1],
            "all_told_why": all("did not answer within" in why for _, why in told)}


HOSTILE_QUESTIONS = ["", "   ", "x" * 5000, 123, None, ["a list"], "<script>alert(1)</script>",
                     "'; DROP TABLE chunks; --", "\x00\x01\x02", "🗞️" * 50, "مرحبا بالعالم؟",
                     "What conditions did Putin set?" * 100]
HOSTILE_PARAMETERS: list[dict[str, Any]] = [
    {"k": "abc"}, {"k": 0}, {"k": -1}, {"k": 101}, {"k": 1.5}, {"k": "5"},
    {"since": "2025-02-30"}, {"since": "2025-03-10", "until": "2025-03-01"},
    {"sources": ["../../etc/passwd"]}, {"sources": "000_99e8b240e118b51d"}]


def measure_hostile(seeds_home: Path, work: Path) -> dict:
    """Hostile questions and parameters through the API (MCP and the command line too, for
    text that is not Unicode); odd files, names and links through ingest."""
    process, url = start_app(seeds_home, log=work / "hostile-server.log")
    rows = []
    try:
        with httpx.Client(timeout=120) as client:
            for question in HOSTILE_QUESTIONS:
                rows.append(("question", repr(question)[:40], _ask(client, url, question)))
            for parameters in HOSTILE_PARAMETERS:
                result = _ask(client, url, "What conditions did Putin set?", **parameters)
                rows.append(("parameters", json.dumps(parameters), result))
            rows.append(("mcp question", repr(SURROGATE), _mcp_ask(client, url, SURROGATE)))
    finally:
        stop(process)
    cli = _cli("--home", str(seeds_home), "ask", os.fsencode(SURROGATE.replace("\ud800", "\udcff")))
    rows.append(("cli question", "b'...\\xff...'", {"status": cli.returncode,
                                                     "error": cli.stderr.strip()[10:]}))
    outcome = [{"input": kind, "value": value, "status": r["status"],  # Gradio says 500 for any error
                "result": "answered" if not r["error"] else f"refused: {r['error'][:70]}"}
               for kind, value, r in rows]
    odd = _odd_files(work)
    log = (work / "hostile-server.log").read_text()
    # newsdesk's refusals are one sentence; anything else (a raw Python error) is unexpected
    unexpected = [e for _, _, r in rows if (e := r["error"]) and ("Traceback" in e or not e.endswith("."))]
    return {"api": outcome, "answered": sum(r["result"] == "answered" for r in outcome),
            "refused_with_a_reason": sum(r["result"].startswith("refused: ") for r in outcome),
            "unexpected_errors": len(unexpected), "tracebacks_in_log": log.count("Traceback"),
            "cli_exit_for_text_not_unicode": cli.returncode, **odd}


SURROGATE = "Who flanked \ud800 Putin?"  # a lone surrogate: not Unicode text


def _mcp_ask(client: httpx.Client, url: str, question: str) -> dict:
    """The MCP tool `ask`, called with JSON written by hand (MCP clients refuse a surrogate)."""
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "ask", "arguments": {"question": question}}}
    reply = client.post(f"{url}/gradio_api/mcp/", content=json.dumps(call).encode(),
                        headers={"accept": "application/json, text/event-stream",
                                 "content-type": "application/json"})
    data = json.loads(next(line[5:] for line in reply.text.splitlines() if line.startswith("data:")))
    result = data.get("result") or {}
    text = (result.get("content") or [{}])[0].get("text", "") or str(data.get("error", ""))
    return {"status": reply.status_code, "error": text.strip("'\"") if result.get("isError") or
            "error" in data else ""}


def _odd_files(work: Path) -> dict:
    """Odd files through `newsdesk ingest`: what was read, and what was skipped and why."""
    folder = work / "odd-files"
    folder.mkdir()
    (folder / "utf16.txt").write_bytes("Le pont de Zindelport a rouvert lundi.".encode("utf-16"))
    (folder / "latin1.txt").write_bytes("Le pont de Genève a rouvert lundi.".encode("latin-1"))
    (folder / "nested.html").write_text("<div>" * 5000 + "<p>The Zindelport bridge reopened on "
                                        "Monday, the engineer said.</p>" + "</div>" * 5000)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "<img src=x onerror=alert(1)>.md").write_text("# Quokkas\n\nThe census counted 12,000.")
    (folder / "empty.txt").write_text("")
    (folder / os.fsdecode(b"\xff\xfe-report.txt")).write_text("The Quoxtrel tram line closed.")
    outside = work / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    os.symlink(outside / "passwd.txt", folder / "passwd.txt")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    os.symlink("loop.txt", folder / "loop.txt")
    os.mkfifo(folder / "fifo.txt")
    home = work / "odd-home"
    done = _cli("--home", str(home), "ingest", str(folder), "--quiet")
    found = _cli("--home", str(home), "retrieve", "root:x:0", "-k", "1", "--json")
    store = Store.open(Settings.load(home=home))
    latin1, nested = store.document("latin1"), store.document("nested")
    store.close()
    return {"odd_files_exit": done.returncode, "odd_files_summary": done.stdout.strip(),
            "odd_files_skipped": [line.split("skipped ")[-1] for line in done.stderr.splitlines()],
            "link_out_retrieved": found.returncode == 0 and any(
                "root:x:0" in p["text"] for p in json.loads(found.stdout)["passages"]),
            "latin1_read_as": latin1.text.strip() if latin1 else None,
            "html_5000_deep_text_kept": bool(nested and "Zindelport" in nested.text)}


def measure_uploads(seeds_home: Path, work: Path) -> dict:
    """Uploads through the page as a browser sends them: two of one name at once, then files
    into a read-only app (through Gradio's upload route, which the page does not show)."""
    home = work / "uploads-home"
    shutil.copytree(seeds_home, home)
    process, url = start_app(home, "--no-mcp", log=work / "uploads-server.log")
    try:
        texts = [b"The Zindelport ferry resumed service on Friday after a strike.",
                 b"The Quoxtrel tram line closed on Monday for repairs to its bridge."]
        with ThreadPoolExecutor(2) as pool:
            reports = list(pool.map(lambda text: upload(url, [("report.txt", text)])[1], texts))
        kept = (home / "uploads" / "report.txt").read_bytes()
    finally:
        stop(process)
    taken = [text for text, report in zip(texts, reports, strict=True)
             if "already indexed" not in report]  # not refused
    process, url = start_app(home, "--no-mcp", "--read-only", log=work / "read-only-server.log")
    try:
        statuses = [upload(url, [(name, content)])[0] for name, content in
                    (("tool.exe", b"MZ" + bytes(1_000_000)), ("a.txt", b"An article."))]
    finally:
        stop(process)
    return {"same_name_at_once_taken": len(taken),
            "same_name_content_lost": len(taken) > 1 or kept not in taken,
            "read_only_upload_statuses": statuses}


def measure_read_only_home(seeds_home: Path, work: Path) -> dict:
    """ask, ingest and an upload over an index folder newsdesk may not write (permissions that
    bind root too), and --home pointing at a file: one clear line each, or a traceback?"""
    home = work / "read-only-home"
    shutil.copytree(seeds_home, home)
    for path in (home, *home.rglob("*")):
        path.chmod(path.stat().st_mode & ~0o222)
    article = work / "ferry.txt"
    article.write_text("The Zindelport ferry resumed service on Friday.")
    rows = {}
    try:
        for name, args in (("ask", ("ask", "Who flanked Putin?")), ("ingest", ("ingest", str(article)))):
            done = _cli("--home", str(home), *args, wrapper=tuple(without_root([])))
            rows[name] = {"exit": done.returncode, "traceback": "Traceback" in done.stderr,
                          "message": done.stderr.strip().splitlines()[-1][:120]}
        log = work / "read-only-home-server.log"
        try:
            process, url = start_app(home, "--no-mcp", log=log, wrapper=tuple(without_root([])))
        except RuntimeError:  # it could not start: its log says why
            status, report = None, "the app did not start: " + log.read_text().strip()[-120:]
        else:
            try:
                status, report = upload(url, [("ferry.txt", article.read_bytes())])
            finally:
                stop(process)
        rows["upload"] = {"status": status, "traceback": "Traceback" in log.read_text(),
                          "message": report.replace("\\", "")[:160]}
    finally:
        for path in (home, *home.rglob("*")):
            path.chmod(path.stat().st_mode | 0o200)
    done = _cli("--home", str(article), "ingest", str(article))
    rows["home_is_a_file"] = {"exit": done.returncode, "traceback": "Traceback" in done.stderr,
                              "message": done.stderr.strip().splitlines()[-1][:120]}
    return rows


def measure_privacy(seeds_home: Path) -> dict:
    """Who may read what the index folder holds: files and folders open to others."""
    made = [seeds_home, *seeds_home.rglob("*")]
    opened = [str(p.relative_to(seeds_home)) for p in made
              if p.stat().st_mode & 0o077 and not p.name.startswith("server-")]
    return {"paths": len(made), "open_to_others": len(opened), "examples": opened[:5]}


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
    for name, measure in (("abandoned", lambda: measure_abandoned(seeds_home, work)),
                          ("load", lambda: measure_load(seeds_home, questions, clients, asks)),
                          ("writers", lambda: measure_writers(work)),
                          ("ingest_while_serving", lambda: measure_ingest_while_serving(work, seeds_home)),
                          ("kills", lambda: measure_kills(work, kills)),
                          ("chroma", lambda: measure_chroma(work)),
                          ("hostile", lambda: measure_hostile(seeds_home, work)),
                          ("uploads", lambda: measure_uploads(seeds_home, work)),
                          ("read_only_home", lambda: measure_read_only_home(seeds_home, work)),
                          ("privacy", lambda: measure_privacy(seeds_home)),
                          ("login", lambda: measure_login(seeds_home, work))):
        print(f"stress: {name} …", file=sys.stderr, flush=True)
        try:
            result[name] = measure()
        except Exception as error:  # one part that breaks is a finding, not the end of the run
            result[name] = {"failed": f"{type(error).__name__}: {str(error)[-300:]}"}
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
