"""Fitting the sentence scorer (`newsdesk.scorer`) on RealTimeQA train.

`newsdesk train`:
1. For each train question, the product's own retrieval over the indexed train sample
   (`tune.train_sample`, shared with `newsdesk tune`) gives the passages; each of their sentences
   is described by `sentence_features` and labelled by whether it holds the question's correct
   choice (as `newsdesk eval realtimeqa` checks an answer).
2. A logistic regression (scikit-learn) is scored by 5-fold cross-validation grouped by question,
   against the hand-set score of the extractive answerer, on what an answer needs: that its best
   sentence, or one of its best three, holds the answer.
3. The weight of the learned score beside the hand-set one, and the margin, are chosen on the
   out-of-fold scores: the answers must be no longer than the hand-set score's, and the learned
   score weighs most where the hand-set one earns nothing measurable (`choose_blend`).
4. The scorer is fitted on all of train, and kept with the figures.
5. The answer types (`newsdesk.scorer.AnswerTypes`): each question is labelled with the entity
   type spaCy gives most of its four choices ("" when they are no entity), and a logistic
   regression reads that type from the vectors of the question and of its question phrase.
   Its out-of-fold probabilities choose `AnswerConfig.short_type` (`choose_short_type`), on
   the answers of step 3; it is fitted on all of train.
6. The refusal thresholds of `AnswerConfig` (`min_score`, `min_coverage`): every train
   question as asked, and each whose passages hold its correct choice twice more, to be
   refused: of the index without the articles that hold the choice (a near miss), and without
   its whole story (off the story), the question's words that only the articles taken out use
   counted as unknown (of its topic words: `extractive.topic_words`). Of the thresholds that
   refuse at most `MOST_REFUSED` of the questions as asked, the ones that refuse most of the
   others are chosen (`choose_refusals`).
7. All of it is written as one file, the fitted values (`newsdesk.fitted`, rag/fitted.json):
   the scorer, the answer types, the values chosen for `AnswerConfig`'s defaults, and the
   embedding model, data and day they were fitted with. Tables of each step are printed.
8. The short answer's confidence and its threshold are fitted on the answers those values give
   (`newsdesk.evals.shorts`) and written into the same file.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from newsdesk import language
from newsdesk.assistant import Assistant
from newsdesk.citations import passage_sentences
from newsdesk.core.settings import Settings
from newsdesk.evals import metrics, shorts
from newsdesk.evals.realtimeqa import asked_as_of, load_questions
from newsdesk.evals.systems import DEFAULT, open_assistant, open_index
from newsdesk.evals.tune import train_sample
from newsdesk.extractive import AnswerConfig, ExtractiveAnswerer, RefusalGrounds, question_features
from newsdesk.fitted import FITTED, AnswerDefaults, Fitted, FittedModel, FittedOn, packaged
from newsdesk.index.embed import Embedder
from newsdesk.index.lexical import tokenize
from newsdesk.scorer import AnswerTypes, SentenceScorer, short_types
from newsdesk.types import Evidence

KINDS = ("who", "when", "where", "how much", "what", "which")
FOLDS = 5
TOP = (1, 3)
MOST = AnswerConfig().max_sentences
HAND_MARGIN = AnswerConfig().margin  # the hand-set score's own margin
BLEND_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
SHORT_TYPES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
# What a wrong short answer costs beside what a right one gains: less than one, as the cited
# sentences below it show the reader what it stands on.
WRONG_SHORT = 0.5
# Step 6: the most questions a refusal setting may refuse as asked (the most refusals we
# accept on RealTimeQA's quiz questions), and the settings tried.
MOST_REFUSED = 0.08
MIN_SCORES = tuple(round(0.3 + 0.02 * i, 2) for i in range(21))
MIN_COVERAGE = (0.4, 0.5, 0.6, 0.7, 0.8)
UNANSWERABLE = ("near_miss", "off_story")  # step 6's two kinds of question to refuse
KINDS_OF_CASE = ("asked", "answerable", *UNANSWERABLE)


def _default_answerer(data: Path, settings: Settings, embedder: Embedder,
                      progress: bool) -> tuple[Assistant, ExtractiveAnswerer]:
    """The default assistant over the indexed train folder `data`, and its extractive answerer
    (it starts from the packaged values, whatever model they were fitted with: train reads only
    their thresholds and the hand-set scores)."""
    indexed = open_index(data.resolve().name, [data / "corpus.jsonl"], DEFAULT, embedder, settings,
                         progress)
    start = packaged().starting_point(embedder.name, embedder.dimension)
    assistant = open_assistant(indexed, DEFAULT, embedder, start)
    answerer = assistant.answerers["extractive"]
    assert isinstance(answerer, ExtractiveAnswerer)
    return assistant, answerer


def gather(data: Path, settings: Settings, embedder: Embedder, progress: bool = True) -> dict:
    """Features, labels, question numbers and the hand-set scores of every retrieved sentence."""
    assistant, answerer = _default_answerer(data, settings, embedder, progress)
    tables, labels, groups, baseline, texts, asked = [], [], [], [], [], []
    for n, q in enumerate(tqdm(load_questions(data), desc="questions", disable=not progress)):
        evidence = assistant.evidence(q["question"], as_of=asked_as_of(q))
        sentences = passage_sentences(evidence.passages)
        if not sentences:
            continue
        correct = q["choices"][q["answer_index"]]
        vectors = _asked(evidence)
        hand = answerer.hand_set_scores(q["question"], sentences, vectors)
        tables.append(question_features(q["question"], sentences, vectors, KINDS,
                                        as_of=evidence.as_of))
        labels += [metrics.contains(s.text, correct) for s in sentences]
        groups += [n] * len(sentences)
        baseline.append(hand)
        texts += [s.text for s in sentences]
        words = language.read_question(q["question"])
        asked.append({"question": q["question"], "correct": correct, "type": choice_type(q["choices"]),
                      "kind": words.kind, "vector": np.concatenate(
                          [vectors[0], embedder.embed([words.phrase])[0]])})
    names = list(tables[0])
    return {"features": names,
            "x": np.vstack([np.column_stack([t[name] for name in names]) for t in tables]),
            "y": np.array(labels, dtype=np.int8), "groups": np.array(groups),
            "baseline": np.concatenate(baseline), "texts": texts, "questions": asked}


def choice_type(choices: list[str]) -> str:
    """The entity type spaCy gives most of `choices`, each read alone ("" for a choice that
    is no entity, or only partly one)."""
    def one(choice: str) -> str:
        whole = [label for start, end, label in language.names(choice)
                 if end - start >= len(choice.strip()) / 2]
        return whole[0] if whole else ""
    kinds = [one(choice) for choice in choices]
    return max(kinds, key=kinds.count)


def top_hits(scores: np.ndarray, y: np.ndarray, groups: np.ndarray, top: int) -> float:
    """Share of the questions with an answering sentence whose `top` best sentences hold one."""
    hits = []
    for g in np.unique(groups):
        mine = groups == g
        if y[mine].any():
            best = np.argsort(-scores[mine])[:top]
            hits.append(float(y[mine][best].any()))
    return float(np.mean(hits))


def out_of_fold(data: dict, c: float = 1.0) -> np.ndarray:
    """Each sentence's learned score from a model fitted without its question's fold."""
    from sklearn.model_selection import GroupKFold

    x, y, groups = data["x"], data["y"], data["groups"]
    learned = np.zeros(len(y))
    folds = min(FOLDS, len(np.unique(groups)))
    for fit_rows, test_rows in GroupKFold(folds).split(x, y, groups):
        learned[test_rows] = fit(data["features"], x[fit_rows], y[fit_rows], c).score(
            dict(zip(data["features"], x[test_rows].T, strict=True)))
    return learned


def cross_validate(data: dict, learned: np.ndarray) -> dict:
    """Top-1 and top-3 hit rates of the learned (out-of-fold) and the hand-set scores."""
    return {f"{name} top{k}": top_hits(scores, data["y"], data["groups"], k) for k in TOP
            for name, scores in (("learned", learned), ("hand-set", data["baseline"]))}


def answers(scores: np.ndarray, data: dict, margin: float) -> tuple[np.ndarray, float]:
    """As the answerer picks (the best sentences within `margin` of the best, at most
    MOST): per question whether the answer holds the correct choice, and sentences per answer."""
    held, counts = [], []
    for g in np.unique(data["groups"]):
        rows = np.nonzero(data["groups"] == g)[0]
        mine = scores[rows]
        chosen = [i for i in np.argsort(-mine)[:MOST] if mine[i] >= mine.max() - margin]
        held.append(float(data["y"][rows][chosen].any()))
        counts.append(len(chosen))
    return np.array(held), float(np.mean(counts))


def choose_blend(data: dict, learned: np.ndarray) -> tuple[list[dict], dict]:
    """The learned weight and margin of `AnswerConfig`: for each weight, the margin whose answers
    most often hold the correct choice while no longer than the hand-set score's answers; then
    the largest weight within one standard error of the best: the learned score is the score,
    and the hand-set one keeps only the weight it is measured to earn (the hand-set score alone,
    weight 0, when no weight gains beyond its standard error)."""
    held, length = answers(data["baseline"], data, HAND_MARGIN)
    rows = []
    for weight in BLEND_WEIGHTS:
        scores = data["baseline"] + weight * learned
        options = [(m, *answers(scores, data, m)) for m in np.arange(0.04, 0.6, 0.02) *
                   (1 + 5 * weight)]
        margin, hits, sentences = max((o for o in options if o[2] <= length),
                                      key=lambda o: o[1].mean())
        rows.append({"weight": weight, "margin": round(float(margin), 3),
                     "holds_choice": round(float(hits.mean()), 3), "sentences": round(sentences, 2),
                     "se": round(float(hits.std(ddof=1) / np.sqrt(len(hits))), 3)})
    best, hand = max(rows, key=lambda r: r["holds_choice"]), rows[0]
    if best["holds_choice"] <= hand["holds_choice"] + hand["se"]:  # no gain beyond the noise
        return rows, hand
    chosen = max((r for r in rows if r["holds_choice"] >= best["holds_choice"] - best["se"]),
                 key=lambda r: r["weight"])
    return rows, chosen


def fit_types(vectors: np.ndarray, labels: list[str], fitted: dict | None = None) -> AnswerTypes:
    """A multinomial logistic regression from question vectors to answer types (with one type
    only, that type, always)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) == 1:
        return AnswerTypes((labels[0],), np.zeros((1, vectors.shape[1])), np.zeros(1), fitted or {})
    model = LogisticRegression(C=3.0, max_iter=3000).fit(vectors, labels)
    weights, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # one row, for the second type: as a softmax, the first is 0
        weights, intercept = np.vstack([0 * weights, weights]), np.append(0.0, intercept)
    return AnswerTypes(tuple(model.classes_.tolist()), weights, intercept, fitted or {})


def out_of_fold_types(vectors: np.ndarray, labels: list[str]) -> list[dict[str, float]]:
    """Each question's answer-type probabilities from a model fitted without its fold."""
    from sklearn.model_selection import KFold

    likely: list[dict[str, float]] = [{} for _ in labels]
    folds = KFold(min(FOLDS, len(labels)), shuffle=True, random_state=0)
    for fit_rows, test_rows in folds.split(vectors):
        types = fit_types(vectors[fit_rows], [labels[i] for i in fit_rows])
        for i in test_rows:
            likely[i] = types.likely(*np.split(vectors[i], 2))
    return likely


def short_candidates(data: dict, scores: np.ndarray, margin: float) -> list[list[tuple]]:
    """Per question, the entities (the sentence's place in the answer, best first; text; type;
    used as an adjective) of the sentences its answer quotes."""
    every = tuple(sorted({label for labels in language.ANSWER_TYPES.values() for label in labels}
                         | set(language.pipeline().get_pipe("ner").labels)))
    found = []
    for g in np.unique(data["groups"]):
        rows = np.nonzero(data["groups"] == g)[0]
        mine = scores[rows]
        chosen = [rows[i] for i in np.argsort(-mine)[:MOST] if mine[i] >= mine.max() - margin]
        found.append([(k, data["texts"][i][start:end], every[rank % len(every)],
                       rank >= len(every))
                      for k, i in enumerate(chosen)
                      for start, end, rank in language.answer_spans("", data["texts"][i], every)])
    return found


def choose_short_type(data: dict, candidates: list[list[tuple]],
                      likely: list[dict[str, float]]) -> tuple[list[dict], dict]:
    """`AnswerConfig.short_type`: the least type probability a short answer needs (where the
    question word names no type: `short_types`), where right short answers less `WRONG_SHORT`
    times the wrong ones are most."""
    rows = []
    for least in SHORT_TYPES:
        right = wrong = 0
        for question, found, p in zip(data["questions"], candidates, likely, strict=True):
            asked = question["question"].lower()
            types = short_types(question["kind"], p, least)
            spans = [(k, adjectival, types.index(label), text)
                     for k, text, label, adjectival in found
                     if label in types and text.lower() not in asked]
            if spans:  # the best sentence that holds one, its best entity, as the answerer picks
                short = min(spans)[3]
                hit = metrics.contains(short, question["correct"])
                right, wrong = right + hit, wrong + (not hit)
        rows.append({"least": least, "short_answers": right + wrong, "right": right,
                     "precision": round(right / max(right + wrong, 1), 3),
                     "gain": right - WRONG_SHORT * wrong})
    return rows, max(rows, key=lambda r: r["gain"])


def fit(features: list[str], x: np.ndarray, y: np.ndarray, c: float = 1.0,
        fitted: dict | None = None) -> SentenceScorer:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return SentenceScorer(tuple(features), mean, scale, model.coef_[0], float(model.intercept_[0]),
                          fitted or {})


def main(train: Path | None, settings: Settings, out: Path = FITTED, progress: bool = True) -> dict:
    """Gather, cross-validate, choose, fit on all of train and write the fitted values to `out`;
    returns the figures."""
    started = time.perf_counter()
    embedder = Embedder.of(settings)
    train = train or train_sample()
    data = gather(train, settings, embedder, progress)
    learned = out_of_fold(data)
    figures = cross_validate(data, learned)
    blends, chosen = choose_blend(data, learned)
    today = time.strftime("%Y-%m-%d")
    questions = len(np.unique(data["groups"]))
    answerable = len(np.unique(data["groups"][data["y"] == 1]))
    fitted = {"data": str(train), "questions": questions, "with_an_answering_sentence": answerable,
              "sentences": len(data["y"]), "folds": FOLDS, "kinds": list(KINDS),
              "cross_validated": {k: round(v, 3) for k, v in figures.items()},
              "blend": blends, "chosen": chosen, "date": today}
    scorer = fit(data["features"], data["x"], data["y"], fitted=fitted)
    print(f"{questions} questions ({answerable} with a sentence holding the answer), "
          f"{len(data['y'])} sentences, {time.perf_counter() - started:.0f} s")
    print("| score | best sentence holds the answer | one of the best three |\n|---|---|---|")
    for name in ("learned", "hand-set"):
        print(f"| {name} | {figures[f'{name} top1']:.3f} | {figures[f'{name} top3']:.3f} |")
    print("\n| learned weight | margin | answer holds the choice | sentences |\n|---|---|---|---|")
    for row in blends:
        print(f"| {row['weight']} | {row['margin']} | {row['holds_choice']:.3f} ± {row['se']:.3f} "
              f"| {row['sentences']} |")
    print(f"chosen: learned_weight={chosen['weight']}, learned_margin={chosen['margin']} "
          f"(until now: {AnswerConfig().learned_weight}, {AnswerConfig().learned_margin})")
    types = answer_types(data, data["baseline"] + chosen["weight"] * learned, chosen["margin"])
    refused = refusals(refusal_cases(train, settings, embedder, progress))
    held, current = refused.get("chosen", {}), AnswerConfig()  # none chosen: they are kept
    values = Fitted(
        FittedModel(id=embedder.name, dimension=embedder.dimension),
        FittedOn(data=train.resolve().name, questions=questions, date=today),
        scorer, types, packaged().short_answer,
        AnswerDefaults(learned_weight=chosen["weight"], learned_margin=chosen["margin"],
                       short_type=types.fitted["chosen"]["least"],
                       short_confidence=current.short_confidence,
                       min_score=held.get("min_score", current.min_score),
                       on_topic=held.get("on_topic", current.on_topic),
                       min_coverage=held.get("min_coverage", current.min_coverage)),
        packaged().retrieval, packaged().speech)  # `newsdesk tune` chooses the retrieval
    values.save(out)
    print(f"\nwrote {out}: {values.answer.model_dump()}")
    # step 8: the short answer's confidence, read from the answers the values just written give
    short_answers = shorts.main(train, settings, values, out, progress)
    return {**fitted, "answer_types": types.fitted, "refusals": refused,
            "short_answer": short_answers}


def answer_types(data: dict, scores: np.ndarray, margin: float) -> AnswerTypes:
    """Step 5: cross-validate the answer types, choose `short_type` on the answers that
    `scores` and `margin` make (in the figures, `fitted["chosen"]`), fit on all of train."""
    vectors = np.stack([q["vector"] for q in data["questions"]])
    labels = [q["type"] for q in data["questions"]]
    likely = out_of_fold_types(vectors, labels)
    accuracy = float(np.mean([max(p, key=lambda t: p[t]) == label for p, label in zip(likely, labels,
                                                                           strict=True)]))
    rows, chosen = choose_short_type(data, short_candidates(data, scores, margin), likely)
    fitted = {"questions": len(labels), "folds": FOLDS,
              "types": {label: labels.count(label) for label in sorted(set(labels))},
              "cross_validated_accuracy": round(accuracy, 3),
              "most_common_type": round(max(map(labels.count, set(labels))) / len(labels), 3),
              "short_type": rows, "chosen": chosen, "date": time.strftime("%Y-%m-%d")}
    print(f"\nanswer types: {accuracy:.3f} right out of fold (the most common type alone: "
          f"{fitted['most_common_type']:.3f})")
    print("| least type probability | short answers | right | precision |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['least']} | {row['short_answers']} | {row['right']} | {row['precision']} |")
    print(f"chosen: short_type={chosen['least']} (until now: {AnswerConfig().short_type})")
    return fit_types(vectors, labels, fitted)


def refusals(cases: list[dict]) -> dict:
    """Step 6: choose the refusal thresholds on `cases` and print them beside today's."""
    if not any("near_miss" in case for case in cases):
        print("\nrefusals: no question's passages hold its answer; the thresholds are kept")
        return {}
    chosen, current = choose_refusals(cases)[1], refusal_rates(cases, AnswerConfig())
    answerable = sum("near_miss" in case for case in cases)
    print(f"\nrefusals: {len(cases)} questions as asked, {answerable} of them answerable (their "
          "passages hold the answer), each of those also asked without the articles that hold "
          "it (a near miss) and without its story (off the story)")
    print("| thresholds | min_score | on_topic | min_coverage | refused as asked | answerable "
          "refused | near misses refused | off the story refused |\n|---|---|---|---|---|---|---|---|")
    for name, row in (("until now", current), ("chosen", chosen)):
        print(f"| {name} | {row['min_score']} | {row['on_topic']} | {row['min_coverage']} "
              f"| {row['asked']:.3f} | {row['answerable']:.3f} | {row['near_miss']:.3f} "
              f"| {row['off_story']:.3f} |")
    return {"questions": len(cases), "answerable": answerable, "most_refused": MOST_REFUSED,
            "chosen": chosen, "defaults": current}


def refusal_cases(data: Path, settings: Settings, embedder: Embedder,
                  progress: bool = True) -> list[dict]:
    """Step 6's cases: `AnswerConfig.refuses`' grounds (`ExtractiveAnswerer.refusal_grounds`)
    of each train question as asked ("asked"); and of each whose passages hold the correct
    choice, the same again ("answerable") and of the index without the articles that hold the
    choice ("near_miss") or without its story too, the articles RealTimeQA gives as its evidence
    ("off_story"); the question's words that only the articles taken out use count as unknown."""
    assistant, answerer = _default_answerer(data, settings, embedder, progress)
    articles = [json.loads(line) for line in (data / "corpus.jsonl").read_text().splitlines()
                if line.strip()]
    texts = {a["doc_id"]: metrics.normalize(a["text"]) for a in articles}
    stems = {a["doc_id"]: set(words) for a, words in
             zip(articles, tokenize([a["text"] for a in articles], return_ids=False), strict=True)}
    cases = []
    for q in tqdm(load_questions(data), desc="refusals", disable=not progress):
        correct = q["choices"][q["answer_index"]]
        evidence = assistant.evidence(q["question"], as_of=asked_as_of(q))
        case = {"asked": answerer.refusal_grounds(q["question"], list(evidence.passages),
                                                  _asked(evidence))}
        cases.append(case)
        if not any(metrics.contains(p.text, correct) for p in evidence.passages):
            continue
        needle = re.compile(rf"(?<!\w){re.escape(metrics.normalize(correct))}(?!\w)")
        holders = {doc for doc, text in texts.items() if needle.search(text)}
        story = holders | set(q.get("gold_doc_ids", ())) | set(q.get("relevant_doc_ids", ()))
        case["answerable"] = case["asked"]
        for kind, gone in (("near_miss", holders), ("off_story", story)):
            others = [doc for doc in texts if doc not in gone]
            missed = assistant.evidence(q["question"], sources=others, as_of=asked_as_of(q))

            def unknown(words: set[str], others: list[str] = others) -> set[str]:
                found = {w: tokenize([w], return_ids=False)[0] for w in words}
                return answerer.unknown_words(words) | {
                    w for w, kept in found.items()
                    if kept and not any(kept[0] in stems[doc] for doc in others)}
            case[kind] = answerer.refusal_grounds(q["question"], list(missed.passages),
                                                  _asked(missed), unknown)
    return cases


def choose_refusals(cases: list[dict]) -> tuple[list[dict], dict]:
    """`min_score` and `min_coverage`: the ones that refuse most unanswerable questions (near
    misses and off the story, alike) while refusing at most `MOST_REFUSED` of the questions as
    asked (ties: fewest of those); each setting's `refusal_rates`.

    `on_topic` is held: it is the bar for a question whose words the articles never use
    ("What did China say ...?" of articles that never mention China), and train's questions
    rarely are one (its near misses keep their words in other articles of the story)."""
    rows = [refusal_rates(cases, replace(AnswerConfig(), min_score=min_score,
                                         min_coverage=min_coverage))
            for min_score in MIN_SCORES for min_coverage in MIN_COVERAGE]
    allowed = [r for r in rows if r["asked"] <= MOST_REFUSED]
    chosen = max(allowed, key=lambda r: (r["unanswerable"], -r["asked"]))
    return rows, chosen


def _refuses(setting: AnswerConfig, grounds: RefusalGrounds | None) -> bool:
    """Whether `setting` refuses a case with these `refusal_grounds` (None: nothing to quote)."""
    if grounds is None:
        return True
    return setting.refuses(grounds.best, grounds.coverage, grounds.unknown,
                           lambda: grounds.exact, grounds.unheard_of)


def refusal_rates(cases: list[dict], setting: AnswerConfig) -> dict:
    """`setting`'s thresholds and the share of each kind of case it refuses."""
    def refused(key: str) -> float:
        return round(float(np.mean([_refuses(setting, case[key]) for case in cases if key in case])), 3)
    row = {"min_score": setting.min_score, "on_topic": setting.on_topic,
           "min_coverage": setting.min_coverage, **{key: refused(key) for key in KINDS_OF_CASE}}
    row["unanswerable"] = round(float(np.mean([row[k] for k in UNANSWERABLE])), 3)
    return row


if __name__ == "__main__":
    print(json.dumps(main(None, Settings.load()), indent=1))


def _asked(evidence: Evidence) -> np.ndarray:
    """The question's vectors, which `Assistant.evidence` always makes."""
    if evidence.vectors is None:
        raise RuntimeError("Assistant.evidence gave no question vectors.")
    return evidence.vectors
