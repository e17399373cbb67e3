"""Whether the articles tell, in another form, a word a question uses that they never do.

A question names an event with a noun ("the invasion", "the withdrawal") that the articles tell
with a verb ("invaded", "withdrew"). The corpus check (`LexicalIndex.unknown_words`) compares
Snowball stems, which join "visit" and "visited" but not "invasion" and "invaded". This is
newsdesk's own rule, written by hand over the embedding model: a word of the retrieved passages
or of the conversation tells the question's word in another form when the two begin alike (the
first `ROOT` letters, where a derivation keeps its root) and the model places them close in
meaning (cosine `LIKENESS`). Beginning alike keeps out words that are merely close in meaning
("trip" for "visit", "gas" for "oil"): those do not show that the articles speak of the thing
asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsdesk.index.embed import Embedder

ROOT = 4  # letters two forms of a word share at the start ("inva-sion", "inva-ded")
# The cosine of two forms of a word, as all-MiniLM-L6-v2 embeds single words: derivations score
# 0.65-0.87 ("decision"/"decided" 0.66, "invasion"/"invaded" 0.87), words that only begin alike
# 0.12-0.36 ("invasion"/"invalid" 0.12, "department"/"departure" 0.26); set by hand between.
LIKENESS = 0.6
_WORD = re.compile(r"[^\W\d_]+")


def told_otherwise(words: set[str], texts: Iterable[str], embedder: Embedder) -> set[str]:
    """Of the lower-cased `words`, those that a word of `texts` tells in another form
    ("invasion" when a text says "invaded")."""
    seen = {w.lower() for text in texts for w in _WORD.findall(text)}
    forms = {word: sorted(w for w in seen if w != word and _begin_alike(w, word))
             for word in words}
    asked = [w for w, found in forms.items() if found]
    if not asked:
        return set()
    others = sorted({form for word in asked for form in forms[word]} - set(asked))
    vectors = dict(zip(asked + others, embedder.embed(asked + others), strict=True))
    return {word for word in asked
            if max(float(vectors[word] @ vectors[w]) for w in forms[word]) >= LIKENESS}


def _begin_alike(a: str, b: str) -> bool:
    """The first `ROOT` letters of both are the same (all of a shorter one: "oil", "oily")."""
    root = min(ROOT, len(a), len(b))
    return root >= 3 and a[:root] == b[:root]
