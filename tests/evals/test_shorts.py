"""Fitting the short answer's confidence: the threshold chosen for precision, the rule of right."""

import pytest

from newsdesk.evals import shorts
from newsdesk.evals.metrics import picks_the_choice


@pytest.mark.parametrize(("text", "choices", "answer", "right"), [
    ("Mikhail Gorbachev", ["Mikhail Gorbachev", "Boris Yeltsin", "Lech Walesa", "Vaclav Havel"], 0,
     True),
    ("Gorbachev", ["Mikhail Gorbachev", "Boris Yeltsin", "Lech Walesa", "Vaclav Havel"], 0, True),
    ("New Jersey", ["New Jersey & Oregon", "New Jersey & Texas", "Ohio", "Utah"], 0, False),
    ("Boris Yeltsin", ["Mikhail Gorbachev", "Boris Yeltsin", "Lech Walesa", "Vaclav Havel"], 0,
     False),
    ("about $300,000 a child", ["$300,000", "$200,000", "$100,000", "$50,000"], 0, True),
])
def test_a_short_answer_is_right_when_it_picks_out_the_correct_choice(text, choices, answer,
                                                                       right):
    assert picks_the_choice(text, choices, answer) is right


def test_the_threshold_is_the_least_with_enough_answers_right_often_enough():
    # confidences of the likeliest candidate per question, and whether it is right
    scored = [(0.95, True)] * 40 + [(0.9, True)] * 20 + [(0.9, False)] * 4 + \
        [(0.6, True)] * 30 + [(0.6, False)] * 30 + [(0.2, False)] * 10
    rows = shorts.curve(scored, questions=200)
    chosen = shorts.choose(rows)
    assert chosen["given"] >= shorts.ENOUGH and chosen["precision"] >= shorts.PRECISION
    assert chosen["least"] == min(r["least"] for r in rows if r["given"] >= shorts.ENOUGH
                                  and r["precision"] >= shorts.PRECISION)
    assert chosen["coverage"] == 64 / 200
    # never precise enough: the most precise threshold with enough answers
    worse = shorts.curve([(0.9, True), (0.9, False)] * 40, questions=100)
    assert shorts.choose(worse)["precision"] == 0.5
