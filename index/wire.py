"""Wire copies: one story republished by several outlets, or lightly edited and republished,
recognised at ingest and kept together as one story.

Each article's body gets a MinHash signature of its word shingles (datasketch); an LSH index of
the stored signatures finds the articles whose estimated Jaccard similarity may pass
`THRESHOLD`, and a new article joins the story of the most similar one that does. A story's id
is the doc_id of its first article; every article of it is kept (its versions and outlets), and
retrieval cites one of them and lists the others. Titles are left out: a copy often gets a
headline of its own.

`SHINGLE` and `THRESHOLD` were chosen by `newsdesk eval wire --fit` on copies made from
RealTimeQA train articles (evals/wire.py); the same eval reports precision and recall on a set
not tuned on.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

import numpy as np

NUM_PERM = 128  # hash functions per signature: the Jaccard estimate's error is about 0.04
SCHEME = "affine32"  # datasketch's permutations; signatures of 32-bit values, stored as such
SHINGLE = 3  # words per shingle
THRESHOLD = 0.5  # estimated Jaccard similarity at which two articles are one story
_WORD = re.compile(r"\w+")


def signature(text: str, shingle: int = SHINGLE) -> np.ndarray:
    """The MinHash signature of `text`'s word shingles: NUM_PERM unsigned 32-bit numbers."""
    from datasketch import MinHash  # imported here: only ingest needs it

    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + shingle]) for i in range(max(1, len(words) - shingle + 1))}
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch([s.encode() for s in shingles])
    return minhash.hashvalues.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.mean(a == b))


def encode(sig: np.ndarray) -> str:
    """A signature as text, for a document record's metadata."""
    return base64.b64encode(sig.astype("<u4").tobytes()).decode()


def decode(text: str) -> np.ndarray | None:
    """The signature `encode` wrote, or None for a record without one (or a malformed one)."""
    try:
        sig = np.frombuffer(base64.b64decode(text), dtype="<u4")
    except ValueError:
        return None
    return sig if len(sig) == NUM_PERM else None


class Stories:
    """The stories of an index: which articles are copies of one another.

    Args:
        known: The stored articles, `(doc_id, story id, signature)`.
        threshold: Estimated Jaccard similarity at which an article joins a story.

    Example:
        >>> stories = Stories([])
        >>> stories.assign("a", signature("the same words " * 40))
        'a'
        >>> stories.assign("b", signature("the same words " * 40))
        'a'
    """

    def __init__(self, known: Iterable[tuple[str, str, np.ndarray]], threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        # LSH bands tuned to a lower threshold than the decision: candidates that the estimate
        # then accepts are rarely missed, and the estimate decides.
        self._lsh = MinHashLSH(threshold=max(0.1, threshold - 0.15), num_perm=NUM_PERM)
        self._signatures: dict[str, np.ndarray] = {}
        self._story: dict[str, str] = {}
        for doc_id, story, sig in known:
            self._insert(doc_id, story, sig)

    def assign(self, doc_id: str, sig: np.ndarray) -> str:
        """The story `doc_id` belongs to (its own id when it is a copy of none), remembered for
        the articles assigned after it. An article assigned again (a changed update) is first
        taken out, so that it is not compared with its older self."""
        self.remove(doc_id)
        best, best_score = "", 0.0
        for other in self._lsh.query(_minhash(sig)):
            score = similarity(sig, self._signatures[other])
            if score >= self.threshold and (score, other) > (best_score, best):
                best, best_score = other, score
        story = self._story[best] if best else doc_id
        self._insert(doc_id, story, sig)
        return story

    def remove(self, doc_id: str) -> None:
        if doc_id in self._signatures:
            self._lsh.remove(doc_id)
            del self._signatures[doc_id], self._story[doc_id]

    def _insert(self, doc_id: str, story: str, sig: np.ndarray) -> None:
        self._lsh.insert(doc_id, _minhash(sig))
        self._signatures[doc_id] = sig
        self._story[doc_id] = story


def _minhash(sig: np.ndarray):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=sig.astype(np.uint64), scheme=SCHEME)
