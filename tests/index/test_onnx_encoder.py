"""The model's ONNX export: the vectors it gives, when it is made and used, and what happens
when it cannot be (real model, real ONNX Runtime)."""

import shutil

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Pooling

from newsdesk import Retriever
from newsdesk.core.settings import Settings
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest
from newsdesk.index.onnx_encoder import exportable
from tests.conftest import CACHE, FIRST_SEED

# Sentences from outside the seeds, of very different lengths, embedded together and alone.
TEXTS = ["Flood.",
         "Which city will host the 2031 regatta?",
         "The harbour authority said on Monday that dredging of the northern channel, delayed by "
         "two winters of storms and a dispute with the contractor over the price of fuel, would "
         "resume in April and finish before the first cruise ships arrive in early summer.",
         "  Leading and trailing spaces are dropped, as the model drops them.  ",
         # Longer than the model reads (256 word pieces): both cut it at the same place.
         " ".join(["The ferry operator said the timetable for the winter season would change on",
                   "the first Monday of November, when the crossing to the island runs hourly."] * 12)]


@pytest.fixture(scope="module")
def model_only() -> Embedder:
    return Embedder()  # no cache folder: the model embeds everything


def test_the_export_embeds_as_the_model_does(embedder, model_only):
    assert embedder.exported is not None  # the session's embedder found the export
    together = embedder.embed(TEXTS)
    assert together.shape == (5, 384) and together.dtype == np.float32
    assert len(model_only.model.tokenizer(TEXTS[-1])["input_ids"]) > 256  # it is cut
    expected = model_only.embed(TEXTS)
    assert np.min(np.sum(together * expected, axis=1)) > 0.9999
    alone = np.vstack([embedder.embed([text]) for text in TEXTS])
    assert np.allclose(alone, together, atol=1e-5)  # padding in a batch changes nothing
    assert embedder.embed([]).shape == (0, 384)


def test_the_export_counts_word_pieces_as_the_model_does(tmp_path, model_only):
    reader = Embedder(cache=CACHE)
    texts = [*TEXTS, "Zindelport's harbour-master", ""]
    assert reader.count_tokens(texts) == model_only.count_tokens(texts)
    assert reader.count_tokens(texts)[4] > 256  # none cut off at the model's length
    assert "model" not in reader.__dict__


def test_a_reader_with_the_export_never_loads_the_model(seed_settings):
    settings = seed_settings.but(cache=CACHE)
    retriever = Retriever.open(settings=settings)
    passages = retriever.retrieve("Who gave Putin an update in Kursk?", k=3)
    assert any("Gerasimov" in p.text for p in passages)
    assert "model" not in retriever.embedder.__dict__  # the sentence-transformers model


def test_ingest_exports_the_model_once_into_the_cache(tmp_path):
    settings = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    embedder = Embedder.of(settings)
    ingest([FIRST_SEED], settings, progress=False, embedder=embedder)
    [folder] = (tmp_path / "cache" / "onnx").iterdir()
    assert folder.name.startswith("all-MiniLM-L6-v2-")
    assert sorted(f.name for f in folder.iterdir()) == ["encoder.json", "model.onnx", "model.onnx.data",
                                                            "tokenizer.json"]
    made = (folder / "model.onnx").stat().st_mtime_ns
    assert Embedder.of(settings).exported is not None
    seed = tmp_path / "again.txt"
    seed.write_text("Harbour bridge reopens\n\nThe Zindelport harbour bridge reopened on Monday.\n")
    ingest([FIRST_SEED, seed], settings, progress=False, embedder=Embedder.of(settings))
    assert (folder / "model.onnx").stat().st_mtime_ns == made  # made once
    assert [f.name for f in (tmp_path / "cache" / "onnx").iterdir()] == [folder.name]


def test_a_damaged_export_leaves_the_model_to_embed(tmp_path, model_only):
    current = Embedder(cache=CACHE)._export_folder  # the export of the model installed now
    folder = tmp_path / "onnx" / current.name
    shutil.copytree(current, folder)
    (folder / "model.onnx").write_bytes(b"not a model")
    damaged = Embedder(cache=tmp_path)
    assert damaged.exported is None
    assert np.allclose(damaged.embed(TEXTS[:2]), model_only.embed(TEXTS[:2]), atol=1e-6)


def test_only_a_mean_pooled_model_is_exported(model_only):
    assert exportable(model_only.model)
    transformer = model_only.model[0]
    cls = SentenceTransformer(modules=[transformer, Pooling(384, pooling_mode="cls")], device="cpu")
    assert not exportable(cls)


def test_a_reader_that_finds_no_export_makes_one_for_the_next(tmp_path, model_only):
    reader = Embedder(cache=tmp_path)  # an index built by an older newsdesk, or elsewhere
    vectors = reader.embed(TEXTS[:2])
    assert reader.exported is not None  # made with the model it loaded, and used
    assert np.min(np.sum(vectors * model_only.embed(TEXTS[:2]), axis=1)) > 0.9999
    assert Embedder(cache=tmp_path).exported is not None  # the next process finds it
