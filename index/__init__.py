"""The write side: article files -> cleaned, chunked, embedded documents in Chroma."""

from newsdesk.index.ingest import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
