"""RGB (English fact subset): 100 questions, asked over the plain corpus and over the corpus
with counterfactual passages, where the answer was replaced by a fake one.

Reports accuracy (the answer holds an alias of every answer group), how often the answer repeats
the fake answer, how often it flags a conflict between its sources, how often it repeats the fake
answer without flagging one, refusals, and whether retrieval puts a gold passage in the top 5.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.evals import metrics
from newsdesk.evals.report import SuiteResult, SystemResult
from newsdesk.evals.systems import System, open_assistant, open_index
from newsdesk.index.embed import Embedder

CORPORA = {"plain": "corpus.jsonl", "counterfactual": "corpus_with_counterfactual.jsonl"}


def load_questions(data: Path) -> list[dict]:
    if not all((data / name).is_file() for name in ("questions.jsonl", *CORPORA.values())):
        raise BadInputError(f"{data} is not the RGB folder; pass --data ../shared/bench/rgb-en-fact")
    lines = (data / "questions.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def correct(text: str, groups: list[list[str]]) -> bool:
    return all(any(metrics.contains(text, alias) for alias in group) for group in groups)


def run(systems: list[System], embedder: Embedder, settings: Settings, data: Path,
        limit: int | None = None, progress: bool = True) -> SuiteResult:
    questions = load_questions(data)[:limit]
    result = SuiteResult("rgb", notes={"questions": len(questions), "data": str(data)})
    for system in (s for s in systems if not s.stock):
        for label, corpus in CORPORA.items():
            named = replace(system, name=f"{system.name} · {label}")
            indexed = open_index(f"rgb-{label}", [data / corpus], system, embedder, settings, progress)
            assistant = open_assistant(indexed, system, embedder)
            result.systems.append(_score(named, questions, assistant, progress))
    return result


def _score(system: System, questions: list[dict], assistant, progress: bool) -> SystemResult:
    outcome = SystemResult(system.name)
    ranked, latencies = {}, []
    for q in tqdm(questions, desc=system.name, disable=not progress):
        answer = assistant.ask(q["question"])
        latencies.append(answer.timings_ms.get("total", 0.0))
        ranked[q["qid"]] = [p.doc_id for p in assistant.retriever.retrieve(q["question"], 5)]
        right = correct(answer.text, q["answer_groups"])
        fake = metrics.contains(answer.text, q["fake_answer"])
        flagged = bool(answer.conflicts)
        outcome.questions[q["qid"]] = {"question": q["question"], "answer": answer.text,
                                       "refused": answer.refused, "correct": right,
                                       "repeats_fake": fake, "flags_conflict": flagged,
                                       "fake_unflagged": fake and not flagged,
                                       "score": float(right)}
    rows = outcome.questions.values()
    hits = metrics.retrieval_scores({q["qid"]: q["gold_doc_ids"] for q in questions}, ranked,
                                    ("hit_rate@1", "hit_rate@5"))
    outcome.summary.update({
        "accuracy": metrics.mean(float(r["correct"]) for r in rows),
        "repeats fake": metrics.mean(float(r["repeats_fake"]) for r in rows),
        "flags conflict": metrics.mean(float(r["flags_conflict"]) for r in rows),
        "fake, unflagged": metrics.mean(float(r["fake_unflagged"]) for r in rows),
        "refused": metrics.mean(float(r["refused"]) for r in rows),
        "gold hit@1": metrics.mean(hits["hit_rate@1"].values()),
        "gold hit@5": metrics.mean(hits["hit_rate@5"].values()),
        **metrics.percentiles(latencies),
    })
    return outcome
