"""RealTimeQA (2023 Q4): 240 multiple-choice news questions over 2,229 documents.

Scores, per system: document-level retrieval on `gold_doc_ids` and on `relevant_doc_ids`;
answer in context (the correct choice appears in the retrieved text, capped at the same budget
of word pieces for every system); choice accuracy (picking among the four choices by the retrieved
evidence); and, for newsdesk's default, whether its answer names the correct choice.

Each question is asked as of its own date by default (the benchmark's setting: the quiz is
asked the week it is written, and articles dated after it could not have been read); `as_of`
"none" asks every question as of no moment, as newsdesk did before it knew of time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.evals import metrics
from newsdesk.evals.report import SuiteResult, SystemResult
from newsdesk.evals.systems import System, is_default, open_assistant, open_index
from newsdesk.index.embed import Embedder
from newsdesk.inputs import Filters, check_as_of

BUDGET = 1000  # word pieces of context every system gets for "answer in context"
DEPTH = 60  # passages read to rank documents 10 deep (as many as the retriever finds)


def load_questions(data: Path) -> list[dict]:
    path = data / "questions.jsonl"
    if not path.is_file() or not (data / "corpus.jsonl").is_file():
        raise BadInputError(f"{data} holds no questions.jsonl and corpus.jsonl; pass --data "
                            "../shared/bench/realtimeqa-2023q4")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def within_budget(texts: list[str], embedder: Embedder, budget: int = BUDGET) -> list[str]:
    """The leading texts that fit in `budget` word pieces (the last one cut to fit)."""
    kept, used = [], 0
    for text, spans in ((t, embedder.token_spans(t)) for t in texts):
        if used + len(spans) <= budget:
            kept.append(text)
            used += len(spans)
            continue
        room = budget - used
        if room > 0:
            kept.append(text[: spans[room - 1][1]])
        break
    return kept


def pick_choice(question: str, choices: list[str], context: list[str], embedder: Embedder) -> int:
    """The choice the evidence supports: mentions weighted by rank, then meaning as a tie-break."""
    mentions = [sum(1 / (rank + 1) for rank, text in enumerate(context) if metrics.contains(text, c))
                for c in choices]
    if not context:
        return int(np.argmax(mentions))
    vectors = embedder.embed([f"{question} {c}" for c in choices] + context[:5])
    closeness = (vectors[: len(choices)] @ vectors[len(choices):].T).max(axis=1)
    return int(np.argmax(np.asarray(mentions) + 0.01 * closeness))


def asked_as_of(question: dict, as_of: str = "question") -> str:
    """The day `question` is asked as of: its own date for "question" (none if it has none),
    else `as_of` as `inputs.check_as_of` reads it ("none": no moment)."""
    if as_of == "question":
        as_of = question.get("date", "").replace("/", "-")[:10] or "none"
    return check_as_of(as_of)


def run(systems: list[System], embedder: Embedder, settings: Settings, data: Path,
        limit: int | None = None, progress: bool = True, as_of: str = "question") -> SuiteResult:
    questions = load_questions(data)[:limit]
    corpus = [data / "corpus.jsonl"]
    result = SuiteResult("realtimeqa", notes={"questions": len(questions), "budget_word_pieces": BUDGET,
                                              "data": str(data), "as_of": as_of})
    for system in systems:
        started = time.perf_counter()
        if system.stock:
            from newsdesk.evals.stock import StockPipeline

            stock = StockPipeline.build(data.resolve().name, corpus, embedder.name, progress)

            def search(query, day, stock=stock):
                hits = stock.search(query, 20)
                return [h.doc_id for h in hits], [h.text for h in hits]
            assistant = None
        else:
            indexed = open_index(data.resolve().name, corpus, system, embedder, settings, progress)
            assistant = open_assistant(indexed, system, embedder)

            def search(query, day, retriever=assistant.retriever):
                passages = retriever.search(query, DEPTH, Filters(as_of=day))
                return [p.doc_id for p in passages], [p.text for p in passages]
        result.notes[f"{system.name}: index ready in s"] = round(time.perf_counter() - started, 1)
        result.systems.append(_score(system, questions, search, embedder, progress,
                                     assistant if is_default(system) else None, as_of))
    return result


def _score(system, questions, search, embedder, progress, assistant, as_of) -> SystemResult:
    outcome = SystemResult(system.name)
    ranked, latencies = {}, []
    for q in tqdm(questions, desc=system.name, disable=not progress):
        day = asked_as_of(q, as_of)
        started = time.perf_counter()
        doc_ids, texts = search(q["question"], day)
        latencies.append((time.perf_counter() - started) * 1000)
        ranked[q["qid"]] = doc_ids
        context = within_budget(texts, embedder)
        correct = q["choices"][q["answer_index"]]
        row = {"question": q["question"],
               "in_context": float(any(metrics.contains(t, correct) for t in context)),
               "choice_correct": float(pick_choice(q["question"], q["choices"], context, embedder)
                                       == q["answer_index"])}
        if assistant is not None:
            answer = assistant.ask(q["question"], as_of=day or "none")
            short = answer.short_answer.text if answer.short_answer else None
            row.update(answer=answer.text, refused=answer.refused, short_answer=short,
                       answer_has_choice=float(metrics.contains(answer.text, correct)),
                       quotes=len(answer.citations),
                       quotes_with_choice=sum(metrics.contains(c.quote, correct)
                                              for c in answer.citations))
            if short is not None:
                row["short_answer_is_choice"] = float(metrics.contains(short, correct))
                row["short_answer_picks_choice"] = float(metrics.picks_the_choice(
                    short, q["choices"], q["answer_index"]))
        row["score"] = row["in_context"]
        outcome.questions[q["qid"]] = row
    for label, field in (("gold", "gold_doc_ids"), ("relevant", "relevant_doc_ids")):
        scores = metrics.retrieval_scores({q["qid"]: q[field] for q in questions}, ranked,
                                          ("hit_rate@10", "mrr@10", "ndcg@10", "recall@10"))
        for name, per_question in scores.items():
            name = name.replace("hit_rate", "hit")
            outcome.summary[f"{label} {name}"] = metrics.mean(per_question.values())
    rows = outcome.questions.values()
    outcome.summary["answer in context"] = metrics.mean(r["in_context"] for r in rows)
    outcome.summary["choice accuracy"] = metrics.mean(r["choice_correct"] for r in rows)
    if assistant is not None:
        outcome.summary["answer has choice"] = metrics.mean(r["answer_has_choice"] for r in rows)
        outcome.summary["refused"] = metrics.mean(float(r["refused"]) for r in rows)
        shorts = [r["short_answer_is_choice"] for r in rows if "short_answer_is_choice" in r]
        outcome.summary["short answers"] = metrics.mean(float("short_answer_is_choice" in r)
                                                        for r in rows)
        outcome.summary["short answer is choice"] = metrics.mean(shorts)
        outcome.summary["short answer picks choice"] = metrics.mean(
            r["short_answer_picks_choice"] for r in rows if "short_answer_picks_choice" in r)
        answered = [r for r in rows if not r["refused"]]
        outcome.summary["quotes per answer"] = metrics.mean(r["quotes"] for r in answered)
        quotes = sum(r["quotes"] for r in answered)
        outcome.summary["quotes with choice"] = (
            round(sum(r["quotes_with_choice"] for r in answered) / quotes, 4) if quotes else 0.0)
    outcome.summary.update({f"retrieve {k}": v for k, v in metrics.percentiles(latencies).items()})
    return outcome
