import newsdesk
from newsdesk import reciprocal_rank_fusion


def test_public_api_is_pinned():
    assert newsdesk.__all__ == [
        "Answer", "AnswerConfig", "AnswerEvent", "AnswerSentence", "Answerer", "Article", "Assistant",
        "BackendUnreachableError", "BadInputError", "Checking", "Citation", "Conflict", "Copy",
        "Evidence", "ExtractiveAnswerer", "Filters", "Fitted", "FittedValuesError", "IndexMissingError",
        "IngestReport", "LLMAnswerer", "Library",
        "ModelMismatchError", "NewsdeskError", "Passage", "RetrievalConfig", "Retriever", "Settings",
        "ShortAnswer", "Source", "TextPiece", "Turn", "__version__", "ingest", "reciprocal_rank_fusion",
        "remove",
    ]
    assert all(hasattr(newsdesk, name) for name in newsdesk.__all__)


def test_reciprocal_rank_fusion_matches_hand_computed_scores():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], weights=[1.0, 0.5], k=60)
    expected = {"a": 1 / 61 + 0.5 / 62, "b": 1 / 62, "c": 1 / 63 + 0.5 / 61}
    assert [i for i, _ in fused] == sorted(expected, key=lambda i: -expected[i])
    for item, score in fused:
        assert abs(score - expected[item]) < 1e-12
