"""What a follow-up leans on, read from conversations outside the seeds."""

import pytest

from newsdesk import conversation
from newsdesk.types import Turn

WHO = (Turn("user", "Who opened the new rail line in Nairobi?"),
       Turn("assistant", "President William Ruto [1]. President William Ruto opened the line "
                         "on Monday, the ministry said [1]."))
WHAT = (Turn("user", "What did Angela Merkel say about the budget in Berlin?"),
        Turn("assistant", "The budget must balance, Angela Merkel said [1]."))
VISIT = (Turn("user", "Where did the pope travel in May?"),
         Turn("assistant", "The pope visited Lisbon and Fatima in May [1]."))


@pytest.mark.parametrize(("history", "question", "leans_on"), [
    (WHO, "What did he say?", ["William Ruto", WHO[0].content]),  # the answer to "who"
    (WHAT, "What did she say next?", ["Angela Merkel"]),  # the person asked about
    (WHAT, "Why was she there?", ["Angela Merkel", "Berlin"]),
    (VISIT, "Who paid for that visit?", [VISIT[1].content]),  # "visited": by lemma
    (WHAT, "And what about the army?", [WHAT[0].content]),  # a conjunction opens it
    (WHAT, "When was that?", [WHAT[0].content]),
])
def test_a_follow_up_leans_on_what_its_words_point_to(history, question, leans_on):
    context = conversation.context(question, history)
    for part in leans_on:
        assert part in context


@pytest.mark.parametrize(("history", "question"), [
    (WHAT, "Who won the election in Ghana?"),  # stands alone
    ((), "What did he say?"),  # nothing to lean on
])
def test_a_question_that_stands_alone_leans_on_nothing(history, question):
    assert conversation.context(question, history) == ""
