"""Short answers: right or absent (`newsdesk.short`), over articles written for these tests.

The table holds the three kinds of wrong bold answer a reader met, in new words: a where-question
answered with the country that made a proposal instead of the city where it was accepted, a
who-question answered with a place, a how-much-will-it-cost question answered with a length.
"""

import pytest

from newsdesk import Assistant, Settings, ingest
from newsdesk.citations import Sentence
from newsdesk.short import Candidate, Wanted, candidates, confidences, pick
from newsdesk.types import Passage

ARTICLES = {
    "fisheries": (
        "Fisheries deal agreed\n\n"
        "Negotiators from Canada tabled a new fisheries framework in January, and Norway "
        "answered with a plan of its own. The Canadian proposal was finally accepted behind "
        "closed doors in Reykjavik on Friday, officials from both delegations said."),
    "windfarm": (
        "County approves wind farm\n\n"
        "The Dunmore county council approved the Kilbride wind farm on Monday by seven votes to "
        "two. Councillors Aoife Brennan and Liam Walsh voted against the plan, citing noise from "
        "the turbines near Kilbride Harbour. Construction is due to begin next spring."),
    "tram": (
        "Airport tram line\n\n"
        "The new tram line will run 12 kilometres from the central station to the airport. It "
        "will cost 340 million dollars, the transport authority said on Wednesday, and is "
        "expected to carry 40,000 passengers a day when it opens."),
    "museum": (
        "Museum reopens\n\n"
        "The Halvorsen maritime museum reopened on 14 June 2025 after a two-year renovation "
        "paid for by the city and private donors. Its director, Ingrid Solberg, said visitor "
        "numbers in the first week exceeded every forecast."),
    "orchestra": (
        "New conductor\n\n"
        "The Lakeshore Symphony Orchestra named Hiroshi Tanaka as its new principal conductor "
        "on Thursday. He succeeds Marta Ruiz, who led the orchestra for eleven seasons."),
    "storm": (
        "Storm cuts power\n\n"
        "The storm left 12,000 homes without power across the province on Sunday night, the "
        "utility company said. Crews expected to restore most connections by Tuesday."),
}

# question, the short answers that are right (any one of them), a wrong one a reader met in kind
TABLE = [
    ("Where was the fisheries framework accepted?", {"Reykjavik"}, "Canada"),
    ("Who voted against the wind farm?", {"Aoife Brennan", "Liam Walsh",
                                          "Aoife Brennan and Liam Walsh"}, "Kilbride Harbour"),
    ("How much will the tram line cost?", {"340 million dollars"}, "12 kilometres"),
    ("When did the maritime museum reopen?", {"14 June 2025"}, "two-year"),
    ("Who did the orchestra name as its new principal conductor?", {"Hiroshi Tanaka"},
     "Marta Ruiz"),
    ("How many homes lost power in the storm?", {"12,000"}, "Tuesday"),
]


@pytest.fixture(scope="module")
def desk(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("typed")
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    settings = Settings(home=folder / "home")
    ingest([folder], settings, progress=False, embedder=embedder)
    return Assistant.open(settings=settings, embedder=embedder)


@pytest.fixture(scope="module")
def answers(desk):
    return {question: desk.ask(question) for question, _, _ in TABLE}


@pytest.mark.parametrize(("question", "right", "wrong"), TABLE)
def test_a_short_answer_is_of_the_type_asked_and_right_or_absent(answers, question, right, wrong):
    answer = answers[question]
    assert not answer.refused, answer.text
    found = answer.short_answer
    if found is not None:
        assert found.text in right and found.text != wrong, answer.text
        assert 0 < (found.confidence or 0) <= 1
        assert answer.text.startswith(f"{found.text} [{found.n}].")


def test_a_cost_is_answered_by_an_amount_of_money_not_by_a_length(desk):
    """The learned answer types read "How much will ... cost" as money: the price is far
    likelier than the length, which sits in the sentence before."""
    question = "How much will the tram line cost?"
    answerer = desk.answerers["extractive"]
    evidence = desk.evidence(question)
    picked = answerer.select(question, list(evidence.passages), "", evidence.vectors)
    found = candidates(question, picked.wanted, picked.chosen, picked.gaps, picked.terms,
                       picked.every)
    sure = dict(zip((c.text for c in found), confidences(found, answerer.fitted.short_answer),
                    strict=True))
    assert sure["340 million dollars"] > 2 * sure.get("12 kilometres", 0.0), sure


def _sentence(text: str) -> Sentence:
    return Sentence(Passage("d::h::0", "d", text, 0, len(text), 1.0, 1.0), 0, len(text), text)


def test_candidates_are_entities_of_the_wanted_types_the_question_does_not_name():
    quoted = [_sentence("The Canadian proposal was accepted in Reykjavik, Iceland, on Friday.")]
    wanted = Wanted("where", ("GPE", "LOC", "FAC"), {"GPE": 0.9})
    found = candidates("Where was the Iceland deal accepted?", wanted, quoted, [0.0],
                       {"deal", "accepted", "iceland"})
    assert [c.text for c in found] == ["Reykjavik"]  # "Iceland" is named by the question
    (reykjavik,) = found
    assert reykjavik.label == "GPE" and reykjavik.features["type_probability"] == 0.9
    assert reykjavik.features["named_type"] == 1.0 and reykjavik.features["kind=where"] == 1.0
    assert candidates("Why was it accepted?", Wanted("why", ()), quoted, [0.0], set()) == []


def test_an_entity_used_as_an_adjective_and_one_far_from_the_question_words_are_marked():
    quoted = [_sentence("The US plan was later accepted by negotiators meeting in Moscow.")]
    found = {c.text: c.features for c in candidates(
        "Where was the plan accepted?", Wanted("where", ("GPE",)), quoted, [0.0],
        {"plan", "accepted"})}
    assert found["US"]["adjectival"] == 1.0 and found["Moscow"]["adjectival"] == 0.0
    assert found["US"]["rivals"] == found["Moscow"]["rivals"] == 0.5


def test_pick_offers_the_likeliest_candidate_only_above_the_threshold(monkeypatch):
    quoted = [_sentence("Talks were held in Geneva and Vienna.")]
    found = candidates("Where were the talks held?", Wanted("where", ("GPE",)), quoted, [0.0],
                       {"talks", "held"})

    class Model:  # a fitted model's interface: features and log-odds
        features = ("nearness",)

        @staticmethod
        def score(table):
            return 10 * table["nearness"] - 3

    best = pick(found, Model(), 0.5)
    assert best is not None and isinstance(best[0], Candidate) and best[0].text == "Geneva"
    assert pick(found, Model(), 0.9999) is None and pick([], Model(), 0.0) is None


def test_the_likeliest_types_are_those_named_else_the_learned_ones_in_order():
    assert Wanted("where", ("GPE", "LOC")).likeliest() == ("GPE", "LOC")
    learned = Wanted("what", (), {"": 0.6, "CARDINAL": 0.2, "MONEY": 0.1, "ORG": 0.05})
    assert learned.likeliest() == ("CARDINAL", "MONEY", "ORG")  # "" is no entity
