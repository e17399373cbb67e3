"""The fitted values (`newsdesk.fitted`): one file, checked once, for one embedding model."""

import json
from pathlib import Path

import pytest

from newsdesk import fitted as fitted_module
from newsdesk.cli import main
from newsdesk.core.errors import FittedValuesError, ModelMismatchError
from newsdesk.extractive import AnswerConfig, ExtractiveAnswerer
from newsdesk.fitted import FITTED, Fitted, packaged
from newsdesk.fusion import RetrievalConfig
from newsdesk.index.embed import Embedder


def _packaged_json() -> dict:
    return json.loads(FITTED.read_text())


def test_the_packaged_values_are_for_the_model_in_use(embedder):
    values = packaged()
    values.check_model(embedder.name, embedder.dimension)  # raises on a mismatch
    assert values.answer_types.dimension == embedder.dimension == values.model.dimension
    assert values.fitted_on.questions > 0 and values.fitted_on.data


def test_the_fitted_defaults_of_answer_config_come_from_the_file():
    config, answer = AnswerConfig(), packaged().answer
    assert {name: getattr(config, name) for name in answer.model_dump()} == answer.model_dump()
    # the hand-set ones stay; an explicit value wins over the file's
    assert AnswerConfig(min_score=0.3).min_score == 0.3
    assert AnswerConfig().max_sentences == 4


def test_the_tuned_defaults_of_retrieval_config_come_from_the_file():
    from newsdesk.evals.tune import GRID

    config, retrieval = RetrievalConfig(), packaged().retrieval
    assert {name: getattr(config, name) for name in retrieval.knobs()} == retrieval.knobs()
    assert set(retrieval.knobs()) == set(GRID)  # what `newsdesk tune` sweeps, it writes
    assert RetrievalConfig(recency=0.0).recency == 0.0 and RetrievalConfig().lead_prior == 0.1


def test_tune_writes_its_choice_into_the_fitted_values_and_keeps_the_rest(tmp_path):
    from newsdesk.evals import tune

    out = tmp_path / "fitted.json"
    tune._write(RetrievalConfig(recency=0.08, recent_days=30), out, {"by": "a test"})
    again = Fitted.load(out)
    assert (again.retrieval.recency, again.retrieval.recent_days) == (0.08, 30)
    assert again.retrieval.lexical_weight == packaged().retrieval.lexical_weight
    assert again.retrieval.fitted == {"by": "a test"}
    assert again.answer == packaged().answer and again.model == packaged().model


def test_save_and_load_give_the_same_values(tmp_path):
    packaged().save(tmp_path / "fitted.json")
    again = Fitted.load(tmp_path / "fitted.json")
    assert json.loads((tmp_path / "fitted.json").read_text()) == _packaged_json()
    assert again.answer == packaged().answer and again.model == packaged().model
    assert again.retrieval == packaged().retrieval
    assert again.sentence_scorer.features == packaged().sentence_scorer.features
    assert not list(tmp_path.glob(".*.tmp"))  # written whole, nothing left beside it


def _without(data: dict, section: str, key: str) -> dict:
    del data[section][key]
    return data


def _with(data: dict, section: str, key: str, value) -> dict:
    data[section][key] = value
    return data


def _dimension(data: dict) -> dict:
    data["model"]["dimension"] = 768  # the answer types read two vectors of 384
    return data


FEATURES = len(json.loads(FITTED.read_text())["sentence_scorer"]["features"])


def _short_mean(data: dict) -> dict:
    data["sentence_scorer"]["mean"] = data["sentence_scorer"]["mean"][:-1]
    return data


def _type_row(data: dict) -> dict:
    data["answer_types"]["weights"][3] = data["answer_types"]["weights"][3][:10]
    return data


@pytest.mark.parametrize(("damage", "says"), [
    (lambda d: _without(d, "answer", "min_score"), "answer.min_score: Field required"),
    (lambda d: _with(d, "answer", "min_scor", 0.5), "answer.min_scor: Extra inputs"),
    (lambda d: {k: v for k, v in d.items() if k != "model"}, "model: Field required"),
    (lambda d: _with(d, "answer", "min_score", "0.52"), "answer.min_score: Input should be a"),
    (lambda d: _with(d, "answer", "short_type", 1.5), "answer.short_type"),
    (lambda d: _with(d, "fitted_on", "date", "6 December"), "fitted_on.date"),
    (lambda d: _with(d, "retrieval", "recency", -0.1), "retrieval.recency"),
    (lambda d: _without(d, "retrieval", "recent_days"), "retrieval.recent_days: Field required"),
    (_dimension, "the model's dimension"),
    (_short_mean, rf"mean holds {FEATURES - 1} numbers for {FEATURES} features"),
    (_type_row, "the model's dimension"),
    (lambda d: [d], "are not a JSON object"),
])
def test_a_file_of_another_shape_is_one_clear_error(tmp_path, damage, says):
    path = tmp_path / "fitted.json"
    path.write_text(json.dumps(damage(_packaged_json())))
    with pytest.raises(FittedValuesError) as error:
        Fitted.load(path)
    message = str(error.value)
    assert says in message and str(path) in message and "`newsdesk train`" in message
    assert len(message) < 600  # a line to read, not pydantic's whole report


@pytest.mark.parametrize("text", [None, "", '{"model": ', "\x00\x01"])
def test_a_missing_or_unreadable_file_is_one_clear_error(tmp_path, text):
    path = tmp_path / "fitted.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(FittedValuesError, match=r"fitted values .*`newsdesk train`"):
        Fitted.load(path)


@pytest.mark.parametrize(("model", "dimension"), [
    ("/models/another", None),
    ("sentence-transformers/all-mpnet-base-v2", 768),
    (packaged().model.id, 768),  # the same name, another model behind it
])
def test_values_fitted_with_another_model_are_refused(model, dimension):
    with pytest.raises(ModelMismatchError) as error:
        packaged().check_model(model, dimension)
    assert f"NEWSDESK_EMBED_MODEL={packaged().model.id}" in str(error.value)
    assert repr(model) in str(error.value)


def test_the_answerer_checks_the_values_against_its_embedder():
    # the name only: asking the embedder its dimension would load the model
    with pytest.raises(ModelMismatchError, match="'/models/another'"):
        ExtractiveAnswerer(Embedder("/models/another"))
    answerer = ExtractiveAnswerer(Embedder())
    assert answerer.fitted is packaged() and answerer.config == AnswerConfig()


@pytest.fixture
def damaged_package(tmp_path, monkeypatch) -> Path:
    """The packaged values replaced by a damaged file, for this test only."""
    path = tmp_path / "fitted.json"
    path.write_text(json.dumps(_without(_packaged_json(), "answer", "on_topic")))
    monkeypatch.setattr(fitted_module, "FITTED", path)
    packaged.cache_clear()
    yield path
    packaged.cache_clear()


def test_the_command_line_reports_damaged_values_in_one_line(damaged_package, seed_settings, capsys):
    code = main(["--home", str(seed_settings.home), "ask", "What conditions did Putin set?"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.startswith("newsdesk: The fitted values") and "answer.on_topic" in err
    assert "`newsdesk train`" in err
