"""The embedding model run by ONNX Runtime, for the texts a reader embeds (questions, a few
sentences): the same vectors as sentence-transformers, about three times faster per question on
2 cores, with neither torch nor transformers imported.

Ingest, which loads the model anyway, exports it once into newsdesk's cache folder (`export`);
a process that embeds questions loads the export instead of the model when it finds one
(`OnnxEncoder.load`). The weights lie in a file of their own, which ONNX Runtime maps into
memory: a reader holds one copy of them, not two. Only a model made of a transformer, mean
pooling and an optional normalisation is exported, and an export is kept only when its vectors
match the model's on probe sentences of different lengths, embedded together.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

_PROBES = ("Harbour bridge reopens.",
           "The city engineer said the repair of the Zindelport bridge cost 42 million euros and "
           "took three years longer than the council had been told it would.",
           "Who chairs the committee that approved the budget on Tuesday?")
_AGREEMENT = 0.9999  # least cosine between the export's vectors and the model's
WEIGHTS = "model.onnx.data"  # beside model.onnx
LAYOUT = 2  # of an export's files; an export of another layout is made again


class OnnxEncoder:
    """Embeds texts with an exported model: mean of the word pieces' vectors, unit length.

    Args:
        session: An `onnxruntime.InferenceSession` of the exported transformer.
        tokenizer: The model's `tokenizers.Tokenizer`, truncating at its longest input.
        batch_size: Texts per forward pass.
    """

    def __init__(self, session, tokenizer, batch_size: int = 64):
        self.session = session
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.inputs = {i.name for i in session.get_inputs()}
        self.dimension = int(session.get_outputs()[0].shape[-1])

    @classmethod
    def load(cls, folder: Path, batch_size: int = 64) -> OnnxEncoder:
        """The export in `folder` (made by `export`)."""
        import onnxruntime
        import tokenizers

        settings = json.loads((folder / "encoder.json").read_text())
        tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(settings["max_length"])
        tokenizer.enable_padding(pad_id=settings["pad_id"], pad_token=settings["pad_token"])
        session = onnxruntime.InferenceSession(str(folder / "model.onnx"),
                                               providers=["CPUExecutionProvider"])
        return cls(session, tokenizer, batch_size)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, shape `(len(texts), dimension)`, unit length, float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first, as sentence-transformers batches them: the least padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            vectors[rows] = self._batch([texts[i].strip() for i in rows])
        return vectors

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without special tokens, however long (none cut off)."""
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    @cached_property
    def _counter(self):
        """The tokenizer, neither truncating nor padding: set once, never changed, so threads
        may count at once."""
        import tokenizers

        counter = tokenizers.Tokenizer.from_str(self.tokenizer.to_str())
        counter.no_truncation()
        counter.no_padding()
        return counter

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                 "attention_mask": mask,
                 "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        tokens = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        summed = (tokens * mask[:, :, None]).sum(axis=1)
        mean = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)


def exportable(model) -> bool:
    """Whether a SentenceTransformer is a transformer, mean pooling and at most a normalisation:
    what `OnnxEncoder` computes."""
    kinds = [type(module).__name__ for module in model]
    return (kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
            and getattr(model[1], "pooling_mode", "") == "mean"
            and "token_type_ids" in model.tokenizer("a"))


def export(model, folder: Path) -> bool:
    """Export a SentenceTransformer to `folder` for `OnnxEncoder`; True when `folder` holds an
    export that agrees with the model (made now, or by another process meanwhile).

    Nothing is written to `folder` unless the export agrees: it is made beside it and moved
    into place in one rename.
    """
    if folder.is_dir():
        return True
    if not exportable(model):
        return False
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        try:
            _write(model, staging)
            if not _agrees(model, OnnxEncoder.load(staging)):
                return False
        except Exception:  # an export is an optimisation: the model embeds without one
            return False
        try:
            os.replace(staging, folder)
        except OSError:  # another process put its export in place first
            return folder.is_dir()
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(model, staging: Path) -> None:
    import onnx
    import torch

    transformer = model[0].auto_model.eval()
    tokenizer = model.tokenizer

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tokenizer(list(_PROBES[:2]), padding=True, return_tensors="pt")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes
        torch.onnx.export(LastHiddenState(), tuple(example[name] for name in names),
                          str(staging / "model.onnx"), input_names=names,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={name: {0: "texts", 1: "tokens"}
                                        for name in [*names, "last_hidden_state"]})
    # The weights in a file of their own, which ONNX Runtime maps into memory instead of
    # reading the graph's copy and then copying it again: ~80 MB less at a reader's peak.
    model_file = onnx.load(staging / "model.onnx")
    onnx.save_model(model_file, staging / "model.onnx", save_as_external_data=True,
                    all_tensors_to_one_file=True, location=WEIGHTS)
    tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
    (staging / "encoder.json").write_text(json.dumps({
        "max_length": int(model.max_seq_length), "pad_id": int(tokenizer.pad_token_id),
        "pad_token": tokenizer.pad_token}))


def _agrees(model, encoder: OnnxEncoder) -> bool:
    expected = model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
    return float((encoder.embed(list(_PROBES)) * expected).sum(axis=1).min()) >= _AGREEMENT
