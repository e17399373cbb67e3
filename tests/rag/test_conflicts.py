"""Conflicts between sources, found on pairs of sentences from outside the seeds."""

import numpy as np
import pytest

from newsdesk import conflicts, language
from newsdesk.citations import Sentence
from newsdesk.types import Passage


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
