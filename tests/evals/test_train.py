"""The sentence scorer's fitting: its scores of answers and its choice of blend (pure logic, on
small made-up tables)."""

import numpy as np

from newsdesk.evals import train


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
