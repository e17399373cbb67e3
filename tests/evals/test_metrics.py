"""The metric code against values computed by hand."""

import pytest

from newsdesk.evals import metrics


def test_retrieval_scores_match_hand_computed_values():
    relevant = {"q1": ["a"], "q2": ["b", "c"], "q3": ["z"]}
    ranked = {"q1": ["x", "a", "a", "y"], "q2": ["c", "x", "b"], "q3": ["x", "y"]}
    scores = metrics.retrieval_scores(relevant, ranked, ("hit_rate@1", "hit_rate@5", "recall@10",
                                                         "mrr@10", "ndcg@10"))
    assert scores["hit_rate@1"] == {"q1": 0.0, "q2": 1.0, "q3": 0.0}
    assert scores["hit_rate@5"] == {"q1": 1.0, "q2": 1.0, "q3": 0.0}
    assert scores["recall@10"] == {"q1": 1.0, "q2": 1.0, "q3": 0.0}
    # q1: first relevant at rank 2 (the repeated "a" counts once); q2: rank 1.
    assert scores["mrr@10"] == pytest.approx({"q1": 0.5, "q2": 1.0, "q3": 0.0})
    # q1: 1/log2(3) over an ideal of 1; q2: (1 + 1/log2(4)) / (1 + 1/log2(3)).
    assert scores["ndcg@10"]["q1"] == pytest.approx(0.6309, abs=1e-4)
    assert scores["ndcg@10"]["q2"] == pytest.approx(1.5 / 1.6309, abs=1e-4)


def test_token_f1_and_normalisation():
    assert metrics.token_f1("The Kursk region", "kursk region") == 1.0
    # prediction: kursk, troops, withdraw (3); reference: troops, must, withdraw (3); common 2
    assert metrics.token_f1("Kursk troops withdraw", "troops must withdraw") == pytest.approx(2 / 3)
    assert metrics.token_f1("", "anything") == 0.0
    assert metrics.normalize("Putin’s “root causes”!") == "putin s root causes"


def test_contains_matches_whole_words_only():
    assert metrics.contains("Russia regained 86% of it", "86%")
    assert not metrics.contains("in 2000km", "0")
    assert metrics.contains("the war’s “root causes.”", "root causes")
    assert not metrics.contains("Kurskaya", "Kursk")


def test_fact_recall_counts_facts_with_variants():
    facts = [["Kursk"], ["arms shipments", "receiving arms"], ["root causes"]]
    assert metrics.fact_recall("Kursk and receiving arms", facts) == pytest.approx(2 / 3)
    assert metrics.fact_recall("anything", []) == 1.0


def test_refusal_precision_and_recall():
    # refused: q1 (unanswerable, right), q2 (answerable, wrong); q3 unanswerable not refused
    scores = metrics.refusal_scores([True, True, False, False], [True, False, True, False])
    assert scores == {"refusal_precision": 0.5, "refusal_recall": 0.5}


def test_percentiles():
    assert metrics.percentiles([10.0, 20.0, 30.0, 40.0, 50.0]) == {"p50_ms": 30.0, "p95_ms": 48.0}
    assert metrics.overlaps((0, 5), (4, 9)) and not metrics.overlaps((0, 5), (5, 9))
