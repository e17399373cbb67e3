"""The gold Q&A set over the seed articles: retrieval of the gold evidence, and answer quality.

Each line of `evals/gold/seeds.jsonl`: `{"id", "kind", "question", "history": [earlier user
turns], "answer", "answerable", "facts": [[accepted variants]...], "evidence": [{"doc_id",
"quote"}]}`. Earlier turns are asked first, so a follow-up is answered as in a real chat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from newsdesk import language
from newsdesk.assistant import Assistant
from newsdesk.core.settings import Settings
from newsdesk.evals import metrics
from newsdesk.evals.report import SuiteResult, SystemResult
from newsdesk.evals.systems import System, open_assistant, open_index
from newsdesk.index.embed import Embedder
from newsdesk.inputs import Filters
from newsdesk.types import Answer

GOLD = Path(__file__).parent / "gold" / "seeds.jsonl"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    kind: str
    question: str
    history: list[str]
    answer: str
    answerable: bool
    facts: list[list[str]]
    evidence: list[dict]


def load_gold(path: Path = GOLD) -> list[GoldQuestion]:
    return [GoldQuestion(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def evidence_spans(gold: GoldQuestion, texts: dict[str, str]) -> list[tuple[str, int, int]]:
    """(doc_id, start, end) of each gold quote in its document."""
    spans = []
    for item in gold.evidence:
        start = texts[item["doc_id"]].find(item["quote"])
        if start < 0:
            raise ValueError(f"{gold.id}: gold quote not found in {item['doc_id']}: {item['quote']!r}")
        spans.append((item["doc_id"], start, start + len(item["quote"])))
    return spans


def score_answer(gold: GoldQuestion, answer: Answer, texts: dict[str, str]) -> dict:
    """One question's row: the answer and its scores (`score` is what baselines compare)."""
    row = {"question": gold.question, "kind": gold.kind, "answer": answer.text,
           "refused": answer.refused, "ms": answer.timings_ms.get("total", 0.0)}
    if not gold.answerable:
        row["score"] = float(answer.refused)
        return row
    spans = evidence_spans(gold, texts)
    verbatim = [texts.get(c.doc_id, "")[c.start:c.end] == c.quote for c in answer.citations]
    holds = [ok and (any(metrics.contains(c.quote, v) for fact in gold.facts for v in fact) or
                     any(d == c.doc_id and metrics.overlaps((s, e), (c.start, c.end))
                         for d, s, e in spans))
             for c, ok in zip(answer.citations, verbatim, strict=True)]
    found = [any(c.doc_id == d and metrics.overlaps((s, e), (c.start, c.end)) for c in answer.citations)
             for d, s, e in spans]
    row.update(
        fact_recall=metrics.fact_recall(answer.text, gold.facts),
        f1=round(metrics.token_f1(answer.text, gold.answer), 4),
        citations=len(answer.citations), verbatim=sum(verbatim), precise=sum(holds),
        citation_recall=sum(found) / len(found),
    )
    short = answer.short_answer.text if answer.short_answer else ""
    right = any(metrics.contains(short, v) for fact in gold.facts for v in fact)
    if language.read_question(gold.question).kind in language.ANSWER_TYPES:
        row["short_answer"] = float(right)
    if short:  # a short answer offered: is it right (it holds a key fact)?
        row["short_answer_right"] = float(right)
    row["score"] = 0.0 if answer.refused else row["fact_recall"]
    return row


def ask_in_turn(assistant: Assistant, gold: GoldQuestion) -> Answer:
    """Ask the earlier turns first, then the question, as a chat would."""
    history: list[dict] = []
    for turn in gold.history:
        earlier = assistant.ask(turn, history)
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": earlier.text}]
    return assistant.ask(gold.question, history)


def summarize(rows: dict[str, dict]) -> dict[str, float]:
    answerable = [r for r in rows.values() if "fact_recall" in r]
    cited = sum(r["citations"] for r in answerable)
    summary = {
        "fact_recall": metrics.mean(r["fact_recall"] * (not r["refused"]) for r in answerable),
        "token_f1": metrics.mean(r["f1"] for r in answerable),
        "citation_precision": round(sum(r["precise"] for r in answerable) / cited, 4) if cited else 0.0,
        "verbatim": round(sum(r["verbatim"] for r in answerable) / cited, 4) if cited else 0.0,
        "citation_recall": metrics.mean(r["citation_recall"] for r in answerable),
        # who / where / when / how much questions whose short answer holds a key fact
        "short_answer": metrics.mean(r["short_answer"] for r in answerable if "short_answer" in r),
        # of the answerable questions, those given a short answer
        "short_answer_coverage": metrics.mean(float("short_answer_right" in r) for r in answerable),
    }
    given = [r["short_answer_right"] for r in answerable if "short_answer_right" in r]
    if given:  # of those given, the right ones (no precision of none)
        summary["short_answer_precision"] = metrics.mean(given)
    summary.update(metrics.refusal_scores([r["refused"] for r in rows.values()],
                                          ["fact_recall" not in r for r in rows.values()]))
    summary.update(metrics.percentiles([r["ms"] for r in rows.values()]))
    return summary


def evidence_recall(search, gold: list[GoldQuestion], k: int) -> float:
    """Share of gold quotes found inside the top-`k` passages (`search(q, k)` -> texts)."""
    found = total = 0
    for question in gold:
        if not question.answerable or question.history:
            continue
        texts = [metrics.normalize(t) for t in search(question.question, k)]
        for item in question.evidence:
            total += 1
            found += any(metrics.normalize(item["quote"]) in t for t in texts)
    return round(found / total, 4) if total else 0.0


def run(systems: list[System], embedder: Embedder, settings: Settings, gold_path: Path = GOLD,
        k: int = 5, limit: int | None = None, progress: bool = True) -> SuiteResult:
    """Score each system on the gold set."""
    gold = load_gold(gold_path)[:limit]
    result = SuiteResult("seeds", notes={"questions": len(gold), "k": k, "gold": str(gold_path)})
    for system in systems:
        outcome = SystemResult(system.name)
        if system.stock:
            from newsdesk.evals.stock import StockPipeline

            stock = StockPipeline.build("seeds", [SEEDS], embedder.name, progress)
            outcome.summary[f"evidence_recall@{k}"] = evidence_recall(
                lambda q, n, stock=stock: [h.text for h in stock.search(q, n)], gold, k)
            result.systems.append(outcome)
            continue
        indexed = open_index("seeds", [SEEDS], system, embedder, settings, progress=False)
        assistant = open_assistant(indexed, system, embedder)
        outcome.summary[f"evidence_recall@{k}"] = evidence_recall(
            lambda q, n, found=assistant.retriever: [p.text for p in found.search(q, n, Filters())],
            gold, k)
        store = assistant.retriever.store
        texts = {d.doc_id: document.text for d in store.stored_documents()
                 if (document := store.document(d.doc_id)) is not None}
        for question in tqdm(gold, desc=system.name, disable=not progress):
            outcome.questions[question.id] = score_answer(question, ask_in_turn(assistant, question), texts)
        outcome.summary.update(summarize(outcome.questions))
        result.systems.append(outcome)
    return result
