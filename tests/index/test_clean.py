from newsdesk.index.clean import body_spans, repeated_prefix
from newsdesk.index.load import load_file
from tests.conftest import FIRST_SEED, SECOND_SEED


def _body(path) -> list[str]:
    document = load_file(path).documents[0]
    return [document.text[s:e] for s, e in body_spans(document.text, document.body_start)]


def test_scraper_repeats_are_removed_from_the_second_seed():
    paragraphs = _body(SECOND_SEED)
    body = "\n".join(paragraphs)
    for fragment in ("calls Trump’s", "tells us.", "points out.", "says .", ", “is what",
                     "warns.", ", asks"):
        assert not any(p.startswith(fragment) for p in paragraphs), fragment
    # Each sentence that was repeated now stands once.
    for sentence in ("Jeddah was a turning point", "Yet again, this only emphasized",
                     "is what Putin told Witkoff", "What’s needed for a lasting peace",
                     "the most tangible prospect to end the violence"):
        assert body.count(sentence) == 1, sentence
    assert "Ian argues that a failure" in body


def test_clean_article_loses_nothing():
    document = load_file(FIRST_SEED).documents[0]
    lines = [line.strip() for line in document.text.splitlines() if line.strip()]
    assert _body(FIRST_SEED) == lines


def test_repeated_prefix_cases():
    assert repeated_prefix("tells us. Jeddah was next.", "Putin spoke, Ian tells us.") == 9
    assert repeated_prefix("says . “Yet again.”", "says Hanna . “Yet again.”") == 19
    assert repeated_prefix("The council met.", "The council met on Monday.") == 0
    assert repeated_prefix("and then it rained.", "Nothing alike here.") == 0


def test_markdown_heading_markers_are_left_out_of_the_spans():
    text = ("# Ferry service resumes on the Solent\n\n"
            "Crossings restarted at dawn.\n"
            "### What changes for riders\n"
            "#5 berth stays closed. A #hashtag trended.\n")
    assert [text[s:e] for s, e in body_spans(text)] == [
        "Ferry service resumes on the Solent", "Crossings restarted at dawn.",
        "What changes for riders", "#5 berth stays closed. A #hashtag trended."]
