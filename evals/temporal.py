"""The temporal gold set: stories whose figures change over dated articles, asked as of a day.

Articles (evals/gold/temporal/*.md, written for this set, not from the seeds or the benchmarks)
tell three stories: a wildfire that grows over a week (with an older fire of the same place),
a fuel price that rises and falls over three months, and a council's decisions in two months.
Each line of evals/gold/temporal.jsonl: `{"id", "kind", "question", "as_of", "expected",
"values"}`, where `values` are every figure of the story and `expected` those that answer as of
that day. Kinds: "latest" (the newest figure), "as_of" (the figure of an earlier day), "named"
(a time the question names: "in January", "last month") and "change" (every figure).

An answer is right when it cites no article dated after its as-of day and, for "change", holds
every expected value; for the others, its short answer (if any) holds one, and the first of the
story's values it mentions is an expected one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tqdm import tqdm

from newsdesk.core.settings import Settings
from newsdesk.evals import metrics
from newsdesk.evals.report import SuiteResult, SystemResult
from newsdesk.evals.systems import System, open_assistant, open_index
from newsdesk.index.embed import Embedder
from newsdesk.types import Answer

GOLD = Path(__file__).parent / "gold" / "temporal.jsonl"
ARTICLES = Path(__file__).parent / "gold" / "temporal"


def load_questions(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def judge(question: dict, answer: Answer) -> dict:
    """One question's row: what the answer said first, and whether it is right."""
    late = [c.n for c in answer.citations if c.date and c.date[:10] > question["as_of"]]
    text = answer.text
    found = sorted((at, value) for value in question["values"]
                   if (at := _position(text, value)) is not None)
    first = found[0][1] if found else ""
    short = answer.short_answer.text if answer.short_answer else ""
    if question["kind"] == "change":
        right = all(_position(text, value) is not None for value in question["expected"])
    else:
        right = (first in question["expected"]
                 and (not short or any(metrics.contains(short, v) for v in question["expected"])))
    right = right and not late and not answer.refused
    return {"question": question["question"], "kind": question["kind"], "as_of": question["as_of"],
            "answer": text, "first_value": first, "short_answer": short, "cited_after_as_of": late,
            "refused": answer.refused, "score": float(right)}


def run(systems: list[System], embedder: Embedder, settings: Settings, limit: int | None = None,
        progress: bool = True) -> SuiteResult:
    questions = load_questions()[:limit]
    result = SuiteResult("temporal", notes={"questions": len(questions),
                                            "articles": len(list(ARTICLES.glob("*.md")))})
    for system in (s for s in systems if not s.stock):
        indexed = open_index("temporal", [ARTICLES], system, embedder, settings, progress)
        assistant = open_assistant(indexed, system, embedder)
        outcome = SystemResult(system.name)
        for q in tqdm(questions, desc=system.name, disable=not progress):
            answer = assistant.ask(q["question"], as_of=q["as_of"])
            outcome.questions[q["id"]] = judge(q, answer)
        rows = list(outcome.questions.values())
        outcome.summary["right"] = metrics.mean(r["score"] for r in rows)
        for kind in dict.fromkeys(r["kind"] for r in rows):
            outcome.summary[f"right: {kind}"] = metrics.mean(r["score"] for r in rows
                                                             if r["kind"] == kind)
        outcome.summary["cited after as-of"] = float(sum(bool(r["cited_after_as_of"]) for r in rows))
        result.systems.append(outcome)
    return result


def _position(text: str, value: str) -> int | None:
    """Where `value` first stands in `text` as a whole ("1,200" not in "11,200"), or None."""
    found = re.search(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)", text, re.IGNORECASE)
    return found.start() if found else None
