"""The benchmark's own logic on small real indexes (its timings are not tested)."""

import json

import numpy as np

from newsdesk import Retriever
from newsdesk.cli import main
from newsdesk.core.settings import Settings
from newsdesk.evals import bench
from newsdesk.index.store import Store


def test_scaled_copy_fills_a_working_index_with_unique_chunks(seed_settings, tmp_path, embedder):
    target = Settings(home=tmp_path / "scaled")
    assert bench.scaled_copy(seed_settings, target, 60) == 60
    store = Store.open(target)
    ids = [chunk_id for chunk_id, _, _ in store.all_chunks()]
    assert len(ids) == len(set(ids)) == 60
    retriever = Retriever.open(settings=target, embedder=embedder)
    passages = retriever.with_following(retriever.retrieve("Gerasimov Kursk", k=5), 5)
    assert len(passages) > 5 and any("86%" in p.text for p in passages)


def test_coverage_counts_the_text_inside_chunks(seed_settings):
    share = bench._coverage(Store.open(seed_settings))
    assert 0.85 < share < 1.0  # all text but the scraper's repeats and the metadata line


def test_sample_spreads_over_the_corpus(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "corpus.jsonl").write_text("".join(json.dumps({"doc_id": str(i)}) + "\n" for i in range(100)))
    [sample] = bench.sample_corpus(data, 10, tmp_path)
    ids = [json.loads(line)["doc_id"] for line in sample.read_text().splitlines()]
    assert ids == [str(i) for i in range(0, 100, 10)]
    assert bench.sample_corpus(data, None, tmp_path) == [data / "corpus.jsonl"]  # all of it


def test_throughput_by_tenth_is_read_between_the_timeline_points():
    timeline = [(2.0, 40), (4.0, 60), (9.0, 100)]  # 20/s, then 10/s, then 8/s
    assert bench.by_tenth(timeline, 100) == [20.0, 20.0, 20.0, 20.0, 10.0, 10.0, 8.0, 8.0, 8.0, 8.0]
    assert bench.by_tenth([(1.0, 5)], 5) == []  # too few chunks to split in tenths


def test_queries_are_measured_on_a_real_index(seed_settings, embedder):
    row = bench.measure_queries("seeds", seed_settings, ["Who flanked Putin?", "What did Dan say?"],
                                embedder)
    assert row["chunks"] == 24 and 0 < row["retrieve_p50_ms"] <= row["retrieve_p95_ms"]


def test_bench_command_rejects_a_wrong_folder(tmp_path, capsys):
    assert main(["bench", "--data", str(tmp_path)]) == 2
    assert "holds no questions.jsonl" in capsys.readouterr().err


def test_queries_are_measured_as_of_each_day_given(dated_settings, embedder):
    row = bench.measure_queries("dated", dated_settings, ["How big is the Brackwell fire?"] * 2,
                                embedder, ["2024-03-04", "none"])
    assert row["chunks"] > 0 and 0 < row["ask_p50_ms"] <= row["ask_p95_ms"]


def test_bench_queries_without_the_eval_index_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the eval index lies under the working folder
    data = tmp_path / "data"
    data.mkdir()
    assert main(["bench", "queries", "--data", str(data)]) == 2
    assert "newsdesk eval realtimeqa" in capsys.readouterr().err


def test_a_cold_ask_s_peak_memory_is_its_own_however_large_the_benchmark(seed_settings):
    """Linux carries the starting process's peak memory into a command it starts: the fresh
    asks are started from a small child, so a benchmark holding 2 GB does not show in them."""
    held = np.ones(2 * 1024**3 // 8)  # 2 GB, touched
    row = bench._child("child-cold", "seeds", str(seed_settings.home), "Who flanked Putin?", "1")
    assert held.sum() and 0 < row["status_peak_mb"] <= row["cold_ask_peak_mb"] < 1000
