"""What a follow-up question leans on in the conversation before it.

This is newsdesk's own idea, written by hand over spaCy's reading of the turns
(`language.references`, `language.analyse`). A follow-up's references are looked up in the
earlier turns, newest first: "he" or "she" is the last person named, "they" the last group,
"there" or "then" the last place or time, "that visit" the turn that speaks of visiting (by the
stem of its lemma, `index.english.stem`, so "visited" counts, and "the withdrawal" is the turn
that tells that troops "withdraw"; a noun after "the" that no turn tells of names something
new). When the turn before asked for what a reference wants ("Who ...?"
then "What did he say?"), the answer to it is read before the question. A follow-up (one with
such references, one that opens with a conjunction, "And what did Zelensky say?", or one with
no verb, "What about Kursk?") also leans on the last question. What is found becomes the
follow-up's context, which retrieval searches with and the answerer reads (its words count for
the refusal check).
"""

from __future__ import annotations

from collections.abc import Sequence

from newsdesk import language
from newsdesk.index.english import stem
from newsdesk.types import Turn

# The entity types a reference can point to (OntoNotes labels, as spaCy tags them).
_POINTS_TO = {
    "person": ("PERSON",),
    "group": ("ORG", "NORP", "GPE", "PERSON"),
    "setting": ("GPE", "LOC", "FAC", "DATE", "TIME"),
}
# The kinds of question (`Words.kind`) whose answer is what a reference of each sort wants.
_ANSWERED_BY = {"person": ("who", "whom"), "group": ("who", "whom"),
                "setting": ("where", "when")}


def context(question: str, history: Sequence[Turn]) -> str:
    """The names and the earlier turn a follow-up `question` leans on ("" when it leans on
    nothing, or there is no earlier question)."""
    users = [t.content for t in history if t.role == "user"]
    if not users:
        return ""
    references = language.references(question)
    if not references and not _elliptical(question):
        return ""
    found: list[str] = []
    for reference in references:
        if reference.wants == "event":
            found.append(_speaking_of(reference.lemma, history) or "")
        elif reference.wants in _POINTS_TO:
            found.append(_last_named(reference.wants, history) or "")
    if not any(found) and all(r.definite for r in references) and not _elliptical(question):
        return ""  # "the election" that no earlier turn tells of: a question of its own
    found.append(users[-1])
    return " ".join(dict.fromkeys(f for f in found if f))


def people(question: str, history: Sequence[Turn]) -> list[str]:
    """The names the person and group pronouns of `question` point to in `history` ("he" after
    "Who gave Putin an update?" is the person its answer names), in the question's order."""
    return [name for _, name in people_at(question, history)]


def people_at(question: str, history: Sequence[Turn]) -> list[tuple[int, str]]:
    """`people`, each with where its pronoun stands in `question`."""
    found: dict[str, int] = {}
    for reference in language.references(question):
        if reference.wants in ("person", "group"):
            name = _last_named(reference.wants, history)
            if name:
                found.setdefault(name, reference.start)
    return [(at, name) for name, at in found.items()]


def _elliptical(question: str) -> bool:
    """A question that opens with a conjunction or has no verb: it goes on from the last."""
    words = language.analyse(question).words
    return bool(words) and (words[0][4] == "CCONJ" or not any(w[4] in ("VERB", "AUX")
                                                               for w in words))


def _last_named(wants: str, history: Sequence[Turn]) -> str | None:
    """The entity a reference that `wants` it points to: the first named (a turn's subject
    comes first) in the newest turn that names one (an answer to a question that asked for it
    is read before that question)."""
    for turn in _newest_first(wants, history):
        analysis = language.analyse(turn)
        names = [turn[s:e] for s, e, label in analysis.entities if label in _POINTS_TO[wants]]
        if names:
            return names[0]
    return None


def _speaking_of(lemma: str, history: Sequence[Turn]) -> str | None:
    """The newest turn holding a word of `lemma`'s stem ("visited" for "visit", "withdraw" for
    "withdrawal")."""
    root = stem(lemma)
    for turn in reversed(history):
        if any(stem(w[3]) == root for w in language.analyse(turn.content).words):
            return turn.content
    return None


def _newest_first(wants: str, history: Sequence[Turn]) -> list[str]:
    """The turns' texts, newest first; an answer goes before its question when the question
    asked for what `wants` points to."""
    texts: list[str] = []
    turns = list(history)
    i = len(turns) - 1
    while i >= 0:
        turn = turns[i]
        asked = turns[i - 1] if turn.role == "assistant" and i > 0 else None
        if asked is not None and asked.role == "user":
            kind = language.read_question(asked.content).kind
            pair = [turn.content, asked.content]
            texts += pair if kind in _ANSWERED_BY.get(wants, ()) else pair[::-1]
            i -= 2
        else:
            texts.append(turn.content)
            i -= 1
    return texts
