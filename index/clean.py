"""Find the parts of a document worth indexing, as spans into its text.

Cleaning never rewrites text: it returns `(start, end)` spans of the text as loaded, so every
chunk cut from them still satisfies `text[start:end] == chunk`. This module is newsdesk's own
idea, written by hand: scraped articles often repeat the tail of a paragraph at the start of
the next one ("tells us. Jeddah was a turning point ..." after "... Ian tells us."), sometimes
with a name dropped. Such a repeated prefix is left out of the spans, as is the `#` that marks a
Markdown heading (a quote of the headline says "Council approves ...", not "# Council ...").
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_PARAGRAPH = re.compile(r"[^\n]+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_PUNCTUATION = re.compile(r"[^\w\s]")
_HEADING = re.compile(r"#{1,6}[ \t]+")  # a Markdown (ATX) heading's marker
# Words the previous paragraph may hold that the repeat dropped ("says Hanna ." -> "says .").
_MAX_GAP = 3
# A paragraph that starts like a normal one is cut only for a repeat at least this long.
_MIN_FULL_REPEAT = 12


def body_spans(text: str, start: int = 0) -> list[Span]:
    """Spans of the paragraphs from `start` on, with repeated fragments left out.

    Args:
        text: The document text as loaded.
        start: Where the body begins (after metadata).

    Returns:
        Non-empty, stripped, ordered spans; one per paragraph (line) that keeps any text.

    Example:
        >>> text = "Putin spoke, Ian tells us.\\ntells us. Jeddah was a turning point."
        >>> [text[s:e] for s, e in body_spans(text)]
        ['Putin spoke, Ian tells us.', 'Jeddah was a turning point.']
    """
    spans: list[Span] = []
    previous = ""
    for match in _PARAGRAPH.finditer(text, start):
        begin, end = _strip(text, match.start(), match.end())
        if heading := _HEADING.match(text, begin, end):
            begin = heading.end()
        if begin == end:
            continue
        paragraph = text[begin:end]
        cut = repeated_prefix(paragraph, previous)
        previous = paragraph
        begin, end = _strip(text, begin + cut, end)
        if begin < end:
            spans.append((begin, end))
    return spans


def segments(text: str, spans: list[Span]) -> list[list[Span]]:
    """Group spans that only white space separates: a chunk may run across them."""
    groups: list[list[Span]] = []
    for span in spans:
        if groups and not text[groups[-1][-1][1] : span[0]].strip():
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def repeated_prefix(paragraph: str, previous: str) -> int:
    """Length of the start of `paragraph` that only repeats words of `previous`, else 0."""
    if not previous:
        return 0
    tokens = [(m.group().lower(), m.end()) for m in _TOKEN.finditer(paragraph)]
    before = [m.group().lower() for m in _TOKEN.finditer(previous)]
    matched = _longest_match(tokens, before)
    # End the cut at punctuation, so that it removes whole clauses, not a stray word.
    while matched and not _PUNCTUATION.fullmatch(tokens[matched - 1][0]):
        matched -= 1
    if not matched:
        return 0
    looks_cut = not paragraph[0].isupper() and paragraph[0] not in "“\"'‘([0123456789"
    words = sum(1 for token, _ in tokens[:matched] if not _PUNCTUATION.fullmatch(token))
    if looks_cut or words >= _MIN_FULL_REPEAT:
        return tokens[matched - 1][1]
    return 0


def _longest_match(tokens: list[tuple[str, int]], before: list[str]) -> int:
    """How many leading tokens appear in order in `before`, with small gaps allowed there."""
    best = 0
    if not tokens:
        return 0
    for first in (j for j, token in enumerate(before) if token == tokens[0][0]):
        count, position = 1, first + 1
        while count < len(tokens):
            window = before[position : position + _MAX_GAP + 1]
            if tokens[count][0] not in window:
                break
            position += window.index(tokens[count][0]) + 1
            count += 1
        best = max(best, count)
    return best


def _strip(text: str, begin: int, end: int) -> Span:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end
