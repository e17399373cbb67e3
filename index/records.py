"""Each chunk's text and metadata as Chroma holds them, kept with the BM25 index (up to
`lexical.EXACT_ROWS` chunks, beside their vectors): a question's passages are read from here,
where reading them from Chroma took ~5 ms a question at 18,000 chunks.

One file holds every row's `[text, metadata]` as JSON, one after another, memory-mapped; another
says where each ends. A row is decoded only when a passage asks for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_TEXTS = "records.bin"
_ENDS = "record_ends.npy"


def encoded(text: str, meta: dict) -> bytes:
    """A row as the records file holds it."""
    return json.dumps([text, meta], ensure_ascii=False, separators=(",", ":")).encode()


class Records:
    """The rows' `(text, metadata)`, by row number.

    Args:
        blob: Every row's `encoded` bytes, one after another (a memory map once saved).
        ends: Where each row ends in `blob`.
    """

    def __init__(self, blob: np.ndarray | bytes, ends: np.ndarray):
        self.blob = blob
        self.ends = ends

    @classmethod
    def of(cls, rows: list[bytes]) -> Records:
        """Records of `encoded` rows."""
        return cls(b"".join(rows), np.cumsum([len(row) for row in rows], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ends)

    def raw(self, row: int) -> bytes:
        """Row `row` as `encoded` bytes."""
        start = int(self.ends[row - 1]) if row else 0
        return bytes(self.blob[start:int(self.ends[row])])

    def get(self, row: int) -> tuple[str, dict]:
        """Row `row`'s text and metadata."""
        text, meta = json.loads(self.raw(row))
        return text, meta

    def save(self, folder: Path) -> None:
        (folder / _TEXTS).write_bytes(bytes(self.blob))
        np.save(folder / _ENDS, self.ends)

    @classmethod
    def load(cls, folder: Path) -> Records | None:
        """The records saved in `folder`, None when it holds none."""
        if not (folder / _ENDS).exists():
            return None
        ends = np.load(folder / _ENDS)
        blob = np.memmap(folder / _TEXTS, dtype=np.uint8, mode="r") if len(ends) and ends[-1] else b""
        return cls(blob, ends)
