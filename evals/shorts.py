"""Fitting the short answer's confidence (`newsdesk.short`) on RealTimeQA train.

The last step of `newsdesk train` (alone: `newsdesk train --only short`):
1. Each train question is answered as the product answers it (as of its own date), up to the
   short answer: the sentences the answer quotes and their candidates (`short.candidates`). A
   candidate is right when it picks out the question's correct choice (`metrics.picks_the_choice`:
   it holds the choice, or stands in it and in no other choice: "Gorbachev" of "Mikhail
   Gorbachev"), as `newsdesk eval realtimeqa` checks a short answer.
2. A logistic regression over the candidates' features is scored out of fold (5 folds grouped by
   question): per question the likeliest candidate is the one offered, at a confidence.
3. The threshold (`AnswerConfig.short_confidence`): the least confidence at which the short
   answers offered out of fold are right at least `PRECISION` of the time (a bold answer that
   is wrong is worse than none); each threshold's coverage and precision are printed and kept.
4. The model is fitted on all of train and written into the fitted values (`short_answer`,
   `answer.short_confidence`), the rest of them kept.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from newsdesk import short
from newsdesk.core.settings import Settings
from newsdesk.evals.metrics import picks_the_choice
from newsdesk.evals.realtimeqa import asked_as_of, load_questions
from newsdesk.evals.systems import DEFAULT, open_assistant, open_index
from newsdesk.extractive import ExtractiveAnswerer
from newsdesk.fitted import FITTED, Fitted, packaged
from newsdesk.index.embed import Embedder
from newsdesk.scorer import SentenceScorer

FOLDS = 5
# The least share of offered short answers that must be right on train, out of fold (the issue's
# bar for held-out news), measured over at least `ENOUGH` of them (fewer is noise).
PRECISION = 0.9
ENOUGH = 50
THRESHOLDS = tuple(round(0.3 + 0.025 * i, 3) for i in range(27))


def gather(data: Path, settings: Settings, embedder: Embedder, fitted: Fitted,
           progress: bool = True) -> list[list[tuple[dict, bool]]]:
    """Per question of `data`, its candidates' features and whether each is right (none for a
    question refused)."""
    indexed = open_index(data.resolve().name, [data / "corpus.jsonl"], DEFAULT, embedder, settings,
                         progress)
    assistant = open_assistant(indexed, DEFAULT, embedder, fitted)
    answerer = assistant.answerers["extractive"]
    assert isinstance(answerer, ExtractiveAnswerer)
    found: list[list[tuple[dict, bool]]] = []
    for q in tqdm(load_questions(data), desc="short answers", disable=not progress):
        evidence = assistant.evidence(q["question"], as_of=asked_as_of(q))
        picked = answerer.select(q["question"], list(evidence.passages), "", evidence.vectors,
                                 evidence.as_of)
        if not picked.chosen:  # refused: no short answer
            found.append([])
            continue
        found.append([(dict(c.features), picks_the_choice(c.text, q["choices"], q["answer_index"]))
                      for c in short.candidates(q["question"], picked.wanted, picked.chosen,
                                                picked.gaps, picked.terms, picked.every)])
    return found


def fit(features: list[str], rows: list[tuple[dict, bool]], fitted: dict | None = None
        ) -> SentenceScorer:
    """A logistic regression from the candidates' features to whether they are right."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r[0][name] for name in features] for r in rows])
    y = np.array([r[1] for r in rows], dtype=np.int8)
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    return SentenceScorer(tuple(features), mean, scale, model.coef_[0], float(model.intercept_[0]),
                          fitted or {})


def offered(found: list[list[tuple[dict, bool]]], models: list[SentenceScorer]
            ) -> list[tuple[float, bool]]:
    """Per question with candidates, the likeliest one's confidence and whether it is right,
    `models[i]` reading question `i`."""
    result = []
    for question, model in zip(found, models, strict=True):
        if question:
            table = {name: np.array([c[0][name] for c in question]) for name in model.features}
            sure = 1 / (1 + np.exp(-model.score(table)))
            best = int(np.argmax(sure))
            result.append((float(sure[best]), question[best][1]))
    return result


def out_of_fold(found: list[list[tuple[dict, bool]]], features: list[str]
                ) -> list[tuple[float, bool]]:
    """`offered`, each question read by a model fitted without its fold."""
    from sklearn.model_selection import KFold

    models: list[SentenceScorer] = [None] * len(found)  # type: ignore[list-item]
    for fit_at, test_at in KFold(FOLDS, shuffle=True, random_state=0).split(found):
        model = fit(features, [row for i in fit_at for row in found[i]])
        for i in test_at:
            models[i] = model
    return offered(found, models)


def curve(scored: list[tuple[float, bool]], questions: int) -> list[dict]:
    """For each threshold: the share of questions given a short answer, and how many of those
    are right."""
    rows = []
    for least in THRESHOLDS:
        given = [right for sure, right in scored if sure >= least]
        rows.append({"least": least, "coverage": round(len(given) / max(questions, 1), 3),
                     "given": len(given), "right": int(sum(given)),
                     "precision": round(sum(given) / len(given), 3) if given else 1.0})
    return rows


def choose(rows: list[dict]) -> dict:
    """The least threshold at which at least `ENOUGH` short answers are offered and `PRECISION`
    of them are right; else the one of those with enough that is most precise."""
    enough = [r for r in rows if r["given"] >= ENOUGH] or rows
    return next((r for r in enough if r["precision"] >= PRECISION),
                max(enough, key=lambda r: r["precision"]))


def main(train: Path, settings: Settings, fitted: Fitted | None = None, out: Path = FITTED,
         progress: bool = True) -> dict:
    """Gather, cross-validate, choose the threshold, fit on all of train, and write the fitted
    values (`fitted`'s, default the packaged ones) with the short answer's to `out`."""
    started = time.perf_counter()
    fitted = fitted or packaged()
    embedder = Embedder.of(settings)
    found = gather(train, settings, embedder, fitted, progress)
    every = [row for question in found for row in question]
    if sum(1 for question in found if question) < FOLDS or len({r for _, r in every}) < 2:
        print(f"\nshort answers: {len(every)} candidates in {len(found)} questions, too few to "
              "fit (or all alike); the short answer's confidence is kept")
        return {"data": train.resolve().name, "questions": len(found), "candidates": len(every),
                "kept": True}
    features = list(every[0][0])
    rows = curve(out_of_fold(found, features), len(found))
    chosen = choose(rows)
    candidates = sum(map(len, found))
    figures = {"data": train.resolve().name, "questions": len(found),
               "with_candidates": sum(1 for q in found if q), "candidates": candidates,
               "right_candidates": sum(r for q in found for _, r in q),
               "folds": FOLDS, "precision_wanted": PRECISION, "thresholds": rows,
               "chosen": chosen, "date": time.strftime("%Y-%m-%d")}
    model = fit(features, every, figures)
    values = replace(fitted, short_answer=model,
                     answer=fitted.answer.model_copy(update={"short_confidence": chosen["least"]}))
    values.save(out)
    print(f"\nshort answers: {len(found)} questions, {figures['with_candidates']} with "
          f"a candidate, {candidates} candidates ({figures['right_candidates']} right), "
          f"{time.perf_counter() - started:.0f} s")
    print("| least confidence | short answers (share of questions) | right | precision |\n"
          "|---|---|---|---|")
    for row in rows:
        print(f"| {row['least']} | {row['given']} ({row['coverage']}) | {row['right']} "
              f"| {row['precision']} |")
    print(f"chosen: short_confidence={chosen['least']} (out of fold: coverage "
          f"{chosen['coverage']}, precision {chosen['precision']})")
    print(f"wrote {out}")
    return figures

