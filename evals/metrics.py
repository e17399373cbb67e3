"""Scores for retrieval and for answers.

Retrieval metrics come from ranx (hit@k, recall@k, MRR@10, nDCG@10). The answer metrics are
newsdesk's own: they check the things a reader of a cited answer cares about.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable

import numpy as np

RETRIEVAL_METRICS = ("hit_rate@1", "hit_rate@5", "hit_rate@10", "recall@10", "mrr@10", "ndcg@10")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def retrieval_scores(relevant: dict[str, list[str]], ranked: dict[str, list[str]],
                     metrics: Iterable[str] = RETRIEVAL_METRICS) -> dict[str, dict[str, float]]:
    """Per-question retrieval metrics: `{metric: {qid: value}}`.

    Args:
        relevant: qid -> the relevant document ids.
        ranked: qid -> document ids as retrieved, best first (duplicates are dropped).
        metrics: ranx metric names.
    """
    from ranx import Qrels, Run, evaluate

    qrels = Qrels({qid: {doc: 1 for doc in docs} for qid, docs in relevant.items() if docs})
    run = Run({qid: _as_run(ranked.get(qid, [])) for qid in qrels.keys()})  # noqa: SIM118 - a Qrels, not a dict
    scores = evaluate(qrels, run, list(metrics), return_mean=False, make_comparable=True)
    qids = list(qrels.keys())
    return {name: dict(zip(qids, map(float, values), strict=True)) for name, values in scores.items()}


def _as_run(docs: list[str]) -> dict[str, float]:
    # ranx wants scores; unique documents, ranked by their first appearance.
    unique = list(dict.fromkeys(docs))
    if not unique:
        return {"__none__": 0.0}
    return {doc: float(len(unique) - rank) for rank, doc in enumerate(unique)}


def normalize(text: str) -> str:
    """Lower case, plain quotes and dashes, no punctuation or articles, single spaces (SQuAD-like)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = "".join(" " if ch in string.punctuation and ch not in "%" else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, after `normalize`."""
    needle = normalize(phrase)
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", normalize(text)) is not None


def picks_the_choice(text: str, choices: list[str], answer: int) -> bool:
    """Whether a short answer picks out the correct choice among `choices`: it holds it
    (`contains`), or it stands in it and in no other choice ("Gorbachev" of "Mikhail
    Gorbachev"; not "New Jersey" of "New Jersey & Oregon" beside "New Jersey & Texas")."""
    correct = choices[answer]
    return contains(text, correct) or contains(correct, text) and not any(
        contains(other, text) for i, other in enumerate(choices) if i != answer)


def fact_recall(text: str, facts: list[list[str]]) -> float:
    """Share of `facts` (each a list of accepted variants) that `text` states."""
    if not facts:
        return 1.0
    return sum(any(contains(text, variant) for variant in fact) for fact in facts) / len(facts)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 between two texts."""
    predicted, wanted = normalize(prediction).split(), normalize(reference).split()
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two character spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def refusal_scores(refused: list[bool], unanswerable: list[bool]) -> dict[str, float]:
    """Precision and recall of refusing, where refusing an unanswerable question is right."""
    true = sum(r and u for r, u in zip(refused, unanswerable, strict=True))
    said, should = sum(refused), sum(unanswerable)
    return {"refusal_precision": true / said if said else 1.0,
            "refusal_recall": true / should if should else 1.0}


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p95 of latencies in milliseconds."""
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}


def mean(values: Iterable[float]) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0
