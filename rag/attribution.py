"""Who says a quoted sentence: the people named beside the quotation it stands in.

This is newsdesk's own idea, written by hand over spaCy's named entities. News quotes run over
several sentences and name the speaker once, before, inside or after the quotation ("“Around a
hundred drones attack each night. Missile strikes are regular ...,” Zelensky posted on X."). So
a quotation is found by its marks in the passage, and its speaker is the name (a PERSON or ORG
entity, not an owner: "Putin’s conditions") nearest to it, within a dozen words: the first after
it in the sentence where it ends (",” Dan tells us"), or else the last before it in the sentence
where it starts ("says Hanna, “...”"); every sentence inside it is the speaker's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from newsdesk import language
from newsdesk.citations import Sentence, sentence_spans_of
from newsdesk.types import Passage

# Words either side of a quotation its speaker is named within.
_NEAR = 12
# Who can be quoted (spaCy's small model tags some people's names ORG).
_SPEAKERS = ("PERSON", "ORG")
# A quotation: curly marks, or straight ones, around at least a few characters.
_QUOTATION = re.compile(r"“[^”]{3,}”?|\"[^\"]{3,}\"?")


class _Quotation(NamedTuple):
    """A quotation of a passage: the keys of the sentences it touches, and the dozen words
    after it and before it within them."""

    keys: list[tuple[str, int]]
    after: str
    before: str


def speakers(sentences: Sequence[Sentence]) -> list[set[str] | None]:
    """For each sentence, the lower-cased words of the name of who says it, if it stands in a
    quotation (an empty set when nobody is named beside it), else None."""
    quotations = [_quotations(passage)
                  for passage in {id(s.passage): s.passage for s in sentences}.values()]
    beside = [text for found in quotations for q in found for text in (q.after, q.before)]
    named = dict(zip(beside, language.names_each(beside), strict=True))  # in one batch: faster
    said: dict[tuple[str, int], set[str]] = {}
    for found in quotations:  # a sentence two passages hold: as the last of them reads it
        in_passage: dict[tuple[str, int], set[str]] = {}
        for q in found:
            names = (_speaker(q.after, named[q.after], first=True) or
                     _speaker(q.before, named[q.before], first=False))
            for key in q.keys:
                in_passage.setdefault(key, set()).update(names)
        said.update(in_passage)
    return [said.get(s.key) for s in sentences]


def _quotations(passage: Passage) -> list[_Quotation]:
    """The quotations of `passage`, in order."""
    spans = sentence_spans_of(passage)
    found = []
    for match in _QUOTATION.finditer(passage.text):
        start, end = passage.start + match.start(), passage.start + match.end()
        touched = [(s, e) for s, e in spans if s < end and start < e]
        if not touched:
            continue
        before = passage.text[touched[0][0] - passage.start:match.start()]
        after = passage.text[match.end():touched[-1][1] - passage.start]
        found.append(_Quotation([(passage.doc_id, s) for s, _ in touched],
                                " ".join(after.split(" ")[:_NEAR]),
                                " ".join(before.split(" ")[-_NEAR:])))
    return found


def _speaker(text: str, entities: Sequence[tuple[int, int, str]], first: bool) -> set[str]:
    """The words of the name nearest the quotation in `text` (the first one after it, or the
    last one before it), among its `entities` (`language.names`): a person or an organisation,
    not named as an owner ("Putin’s")."""
    names = [text[s:e] for s, e, label in entities
             if label in _SPEAKERS and text[e:e + 2] not in ("’s", "'s")]
    if not names:
        return set()
    return {word.lower() for word in re.findall(r"\w+", names[0] if first else names[-1])}
