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

from newsdesk import language
from newsdesk.citations import Sentence, sentence_spans_of
from newsdesk.types import Passage

# Words either side of a quotation its speaker is named within.
_NEAR = 12
# Who can be quoted (spaCy's small model tags some people's names ORG).
_SPEAKERS = ("PERSON", "ORG")
# A quotation: curly marks, or straight ones, around at least a few characters.
_QUOTATION = re.compile(r"“[^”]{3,}”?|\"[^\"]{3,}\"?")


def speakers(sentences: Sequence[Sentence]) -> list[set[str] | None]:
    """For each sentence, the lower-cased words of the name of who says it, if it stands in a
    quotation (an empty set when nobody is named beside it), else None."""
    found: dict[tuple[str, int], set[str]] = {}
    for passage in {id(s.passage): s.passage for s in sentences}.values():
        found.update(_quoted(passage))
    return [found.get(s.key) for s in sentences]


def _quoted(passage: Passage) -> dict[tuple[str, int], set[str]]:
    """Each quoted sentence of `passage` (by key) and the names of its quotation's speakers."""
    spans = sentence_spans_of(passage)
    result: dict[tuple[str, int], set[str]] = {}
    for match in _QUOTATION.finditer(passage.text):
        start, end = passage.start + match.start(), passage.start + match.end()
        touched = [(s, e) for s, e in spans if s < end and start < e]
        if not touched:
            continue
        before = passage.text[touched[0][0] - passage.start:match.start()]
        after = passage.text[match.end():touched[-1][1] - passage.start]
        names = (_speaker(" ".join(after.split(" ")[:_NEAR]), first=True) or
                 _speaker(" ".join(before.split(" ")[-_NEAR:]), first=False))
        for s, _ in touched:
            result.setdefault((passage.doc_id, s), set()).update(names)
    return result


def _speaker(text: str, first: bool) -> set[str]:
    """The words of the name nearest the quotation in `text` (the first one after it, or the
    last one before it): a person or an organisation, not named as an owner ("Putin’s")."""
    names = [text[s:e] for s, e, label in language.names(text)
             if label in _SPEAKERS and text[e:e + 2] not in ("’s", "'s")]
    if not names:
        return set()
    return {word.lower() for word in re.findall(r"\w+", names[0] if first else names[-1])}
