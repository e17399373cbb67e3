"""Composing an answer from the sentences it quotes: a stage of the extractive answerer.

The chosen sentences (`ExtractiveAnswerer.select`) become quotes: a quotation a sentence opens
or closes is completed, so that who says it, and all they say, is quoted; sentences of one
article are ordered as they stand, a gap of a sentence between two is bridged so that they read
as one quote, neighbours are merged, and each quote is cited (`Citations`: `[n]` resolves to a
verbatim span). The answer opens with the short answer (`newsdesk.short`), if one is offered,
then with the values its sources disagree on (`newsdesk.conflicts`), newest first when they were
written on different days. A refusal lists the closest passages instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace

from newsdesk import conflicts, short, when
from newsdesk.citations import Citations, Sentence, sentence_spans_of
from newsdesk.types import Answer, AnswerSentence, Citation, Conflict, Passage, ShortAnswer

_SENTENCE_ENDS = tuple(".!?:\"”’'")


def compose(question: str, chosen: list[Sentence],
            disputes: Sequence[list[tuple[Sentence, int, int]]] = (),
            best: tuple[short.Candidate, float] | None = None, quotation: int = 3,
            bridge: int = 1) -> Answer:
    """Complete the quotations the sentences open or close (adding at most `quotation`
    sentences), order them by article and position, fill gaps of at most `bridge` sentences
    between them, merge neighbours, and cite them; open with the short answer (`best`: the
    candidate `short.pick` offers, with its confidence), then with the values the sources
    disagree on (`conflicts.find`), each cited."""
    first_seen: dict[str, int] = {}
    for rank, sentence in enumerate(chosen):
        first_seen.setdefault(sentence.passage.doc_id, rank)
    whole = _with_quotations(chosen, quotation)
    ordered = sorted(whole, key=lambda s: (first_seen[s.passage.doc_id], s.start))
    quotes = _merge_neighbours(_bridged(ordered, bridge))
    extra = [s for dispute in disputes for s, _, _ in dispute
             if not any(_holds(quote, s) for quote in quotes)]
    extra = list({s.key: s for s in extra}.values())
    citations = Citations()
    numbered = [(quote, citations.cite(quote)) for quote in quotes + extra]
    lines = [f"{quote.text} [{n}]" for quote, n in numbered]

    def cited(sentence: Sentence, start: int, end: int, confidence: float | None = None
              ) -> ShortAnswer:
        n = next(n for quote, n in numbered if _holds(quote, sentence))
        return ShortAnswer(sentence.text[start:end], n, sentence.start + start,
                           sentence.start + end, confidence)

    short_answer = cited(best[0].sentence, best[0].start, best[0].end,
                         round(best[1], 3)) if best else None
    disagreements = [Conflict(conflicts.kind_of(dispute), tuple(cited(*v) for v in
                                                                _newest_first(dispute)))
                     for dispute in disputes]
    if disagreements:
        lines.insert(0, " ".join(_disagreement(c, citations.all()) for c in disagreements))
        for conflict in disagreements:  # a figure updated since: the newest one answers
            if short_answer and _dated_apart(conflict, citations.all()) and any(
                    v.n == short_answer.n and v.start < short_answer.end and short_answer.start < v.end
                    for v in conflict.values):
                short_answer = replace(conflict.values[0], confidence=short_answer.confidence)
    if short_answer:
        lines.insert(0, f"{short_answer.text} [{short_answer.n}].")
    return Answer(question=question, text="\n\n".join(lines), refused=False,
                  citations=citations.all(), short_answer=short_answer, conflicts=disagreements,
                  sentences=[AnswerSentence(quote.text, [n]) for quote, n in numbered])


def _newest_first(dispute: list[tuple[Sentence, int, int]]) -> list[tuple[Sentence, int, int]]:
    """The values in dispute, those of the newest articles first (undated ones last), when
    their articles were written on different days; else as found."""
    days = [s.passage.date[:10] for s, _, _ in dispute]
    if len(set(days)) < 2:
        return dispute
    return sorted(dispute, key=lambda value: value[0].passage.date[:10] or "0", reverse=True)


def _dated_apart(conflict: Conflict, cited: Sequence[Citation]) -> bool:
    """Whether the values in dispute were written on different days (a figure updated)."""
    dates = {c.n: c.date[:10] for c in cited}
    return len({dates.get(v.n, "") for v in conflict.values}) == len(conflict.values) and \
        all(dates.get(v.n) for v in conflict.values)


def _disagreement(conflict: Conflict, cited: Sequence[Citation]) -> str:
    """The line that tells the values in dispute: each with its article's day, newest first,
    when they were written on different days ("As of 10 March 2024, “9,500” [1]; on 6 March
    2024, “4,800” [2]."), else as sources that disagree."""
    if not _dated_apart(conflict, cited):
        return "The sources disagree: " + ", ".join(f"“{v.text}” [{v.n}]" for v in conflict.values) + "."
    dates = {c.n: c.date for c in cited}
    told = [f"{'as of' if i == 0 else 'on'} {when.spoken(dates[v.n])}, “{v.text}” [{v.n}]"
            for i, v in enumerate(conflict.values)]
    return "; ".join(told)[0].upper() + "; ".join(told)[1:] + "."


def _holds(quote: Sentence, sentence: Sentence) -> bool:
    """Whether `quote` (sentences merged into one) begins `sentence` or runs over its start."""
    return quote.passage.doc_id == sentence.passage.doc_id and quote.start <= sentence.start < quote.end


def _with_quotations(chosen: list[Sentence], most: int) -> list[Sentence]:
    """`chosen`, each followed by the sentences of its passage (at most `most`) that complete a
    quotation it opens or closes; a quotation not complete within them adds none."""
    found: dict[tuple[str, int], Sentence] = {}
    for sentence in chosen:
        found.setdefault(sentence.key, sentence)
        passage, balance = sentence.passage, quotation_balance(sentence.text)
        if not balance or not most:
            continue
        spans = sentence_spans_of(passage)
        at = next((i for i, (start, _) in enumerate(spans) if start == sentence.start), None)
        if at is None:
            continue
        step = 1 if balance > 0 else -1
        onward = spans[at + 1:] if step > 0 else spans[:at][::-1]
        added = []
        for start, end in onward[:most]:
            added.append(Sentence.at(passage, start, end))
            balance += quotation_balance(added[-1].text)
            if balance * step <= 0:
                for s in added:
                    found.setdefault(s.key, s)
                break
    return list(found.values())


def quotation_balance(text: str) -> int:
    """Quotation marks `text` opens less those it closes: curly ones by their shape, straight
    ones by where they stand (after a space or at the start they open)."""
    balance = text.count("“") - text.count("”")
    for i, char in enumerate(text):
        if char == '"':
            balance += 1 if i == 0 or text[i - 1].isspace() or text[i - 1] in "([" else -1
    return balance


def _bridged(ordered: list[Sentence], most: int) -> list[Sentence]:
    """`ordered` with the sentences between two of them in one passage, where at most `most`
    stand between and each ends as a sentence does (not a heading, which opens a new section)."""
    filled: list[Sentence] = []
    for sentence, after in zip(ordered, [*ordered[1:], None], strict=True):
        filled.append(sentence)
        passage = sentence.passage
        if after is None or after.passage.chunk_id != passage.chunk_id:
            continue
        between = [Sentence.at(passage, s, e) for s, e in sentence_spans_of(passage)
                   if sentence.end <= s and e <= after.start]
        if len(between) <= most and all(s.text.rstrip().endswith(_SENTENCE_ENDS) for s in between):
            filled += between
    return filled


def _merge_neighbours(ordered: list[Sentence]) -> list[Sentence]:
    """Join sentences that follow each other in one passage into one quote."""
    merged: list[Sentence] = []
    for sentence in ordered:
        last = merged[-1] if merged else None
        if (last and last.passage.doc_id == sentence.passage.doc_id
                and last.passage.chunk_id == sentence.passage.chunk_id
                and not sentence.passage.text[last.end - last.passage.start:
                                              sentence.start - last.passage.start].strip()):
            merged[-1] = Sentence.at(last.passage, last.start, sentence.end)
        else:
            merged.append(sentence)
    return merged


def refusal(question: str, passages: list[Passage],
             unknown: AbstractSet[str] = frozenset()) -> Answer:
    missing = ", ".join(f"“{w}”" for w in sorted(unknown))
    text = "The articles don't say." + (f" They never mention {missing}." if missing else "")
    text += (" The closest passages are listed as related reading." if passages else "")
    return Answer(question=question, text=text, refused=True, related=passages[:3])
