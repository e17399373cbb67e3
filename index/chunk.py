"""Split documents into sentence-aligned chunks that keep their character offsets.

Sentences come from NLTK's Punkt model (the English parameters llama-index ships, so nothing is
downloaded). Chunks pack whole sentences up to a budget of the embedding model's word pieces,
never run across text that cleaning left out, and repeat `overlap` sentences of the chunk
before. A sentence longer than the budget is cut at word boundaries so that no text is lost
to the model's truncation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newsdesk.index.clean import Span, body_spans, segments
from newsdesk.index.english import sentence_tokenizer
from newsdesk.index.load import Document

_LINE = re.compile(r"[^\n]+")

# Counts word pieces for each text, and gives each word piece's character span in one text.
CountTokens = Callable[[list[str]], list[int]]
TokenSpans = Callable[[str], list[Span]]


@dataclass(frozen=True)
class Chunk:
    """A passage of a document; `document.text[start:end] == text`.

    `sentences` are the spans (in the document) of the sentences it is made of.
    """

    doc_id: str
    number: int
    start: int
    end: int
    text: str
    tokens: int
    sentences: tuple[Span, ...] = ()

    @property
    def local_sentences(self) -> list[Span]:
        """The sentences as spans of the chunk's own text."""
        return [(s - self.start, e - self.start) for s, e in self.sentences]


def sentence_spans(text: str, span: Span | None = None) -> list[Span]:
    """Sentences of `text[span[0]:span[1]]` (all of `text` by default), as spans of `text`.

    A line break always ends a sentence: headings and list items stand alone.
    """
    begin, end = span or (0, len(text))
    spans: list[Span] = []
    for line in _LINE.finditer(text, begin, end):
        offset = line.start()
        spans.extend((offset + s, offset + e)
                     for s, e in sentence_tokenizer().span_tokenize(line.group()))
    return spans


class Chunker:
    """Cuts documents into chunks of at most `max_tokens` word pieces.

    Args:
        count_tokens: Word pieces per text, as the embedding model counts them.
        token_spans: Character spans of the word pieces of one text.
        max_tokens: Budget per chunk, without the model's two special tokens.
        overlap: Sentences of the previous chunk repeated at the start of the next.
    """

    def __init__(
        self,
        count_tokens: CountTokens,
        token_spans: TokenSpans,
        max_tokens: int = 128,
        overlap: int = 1,
    ):
        if max_tokens < 8:
            raise ValueError(f"max_tokens of {max_tokens} is too small; use 8 or more")
        self.count_tokens = count_tokens
        self.token_spans = token_spans
        self.max_tokens = max_tokens
        self.overlap = max(0, overlap)

    def chunk(self, document: Document) -> list[Chunk]:
        """All chunks of `document`, numbered from 0 in reading order."""
        text = document.text
        packed: list[tuple[tuple[Span, ...], int]] = []
        for group in segments(text, body_spans(text, document.body_start)):
            sentences = [s for span in group for s in sentence_spans(text, span)]
            packed.extend(self._pack(text, sentences))
        return [
            Chunk(document.doc_id, number, p[0][0], p[-1][1], text[p[0][0]:p[-1][1]], tokens, p)
            for number, (p, tokens) in enumerate(packed)
        ]

    def _pack(self, text: str, sentences: list[Span]) -> list[tuple[tuple[Span, ...], int]]:
        """The sentences of each chunk of one segment, and the chunk's word pieces.

        Word pieces never span white space, so a chunk's count is the sum of its sentences'.
        """
        pieces, sizes = self._fit(text, sentences)
        chunks: list[tuple[tuple[Span, ...], int]] = []
        first = 0
        while first < len(pieces):
            last, total = first, sizes[first]
            while last + 1 < len(pieces) and total + sizes[last + 1] <= self.max_tokens:
                last += 1
                total += sizes[last]
            chunks.append((tuple(pieces[first:last + 1]), total))
            if last + 1 >= len(pieces):
                break
            # Start the next chunk a few sentences back, but always move forward.
            first = max(first + 1, last + 1 - self.overlap)
        return chunks

    def _fit(self, text: str, sentences: list[Span]) -> tuple[list[Span], list[int]]:
        """Sentences, with any longer than the budget cut at word boundaries, and their sizes."""
        sizes = self.count_tokens([text[s:e] for s, e in sentences])
        pieces: list[Span] = []
        fitted: list[int] = []
        for (begin, end), size in zip(sentences, sizes, strict=True):
            if size <= self.max_tokens:
                pieces.append((begin, end))
                fitted.append(size)
            else:
                cut = self._cut(text, begin, end)
                pieces.extend(cut)
                fitted.extend(self.count_tokens([text[s:e] for s, e in cut]))
        return pieces, fitted

    def _cut(self, text: str, begin: int, end: int) -> list[Span]:
        """Cut one long sentence into pieces of at most `max_tokens` word pieces."""
        tokens = self.token_spans(text[begin:end])
        pieces: list[Span] = []
        start = 0
        while start < len(tokens):
            stop = min(start + self.max_tokens, len(tokens))
            # Back off to a token that starts after white space, so words stay whole.
            while stop < len(tokens) and stop > start + 1 and not _after_space(text, begin, tokens[stop]):
                stop -= 1
            pieces.append((begin + tokens[start][0], begin + tokens[stop - 1][1]))
            start = stop
        return pieces


def _after_space(text: str, offset: int, token: Span) -> bool:
    position = offset + token[0]
    return position > 0 and text[position - 1].isspace()
