"""Tuning on RealTimeQA train (June 2022 - September 2023), never on the splits we report.

`train_sample()` writes the part of train that is indexed: every gold and silver document of its
1,270 questions plus a seeded sample of the other search results as distractors, under
`.newsdesk/evals/` (git ignores it; the benchmark data itself stays in ../shared/bench).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from newsdesk.evals.systems import EVAL_HOME

TRAIN = Path("../shared/bench/realtimeqa-train")
DISTRACTORS = 1500  # about as many as the relevant search results, as in the reported split


def train_sample(data: Path = TRAIN, distractors: int = DISTRACTORS, seed: int = 0) -> Path:
    """The indexed part of train, as a RealTimeQA folder (questions.jsonl, corpus.jsonl)."""
    folder = EVAL_HOME / f"realtimeqa-train-sample-{distractors}"
    if (folder / "corpus.jsonl").exists():
        return folder
    questions = (data / "questions.jsonl").read_text().splitlines()
    wanted = {d for line in questions for d in json.loads(line)["relevant_doc_ids"]}
    lines = (data / "corpus.jsonl").read_text().splitlines()
    ids = [json.loads(line)["doc_id"] for line in lines]
    others = [n for n, doc_id in enumerate(ids) if doc_id not in wanted]
    keep = {n for n, doc_id in enumerate(ids) if doc_id in wanted}
    keep |= set(random.Random(seed).sample(others, min(distractors, len(others))))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "questions.jsonl").write_text("\n".join(questions) + "\n")
    (folder / "corpus.jsonl").write_text("\n".join(lines[n] for n in sorted(keep)) + "\n")
    return folder
