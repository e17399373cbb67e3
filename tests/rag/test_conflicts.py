"""Conflicts between sources, found on pairs of sentences from outside the seeds."""

import numpy as np
import pytest

from newsdesk import conflicts, language
from newsdesk.citations import Sentence
from newsdesk.types import Passage
from newsdesk.when import Window


@pytest.mark.parametrize(("ours", "theirs", "values"), [
    ("The final was played on June 2 at the Stade de France in Paris, the national stadium.",
     "The final was played on June 2 at the Stade de France in Lyon, the national stadium.",
     ("Paris", "Lyon")),
    ("At least 50 people were killed in the floods in Libya on Sunday, officials said.",
     "At least 70 people were killed in the floods in Libya on Sunday, officials said.",
     ("At least 50", "At least 70")),
    ("The storm reached Tampa, Florida, late on Tuesday night.",
     "The storm reached Mobile, Alabama, late on Tuesday night.",
     ("Tampa, Florida", "Mobile, Alabama")),
    ("Microsoft bought the studio in 2022 for a record sum.",   # the tagger misses one side
     "Google bought the studio in 2022 for a record sum.", ("Microsoft", "Google")),
])
def test_the_same_statement_with_another_value_is_a_conflict(ours, theirs, values):
    found = conflicts.differing_values(ours, theirs)
    assert found is not None
    assert (ours[slice(*found[0])], theirs[slice(*found[1])]) == values


@pytest.mark.parametrize(("ours", "theirs", "asked", "kind"), [
    # the same value, other words
    ("The company said revenue rose 5% in the quarter.",
     "The company said revenue rose 5% in the quarter, analysts noted.", "", ""),
    # two values of different kinds differ: two different events, not one in dispute
    ("The storm hit Florida on Monday.", "The storm hit Georgia on Tuesday.", "", ""),
    # a short sentence whose words stand in a long one that says more: not the same statement
    ("Democrats in Congress pushed a bill on court ethics.",
     "Judges of both camps faced ethics revelations that spurred Republicans in Congress to push "
     "a bill on court ethics, like the rules that lower courts follow.", "", ""),
    # the year the question asks about differs too: two different years, not one in dispute
    ("The prize for 2021 went to the novelist Ana Ruiz, the jury said on Thursday.",
     "The prize for 2019 went to the novelist Tomas Berg, the jury said on Thursday.",
     "who won the prize for 2021?", "who"),
    # the value differs only where the question names it
    ("Paris hosted the final in 2024.", "Lyon hosted the final in 2024.",
     "did paris or lyon host the final?", ""),
    # a "when" question: a different place is not a different answer
    ("The summit opened in Nairobi on Monday.", "The summit opened in Accra on Monday.",
     "when did the summit open?", "when"),
    # a day named, not numbered: it depends on when each article was written
    ("The ferry sank on Friday near the island, the coastguard said.",
     "The ferry sank on Monday near the island, the coastguard said.", "", ""),
    # most words differ: not the same statement
    ("Paris hosted the final in 2024.",
     "Organisers in Lyon say their new arena could host a final some day.", "", ""),
])
def test_sentences_that_do_not_dispute_a_value_are_no_conflict(ours, theirs, asked, kind):
    assert conflicts.differing_values(ours, theirs, asked, language.ANSWER_TYPES.get(kind, ())) is None


def _sentence(doc_id: str, text: str, vector) -> Sentence:
    passage = Passage(f"{doc_id}#0", doc_id, text, 0, len(text), 1.0, 0.9)
    return Sentence(passage, 0, len(text), text, np.asarray(vector, dtype=float))


def test_find_compares_only_the_same_statement_in_other_articles():
    ours = _sentence("a", "The bridge reopened in Lisbon on Friday after repairs.", [1, 0])
    twin = _sentence("b", "The bridge reopened in Porto on Friday after repairs.", [1, 0])
    # the same words in another context: its stored vector, pooled over its chunk, is far off
    elsewhere = _sentence("c", "The bridge reopened in Madrid on Friday after repairs.", [0, 1])
    other = _sentence("d", "Repairs to the tunnel near Faro will take a year.", [1, 0])
    same_article = _sentence("a", "The bridge reopened in Faro on Friday after repairs.", [1, 0])
    found = conflicts.find("Where did the bridge reopen?", [ours],
                           [ours, twin, elsewhere, other, same_article],
                           language.ANSWER_TYPES["where"])
    assert [[s.text[a:b] for s, a, b in values] for values in found] == [["Lisbon", "Porto",
                                                                          "Madrid"]]
    assert conflicts.kind_of(found[0]) == "where"


# Figures told again on another day (`conflicts.updates`), over sentences written for these tests.

@pytest.mark.parametrize(("text", "found"), [
    ("The flood has cut power to 12,000 homes, the utility said.", ["12,000 homes"]),
    ("Bread now costs 2.40 dollars a loaf in the capital.", ["2.40 dollars"]),
    ("The lake has risen 40 centimetres and the dam is 85 percent full.",
     ["40 centimetres", "85 percent"]),
    ("Rescuers reached about 900 before dark.", []),   # a bare number counts nothing named
    ("Tickets rose from 30 euros to 45 euros.", []),   # two of one measure: which is meant?
])
def test_measures_are_the_amounts_that_name_what_they_count(text, found):
    assert [text[a:b] for a, b, _ in conflicts.measures(text)] == found


def test_measures_are_none_when_the_answer_is_no_amount():
    assert conflicts.measures("The flood has cut power to 12,000 homes.", ("PERSON",)) == []


@pytest.mark.parametrize(("text", "terms", "found"), [
    # the question's words beside an amount say which amount it asks about, most first
    ("The lake has risen 40 centimetres and the dam is 85 percent full.", {"dam", "full"},
     ["85 percent", "40 centimetres"]),
    ("The lake has risen 40 centimetres and the dam is 85 percent full.", {"lake", "risen"},
     ["40 centimetres"]),
    # the unit alone does not: "How many homes ..." of another count of homes
    ("Another 300 homes were told to boil water.", {"homes", "power"}, []),
])
def test_the_amount_asked_about_has_a_word_of_the_question_beside_it(text, terms, found):
    assert [text[a:b] for a, b, _ in conflicts.asked(text, terms)] == found


def _dated(doc_id: str, date: str, text: str) -> Sentence:
    passage = Passage(f"{doc_id}#0", doc_id, text, 0, len(text), 1.0, 0.9, date=date)
    return Sentence(passage, 0, len(text), text)


HOW_MUCH = language.ANSWER_TYPES["how much"]
POWER = {"power", "cut", "homes"}


def test_a_figure_told_again_on_another_day_is_an_update():
    question = "How many homes in Valmora are without power?"
    monday = _dated("a", "2025-05-05", "The storm has cut power to 12,000 homes in Valmora, "
                                       "the utility said.")
    friday = _dated("b", "2025-05-09", "Power is still cut to 3,100 homes, Valmora's utility said.")
    other = _dated("c", "2025-05-07", "Crews fixed 40 poles and cut power to 2 schools in Valmora.")
    undated = _dated("d", "", "The storm cut power to 15,000 homes in Valmora.")
    found = conflicts.updates(question, [friday], [monday, other, undated], POWER, HOW_MUCH)
    assert [[(s.passage.date, s.text[a:b]) for s, a, b in values] for values in found] == [
        [("2025-05-09", "3,100 homes"), ("2025-05-05", "12,000 homes")]]
    # a question that names a time is about that time: the other days tell it no update
    may_9 = Window("2025-05-09", "2025-05-09", "on 9 May")
    assert conflicts.updates(question, [friday], [monday], POWER, HOW_MUCH, window=may_9) == []
    # nor is one already in dispute
    assert conflicts.updates(question, [friday], [monday], POWER, HOW_MUCH,
                             known=[[(friday, 22, 33)]]) == []


@pytest.mark.parametrize(("question", "types", "later"), [
    # the same number in other words
    ("How many homes in Valmora are without power?", HOW_MUCH,
     "Power is still cut to some 12,000 homes in Valmora."),
    # another place's homes: the two sentences share no name
    ("How many homes are without power?", HOW_MUCH,
     "Power is still cut to 3,100 homes in Kestria, its utility said."),
    # the question names the number: it asks about something else
    ("Where were 12,000 homes without power?", language.ANSWER_TYPES["where"],
     "Power is still cut to 3,100 homes in Valmora."),
    # the answer is no amount
    ("Which utility cut power to 12,000 homes?", ("ORG",),
     "Power is still cut to 3,100 homes in Valmora."),
])
def test_no_update_where_the_figure_is_not_the_same_measure_asked_for(question, types, later):
    monday = _dated("a", "2025-05-05", "The storm has cut power to 12,000 homes in Valmora, "
                                       "the utility said.")
    assert conflicts.updates(question, [monday], [_dated("b", "2025-05-09", later)], POWER,
                             types) == []
