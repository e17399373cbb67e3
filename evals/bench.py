"""Performance benchmark: ingest against the raw-encode floor and the stock pipeline, query
latency at three corpus sizes, incremental ingest, cold start (a fresh `newsdesk ask`, and the
app to its first answer) beside the warm figures, memory, and a Chroma server under concurrent
clients. Prints a table and writes JSON under `reports/`; `run_cold` measures start-up alone,
`run_queries` query latency alone at full size, as of each question's date and of none.

Ingest runs in child processes so that each one's peak memory is its own, and so do the fresh
`newsdesk ask` processes of the cold start, started from a small child of their own: Linux
carries the peak memory of the process that starts a command into the command's own figure
(`ru_maxrss` survives `exec`), and the benchmark's own process holds gigabytes by then. The 100,000-chunk
corpus reuses the RealTimeQA chunks with perturbed copies of their embeddings: query scaling is
measured without hours of encoding; ingest speed is measured on real text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.evals.metrics import percentiles
from newsdesk.evals.processes import start_app, start_chroma, stop
from newsdesk.evals.report import REPORTS
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import title_prefix
from newsdesk.index.store import EMBED_INPUT

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EVAL_INDEX = Path(".newsdesk/evals/realtimeqa-2023q4-c128")  # built by `newsdesk eval realtimeqa`
SEEDS_QUESTION = "What conditions did Putin set?"  # the README's example

def child_ingest(home: str, *paths: str) -> dict:
    """In a child process: newsdesk's ingest of `paths` (one run, as a user would), its time
    without the model load, its chunks per second by tenth of them, its peak memory."""
    import resource

    from newsdesk.index.ingest import ingest

    started = time.perf_counter()
    settings = Settings.load(home=Path(home))
    embedder = Embedder.of(settings)
    embedder.model.encode(["warm up"])  # the model load is reported apart
    loaded = time.perf_counter() - started
    report = ingest([Path(p) for p in paths], settings, progress=False, embedder=embedder)
    return {"load_s": loaded, "ingest_s": report.seconds, "documents": report.new + report.changed,
            "unchanged": report.unchanged, "chunks": report.chunks,
            "chunks_per_s_by_tenth": by_tenth(report.timeline, report.chunks),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def by_tenth(timeline: list[tuple[float, int]], chunks: int) -> list[float]:
    """Chunks per second in each tenth of an ingest's `chunks`, from its timeline of (seconds,
    chunks stored); a tenth's time is read between the timeline's points."""
    if chunks < 10 or not timeline:
        return []
    seconds, stored = zip(*[(0.0, 0), *timeline], strict=True)
    ends = np.interp(np.linspace(0, chunks, 11), stored, seconds)
    return [round(chunks / 10 / (b - a), 1) for a, b in zip(ends[:-1], ends[1:], strict=True) if b > a]


def child_stock(folder: str, *paths: str) -> dict:
    """In a child process: the stock llama-index pipeline, and how much of the text it embeds."""
    import resource

    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from newsdesk.evals.stock import load_documents
    from newsdesk.index.embed import model_location

    embed = HuggingFaceEmbedding(model_name=model_location("all-MiniLM-L6-v2"))
    docs = [Document(text=d.text, id_=d.doc_id) for d in load_documents([Path(p) for p in paths])]
    client = chromadb.PersistentClient(path=folder)
    collection = client.get_or_create_collection("stock", embedding_function=None)
    started = time.perf_counter()
    VectorStoreIndex.from_documents(docs, embed_model=embed, storage_context=StorageContext.from_defaults(
        vector_store=ChromaVectorStore(chroma_collection=collection)))
    seconds = time.perf_counter() - started
    nodes = collection.get(include=["documents"])["documents"] or []
    tokenize = embed._model.tokenizer
    # the model reads 256 word pieces, two of them special: the rest of a node is never embedded
    embedded = sum(min(254, len(ids)) for ids in tokenize(nodes, add_special_tokens=False)["input_ids"])
    total = sum(len(ids) for ids in tokenize([d.text for d in docs], add_special_tokens=False)["input_ids"])
    return {"ingest_s": seconds, "documents": len(docs), "chunks": len(nodes),
            "embedded_share": embedded / total,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(name: str, *args: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error"}
    done = subprocess.run([sys.executable, "-m", "newsdesk.evals.bench", name, *args], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def sample_corpus(data: Path, documents: int | None, folder: Path) -> list[Path]:
    """`documents` lines spread over the RealTimeQA corpus as one jsonl file; or the whole
    corpus (`documents` None)."""
    if not documents:
        return [data / "corpus.jsonl"]
    lines = (data / "corpus.jsonl").read_text().splitlines()
    lines = lines[:: max(1, len(lines) // documents)][:documents]  # spread over the corpus
    path = folder / f"realtimeqa-{documents}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return [path]


def measure_ingest(name: str, paths: list[Path], work: Path, embedder: Embedder) -> dict:
    """Our ingest, the floor, and the stock pipeline on the same documents.

    Our ingest runs twice, into two new indexes, with the floor timed between them: these
    machines drift by tens of percent over minutes, and the drift cancels in the ratio of the
    two ingests' mean to a floor measured halfway (both ratios are reported too).
    """
    first = _child("child-ingest", str(work / f"home-{name}"), *map(str, paths))
    store = _store(work / f"home-{name}")
    titled = store.manifest.embed_input == EMBED_INPUT
    texts = [(title_prefix(meta["title"]) if titled else "") + text
             for _, text, meta in store.all_chunks()]
    floor = _floor(embedder, texts)
    second = _child("child-ingest", str(work / f"home-{name}-again"), *map(str, paths))
    ingest_s = (first["ingest_s"] + second["ingest_s"]) / 2
    stock = _child("child-stock", str(work / f"stock-{name}"), *map(str, paths))
    return {
        "corpus": name, "documents": first["documents"], "chunks": first["chunks"],
        "ingest_s": round(ingest_s, 2), "ingest_runs_s": [round(first["ingest_s"], 2),
                                                          round(second["ingest_s"], 2)],
        "model_load_s": round(first["load_s"], 2),
        "docs_per_s": round(first["documents"] / ingest_s, 1),
        "chunks_per_s": round(first["chunks"] / ingest_s, 1),
        "floor_s": round(floor, 2), "overhead_x": round(ingest_s / floor, 3),
        "overhead_runs_x": [round(first["ingest_s"] / floor, 3), round(second["ingest_s"] / floor, 3)],
        "ingest_peak_rss_mb": round(max(first["peak_rss_mb"], second["peak_rss_mb"])),
        "text_embedded_share": _coverage(store),
        "stock_ingest_s": round(stock["ingest_s"], 2), "stock_chunks": stock["chunks"],
        "stock_text_embedded_share": round(stock["embedded_share"], 3),
        "stock_peak_rss_mb": round(stock["peak_rss_mb"]),
        "stock_vs_ours_x": round(stock["ingest_s"] / ingest_s, 3),
        "chunks_per_s_by_tenth": first["chunks_per_s_by_tenth"],
        "chunks_per_s_by_tenth_again": second["chunks_per_s_by_tenth"],
    }


def measure_incremental(home: Path, corpus: Path, work: Path, sample: dict) -> dict:
    """Ingest of an unchanged corpus, then of the corpus plus one new article.

    A full ingest of this corpus is estimated from the sample's chunks per second.
    """
    again = _child("child-ingest", str(home), str(corpus))
    extra = work / "added-article.txt"
    extra.write_text("Harbour bridge reopens\n\nThe Zindelport harbour bridge reopened on Monday after "
                     "a repair that cost 42 million euros, the city engineer said.")
    added = _child("child-ingest", str(home), str(corpus), str(extra))
    chunks = _store(home).count()[1]
    full = chunks / sample["chunks_per_s"]
    return {"documents": again["unchanged"], "chunks": chunks,
            "full_ingest_estimate_s": round(full, 1),
            "reingest_unchanged_s": round(again["ingest_s"], 2),
            "reingest_share": round(again["ingest_s"] / full, 4),
            "add_one_article_s": round(added["ingest_s"], 2)}


def _store(home: Path):
    from newsdesk.index.store import Store

    return Store.open(Settings(home=home))


def _floor(embedder: Embedder, texts: list[str]) -> float:
    """Seconds of raw `SentenceTransformer.encode` of the same inputs (title and chunk), same
    batch size."""
    embedder.model.encode(texts[:64], batch_size=embedder.batch_size)  # warm
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
    return time.perf_counter() - started


def _coverage(store) -> float:
    """Share of the stored documents' characters that lie inside some chunk."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for _, _, meta in store.all_chunks():
        spans.setdefault(meta["doc_id"], []).append((meta["start"], meta["end"]))
    covered = total = 0
    for document in store.stored_documents():
        text = store.document(document.doc_id).text
        total += len(text.strip())
        end = 0
        for start, finish in sorted(spans.get(document.doc_id, [])):
            covered += max(0, finish - max(start, end))
            end = max(end, finish)
    return round(covered / total, 4) if total else 0.0


def scaled_copy(source: Settings, target: Settings, chunks: int, seed: int = 0) -> int:
    """Fill `target` with perturbed copies of `source`'s chunks until it holds `chunks` of them."""
    from newsdesk.index.ingest import refresh_lexical
    from newsdesk.index.store import Store

    original = Store.open(source)
    store = Store.create(target, original.manifest)
    rows = list(original.all_chunks_with_vectors())
    rng = np.random.default_rng(seed)
    written, copy = 0, 0
    while written < chunks:
        for start in range(0, len(rows), 2000):
            batch = rows[start:start + 2000][: chunks - written]
            if not batch:
                break
            vectors = np.asarray([r[3] for r in batch], dtype=np.float32)
            vectors += rng.normal(0, 0.02, vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.add_chunks([(_copy_id(r[0], copy), r[1], {**r[2], "doc_id": f"{r[2]['doc_id']}~{copy}"})
                              for r in batch], vectors)
            written += len(batch)
        copy += 1
    store.new_corpus_version()
    refresh_lexical(store, target)
    return written


def _copy_id(chunk_id: str, copy: int) -> str:
    doc, rest = chunk_id.split("::", 1)
    return f"{doc}~{copy}::{rest}"


def measure_queries(name: str, settings: Settings, questions: list[str], embedder: Embedder,
                    days: list[str] | None = None) -> dict:
    """Warm retrieve and ask latency over `questions`, each asked as of its day in `days`
    (`YYYY-MM-DD`, or "none" for no moment; default: today)."""
    from newsdesk import Assistant

    assistant = Assistant.open(settings=settings, embedder=embedder)
    days = days or [""] * len(questions)
    assistant.ask(questions[0], as_of=days[0] or None)  # warm
    retrieve, ask = [], []
    for question, day in zip(questions, days, strict=True):
        started = time.perf_counter()
        assistant.retriever.retrieve(question, 5, as_of=day or None)
        retrieve.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assistant.ask(question, as_of=day or None)
        ask.append((time.perf_counter() - started) * 1000)
    documents, chunks = assistant.retriever.store.count()
    r, a = percentiles(retrieve), percentiles(ask)
    return {"corpus": name, "chunks": chunks, "retrieve_p50_ms": r["p50_ms"],
            "retrieve_p95_ms": r["p95_ms"], "ask_p50_ms": a["p50_ms"], "ask_p95_ms": a["p95_ms"]}


def measure_concurrency(settings: Settings, questions: list[str], embedder: Embedder,
                        clients: int = 8) -> dict:
    """Questions per second and p95 with `clients` threads asking at once."""
    from newsdesk import Assistant

    assistants = [Assistant.open(settings=settings, embedder=embedder) for _ in range(clients)]
    assistants[0].ask(questions[0])
    latencies: list[float] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        for question in questions[i::clients]:
            started = time.perf_counter()
            assistants[i].ask(question)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    seconds = time.perf_counter() - started
    return {"clients": clients, "questions": len(latencies),
            "questions_per_s": round(len(latencies) / seconds, 2), **percentiles(latencies)}


def measure_cold_ask(name: str, home: Path, question: str, runs: int = 5) -> dict:
    """A fresh `newsdesk ask` (a new process, as a user types it), `runs` times: its wall time
    and peak memory (medians), beside `newsdesk status` in fresh processes, run in turn with it
    (the floor of any command: Python, newsdesk and Chroma opening the index), and beside the
    same question asked warm."""
    ask = ["ask", question]
    asks, statuses = [], []
    for _ in range(runs):  # in turn: the machine's drift falls on both alike
        asks.append(_fresh(home, ask))
        statuses.append(_fresh(home, ["status"]))
    ask_s, ask_mb = np.median(asks, axis=0)
    status_s, status_mb = np.median(statuses, axis=0)
    return {"corpus": name, "runs": runs, "cold_ask_s": round(float(ask_s), 2),
            "cold_ask_runs_s": [round(seconds, 2) for seconds, _ in asks],
            "cold_ask_peak_mb": round(float(ask_mb)), "status_s": round(float(status_s), 2),
            "status_peak_mb": round(float(status_mb)),
            "ask_vs_status_x": round(float(ask_s / status_s), 2),
            "warm_ask_ms": _warm_ask_ms(home, question, runs)}


def _fresh(home: Path, command: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MB) of `newsdesk COMMAND` in a new process over `home`."""
    env = {**os.environ, "NEWSDESK_HOME": str(home), "HF_HUB_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}
    newsdesk = Path(sys.executable).with_name("newsdesk")
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen([str(newsdesk), *command], env=env, stdout=subprocess.PIPE,
                                   stderr=errors)
        out = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode or not out.strip():
            errors.seek(0)
            raise RuntimeError(f"newsdesk {command[0]} failed: {errors.read()[-2000:].decode()}")
    return seconds, usage.ru_maxrss / 1024


def _warm_ask_ms(home: Path, question: str, runs: int) -> float:
    """Median milliseconds of `question` asked again in one process that has answered it."""
    from newsdesk import Assistant

    assistant = Assistant.open(settings=Settings.load(home=home))
    assistant.ask(question)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assistant.ask(question)
        times.append((time.perf_counter() - started) * 1000)
    return round(float(np.median(times)), 1)


def measure_cold_start(home: Path, question: str = "What did the quiz ask about Paris?") -> dict:
    """Seconds from starting `python -m newsdesk.app` to the first answer it serves (and that
    answer's own time: the app loads its models before it listens), and its peak memory."""
    started = time.perf_counter()
    process, url = start_app(home, "--no-mcp", log=home.parent / f"{home.name}-cold-start.log")
    try:
        listening = time.perf_counter() - started
        _ask_over_http(url, question)
        first = time.perf_counter() - started
        for again in ("Who won?", "What happened in Gaza?", "What did the Fed decide?"):
            _ask_over_http(url, again)
        rss = _rss_mb(process.pid)
    finally:
        stop(process)
    return {"listening_s": round(listening, 2), "first_answer_s": round(first, 2),
            "first_answer_alone_s": round(first - listening, 2), "serving_rss_mb": rss}


def _ask_over_http(url: str, question: str) -> dict:
    """One call of the app's /ask endpoint through its HTTP API (no client library)."""
    import urllib.request

    body = json.dumps({"data": [question, 8, [], "", "", "", ""]}).encode()
    request = urllib.request.Request(f"{url}/gradio_api/run/ask", body,
                                     {"Content-Type": "application/json"})
    reply = json.loads(urllib.request.urlopen(request, timeout=120).read())
    if "data" not in reply:
        raise RuntimeError(f"the app did not answer: {str(reply)[:300]}")
    return reply["data"][0]


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def run(data: Path, ingest_documents: int | None = 300, scale_chunks: int = 100_000,
        clients: int = 8, questions_limit: int | None = None, work: Path | None = None) -> dict:
    """Run every measurement; returns the results (also printed and written as JSON)."""
    work = Path(work or tempfile.mkdtemp(prefix="newsdesk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    embedder = Embedder.of(Settings.load())
    embedder.prepare_export()  # as a user's first ingest leaves it: questions run the export
    questions = [json.loads(line)["question"]
                 for line in (data / "questions.jsonl").read_text().splitlines()][:questions_limit]
    corpus = sample_corpus(data, ingest_documents, work)
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                    "settings": {"ingest_documents": ingest_documents or "all",
                                 "scale_chunks": scale_chunks, "clients": clients}}
    print("ingest: seeds …", file=sys.stderr)
    result["ingest"] = [measure_ingest("seeds", [SEEDS], work, embedder)]
    print(f"ingest: realtimeqa ({ingest_documents or 'all'} documents) …", file=sys.stderr)
    result["ingest"].append(measure_ingest("realtimeqa", corpus, work, embedder))

    full = Settings(home=work / "home-realtimeqa-full")
    print("index: full realtimeqa corpus …", file=sys.stderr)
    built = EVAL_INDEX if (EVAL_INDEX / "chroma").exists() and ingest_documents else \
        work / "home-realtimeqa" if not ingest_documents else None
    if built:  # reuse the eval's index of the same corpus: no need to encode it again
        shutil.copytree(built, full.home, dirs_exist_ok=True)
        shutil.rmtree(full.home / "bm25", ignore_errors=True)  # made here, by this newsdesk
    _child("child-ingest", str(full.home), str(data / "corpus.jsonl"))  # completes it if needed
    scaled = Settings(home=work / "home-scaled")
    print(f"index: {scale_chunks:,} chunks (perturbed copies) …", file=sys.stderr)
    scaled_copy(full, scaled, scale_chunks)
    result["queries"] = [
        measure_queries("seeds", Settings(home=work / "home-seeds"), questions[:40], embedder),
        measure_queries("realtimeqa", full, questions, embedder),
        measure_queries(f"{scale_chunks:,} chunks", scaled, questions, embedder),
    ]
    print("concurrency …", file=sys.stderr)
    result["concurrency"] = [{"mode": "embedded", **measure_concurrency(full, questions, embedder,
                                                                        clients)}]
    served = sample_corpus(data, ingest_documents or 300, work)[0]  # the server ingests a sample
    result["concurrency"].append({"mode": "chroma server", **_server_mode(served, questions, embedder,
                                                                          work, clients)})
    print("cold start …", file=sys.stderr)
    result["cold"] = [_child("child-cold", "seeds", str(work / "home-seeds"), SEEDS_QUESTION),
                      _child("child-cold", "realtimeqa", str(full.home), questions[0])]
    result["app"] = [{"corpus": "realtimeqa", **measure_cold_start(full.home)},
                     {"corpus": f"{scale_chunks:,} chunks", **measure_cold_start(scaled.home)}]
    print("incremental ingest: full realtimeqa corpus …", file=sys.stderr)
    result["incremental"] = [measure_incremental(full.home, data / "corpus.jsonl", work,
                                                 result["ingest"][-1])]
    return result


def _server_mode(corpus: Path, questions: list[str], embedder: Embedder, work: Path, clients: int) -> dict:
    """The same concurrency test against a real `chroma run` server on 127.0.0.1."""
    from newsdesk.index.ingest import ingest

    folder = work / "chroma-server"
    folder.mkdir(parents=True, exist_ok=True)
    process, url = start_chroma(folder)
    try:
        settings = Settings(home=work / "home-server", chroma_url=url)
        report = ingest([corpus], settings, progress=False, embedder=embedder)
        measured = measure_concurrency(settings, questions, embedder, clients)
        return {"ingest_chunks_per_s": round(report.chunks / report.seconds, 1), **measured}
    finally:
        stop(process)


TABLES = ("ingest", "incremental", "queries", "cold", "concurrency", "app")  # the report's tables
COLD_TABLES = ("cold", "app")  # those of `newsdesk bench cold`


def run_cold(runs: int = 5, work: Path | None = None) -> dict:
    """Start-up alone, on an index of seeds/ (a few minutes): fresh `newsdesk ask` processes
    beside `newsdesk status` and the warm question, and the app's start to its first answer."""
    work = Path(work or tempfile.mkdtemp(prefix="newsdesk-bench-cold-"))
    home = work / "home-seeds"
    print("index: seeds …", file=sys.stderr)
    _child("child-ingest", str(home), str(SEEDS))  # exports the model too, as a user's ingest does
    print(f"cold start: {runs} fresh asks and statuses, then the app …", file=sys.stderr)
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_average": round(os.getloadavg()[0], 1)},
            "settings": {"runs": runs},
            "cold": [_child("child-cold", "seeds", str(home), SEEDS_QUESTION, str(runs))],
            "app": [{"corpus": "seeds", **measure_cold_start(home, SEEDS_QUESTION)}]}


def run_queries(data: Path, questions_limit: int | None = None) -> dict:
    """Warm query latency at full size, on the index of RealTimeQA that `newsdesk eval
    realtimeqa` builds (~18,000 chunks), each question asked as of its own date and as of no
    moment, one after the other in one run (a few minutes). Each way is timed in a process of
    its own: in one process the second would find every question already read by spaCy."""
    if not (EVAL_INDEX / "chroma").exists():
        raise BadInputError(f"No RealTimeQA index at {EVAL_INDEX}; build it with "
                            "`newsdesk eval realtimeqa` first.")
    limit = str(questions_limit or 0)
    rows = [_child("child-queries", str(data), limit, "question"),
            _child("child-queries", str(data), limit, "none")]
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_average": round(os.getloadavg()[0], 1)},
            "settings": {"questions": max(row.pop("questions") for row in rows)}, "queries": rows}


def child_queries(data: str, limit: str, as_of: str) -> dict:
    """In a child process: `measure_queries` of RealTimeQA's questions (the first `limit`, 0
    for all) on the eval index, each asked as of its own date (`as_of` "question") or of no
    moment ("none")."""
    from newsdesk.evals.realtimeqa import asked_as_of, load_questions

    questions = load_questions(Path(data))[:int(limit) or None]
    days = [(asked_as_of(q) or "none") if as_of == "question" else as_of for q in questions]
    name = "as of each question's date" if as_of == "question" else "as of no moment"
    row = measure_queries(f"realtimeqa, {name}", Settings(home=EVAL_INDEX),
                          [q["question"] for q in questions], Embedder.of(Settings.load()), days)
    return {**row, "questions": len(questions)}


def main(data: Path, ingest_documents: int | None, scale_chunks: int, clients: int,
         questions_limit: int | None, reports: Path = REPORTS) -> Path:
    result = run(data, ingest_documents, scale_chunks, clients, questions_limit)
    return _report(result, TABLES, reports, "bench")


def main_cold(runs: int, reports: Path = REPORTS) -> Path:
    return _report(run_cold(runs), COLD_TABLES, reports, "bench-cold")


def main_queries(data: Path, questions_limit: int | None, reports: Path = REPORTS) -> Path:
    return _report(run_queries(data, questions_limit), ("queries",), reports, "bench-queries")


def _report(result: dict, tables: tuple[str, ...], reports: Path, name: str) -> Path:
    """Print `tables` of `result` and write it all as JSON under `reports`."""
    for table_name in tables:
        print(f"\n{table_name}\n" + table(result[table_name]))
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{name}-{time.strftime('%Y-%m-%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {path}")
    return path



def child_cold(name: str, home: str, question: str, runs: str = "5") -> dict:
    """In a child process: `measure_cold_ask`, so that the fresh processes it starts carry no
    large parent's peak memory into their own."""
    return measure_cold_ask(name, Path(home), question, int(runs))


CHILDREN: dict[str, Callable[..., dict]] = {
    "child-ingest": child_ingest, "child-stock": child_stock, "child-queries": child_queries,
    "child-cold": child_cold}

if __name__ == "__main__":  # the child processes
    print(json.dumps(CHILDREN[sys.argv[1]](*sys.argv[2:])))
