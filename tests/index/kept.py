"""What the BM25 index keeps of each chunk, checked against what Chroma holds."""

from __future__ import annotations

import numpy as np

from newsdesk.core.settings import Settings
from newsdesk.index.ingest import lexical_folder
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.store import Store


def assert_kept_as_stored(settings: Settings) -> LexicalIndex:
    """The saved BM25 index holds every chunk of the store, each row's text, metadata, story
    and vector as Chroma holds them; returns it."""
    index = LexicalIndex.load(lexical_folder(settings))
    store = Store.open(settings)
    stored = {chunk_id: (text, meta, vector)
              for chunk_id, text, meta, vector in store.all_chunks_with_vectors()}
    assert sorted(index.ids) == sorted(stored)
    assert index.records is not None and index.vectors is not None
    for row, chunk_id in enumerate(index.ids):
        text, meta, vector = index.chunk(chunk_id)
        assert (text, meta) == stored[chunk_id][:2]
        assert index.stories[row] == meta.get("story", "")
        assert np.allclose(vector, stored[chunk_id][2], atol=1e-6)
    return index
