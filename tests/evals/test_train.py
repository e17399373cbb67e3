"""The sentence scorer's fitting: its scores of answers and its choice of blend (pure logic, on
small made-up tables)."""

import numpy as np
import pytest

from newsdesk.evals import train
from newsdesk.extractive import AnswerConfig, RefusalGrounds


def table(baseline, y, groups, noise=0.1):
    rng = np.random.default_rng(0)
    x = np.column_stack([np.asarray(y, float) * (noise > 0) + noise * rng.standard_normal(len(y))])
    return {"features": ["signal"], "x": x, "y": np.asarray(y, np.int8),
            "groups": np.asarray(groups), "baseline": np.asarray(baseline, float)}


def test_top_hits_counts_only_questions_that_have_an_answering_sentence():
    y, groups = [0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1]
    assert train.top_hits(np.array([0.9, 0.5, 0.1, 0.3, 0.2, 0.1]), np.array(y),
                          np.array(groups), 1) == 0.0
    assert train.top_hits(np.array([0.9, 0.5, 0.1, 0.3, 0.2, 0.1]), np.array(y),
                          np.array(groups), 2) == 1.0


def test_answers_keep_the_sentences_within_the_margin():
    data = table([0.9, 0.85, 0.5, 0.7, 0.2, 0.1], [0, 1, 0, 1, 0, 0], [0, 0, 0, 1, 1, 1])
    held, sentences = train.answers(data["baseline"], data, 0.1)
    assert held.tolist() == [1.0, 1.0] and sentences == 1.5
    held, sentences = train.answers(data["baseline"], data, 0.01)
    assert held.tolist() == [0.0, 1.0] and sentences == 1.0


def test_the_blend_is_chosen_at_no_greater_length_and_only_for_a_gain_beyond_the_noise():
    # a hand-set score that misses the answer half the time, and a learned one that finds it
    groups = np.repeat(np.arange(40), 3)
    y = np.tile([1, 0, 0], 40)
    baseline = np.where(np.arange(120) % 6 == 1, 1.0, 0.5 + 0.01 * (np.arange(120) % 3 == 0))
    data = table(baseline, y, groups)
    learned = train.out_of_fold(data)
    rows, chosen = train.choose_blend(data, learned)
    hand = next(r for r in rows if r["weight"] == 0.0)
    assert all(r["sentences"] <= train.answers(data["baseline"], data, train.HAND_MARGIN)[1]
               for r in rows)
    assert chosen["weight"] > 0 and chosen["holds_choice"] > hand["holds_choice"] + hand["se"]
    # with nothing to learn (a constant feature), the hand-set score stays alone
    flat = table(baseline, y, groups, noise=0.0)
    assert train.choose_blend(flat, train.out_of_fold(flat))[1]["weight"] == 0.0


def test_answer_types_read_the_type_of_a_question_from_its_vectors():
    # three made-up question vectors per type, each with a direction of its own
    rng = np.random.default_rng(0)
    labels = ["GPE", "PERSON", ""] * 3
    vectors = np.array([np.eye(4)[i % 3] + 0.05 * rng.standard_normal(4) for i in range(9)])

    def likeliest(types):
        likely = types.likely(*np.split(vectors[0], 2))
        assert sum(likely.values()) == pytest.approx(1.0)
        return max(likely, key=likely.get)

    assert likeliest(train.fit_types(vectors, labels)) == "GPE"
    assert likeliest(train.fit_types(vectors[[0, 3, 2, 5]], ["GPE", "GPE", "", ""])) == "GPE"
    assert likeliest(train.fit_types(vectors[:2], ["GPE", "GPE"])) == "GPE"


def test_the_short_type_threshold_weighs_right_short_answers_against_wrong_ones():
    def question(kind, correct, p):
        return {"question": "Which city?", "kind": kind, "correct": correct, "p": p}
    # a sure city answered right, an unsure one answered wrong, and a who question (rule types)
    asked = [question("which", "Lyon", {"GPE": 0.9, "": 0.1}),
             question("which", "Oslo", {"GPE": 0.4, "": 0.6}),
             question("who", "Ada Lovelace", {"": 1.0})]
    candidates = [[(0, "Lyon", "GPE", False)], [(0, "Bergen", "GPE", False)],
                  [(0, "Ada Lovelace", "PERSON", False)]]
    rows, chosen = train.choose_short_type({"questions": asked}, candidates,
                                           [q["p"] for q in asked])
    by = {row["least"]: row for row in rows}
    assert (by[0.3]["short_answers"], by[0.3]["right"]) == (3, 2)
    assert (by[0.5]["short_answers"], by[0.5]["right"]) == (2, 2)
    assert chosen["least"] == 0.5


def test_refusal_thresholds_refuse_most_unanswerable_within_the_cap_on_refusals():
    # (best, exact, coverage, unknown, unheard of): answerable questions score high, near
    # misses lower; off the story, one question asks about words the articles never use; one
    # question as asked does not have its answer in the passages and scores low
    grounds = RefusalGrounds
    answer = [grounds(0.9, 0.9, 1.0, False, False)] * 18 + [grounds(0.5, 0.5, 1.0, False, False)] * 2
    near = [grounds(0.45, 0.45, 1.0, False, False)] * 20
    off = [grounds(0.3, 0.3, 0.5, False, False)] * 19 + [grounds(0.65, 0.65, 1.0, True, False)]
    cases = [{"asked": a, "answerable": a, "near_miss": n, "off_story": o}
             for a, n, o in zip(answer, near, off, strict=True)]
    cases.append({"asked": grounds(0.35, 0.35, 1.0, False, False)})
    rows, chosen = train.choose_refusals(cases)
    assert chosen["asked"] <= train.MOST_REFUSED and chosen["answerable"] == 0.0
    assert 0.45 < chosen["min_score"] <= 0.5 and chosen["on_topic"] == AnswerConfig().on_topic
    assert chosen["near_miss"] == chosen["off_story"] == chosen["unanswerable"] == 1.0
    # refusing the two low answerable questions too (3 of 21 refused as asked) breaks the cap
    assert all(r["asked"] > train.MOST_REFUSED for r in rows if r["min_score"] > 0.5)
