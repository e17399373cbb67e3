"""Sources that disagree: two articles that say the same thing with different values.

This is newsdesk's own idea, written by hand over spaCy's reading of the sentences. A sentence
chosen for the answer and each sentence of another article are aligned word by word (difflib).
If most of their words agree (`AGREE` of the longer one's, in the same order), then where they
differ, each side's named entities of one kind (a person or organisation, a place, a time, an
amount: `language.KIND_OF`), of a type the answer may be if those are known, that the question
does not name, are the values they disagree on. Two sentences that differ in entities of more
than one kind (of any type, named by the question or not) are about different things, not in
conflict. A time is in dispute only when it is named by number ("Aug. 9", "2017"): "Friday" or
"this week" depends on the day each article was written.
The thresholds are set by hand: no training set here labels conflicts (RGB's counterfactual
passages, where they are measured, are not tuned on). The words decide, not the stored vectors:
those are pooled over each sentence's chunk, so the same sentence in two articles can sit far
apart (cosine 0.66 for two that differ only in the name).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from difflib import SequenceMatcher

from newsdesk import language
from newsdesk.citations import Sentence
from newsdesk.index.english import stem
from newsdesk.when import Window

# The share of the longer sentence's words the two must share to state the same thing.
AGREE = 0.6
# Entities of one kind this close (", " between "Tampa" and "Florida") are one value.
_JOIN = 2
_WORD = re.compile(r"\w+")
_UNIT_POS = ("NOUN", "SYM", "PROPN")  # the parts of speech of an amount's unit
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# Words either side of an amount where a question's word shows the amount is what it asks.
_BESIDE = 3
_EDGE = " ,;:!?()[]\"'“”‘’-–—…"  # not a value's first or last character ("U.S." keeps its dot)


def find(question: str, chosen: Sequence[Sentence], others: Sequence[Sentence],
         types: Sequence[str] = ()) -> list[list[tuple[Sentence, int, int]]]:
    """Each conflict as its values: (sentence, start, end) of each distinct value, in the
    sentence's own offsets; the chosen sentence's value first.

    Args:
        question: The question (a value it names is not in dispute).
        chosen: The sentences the answer quotes.
        others: Every sentence of the passages.
        types: The entity types the answer may be (`ExtractiveAnswerer.answer_types`); if any,
            only values of those types are compared.
    """
    asked = question.lower()
    conflicts: list[list[tuple[Sentence, int, int]]] = []
    for mine in chosen:
        for theirs in others:
            if theirs.passage.doc_id == mine.passage.doc_id or theirs.text == mine.text:
                continue
            values = differing_values(mine.text, theirs.text, asked, types)
            if not values:
                continue
            (a_start, a_end), (b_start, b_end) = values
            ours, other = mine.text[a_start:a_end].lower(), theirs.text[b_start:b_end].lower()
            # One conflict per value in dispute, however many sentences state each side.
            found = next((c for c in conflicts if ours in _texts(c)), None)
            if found is None:
                found = [(mine, a_start, a_end)]
                conflicts.append(found)
            if other not in _texts(found):
                found.append((theirs, b_start, b_end))
    return conflicts


def updates(question: str, chosen: Sequence[Sentence], near: Sequence[Sentence],
            terms: AbstractSet[str], types: Sequence[str] = (), window: Window | None = None,
            known: Sequence[list[tuple[Sentence, int, int]]] = ()
            ) -> list[list[tuple[Sentence, int, int]]]:
    """A figure told again on another day, as the values of a dispute (the chosen one first),
    or none.

    Only for a question whose likeliest answer is an amount (`types`, likeliest first): the
    first amount the chosen sentences give, best sentence first, that the question asks about
    (`asked`: a word of the question's `terms` other than its unit stands beside it; not one
    whose number the question names) and that sentences of articles of other days, among
    `chosen` and `near` (those scored close to them), give too: the only asked-about amount of
    its measure there (`measures`: the same unit, "9,500 acres" and "4,800 acres"), with
    another number (not "$700M" for "$700 million"), in a sentence about the same thing (both
    name what the question names, in the sentence or its article's title: `_same_subject`).
    One value per day, the best sentence's. Undated articles, and those outside the `window` of
    days the question names, tell no update; an amount that overlaps a value of `known`
    (disputes found otherwise) starts none."""
    if not types or types[0] not in language.AMOUNTS:
        return []
    named, subject = set(_numbers(question)), _proper_nouns(question)
    taken = [(s.key, a, b) for dispute in known for s, a, b in dispute]

    def day(sentence: Sentence) -> str:
        date = sentence.passage.date[:10]
        return date if date and (window is None or window.first <= date <= window.last) else ""

    for mine in (s for s in chosen if day(s)):
        for start, end, measure in asked(mine.text, terms, types):
            if set(_numbers(mine.text[start:end])) & named or any(
                    key == mine.key and a < end and start < b for key, a, b in taken):
                continue
            values = {day(mine): (mine, start, end)}
            for theirs in (*chosen, *near):
                told = day(theirs)
                same = [(a, b) for a, b, m in asked(theirs.text, terms, types) if m == measure]
                if told and told not in values and len(same) == 1 and \
                        _numbers(theirs.text[slice(*same[0])]) not in \
                        {_numbers(s.text[a:b]) for s, a, b in values.values()} and \
                        _same_subject(subject, mine, theirs):
                    values[told] = (theirs, *same[0])
            if len(values) > 1:
                return [list(values.values())]
    return []


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers `text` writes, as digits ("$1,200.5 million" -> ("1200.5",))."""
    return tuple(n.replace(",", "") for n in _NUMBER.findall(text))


def _same_subject(subject: set[str], a: Sentence, b: Sentence) -> bool:
    """Whether two sentences are about the same thing: each read with its article's title,
    both hold a proper noun of the question (`subject`: "Brackwell" in "How big is the
    Brackwell fire?" and in "Brackwell fire quadruples in size"), or, if the question has none,
    one of each other's."""
    shared = _proper_nouns(a.text, a.passage.title) & _proper_nouns(b.text, b.passage.title)
    return bool(shared & subject) if subject else bool(shared)


def _proper_nouns(*texts: str) -> set[str]:
    """The lower-cased proper nouns of `texts`, as spaCy tags them (its entity recogniser
    misses names in headlines)."""
    return {w[2] for text in texts for w in language.analyse(text).words if w[4] == "PROPN"}


def asked(text: str, terms: AbstractSet[str], types: Sequence[str] = ()
          ) -> list[tuple[int, int, str]]:
    """The amounts of `text` (`measures`) that a question with the content words `terms` asks
    about: a word of `terms` other than the amount's unit stands within `_BESIDE` words of it
    ("the fire has burned 9,500 acres" for "How many acres has the fire burned?"); most such
    words first."""
    words = language.analyse(text).words
    stems = {stem(t) for t in terms}
    found = []
    for start, end, measure in measures(text, types):
        at = [i for i, w in enumerate(words) if start <= w[0] < end]
        beside = words[max(at[0] - _BESIDE, 0):at[0]] + words[at[-1] + 1:at[-1] + 1 + _BESIDE]
        count = sum(1 for w in beside if w[3] != measure and (
            w[2] in terms or w[3] in terms or stem(w[2]) in stems))  # "burned" for "burn"
        if count:
            found.append((count, start, end, measure))
    return [(s, e, m) for _, s, e, m in sorted(found, key=lambda row: -row[0])]


def measures(text: str, types: Sequence[str] = ()) -> list[tuple[int, int, str]]:
    """The amounts of `text` (`language.AMOUNTS`; none if `types`, the types the answer may
    be, hold no amount) that are the only ones of their measure in it: start, end and the
    measure, its unit: the lemma of the entity's last noun or symbol ("acre", "euro", "%"),
    else of the last of the nouns right after it ("1.58 euros", which the tagger reads as a bare
    number, so the type does not tell the measure; "300,000 student loan borrowers":
    "borrower"; the value takes in its unit). A bare number ("about 800") counts nothing named
    and is none."""
    if types and not set(types) & set(language.AMOUNTS):
        return []
    analysis = language.analyse(text)
    found = []
    for start, end, label in analysis.entities:
        if label not in language.AMOUNTS:
            continue
        inside = [w for w in analysis.words if start <= w[0] and w[1] <= end]
        after = [w for w in analysis.words if w[0] >= end]
        units = [w for w in inside if w[4] in _UNIT_POS] or _nouns(after)
        if units:  # the value reaches to its unit: "1.58 euros"
            found.append((start, max(end, units[-1][1]), units[-1][3]))
    counted = Counter(measure for _, _, measure in found)
    return [(s, e, m) for s, e, m in found if counted[m] == 1]


def _nouns(words: Sequence[tuple[int, int, str, str, str]]) -> list[tuple[int, int, str, str, str]]:
    """The nouns that open `words` ("student loan borrowers"), the last of them the head."""
    run = []
    for word in words:
        if word[4] != "NOUN":
            break
        run.append(word)
    return run


def kind_of(values: Sequence[tuple[Sentence, int, int]]) -> str:
    """The kind of value in dispute ("who", "where", "when", "how much"), by the entity type
    of the first value that spaCy tags."""
    for sentence, start, end in values:
        for e_start, e_end, label in language.analyse(sentence.text).entities:
            if e_start < end and start < e_end and label in language.KIND_OF:
                return language.KIND_OF[label]
    return ""


def _texts(values: list[tuple[Sentence, int, int]]) -> set[str]:
    return {s.text[a:b].lower() for s, a, b in values}


def differing_values(a: str, b: str, asked: str = "", types: Sequence[str] = ()
                     ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The spans of `a` and of `b` that give different values of one kind where the two
    sentences otherwise agree, or None (no such values, or values of several kinds differ)."""
    if not _agree(a, b):
        return None
    left, right = language.analyse(a), language.analyse(b)
    matcher = SequenceMatcher(None, [w[2] for w in left.words], [w[2] for w in right.words],
                              autojunk=False)
    wanted = set(types)
    pairs, differ = [], set()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        # Every kind that differs, of any type, the question's own values too: two sentences
        # that differ in the year it asks about are about two different years.
        differ |= {*_entities_in(left, i1, i2, a, "", set(), numbered=False),
                   *_entities_in(right, j1, j2, b, "", set(), numbered=False)}
        ours = _entities_in(left, i1, i2, a, asked, wanted)
        theirs = _entities_in(right, j1, j2, b, asked, wanted)
        # The tagger misses an entity now and then ("Facebook" opening a sentence): proper
        # nouns or numbers in place of the other side's entity stand for one of its kind.
        ours = ours or _names_in(left, i1, i2, asked, theirs)
        theirs = theirs or _names_in(right, j1, j2, asked, ours)
        if ours and theirs:
            pairs.append((ours, theirs))
    kinds = {k for ours, theirs in pairs for k in (*ours, *theirs)}
    if len(kinds) != 1 or len(differ | kinds) != 1:
        return None
    (kind_found,) = kinds
    our_spans = [span for o, _ in pairs for span in o[kind_found]]
    their_spans = [span for _, t in pairs for span in t[kind_found]]
    ours_span, theirs_span = _trimmed(_joined(our_spans, a), a), _trimmed(_joined(their_spans, b), b)
    if a[slice(*ours_span)].lower() == b[slice(*theirs_span)].lower():
        return None
    return ours_span, theirs_span


def _agree(a: str, b: str) -> bool:
    """Whether most words of each sentence stand in the other, in the same order."""
    ours, theirs = _WORD.findall(a.lower()), _WORD.findall(b.lower())
    blocks = SequenceMatcher(None, ours, theirs, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) >= AGREE * max(len(ours), len(theirs))


def _entities_in(analysis: language.Analysis, first: int, last: int, text: str, asked: str,
                 wanted: set[str], numbered: bool = True) -> dict[str, list[tuple[int, int]]]:
    """The entities touching words `first:last`, by kind, less those the question names (and,
    if `numbered`, times not named by number)."""
    if first == last:
        return {}
    start, end = analysis.words[first][0], analysis.words[last - 1][1]
    found: dict[str, list[tuple[int, int]]] = {}
    for e_start, e_end, label in analysis.entities:
        value = text[e_start:e_end]
        if e_start < end and start < e_end and label in language.KIND_OF and (
                not wanted or label in wanted) and value.lower() not in asked and (
                not numbered or language.KIND_OF[label] != "when" or
                any(c.isdigit() for c in value)):
            found.setdefault(language.KIND_OF[label], []).append((e_start, e_end))
    return found


def _names_in(analysis: language.Analysis, first: int, last: int, asked: str,
              other: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """Words `first:last`, if all are proper nouns or numbers, as a value of the kind of the
    other side's one entity; else empty."""
    words = analysis.words[first:last]
    spans = [span for found in other.values() for span in found]
    if len(spans) != 1 or not words or any(w[4] not in ("PROPN", "NUM") for w in words) or \
            " ".join(w[2] for w in words) in asked:
        return {}
    return {next(iter(other)): [(words[0][0], words[-1][1])]}


def _trimmed(span: tuple[int, int], text: str) -> tuple[int, int]:
    """`span` less the punctuation at its ends ("Bianca Andreescu (" -> "Bianca Andreescu")."""
    start, end = span
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    while start < end and text[start] in _EDGE:
        start += 1
    return start, end


def _joined(spans: list[tuple[int, int]], text: str) -> tuple[int, int]:
    """The first run of spans that only punctuation joins ("Tampa, Florida")."""
    spans = sorted(set(spans))
    start, end = spans[0]
    for s, e in spans[1:]:
        if s - end > _JOIN or text[end:s].strip(" ,"):
            break
        end = max(end, e)
    return start, end


